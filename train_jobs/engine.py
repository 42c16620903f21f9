"""The staged-training engine: one Ray Train + DeepSpeed loop for every recipe.

A recipe (``train_jobs/recipes/*.yaml``, :class:`toolfoundry.config.RecipeConfig`) names its parts —
model and tool-token initialisation, trainable parameters, optimizer, learning-rate schedule, row
encoding — and its stages. The engine

1. prepares the initial model once per (model, catalog): base model + one token per tool;
2. runs ``toolfoundry data stages`` (the only producer of training rows) for the stages it needs;
3. runs ``train_func`` on every Ray Train worker: the stages in order on one DeepSpeed engine, each
   with its loss (``tool_slot`` or ``lm``), its own learning rates and its budget — epochs or steps,
   a time budget that the schedule is fitted into, and a stop on a plateau of the dev metric measured
   on a held-out slice of the training rows;
4. checkpoints every ``train.checkpoint_every`` steps and at each stage's end (model, optimizer and
   data position, through ``ray.train.report``), so a restarted worker group resumes mid-stage, at
   the step after the checkpoint, with the batches it would have seen;
5. exports a plain Hugging Face directory (safetensors, tokenizer with the tool tokens, catalog).

Rows are read by every worker from the stage datasets (pyarrow, so ``s3://`` works) and dealt into
length-bucketed batches by a seeded plan: exact resume needs an order that depends only on
(seed, stage, epoch), which a streaming reader cannot promise.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time

from toolfoundry.catalog import Catalog
from toolfoundry.config import RecipeConfig, StageConfig
from toolfoundry.errors import InputError

STATE_FILE = "train_state.json"
INIT_STAMP = "toolfoundry_init.json"
TOOLGEN_STAGES = ("memorization", "retrieval", "agent")
TAG = "engine"
_COPY_FROM_INIT = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
                   "catalog.json")


def stage_loss(stage: StageConfig, scheme: str) -> str:
    if stage.loss != "auto":
        if stage.loss == "tool_slot" and (scheme != "atomic" or stage.name not in ("memorization", "retrieval")):
            raise InputError(f"stage {stage.name}.loss", "tool_slot needs atomic indexing and a tool-token stage",
                             "loss: lm, or indexing: atomic")
        return stage.loss
    return "tool_slot" if scheme == "atomic" and stage.name in ("memorization", "retrieval") else "lm"


# ------------------------------------------------------------------------------------ worker side
def _progress(name: str, step: int, total: int, loss: float, rate: float, eta: float, dev: str) -> str:
    width = 20
    done = int(width * step / max(1, total))
    return (f"[train] {name:<14} [{'#' * done}{'.' * (width - done)}] {100 * step / max(1, total):3.0f}% "
            f"step {step}/{total} loss {loss:.4f}{dev} {rate:,.0f} tok/s ETA {int(eta // 60)}m{int(eta % 60):02d}s")


class _Rows:
    """A stage's token rows on this worker: train rows, dev rows."""

    def __init__(self, uri: str, dev_max_rows: int):
        from toolfoundry.schema import TOKEN_SCHEMA
        from toolfoundry.storage import read_table

        table = read_table(uri, TOKEN_SCHEMA)
        rows = table.to_pylist()
        self.train = [r for r in rows if r["split"] == "train"]
        self.dev = [r for r in rows if r["split"] == "dev"][:dev_max_rows]
        self.lengths = [len(r["input_ids"]) for r in self.train]


