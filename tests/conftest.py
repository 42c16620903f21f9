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


def burst_with_health(url: str, path: str, body: dict, n: int, headers: dict | None = None):
    """``n`` concurrent POSTs of ``body`` to ``path``, with ``/healthz`` timed 5 times meanwhile:
    (the answers, [(health status, seconds)])."""
    import asyncio
    import time

    import httpx

    async def burst():
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers or {}) as client:
            async def health():
                await asyncio.sleep(0.3)
                times = []
                for _ in range(5):
                    t = time.perf_counter()
                    r = await client.get("/healthz")
                    times.append((r.status_code, time.perf_counter() - t))
                    await asyncio.sleep(0.1)
                return times

            *answers, health_times = await asyncio.gather(*(client.post(path, json=body) for _ in range(n)), health())
            return answers, health_times

    return asyncio.run(burst())


def assert_fast_refusals(answers, health_times, retry_after: str, min_ok: int) -> None:
    """An overload burst's contract: every answer 200 or 503, at least one of each (``min_ok`` 200s), each
    503 with ``Retry-After`` and an ``overloaded_error``; ``/healthz`` answered 200 throughout, well under
    a second at the median (the slowest is allowed 3 s: CI machines can be oversubscribed)."""
    codes = [r.status_code for r in answers]
    assert set(codes) <= {200, 503} and codes.count(503) >= 1 and codes.count(200) >= min_ok, codes
    for rejected in (r for r in answers if r.status_code == 503):
        assert rejected.headers["retry-after"] == retry_after
        assert rejected.json()["error"]["type"] == "overloaded_error"
    seconds = sorted(s for _, s in health_times)
    assert all(code == 200 for code, _ in health_times), health_times
    assert seconds[len(seconds) // 2] < 1.0 and seconds[-1] < 3.0, health_times


def kill_replica_under_load(url: str, handle, headers: dict | None = None, clients: int = 3):
    """SIGKILL the one replica behind ``handle`` (a deployment with ``info() -> {"pid"}``) while
    ``clients`` threads keep asking ``/v1/tools/retrieve``; wait until a new replica answers (at most
    90 s). Returns (answers as (time, status, retry-after), killed_at, pids before, pids after)."""
    import signal
    import threading
    import time

    import httpx

    def replica_pids() -> set[int]:  # one replica: info answers from it
        try:
            return {handle.info.remote().result(timeout_s=10)["pid"]}
        except Exception:  # no replica yet
            return set()

    before = replica_pids()
    assert len(before) == 1, before
    answers: list[tuple[float, int, str | None]] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60, headers=headers or {}) as http:
            while not stop.is_set():
                r = http.post("/v1/tools/retrieve", json={"query": "weather in Paris", "k": 2})
                answers.append((time.time(), r.status_code, r.headers.get("retry-after")))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    while len(answers) < 6:
        time.sleep(0.05)
    killed_at = time.time()
    os.kill(next(iter(before)), signal.SIGKILL)
    deadline = killed_at + 90
    while time.time() < deadline and not any(t > killed_at + 1 and code == 200 and replica_pids() - before
                                              for t, code, _ in answers[-3:]):
        time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    return answers, killed_at, before, replica_pids()
