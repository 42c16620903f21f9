"""Training throughput: the engine (Ray Train, 2 workers, DeepSpeed ZeRO-2) against a plain torch loop.

    .venv/bin/python bench/train.py --steps 30 --out runs/bench_train

Both train the same model (SmolLM2-135M-Instruct with the tool tokens of a 240-tool synthetic catalog),
with the same trainable parameters (``--profile``), on the same retrieval rows in the same batches
(global batch = 2 workers × ``--batch-size``), in bf16 compute with fp32 master weights, for the
same number of optimizer steps after ``--warmup`` untimed ones. The plain loop is one process using
every core (``torch.set_num_threads``); the engine is ``train_jobs.engine.train_func`` on two Ray
Train workers with one core each, exchanging gradients over gloo. Printed: tokens/s of each, the
ratio engine / plain, and where the engine's time goes (forward+backward, optimizer step with the
gradient all-reduce), measured inside the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def prepare(out: str, batch_size: int, max_len: int) -> tuple[str, str, str]:
    """Synthetic data, the initial model and the retrieval token rows (cached under ``out``)."""
    from data_jobs import stages
    from data_jobs.common import ensure_ray
    from data_jobs.synthesize import run as synthesize
    from toolfoundry.config import DataConfig, RecipeConfig
    from train_jobs.engine import initial_model

    ensure_ray()
    data = synthesize(DataConfig(num_tools=240, queries_per_tool=6, num_shards=2), os.path.join(out, "data"), 0)
    recipe = RecipeConfig.model_validate({"run_dir": out, "train": {"stages": [{"name": "retrieval"}]}})
    init_dir = initial_model(recipe, data["tools"])
    rows = stages.run(data["tools"], data["examples"], os.path.join(out, "stages"), model_dir=init_dir,
                      max_len=max_len, dev_fraction=0.0, stages=("retrieval",))
    return init_dir, os.path.abspath(rows["tokens"]["retrieval"]["uri"]), data["tools"]


def plain_loop(init_dir: str, rows_uri: str, args) -> dict:
    """One process, all cores: the same model pieces the engine uses, without Ray or DeepSpeed."""
    from transformers import AutoModelForCausalLM

    from toolfoundry.catalog import Catalog
    from toolfoundry.modeling import load_tokenizer
    from toolfoundry.schema import TOKEN_SCHEMA
    from toolfoundry.storage import read_table
    from toolfoundry.training import (StageLoss, Trainable, batch_plan, collate, frozen_prefix, install_tool_rows,
                                      make_trainable)

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    catalog = Catalog.load(init_dir)
    model = AutoModelForCausalLM.from_pretrained(init_dir, dtype=torch.float32)
    model.config.use_cache = False
    rows, head = install_tool_rows(model, len(catalog.new_vocabulary()))
    spec = Trainable(profile=args.profile, top_layers=args.top_layers)
    model, base, tools = make_trainable(model, rows, head, spec)
    # the engine keeps the frozen layers' outputs (trainable.frozen_cache_gb, on by default): so does this loop
    loss_fn = StageLoss(model, rows, head, "tool_slot", prefix=frozen_prefix(model, rows, spec))
    opt = torch.optim.AdamW([{"params": base, "lr": 3e-4}, {"params": tools, "lr": 3e-3}])
    data = [r for r in read_table(rows_uri, TOKEN_SCHEMA).to_pylist() if r["split"] == "train"]
    plan = batch_plan([len(r["input_ids"]) for r in data], args.batch_size, seed=0, epoch=0, world=2)
    pad = load_tokenizer(init_dir).pad_token_id
    tokens, started = 0, None
    for step in range(args.warmup + args.steps):
        if step == args.warmup:
            tokens, started = 0, time.perf_counter()
        batch_rows = [data[i] for rank_batch in plan[step % len(plan)] for i in rank_batch]  # the global batch
        batch = collate(batch_rows, pad, len(catalog))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss, _, _ = loss_fn(**batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(base + tools, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += int(batch["attention_mask"].sum())
    seconds = time.perf_counter() - started
    return {"tokens_per_s": tokens / seconds, "seconds": seconds, "tokens": tokens}


def engine_loop(init_dir: str, rows_uri: str, args) -> dict:
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from toolfoundry.config import RecipeConfig
    from toolfoundry.modeling import load_tokenizer
    from train_jobs.engine import deepspeed_config, train_func

    recipe = RecipeConfig.model_validate({
        "model": {"dtype": "bfloat16"}, "trainable": {"profile": args.profile, "top_layers": args.top_layers},
        "optimizer": {"lr": 3e-4, "tool_lr": 3e-3}, "train": {"batch_size": args.batch_size, "log_every": 10**6}})
    stage = {"name": "retrieval", "loss": "auto", "loss_mode": "tool_slot", "epochs": 100.0,
             "max_steps": args.warmup + args.steps, "lr": None, "tool_lr": None,
             "budget": {"minutes": None, "eval_every": 0, "patience": 0, "min_delta": 0.0, "dev_max_rows": 1}}
    cfg = {"seed": 0, "init_uri": init_dir, "stage_uris": {"retrieval": rows_uri}, "stages": [stage],
           "trainable": recipe.trainable.model_dump(), "optimizer": recipe.optimizer.model_dump(),
           "schedule": recipe.schedule.model_dump(), "deepspeed": deepspeed_config(recipe),
           "batch_size": args.batch_size, "grad_accum": 1, "checkpoint_every": 0, "log_every": 10**6,
           "pad_id": load_tokenizer(init_dir).pad_token_id, "threads": max(1, args.threads // 2),
           "timing_after": args.warmup, "export": False}
    trainer = TorchTrainer(train_func, train_loop_config=cfg, scaling_config=ScalingConfig(num_workers=2),
                           torch_config=TorchConfig(backend="gloo"),
                           run_config=RunConfig(name=f"bench-{int(time.time())}",
                                                storage_path=os.path.abspath(os.path.join(args.out, "ray_results"))))
    result = trainer.fit()
    return result.metrics["timing"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="runs/bench_train")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=16, help="per worker; the plain loop takes 2x")
    p.add_argument("--profile", default="top_layers", choices=["full", "top_layers", "lora"])
    p.add_argument("--top-layers", type=int, default=6)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--json", help="write the results here too")
    args = p.parse_args(argv)
    init_dir, rows_uri, _ = prepare(args.out, args.batch_size, args.max_len)
    engine = engine_loop(init_dir, rows_uri, args)
    plain = plain_loop(init_dir, rows_uri, args)
    ratio = engine["tokens_per_s"] / plain["tokens_per_s"]
    print(f"\nprofile {args.profile}" + (f" (top {args.top_layers} layers)" if args.profile == "top_layers" else "")
          + f", {args.steps} steps of {2 * args.batch_size} rows after {args.warmup} warm-up steps, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'system':<46} {'tokens/s':>10} {'ratio':>7}")
    print(f"{'plain torch loop, 1 process x ' + str(args.threads) + ' threads':<46} {plain['tokens_per_s']:>10,.0f} {1.0:>6.2f}x")
    print(f"{'engine: Ray Train 2 workers, DeepSpeed ZeRO-2':<46} {engine['tokens_per_s']:>10,.0f} {ratio:>6.2f}x")
    print(f"engine time per step: forward+backward {engine['fwd_bwd_s']:.3f}s, optimizer step incl. gradient "
          f"all-reduce {engine['step_s']:.3f}s, batch assembly {engine['data_s']:.3f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"plain": plain, "engine": engine, "ratio": ratio, "args": vars(args)}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
