"""The frozen-layer cache (``trainable.frozen_cache_gb``): the same training with and without it.

    .venv/bin/python bench/frozen_cache.py --epochs 3 --rows 320 --out runs/bench_frozen_cache

Two copies of the same model (SmolLM2-135M-Instruct with the tool tokens of a 240-tool synthetic
catalog, the top ``--top-layers`` layers and the tool rows trainable) train on the same retrieval rows
in the same batches with the same optimizer, one with :class:`toolfoundry.training.FrozenPrefix` and
one without. Their steps alternate, so whatever else the machine is doing slows both alike. Printed
per epoch: tokens/s of each arm and the ratio, and the largest difference between the two arms'
losses (the cache must not change what is learned). The first epoch fills the cache, so it costs the
same as without; the later epochs are where the cache pays.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def arm(init_dir: str, num_tools: int, top_layers: int, cache: bool):
    from transformers import AutoModelForCausalLM

    from toolfoundry.training import StageLoss, Trainable, frozen_prefix, install_tool_rows, make_trainable

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(init_dir, dtype=torch.float32)
    model.config.use_cache = False
    rows, head = install_tool_rows(model, num_tools)
    spec = Trainable(profile="top_layers", top_layers=top_layers, frozen_cache_gb=4.0 if cache else 0.0)
    model, base, tools = make_trainable(model, rows, head, spec)
    loss_fn = StageLoss(model, rows, head, "tool_slot", prefix=frozen_prefix(model, rows, spec))
    opt = torch.optim.AdamW([{"params": base, "lr": 3e-4}, {"params": tools, "lr": 3e-3}])
    return loss_fn, opt, base + tools


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="runs/bench_frozen_cache")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--rows", type=int, default=320, help="training rows (the first of the synthetic set)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--top-layers", type=int, default=6)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    p.add_argument("--json", help="write the results here too")
    args = p.parse_args(argv)

    from train import prepare  # bench/train.py: the synthetic catalog, initial model and retrieval rows

    from toolfoundry.catalog import Catalog
    from toolfoundry.modeling import load_tokenizer
    from toolfoundry.schema import TOKEN_SCHEMA
    from toolfoundry.storage import read_table
    from toolfoundry.training import batch_plan, collate

    init_dir, rows_uri, _ = prepare(args.out, args.batch_size, 128)
    torch.set_num_threads(args.threads)
    num_tools = len(Catalog.load(init_dir))
    data = [r for r in read_table(rows_uri, TOKEN_SCHEMA).to_pylist() if r["split"] == "train"][:args.rows]
    pad = load_tokenizer(init_dir).pad_token_id
    arms = {"without the cache": arm(init_dir, num_tools, args.top_layers, False),
            "with the cache": arm(init_dir, num_tools, args.top_layers, True)}
    epochs = []
    for epoch in range(args.epochs):
        plan = batch_plan([len(r["input_ids"]) for r in data], args.batch_size, seed=0, epoch=epoch)
        seconds = {name: 0.0 for name in arms}
        losses = {name: [] for name in arms}
        tokens = 0
        for step in plan:
            batch = collate([data[i] for i in step[0]], pad, num_tools)
            tokens += int(batch["attention_mask"].sum())
            for name, (loss_fn, opt, params) in arms.items():
                started = time.perf_counter()
                loss, _, _ = loss_fn(**batch)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                opt.zero_grad(set_to_none=True)
                seconds[name] += time.perf_counter() - started
                losses[name].append(float(loss.detach()))
        names = list(arms)
        diff = max(abs(a - b) for a, b in zip(losses[names[0]], losses[names[1]]))
        epochs.append({"epoch": epoch + 1, "steps": len(plan), "tokens": tokens,
                       "tokens_per_s": {n: tokens / seconds[n] for n in names},
                       "ratio": seconds[names[0]] / seconds[names[1]], "max_loss_difference": diff,
                       "mean_loss": {n: sum(losses[n]) / len(losses[n]) for n in names}})
    cache = arms["with the cache"][0].prefix.stats()
    print(f"\n{args.rows} rows, batches of {args.batch_size}, top {args.top_layers} layers trainable, fp32, "
          f"{args.threads} threads, load average {os.getloadavg()[0]:.1f}; cache: {cache['rows']} rows, "
          f"{cache['gib']:.3f} GiB")
    print(f"{'epoch':>5} {'steps':>6} {'tokens/s without':>17} {'tokens/s with':>14} {'speed-up':>9} "
          f"{'max |loss diff|':>16}")
    for e in epochs:
        t = e["tokens_per_s"]
        print(f"{e['epoch']:>5} {e['steps']:>6} {t['without the cache']:>17,.0f} {t['with the cache']:>14,.0f} "
              f"{e['ratio']:>8.2f}x {e['max_loss_difference']:>16.2e}")
    total = sum(e["tokens"] for e in epochs)
    overall = {n: total / sum(e["tokens"] / e["tokens_per_s"][n] for e in epochs) for n in arms}
    print(f"{'all':>5} {sum(e['steps'] for e in epochs):>6} {overall['without the cache']:>17,.0f} "
          f"{overall['with the cache']:>14,.0f} {overall['with the cache'] / overall['without the cache']:>8.2f}x")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"epochs": epochs, "overall_tokens_per_s": overall, "cache": cache, "args": vars(args)},
                      handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
