"""Pieces every data job shares: Ray start-up, the job plan file, shard planning over Ray Data."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, Callable

import pyarrow as pa

from data_jobs import shards as sh
from toolfoundry.storage import PLAN  # noqa: F401 (re-exported: the plan file's name)
from toolfoundry.storage import prepare_output as prepare_dataset


# Every process Ray starts for toolfoundry gets these. RAY_TRAIN_ENABLE_PRINT_PATCH=0: Ray Train
# would otherwise send a worker's print() both to its stdout and to its logger (every line twice).
# HF_HUB_DISABLE_PROGRESS_BARS: every worker that loads a model would print a "Loading weights" bar.
RAY_ENV = {"DS_ACCELERATOR": "cpu", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "RAY_TRAIN_ENABLE_PRINT_PATCH": "0", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}


def ensure_ray(num_cpus: int | None = None, use_gpu: bool = False) -> None:
    """Use the Ray already running in this process; otherwise join ``RAY_ADDRESS`` (a cluster) or
    start a local Ray, with the dashboard on 127.0.0.1.

    The dashboard serves Ray's state API, which Ray Train's placement-group cleaner polls to free a
    crashed run's resources; without it that check fails, and warns, every few seconds.
    """
    import os

    import ray

    if not ray.is_initialized():
        env = {k: os.environ.get(k, v) for k, v in RAY_ENV.items()}
        if use_gpu:
            env.pop("DS_ACCELERATOR")
        kwargs: dict[str, Any] = {"include_dashboard": True, "dashboard_host": "127.0.0.1",
                                  "runtime_env": {"env_vars": env}}
        if num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)
    quiet_data_logs()


def quiet_data_logs() -> None:
    """Ray Data's progress bars and per-operator INFO lines garble a job's log; the jobs print their own."""
    import logging

    import ray.data

    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def prepare_output(uri: str, plan: dict, num_shards: int) -> None:
    """Make ``uri`` ready for a run described by ``plan`` that writes ``num_shards`` shards.

    Same plan as the folder's last run: keep its finished shards (resume). Different plan: remove the
    old manifest and shards first, so a folder never mixes two runs. Temporaries of killed tasks and
    shards of another shard count are removed. (:func:`toolfoundry.storage.prepare_output`; the
    runner, :mod:`data_jobs.runner`, calls it for every output of a job.)
    """
    prepare_dataset(uri, plan, {sh.shard_name(i, num_shards) for i in range(num_shards)})


def run_shards(num_shards: int, produce: Callable[[int], dict], *, num_cpus_per_task: float = 1.0,
               max_tasks: int | None = None) -> list[dict]:
    """Run ``produce(shard_index) -> stats dict`` for every shard as Ray Data tasks.

    The dataset is the list of shard indices (in memory: ``from_items``, no read tasks); each batch
    is one shard, so a task produces and writes exactly one shard and returns one small stats row.
    Only those rows come back to the driver. ``max_tasks`` caps how many run at once.
    """
    import ray

    def _batch(batch: dict) -> pa.Table:
        rows = [produce(int(s)) for s in batch["id"]]
        return pa.Table.from_pylist([{"stats": json.dumps(r, sort_keys=True)} for r in rows])

    ds = ray.data.from_items([{"id": k} for k in range(num_shards)], override_num_blocks=num_shards).map_batches(
        _batch, batch_size=1, batch_format="numpy", num_cpus=num_cpus_per_task,
        compute=ray.data.TaskPoolStrategy(size=max_tasks) if max_tasks else None,
    )
    stats = [json.loads(r["stats"]) for r in ds.take_all()]
    return sorted(stats, key=lambda r: r["shard"])



_STAGE_ROWS = pa.schema([("id", pa.int64()), ("records", pa.string())])


def run_stages(stages: list[tuple[int, Callable[[int], dict]]], *, num_cpus_per_task: float = 1.0,
               max_tasks: int | None = None) -> tuple[list[list[dict]], list[float]]:
    """Run shard stages ``[(num_tasks, produce), …]`` in ONE Ray Data execution, one after another.

    Stage ``i`` runs ``produce(t) -> stats dict`` for every ``t < num_tasks`` (one task each) and
    starts only when every task of stage ``i - 1`` has finished: a ``repartition`` between two
    stages is an all-to-all barrier (it takes every upstream block before it emits one), so a stage
    can read all the files the previous one wrote. Compared with one :func:`run_shards` per stage,
    this saves Ray Data's start-up per execution (0.2–0.5 s each on 2 cores).

    A stage's indices are dealt round robin to at most ``max_tasks`` Ray tasks (default: the
    cluster's CPUs / ``num_cpus_per_task``): index ``k`` of ``n`` runs in task ``k % T``,
    ``T = min(n, max_tasks)``. More tasks than CPUs would only queue, and each queued wave costs
    Ray Data scheduling time. Only small rows flow between stages: task ``g`` of stage ``i`` emits
    the task numbers ``h`` of stage ``i + 1`` with ``h % T_i == g`` (every one once), and each row
    carries the stats of the indices before it (a task that hands out none emits a row with
    ``id = -1`` that is passed through). Every stage boundary repartitions into exactly as many
    blocks as rows, so each task of the next stage gets one row and the stage runs fully parallel.

    Returns each stage's stats (sorted by task) and each stage's wall time in seconds, from the
    tasks' clocks: stage ``i`` ends when its last task ends.
    """
    import time

    import ray

    if max_tasks is None:
        max_tasks = max(1, int(ray.cluster_resources().get("CPU", 1) // num_cpus_per_task))
    groups = [max(1, min(n, max_tasks)) for n, _ in stages]

    def wrap(i: int, produce: Callable[[int], dict], n_tasks: int, n_next: int | None):
        n_items = stages[i][0]

        def _batch(batch: dict) -> pa.Table:
            out = []
            for t, carried in zip(batch["id"], batch["records"]):
                records = json.loads(carried)
                if int(t) < 0:  # a row without a task: pass its records on
                    out.append({"id": -1, "records": carried})
                    continue
                for k in range(int(t), n_items, n_tasks):
                    t0 = time.time()
                    stats = produce(k)
                    records.append({"stage": i, "task": k, "t0": t0, "t1": time.time(), "stats": stats})
                handed = list(range(int(t), n_next, n_tasks)) if n_next is not None else []
                out += [{"id": j, "records": json.dumps(records if k == 0 else [])} for k, j in enumerate(handed)]
                if not handed:
                    out.append({"id": -1, "records": json.dumps(records)})
            return pa.Table.from_pylist(out, schema=_STAGE_ROWS)

        return _batch

    ds = ray.data.from_items([{"id": g, "records": "[]"} for g in range(groups[0])], override_num_blocks=groups[0])
    for i, (_, produce) in enumerate(stages):
        n_tasks, n_next = groups[i], (groups[i + 1] if i + 1 < len(stages) else None)
        ds = ds.map_batches(wrap(i, produce, n_tasks, n_next), batch_size=1, batch_format="numpy",
                            num_cpus=num_cpus_per_task)
        if n_next is not None:  # the barrier; rows out of stage i: n_next live + idle tasks' rows
            ds = ds.repartition(max(1, n_next + max(0, n_tasks - n_next)), shuffle=False)
    start = time.time()
    rows = ds.take_all()
    records = [r for row in rows for r in json.loads(row["records"])]
    stats = [sorted((r for r in records if r["stage"] == i), key=lambda r: r["task"]) for i in range(len(stages))]
    for i, (n_tasks, _) in enumerate(stages):
        if [r["task"] for r in stats[i]] != list(range(n_tasks)):
            raise RuntimeError(f"stage {i}: {len(stats[i])} of {n_tasks} tasks reported")
    ends = [max((r["t1"] for r in st), default=start) for st in stats]
    walls = [max(0.0, e - (start if i == 0 else ends[i - 1])) for i, e in enumerate(ends)]
    return [[r["stats"] for r in st] for st in stats], walls


def job_main(module: str, doc: str | None, add_arguments: Callable, run_from_args: Callable,
             argv: list[str] | None = None) -> int:
    """``python -m data_jobs.<job>``: the job's own arguments (the same as ``toolfoundry data <job>``),
    its result printed as JSON."""
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
    p = argparse.ArgumentParser(prog=f"python -m {module}", description=(doc or "").split("\n")[0])
    add_arguments(p)
    print(json.dumps(run_from_args(p.parse_args(argv)), indent=2, default=str))
    return 0
