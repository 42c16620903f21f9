"""ToolGen recipe: tool memorization, then retrieval training, on Ray Train with DeepSpeed ZeRO.

One ``train_func`` runs on every worker. The stages share one DeepSpeed engine: stage boundaries only
change the data and the learning rate. After each stage rank 0 saves a Hugging Face directory and
reports it as a Ray Train checkpoint; a restarted run resumes after the last finished stage
(``ray.train.get_checkpoint``).

Run it from the CLI (``toolfoundry train --config ...``) or through ``toolfoundry pipeline demo``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
import time

import pyarrow as pa
import pyarrow.compute as pc
import ray
import ray.data
import ray.train
import torch
from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
from ray.train.torch import TorchConfig, TorchTrainer

from toolfoundry.catalog import Catalog
from toolfoundry.config import PipelineConfig
from toolfoundry.modeling import load_tokenizer
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, tools_from_table
from toolfoundry.storage import read_manifest, resolve, shard_paths
from toolfoundry.training import TargetOnlyLM, collate, encode_pairs

STATE_FILE = "train_state.json"
_MODEL_FILES_FROM_INIT = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "catalog.json"
)


class EncodeStage:
    """Ray Data UDF: (text, tool id) rows → token ids and labels. Loads the tokenizer once per actor."""

    def __init__(self, model_dir: str, task: str, max_len: int):
        from toolfoundry.modeling import load_tokenizer

        self.tokenizer = load_tokenizer(model_dir)
        catalog = Catalog.load(model_dir)
        self.token_of = dict(zip(catalog.ids, catalog.token_strings()))
        self.task = task
        self.max_len = max_len

    def __call__(self, batch: dict) -> dict:
        targets = [self.token_of[t] for t in batch["tool_id"]]
        return encode_pairs(self.tokenizer, list(batch["text"]), targets, self.task, self.max_len)


def _read(uri: str, schema):
    fs, _ = resolve(uri)
    return ray.data.read_parquet(shard_paths(uri), filesystem=fs, schema=schema)


def stage_datasets(tools_uri: str, examples_uri: str, model_dir: str, max_len: int) -> dict[str, ray.data.Dataset]:
    """Tokenized datasets for both stages, materialized so training workers own every CPU."""

    def memorization_rows(table: pa.Table) -> pa.Table:
        docs = [tool.document() for tool in tools_from_table(table)]
        return pa.table({"text": docs, "tool_id": table["id"]})

    def retrieval_rows(table: pa.Table) -> pa.Table:
        train = table.filter(pc.equal(table["split"], "train"))
        return pa.table({"text": train["query"], "tool_id": pc.list_element(train["relevant_tool_ids"], 0)})

    sources = {
        "memorization": _read(tools_uri, TOOL_SCHEMA).map_batches(memorization_rows, batch_format="pyarrow"),
        "retrieval": _read(examples_uri, EXAMPLE_SCHEMA).map_batches(retrieval_rows, batch_format="pyarrow"),
    }
    return {
        name: ds.map_batches(
            EncodeStage,
            fn_constructor_kwargs={"model_dir": model_dir, "task": name, "max_len": max_len},
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=1),
        ).materialize()
        for name, ds in sources.items()
    }


def deepspeed_config(cfg: dict) -> dict:
    return {
        "train_micro_batch_size_per_gpu": cfg["batch_size"],
        "gradient_accumulation_steps": 1,
        "gradient_clipping": 1.0,
        "zero_optimization": {"stage": cfg["zero_stage"]},
        "bf16": {"enabled": cfg["dtype"] == "bfloat16"},
        "steps_per_print": 10**9,  # progress is reported by the recipe itself
    }


def _save_model(model, cfg: dict, directory: str, stages_done: int, history: list[dict]) -> None:
    """Rank 0 writes a complete HF directory; under ZeRO-3 every rank joins the gather first."""
    import deepspeed

    params = list(model.parameters())
    gather = deepspeed.zero.GatheredParameters(params, modifier_rank=None, enabled=cfg["zero_stage"] == 3)
    with gather:
        if ray.train.get_context().get_world_rank() == 0:
            model.save_pretrained(directory, safe_serialization=True)
            for name in _MODEL_FILES_FROM_INIT:
                source = os.path.join(cfg["init_dir"], name)
                if os.path.exists(source):
                    shutil.copy(source, directory)
            with open(os.path.join(directory, STATE_FILE), "w") as handle:
                json.dump({"stages_done": stages_done, "history": history}, handle)


def train_func(cfg: dict) -> None:
    """Runs on every Ray Train worker."""
    import deepspeed
    from transformers import AutoModelForCausalLM

    from toolfoundry.modeling import torch_dtype

    ctx = ray.train.get_context()
    rank, world = ctx.get_world_rank(), ctx.get_world_size()
    torch.manual_seed(cfg["seed"])

    model_dir, stages_done, history = cfg["init_dir"], 0, []
    checkpoint = ray.train.get_checkpoint()
    if checkpoint:  # resume after the last finished stage
        local = checkpoint.to_directory()
        with open(os.path.join(local, STATE_FILE)) as handle:
            state = json.load(handle)
        stages_done, history, model_dir = state["stages_done"], state["history"], local
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype(cfg["dtype"]))
    model.config.use_cache = False

    wrapper = TargetOnlyLM(model)
    optimizer = torch.optim.AdamW(wrapper.parameters(), lr=cfg["stages"][0]["lr"], weight_decay=cfg["weight_decay"])
    # A plain torch optimizer: DeepSpeed then needs none of its compiled CPU ops.
    engine, optimizer, _, _ = deepspeed.initialize(model=wrapper, optimizer=optimizer, config=deepspeed_config(cfg))

    for stage_index, stage in enumerate(cfg["stages"]):
        if stage_index < stages_done:
            continue
        name = stage["name"]
        rows = cfg["rows"][name]
        steps_per_epoch = rows // (world * cfg["batch_size"])
        if steps_per_epoch < 1:
            raise ValueError(f"stage {name}: {rows} rows is less than one batch per worker; lower train.batch_size")
        total = math.ceil(stage["epochs"] * steps_per_epoch)
        if stage.get("max_steps"):
            total = min(total, stage["max_steps"])
        warmup = max(1, math.ceil(total * cfg["warmup_fraction"]))
        shard = ray.train.get_dataset_shard(name)
        step, tokens, losses, started = 0, 0, [], time.time()
        engine.train()
        while step < total:  # every rank takes exactly `total` steps, so collectives stay in step
            batches = shard.iter_torch_batches(
                batch_size=cfg["batch_size"],
                drop_last=True,
                collate_fn=lambda b: collate(b, cfg["pad_id"]),
                local_shuffle_buffer_size=4 * cfg["batch_size"],
                local_shuffle_seed=cfg["seed"] + step,
            )
            for batch in batches:
                # Linear warm-up, then linear decay to 10% of the stage's peak rate.
                decay = max(0.1, 1.0 - 0.9 * max(0, step - warmup) / max(1, total - warmup))
                for group in optimizer.param_groups:
                    group["lr"] = stage["lr"] * min((step + 1) / warmup, decay)
                loss = engine(**batch)
                engine.backward(loss)
                engine.step()
                step += 1
                tokens += int(batch["attention_mask"].sum())
                losses.append(loss.item())
                if rank == 0 and (step % cfg["log_every"] == 0 or step == total):
                    rate = tokens * world / (time.time() - started)
                    recent = sum(losses[-cfg["log_every"] :]) / len(losses[-cfg["log_every"] :])
                    print(f"[train] {name} step {step}/{total} loss {recent:.4f} ({rate:.0f} tokens/s)", flush=True)
                if step >= total:
                    break
        elapsed = time.time() - started
        metrics = {
            "stage": name,
            "steps": step,
            "loss": sum(losses[-10:]) / len(losses[-10:]),
            "tokens_per_s": tokens * world / elapsed,
            "seconds": elapsed,
        }
        history.append(metrics)
        with tempfile.TemporaryDirectory() as directory:
            _save_model(model, cfg, directory, stage_index + 1, history)
            ckpt = ray.train.Checkpoint.from_directory(directory) if rank == 0 else None
            ray.train.report(metrics, checkpoint=ckpt, checkpoint_dir_name=f"stage{stage_index + 1}_{name}")


def run(cfg: PipelineConfig, tools_uri: str, examples_uri: str, init_dir: str, out_dir: str) -> dict:
    """Fine-tune the model in ``init_dir`` and copy the final HF directory to ``out_dir``."""
    train = cfg.train
    datasets = stage_datasets(tools_uri, examples_uri, init_dir, train.max_seq_len)
    rows = {name: ds.count() for name, ds in datasets.items()}
    pad_id = load_tokenizer(init_dir).pad_token_id
    loop_cfg = {
        **train.model_dump(),
        "stages": [s.model_dump() for s in train.stages],
        "dtype": cfg.model.dtype,
        "init_dir": os.path.abspath(init_dir),
        "rows": rows,
        "pad_id": pad_id,
        "log_every": 5,
    }
    run_root = os.path.abspath(os.path.join(cfg.run_dir, "ray_results"))
    # Ray Train restores a run of the same name from its latest checkpoint. Naming the run by its
    # config makes a rerun resume after its last finished stage, and a changed config start afresh.
    identity = {**loop_cfg, "data": [read_manifest(u)["content_hash"] for u in (tools_uri, examples_uri)]}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]
    trainer = TorchTrainer(
        train_func,
        train_loop_config=loop_cfg,
        scaling_config=ScalingConfig(num_workers=train.num_workers, use_gpu=train.use_gpu),
        torch_config=TorchConfig(backend="nccl" if train.use_gpu else "gloo"),
        datasets={name: ds for name, ds in datasets.items() if name in {s.name for s in train.stages}},
        run_config=RunConfig(
            name=f"toolgen-{digest}",
            storage_path=run_root,
            checkpoint_config=CheckpointConfig(num_to_keep=1),
            failure_config=FailureConfig(max_failures=train.max_failures),
        ),
    )
    result = trainer.fit()
    if result.checkpoint is None:
        raise RuntimeError(f"training finished without a checkpoint; see the logs under {run_root}")
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    result.checkpoint.to_directory(out_dir)
    with open(os.path.join(out_dir, STATE_FILE)) as handle:
        state = json.load(handle)
    return {"model_dir": out_dir, "rows": rows, "stages": state["history"]}