def train_func(cfg: dict) -> None:
    """Runs on every Ray Train worker."""
    import deepspeed
    import ray.train
    import torch
    import torch.distributed as dist
    from transformers import AutoModelForCausalLM

    from toolfoundry.artifacts import local_dir
    from toolfoundry.training import (
        Plateau,
        StageLoss,
        Trainable,
        batch_plan,
        collate,
        export_tool_rows,
        fit_steps_to_budget,
        frozen_prefix,
        install_tool_rows,
        lr_factor,
        make_trainable,
        refit_anchor,
    )

    import logging
    import warnings

    logging.getLogger("ray.train").setLevel(logging.WARNING)  # one line per checkpoint is the engine's own
    # DeepSpeed's ZeRO calls a torch collective that torch marks deprecated, once per worker: not the
    # user's to act on
    warnings.filterwarnings("ignore", message=".*all_gather_into_tensor.*", category=FutureWarning)
    ctx = ray.train.get_context()
    rank, world = ctx.get_world_rank(), ctx.get_world_size()
    device = ray.train.torch.get_device()
    say = (lambda msg: print(msg, flush=True)) if rank == 0 else (lambda msg: None)
    torch.manual_seed(cfg["seed"])
    if cfg.get("threads"):
        torch.set_num_threads(cfg["threads"])

    init_dir = local_dir(cfg["init_uri"])
    catalog = Catalog.load(init_dir)
    num_tools = len(catalog)
    model = AutoModelForCausalLM.from_pretrained(init_dir, dtype=torch.float32)
    model.config.use_cache = False
    rows, head = install_tool_rows(model, len(catalog.new_vocabulary()))
    trainable = Trainable(**cfg["trainable"])
    model, base_params, tool_params = make_trainable(model, rows, head, trainable)
    prefix = frozen_prefix(model, rows, trainable, cfg["deepspeed"]["zero_optimization"]["stage"])
    wrapper = StageLoss(model, rows, head, "lm", prefix=prefix)
    opt = cfg["optimizer"]
    groups = [{"params": base_params, "lr": opt["lr"], "weight_decay": opt["weight_decay"]}]
    if tool_params and tool_params[0].numel():
        groups.append({"params": tool_params, "lr": opt["tool_lr"] or opt["lr"], "weight_decay": 0.0})
    optimizer = torch.optim.AdamW(groups, lr=opt["lr"], betas=tuple(opt["betas"]))
    engine, optimizer, _, _ = deepspeed.initialize(model=wrapper, optimizer=optimizer, config=cfg["deepspeed"])

    state = {"stage": 0, "epoch": 0, "micro": 0, "step": 0, "total": None, "anchor": None, "plateau": {},
             "history": [], "elapsed": 0.0, "done": False, "global_step": 0}
    journal = _Journal(cfg.get("journal_dir"), rank)
    checkpoint = ray.train.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as folder:
            with open(os.path.join(folder, STATE_FILE)) as handle:
                state = json.load(handle)
            if not state["done"]:
                engine.load_checkpoint(folder, tag=TAG, load_module_strict=False)
        say(f"[train] resumed at stage {state['stage'] + 1}, step {state['step']} (global step {state['global_step']})")

    def report(metrics: dict, name: str, export: bool = False) -> None:
        """Checkpoint (model, optimizer, data position) through Ray Train; every rank calls it."""
        with tempfile.TemporaryDirectory() as folder:
            if export:
                _export(engine, model, rows, head, export_tool_rows, cfg, init_dir, folder, rank)
            elif name != "final":
                engine.save_checkpoint(folder, tag=TAG, exclude_frozen_parameters=True)
            if rank == 0:
                with open(os.path.join(folder, STATE_FILE), "w") as handle:
                    json.dump(state, handle)
            ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder), checkpoint_dir_name=name)
        if cfg["checkpoint_pause_s"] and not export and name != "final":
            time.sleep(cfg["checkpoint_pause_s"])

    def all_sum(*values: float) -> list[float]:
        t = torch.tensor(values, dtype=torch.float64)
        if world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def to_device(batch: dict) -> dict:
        return {k: v.to(device) for k, v in batch.items()}

    def gather(obj) -> list:
        if world == 1:
            return [obj]
        out = [None] * world
        dist.all_gather_object(out, obj)
        return out

    def share_prefix(loss_mode: str) -> None:
        """Every worker gets the frozen-layer outputs the others computed (tool-slot stages only)."""
        if prefix is not None and loss_mode == "tool_slot":
            prefix.share(gather)

    def dev_metric(data: _Rows, loss_mode: str) -> float | None:
        """The stage's dev metric at the tool slot (tool_slot: acc@1 or NDCG@5, as ``budget.dev_metric``
        says) or mean loss (lm) on the dev rows, over all ranks."""
        if not data.dev:
            return None
        bs = cfg["batch_size"]
        mine = data.dev[rank::world]
        n_batches = math.ceil(math.ceil(len(data.dev) / world) / bs)
        correct = counted = loss_sum = 0.0
        engine.eval()
        with torch.no_grad():
            for b in range(n_batches):  # every rank runs the same number of forwards (ZeRO-3 gathers)
                chunk = mine[b * bs:(b + 1) * bs]
                weight = 1.0 if chunk else 0.0
                chunk = chunk or data.dev[:1]
                batch = to_device(collate(chunk, cfg["pad_id"], num_tools if loss_mode == "tool_slot" else 0))
                loss, c, n = engine(**batch)
                correct += weight * float(c)
                counted += weight * float(n)
                loss_sum += weight * float(loss) * len(chunk)
        engine.train()
        share_prefix(loss_mode)
        correct, counted, loss_sum, rows_seen = all_sum(correct, counted, loss_sum,
                                                        float(len(mine)))
        if loss_mode == "tool_slot":
            return 100.0 * correct / max(1.0, counted)
        return loss_sum / max(1.0, rows_seen)

    stages = cfg["stages"]
    for index, stage in enumerate(stages):
        if index < state["stage"] or state["done"]:
            continue
        name, loss_mode, budget = stage["name"], stage["loss_mode"], stage["budget"]
        engine.module.mode = loss_mode
        engine.module.slot_metric = budget["dev_metric"]
        metric_name = engine.module.slot_metric if loss_mode == "tool_slot" else "loss"
        if prefix is not None:
            prefix.reset()
        data = _Rows(cfg["stage_uris"][name], budget["dev_max_rows"])
        bs, accum = cfg["batch_size"], cfg["grad_accum"]
        micro_per_epoch = len(batch_plan(data.lengths, bs, seed=cfg["seed"] + index, epoch=0, world=world))
        if micro_per_epoch < accum:
            raise InputError(f"stage {name}", f"{len(data.train)} training rows make {micro_per_epoch} batches per "
                             f"worker", f"at least {accum}: lower train.batch_size or train.grad_accum")
        steps_per_epoch = micro_per_epoch // accum
        if state["total"] is None:
            state["total"] = max(1, math.ceil(stage["epochs"] * steps_per_epoch))
            if stage["max_steps"]:
                state["total"] = min(state["total"], stage["max_steps"])
        lrs = [stage["lr"] or opt["lr"], stage["tool_lr"] or opt["tool_lr"] or stage["lr"] or opt["lr"]]
        plateau = Plateau(budget["patience"], budget["min_delta"], higher_is_better=loss_mode == "tool_slot")
        plateau.load(state["plateau"])
        sched = cfg["schedule"]
        warmup = min(sched["warmup_steps"], max(1, state["total"] // 10))
        say(f"[train] stage {index + 1}/{len(stages)} {name}: {len(data.train)} rows ({len(data.dev)} dev), "
            f"loss {loss_mode}, {state['total']} steps of {bs * accum * world} rows"
            + (f", budget {budget['minutes']} min" if budget["minutes"] else ""))
        started, elapsed_before, first_step = time.time(), state["elapsed"], state["step"]
        losses, tokens, stop_reason, dev_text = [], 0, "steps", ""
        clock = {"data_s": 0.0, "fwd_bwd_s": 0.0, "step_s": 0.0, "tokens": 0, "micro": 0}
        planned = max(1, math.ceil(stage["epochs"] * steps_per_epoch))
        planned = min(planned, stage["max_steps"]) if stage["max_steps"] else planned
        refit_every, window_start = max(5, cfg["log_every"]), time.time()
        overhead = {"stage_s": 0.0, "window_s": 0.0}  # dev evaluations and checkpoints, apart from steps

        def off_the_clock(t_start: float) -> None:
            took = time.time() - t_start
            overhead["stage_s"] += took
            overhead["window_s"] += took

        best = _BestWeights(engine.module, higher_is_better=loss_mode == "tool_slot",
                            enabled=budget.get("keep_best", True) and index == len(stages) - 1)
        engine.train()
        while state["step"] < state["total"] and stop_reason == "steps":
            plan = batch_plan(data.lengths, bs, seed=cfg["seed"] + index, epoch=state["epoch"], world=world)
            while state["micro"] < len(plan):
                if state["micro"] % accum == 0:
                    factor = lr_factor(state["step"], state["total"], warmup, sched["name"], sched["floor"],
                                       anchor=state.get("anchor"))
                    for group, base in zip(optimizer.param_groups, lrs):
                        group["lr"] = base * factor
                t0 = time.perf_counter()
                batch = to_device(collate([data.train[i] for i in plan[state["micro"]][rank]], cfg["pad_id"],
                                          num_tools if loss_mode == "tool_slot" else 0))
                t1 = time.perf_counter()
                loss, _, _ = engine(**batch)
                engine.backward(loss)
                t2 = time.perf_counter()
                engine.step()
                share_prefix(loss_mode)
                timed = state["step"] >= cfg.get("timing_after", 0)
                clock["data_s"] += (t1 - t0) * timed
                clock["fwd_bwd_s"] += (t2 - t1) * timed
                clock["step_s"] += (time.perf_counter() - t2) * timed
                clock["tokens"] += int(batch["attention_mask"].sum()) * timed
                clock["micro"] += timed
                losses.append(float(loss.detach()))
                tokens += int(batch["attention_mask"].sum())
                state["micro"] += 1
                if state["micro"] % accum:
                    continue
                state["step"] += 1
                state["global_step"] += 1
                spent = elapsed_before + time.time() - started
                step = state["step"]
                journal.step(name, step, state["global_step"], losses[-accum:])
                if budget["minutes"] and step % refit_every == 0 and step < state["total"]:
                    # fit the schedule's length into what is left of the time budget, at the speed of
                    # the last steps (re-measured as it goes, so a slow start or a busy machine
                    # neither starves nor overruns the stage); evaluations and checkpoints are
                    # charged as their running average, not as slow steps
                    window = time.time() - window_start - overhead["window_s"]
                    per_step, spent_avg, overhead_avg = (
                        v / world for v in all_sum(window / refit_every, spent, overhead["stage_s"]))
                    fitted_total = fit_steps_to_budget(
                        step=step, planned=planned, budget_s=budget["minutes"] * 60, spent_s=spent_avg,
                        step_s=per_step, overhead_s=overhead_avg, steps_run=step - first_step)
                    if abs(fitted_total - state["total"]) > max(2, state["total"] // 50):
                        say(f"[train] {name}: {per_step:.2f} s/step; {fitted_total} steps fit the "
                            f"{budget['minutes']} min budget")
                        state["anchor"] = refit_anchor(step, state["total"], warmup, state.get("anchor"))
                        state["total"] = fitted_total
                    window_start, overhead["window_s"] = time.time(), 0.0
                if step % cfg["log_every"] == 0 or step == state["total"]:
                    run_s = time.time() - started
                    rate = tokens * world / max(1e-6, run_s)
                    eta = run_s / max(1, step - first_step) * (state["total"] - step)
                    recent = losses[-cfg["log_every"] * accum:]
                    say(_progress(name, step, state["total"], sum(recent) / len(recent), rate, eta, dev_text))
                if budget["eval_every"] and step % budget["eval_every"] == 0 and step < state["total"]:
                    t_eval = time.time()
                    metric = dev_metric(data, loss_mode)
                    off_the_clock(t_eval)
                    if metric is not None:
                        stop = plateau.update(metric)
                        best.offer(metric, step)
                        state["plateau"] = plateau.state()
                        dev_text = f" dev {metric_name} {metric:.2f}"
                        say(f"[train] {name} step {step}: dev {metric_name} {metric:.2f} (best {plateau.best:.2f})")
                        if stop:
                            stop_reason = "plateau"
                if budget["minutes"] and all_sum(spent)[0] / world > budget["minutes"] * 60:
                    stop_reason = "time_budget"
                if cfg["checkpoint_every"] and state["global_step"] % cfg["checkpoint_every"] == 0 \
                        and step < state["total"] and stop_reason == "steps":
                    state["elapsed"] = spent
                    t_save = time.time()
                    report({"stage": name, "step": step, "loss": losses[-1]}, f"s{index + 1}-{name}-step{step:06d}")
                    off_the_clock(t_save)
                if step >= state["total"] or stop_reason != "steps":
                    break
            else:
                state["epoch"] += 1
                state["micro"] = 0
                continue
            break
        final_metric = dev_metric(data, loss_mode)
        last_metric, restored = final_metric, best.restore_if_better(final_metric)
        if restored is not None:
            final_metric = restored["dev_metric"]
            say(f"[train] {name}: exporting the weights of step {restored['step']} (dev {final_metric:.2f}), "
                f"better than the last step's {last_metric:.2f}")
        seconds = elapsed_before + time.time() - started
        record = {"stage": name, "loss_mode": loss_mode, "steps": state["step"], "planned_steps": state["total"],
                  "epochs": round(state["step"] * accum / max(1, micro_per_epoch), 3), "stopped_by": stop_reason,
                  "loss": sum(losses[-20:]) / max(1, len(losses[-20:])), "seconds": round(seconds, 1),
                  "tokens_per_s": round(tokens * world / max(1e-6, time.time() - started), 1),
                  "dev_metric": final_metric, "dev_best": plateau.best, "dev_last": last_metric,
                  "dev_metric_name": metric_name,
                  "restored_step": restored["step"] if restored else None, "rows": len(data.train),
                  "timing": _timing(clock, world)}
        if prefix is not None and loss_mode == "tool_slot":
            record["frozen_cache"] = prefix.stats()
            if prefix.note:
                say(f"[train] {name}: {prefix.note}")
        state["history"].append(record)
        say(f"[train] {name} done: {state['step']} steps ({record['epochs']} epochs), stopped by {stop_reason}, "
            f"loss {record['loss']:.4f}" + (f", dev {final_metric:.2f}" if final_metric is not None else "")
            + f", {record['seconds']:.0f}s" + (_cache_text(record["frozen_cache"]) if "frozen_cache" in record else ""))
        state.update({"stage": index + 1, "epoch": 0, "micro": 0, "step": 0, "total": None, "anchor": None,
                      "plateau": {}, "elapsed": 0.0})
        if index + 1 < len(stages):
            report(record, f"s{index + 1}-{name}-end")
    state["done"] = True
    last = state["history"][-1] if state["history"] else {}
    report({"stages": len(stages), "timing": last.get("timing")}, "final", export=cfg.get("export", True))


class _BestWeights:
    """The trainable weights of a stage's best dev evaluation, kept in host memory on every worker
    (its ZeRO-3 partition, or the whole tensors under ZeRO-0/1/2), put back at the stage's end when
    the last step scores worse. Only for the last stage: its weights are exported and no optimizer step
    follows, so the optimizer's own copy of the weights need not be restored. A run resumed from a
    checkpoint keeps the best of the evaluations made after the resume."""

    def __init__(self, module, higher_is_better: bool, enabled: bool):
        self.params = [p for p in module.parameters() if p.requires_grad] if enabled else []
        self.sign = 1.0 if higher_is_better else -1.0
        self.metric: float | None = None
        self.step = 0
        self.saved: list | None = None

    def _local(self) -> list:
        return [getattr(p, "ds_tensor", p).data for p in self.params]

    def offer(self, metric: float, step: int) -> None:
        if not self.params or (self.metric is not None and self.sign * (metric - self.metric) <= 0):
            return
        self.metric, self.step = metric, step
        self.saved = [t.detach().to("cpu", copy=True) for t in self._local()]

    def restore_if_better(self, last: float | None) -> dict | None:
        if self.saved is None or last is None or self.sign * (self.metric - last) <= 0:
            return None
        for tensor, saved in zip(self._local(), self.saved):
            tensor.copy_(saved)
        return {"step": self.step, "dev_metric": self.metric}


class _Journal:
    """Each worker's process id, and rank 0's loss at every optimizer step, appended to files in the
    run's directory (local storage only): what an operator reads to see where a restarted run picked
    up, and what the fault-tolerance test compares with an uninterrupted run."""

    def __init__(self, folder: str | None, rank: int):
        self.path = os.path.join(folder, "steps.jsonl") if folder and rank == 0 else None
        if folder:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"worker-{rank}.pid"), "w") as handle:
                handle.write(str(os.getpid()))

    def step(self, stage: str, step: int, global_step: int, losses: list[float]) -> None:
        if self.path:
            with open(self.path, "a") as handle:
                handle.write(json.dumps({"stage": stage, "step": step, "global_step": global_step, "pid": os.getpid(),
                                         "loss": sum(losses) / max(1, len(losses))}) + "\n")


def _cache_text(stats: dict) -> str:
    if not stats["enabled"]:
        return ""
    return (f"; frozen layers cached for {stats['rows']} rows ({stats['gib']:.2f} GiB), "
            f"{100 * stats['hit_rate']:.0f}% of row forwards served from it")


def _timing(clock: dict, world: int) -> dict:
    """Where a stage's time went, per micro-step on one worker, and the tokens/s of all workers."""
    n = max(1, clock["micro"])
    busy = clock["data_s"] + clock["fwd_bwd_s"] + clock["step_s"]
    return {"data_s": clock["data_s"] / n, "fwd_bwd_s": clock["fwd_bwd_s"] / n, "step_s": clock["step_s"] / n,
            "tokens_per_s": clock["tokens"] * world / max(busy, 1e-9), "micro_steps": clock["micro"]}


def _export(engine, model, rows, head, export_tool_rows, cfg: dict, init_dir: str, folder: str, rank: int) -> None:
    """Rank 0 writes a Hugging Face directory; under ZeRO-3 every rank joins the gather first."""
    import deepspeed

    params = list(engine.module.parameters())
    with deepspeed.zero.GatheredParameters(params, modifier_rank=None, enabled=cfg["deepspeed"]["zero_optimization"]["stage"] == 3):
        if rank != 0:
            return
        plain = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
        export_tool_rows(plain, rows, head)
        plain.config.use_cache = True
        plain.save_pretrained(folder, safe_serialization=True)
        for name in _COPY_FROM_INIT:
            source = os.path.join(init_dir, name)
            if os.path.exists(source):
                shutil.copy(source, folder)


# ------------------------------------------------------------------------------------ driver side
def compute_dtype(recipe: RecipeConfig) -> str:
    """The dtype the workers compute in: ``model.dtype``, with ``auto`` resolved for the workers'
    device (bf16 only where it runs in hardware; on CPUs the driver's CPU stands for the workers')."""
    from toolfoundry.modeling import resolve_dtype

    return resolve_dtype(recipe.model.dtype, "cuda" if recipe.train.use_gpu else "cpu")


def deepspeed_config(recipe: RecipeConfig) -> dict:
    t = recipe.train
    return {
        "train_micro_batch_size_per_gpu": t.batch_size,
        "gradient_accumulation_steps": t.grad_accum,
        "gradient_clipping": recipe.optimizer.grad_clip,
        "zero_optimization": {"stage": t.zero_stage},
        "bf16": {"enabled": compute_dtype(recipe) == "bfloat16"},
        "steps_per_print": 10**9,  # progress is printed by the engine itself
        "wall_clock_breakdown": False,
    }


def initial_model(recipe: RecipeConfig, tools_uri: str, log=print) -> str:
    """The base model with one token per tool, cached per (source, dtype, indexing, init, catalog)."""
    from toolfoundry.artifacts import is_remote, publish_dir, storage_root
    from toolfoundry.modeling import prepare_initial_model
    from toolfoundry.schema import TOOL_SCHEMA, tools_from_table
    from toolfoundry.storage import join, read_json, read_manifest, read_table, write_json

    dest = join(storage_root(recipe.run_dir), "init_model")
    tokens = any(s.name in TOOLGEN_STAGES for s in recipe.train.stages)
    key = {"source": recipe.model.source, "indexing": recipe.model.indexing, "tool_init": recipe.model.tool_init,
           "tools": read_manifest(tools_uri)["content_hash"] if tokens else None, "seed": recipe.seed}
    if read_json(dest, INIT_STAMP) == key:
        log(f"[train] reusing the initial model {dest}")
        return dest
    # only the ToolGen stages use tool tokens; a GenTool model reads its tools in context and gets none
    tools = tools_from_table(read_table(tools_uri, TOOL_SCHEMA)) if tokens else []
    catalog = Catalog.from_tools([t for t in tools if t.id != "generate_response"], recipe.model.indexing)
    started = time.time()
    local = tempfile.mkdtemp(prefix="toolfoundry-init-") if is_remote(dest) else dest
    if os.path.isdir(local) and not is_remote(dest):
        shutil.rmtree(local)
    prepare_initial_model(recipe.model.source, catalog, local, "float32", recipe.seed, recipe.model.tool_init)
    publish_dir(local, dest)
    write_json(dest, INIT_STAMP, key)  # last: a folder without it is never reused
    log(f"[train] base model '{recipe.model.source}' + {len(catalog)} tools ({recipe.model.indexing}, "
        f"{recipe.model.tool_init} init) saved to {dest} ({time.time() - started:.0f}s)")
    return dest


def build_stage_data(recipe: RecipeConfig, init_dir: str, tools_uri: str, examples_uri: str,
                     scenarios_uri: str | None, log=print) -> dict[str, str]:
    """Token datasets of the recipe's stages, written by the ``data stages`` job; {stage: uri}."""
    from data_jobs import stages as stage_job

    names = tuple(dict.fromkeys(s.name for s in recipe.train.stages))
    if any(n.startswith("gentool") for n in names) and not scenarios_uri:
        raise InputError("--scenarios", "the recipe has GenTool stages but no scenario examples were given",
                         "scenario examples from `toolfoundry data scenarios`")
    e = recipe.encode
    from toolfoundry.artifacts import storage_root
    from toolfoundry.storage import join

    out = stage_job.run(tools_uri, examples_uri, join(storage_root(recipe.run_dir), "stages"), scenarios_uri=scenarios_uri,
                        model_dir=init_dir, max_len=e.max_len, retrieval_labels=e.retrieval_labels,
                        dev_fraction=e.dev_fraction, toolset_thinning=e.toolset_thinning, stages=names)
    uris = {}
    for n in names:
        got = out["tokens"].get(n)
        if not got or not got["rows"]:
            reasons = out["text"].get(n, {})
            raise InputError(f"stage {n}", f"no training rows ({reasons.get('quarantined', 0)} quarantined; see "
                             f"{os.path.join(recipe.run_dir, 'stages', 'text', n + '_quarantine')})",
                             "examples that this stage can use, or a recipe without it")
        uris[n] = got["uri"]
        log(f"[train] stage data {n}: {got['rows']} rows ({out['quarantined'].get(n, 0)} quarantined)")
    return uris


def run_name(loop_cfg: dict, init_uri: str, stage_uris: dict) -> str:
    """The training run's name. Ray Train restores a run of the same name from its latest checkpoint:
    naming it by its config, its initial model and its data makes a rerun resume and any change start
    afresh. The initial model counts by its stamp, since its folder is reused across inits
    (``model.tool_init`` changes the weights, not the path or the rows)."""
    from toolfoundry.storage import read_json, read_manifest

    identity = {**loop_cfg, "init": read_json(init_uri, INIT_STAMP),
                "data": [read_manifest(u)["content_hash"] for u in stage_uris.values()]}
    return "train-" + hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:12]


