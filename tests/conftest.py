"""Shared fixtures: one local Ray session and one tiny model trained through the real pipeline.

Tests use a tiny random model of SmolLM2's architecture and tokenizer, so they exercise the same code
paths as the demo (Ray Data, Ray Train + DeepSpeed, Ray Serve over HTTP) in seconds, not minutes.
"""

from __future__ import annotations

import os
import socket

import pytest

os.environ.setdefault("DS_ACCELERATOR", "cpu")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


#: two OpenAI-format tools with enum and boolean arguments (the serving tests' live tools)
ENUM_TOOLS = [
    {"type": "function", "function": {
        "name": "set_unit", "description": "Choose the unit system for every answer.",
        "parameters": {"type": "object", "properties": {"unit": {"type": "string", "enum": ["metric", "imperial"]},
                                                        "strict": {"type": "boolean"}}, "required": ["unit"]}}},
    {"type": "function", "function": {
        "name": "toggle_mode", "description": "Turn dark mode on or off.",
        "parameters": {"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]}}},
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def ray_session():
    """A local Ray with 4 logical CPUs: 2 training workers plus room for Data actors and Serve."""
    import ray

    from data_jobs.common import RAY_ENV

    if not ray.is_initialized():
        ray.init(
            num_cpus=4,
            include_dashboard=False,
            runtime_env={"env_vars": RAY_ENV},
        )
        ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def tiny_pipeline_config(run_dir: str, **sections):
    from toolfoundry.config import PipelineConfig

    data = {
        "run_dir": run_dir,
        "data": {"num_tools": 24, "queries_per_tool": 5, "test_fraction": 0.2, "num_shards": 2},
        "model": {"source": "tiny-random"},
        "trainable": {"profile": "top_layers", "top_layers": 1},  # as the demo: the bottom layer is frozen
        "optimizer": {"lr": 3e-4, "tool_lr": 1e-2},
        "schedule": {"warmup_steps": 2},
        "encode": {"max_len": 160, "dev_fraction": 0.1},
        "train": {
            "batch_size": 4,
            "log_every": 5,
            "stages": [
                {"name": "memorization", "epochs": 2},
                {"name": "retrieval", "epochs": 2, "budget": {"eval_every": 5, "minutes": 30}},  # paces the schedule
                {"name": "agent", "epochs": 1},
            ],
        },
        "serve": {"port": free_port(), "demo_queries": 2},
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return PipelineConfig.model_validate(data)


@pytest.fixture(scope="session")
def tiny_pipeline(ray_session, tmp_path_factory):
    """The demo pipeline run end to end on a tiny model: its report and its run directory."""
    from train_jobs.pipeline import run

    cfg = tiny_pipeline_config(str(tmp_path_factory.mktemp("tiny_run")))
    report = run(cfg, shutdown=False)
    return cfg, report