def run(recipe: RecipeConfig, tools_uri: str, examples_uri: str, out_dir: str, *, scenarios_uri: str | None = None,
        log=print) -> dict:
    """Train ``recipe`` on the datasets and copy the exported model directory to ``out_dir``."""
    import ray
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from toolfoundry.modeling import load_tokenizer

    from toolfoundry.artifacts import is_remote, local_dir, storage_root
    from toolfoundry.storage import join

    if recipe.model.dtype == "auto":
        log(f"[train] model.dtype auto: computing in {compute_dtype(recipe)}")
    init_uri = initial_model(recipe, tools_uri, log)
    init_dir = local_dir(init_uri)
    stage_uris = build_stage_data(recipe, init_uri, tools_uri, examples_uri, scenarios_uri, log)
    scheme = Catalog.load(init_dir).scheme
    stages = [{**s.model_dump(), "loss_mode": stage_loss(s, scheme)} for s in recipe.train.stages]
    t = recipe.train
    loop_cfg = {
        "seed": recipe.seed, "init_uri": init_uri, "stage_uris": stage_uris, "stages": stages,
        "trainable": recipe.trainable.model_dump(), "optimizer": recipe.optimizer.model_dump(),
        "schedule": recipe.schedule.model_dump(), "deepspeed": deepspeed_config(recipe),
        "batch_size": t.batch_size, "grad_accum": t.grad_accum, "checkpoint_every": t.checkpoint_every,
        "checkpoint_pause_s": t.checkpoint_pause_s,
        "log_every": t.log_every, "pad_id": load_tokenizer(init_dir).pad_token_id,
        "threads": None if t.use_gpu else max(1, int(ray.cluster_resources().get("CPU", 2)) // t.num_workers),
    }
    name = run_name(loop_cfg, init_uri, stage_uris)
    storage = join(storage_root(recipe.run_dir), "ray_results")
    loop_cfg["journal_dir"] = None if is_remote(storage) else os.path.join(storage, name, "journal")
    trainer = TorchTrainer(
        train_func,
        train_loop_config=loop_cfg,
        scaling_config=ScalingConfig(num_workers=t.num_workers, use_gpu=t.use_gpu),
        torch_config=TorchConfig(backend="nccl" if t.use_gpu else "gloo"),
        run_config=RunConfig(name=name, storage_path=storage,
                             checkpoint_config=CheckpointConfig(num_to_keep=2),
                             failure_config=FailureConfig(max_failures=t.max_failures)),
    )
    started = time.time()
    result = trainer.fit()
    if result.checkpoint is None:
        raise RuntimeError(f"training finished without a checkpoint; see the logs under {storage}")
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    result.checkpoint.to_directory(out_dir)
    with open(os.path.join(out_dir, STATE_FILE)) as handle:
        state = json.load(handle)
    if not state.get("done"):
        raise RuntimeError(f"the last checkpoint under {storage} is not a finished model")
    log(f"[train] model saved to {out_dir} ({time.time() - started:.0f}s of training)")
    return {"model_dir": out_dir, "init_dir": init_dir, "stages": state["history"], "run": name,
            "storage": storage, "journal": loop_cfg["journal_dir"]}


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use `toolfoundry train`")
