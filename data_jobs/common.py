"""Pieces every data job shares: Ray start-up, the job plan file, shard planning over Ray Data."""

from __future__ import annotations

import json
from typing import Any, Callable

import pyarrow as pa
import pyarrow.fs as pafs

from data_jobs import shards as sh
from toolfoundry.storage import join, resolve

PLAN = "_plan.json"


def ensure_ray(num_cpus: int | None = None) -> None:
    """Use the Ray already running in this process; otherwise start (or join, via RAY_ADDRESS) one."""
    import ray

    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False}
        if num_cpus:
            kwargs["num_cpus"] = num_cpus
        ray.init(**kwargs)


def prepare_output(uri: str, plan: dict, num_shards: int) -> None:
    """Make ``uri`` ready for a run described by ``plan``.

    Same plan as the folder's last run: keep its finished shards (resume). Different plan: remove the
    old shards first, so a folder never mixes two runs. Temporaries of killed tasks are removed.
    """
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)
    sh.clean_temporaries(uri)
    target = join(path, PLAN)
    old = None
    if fs.get_file_info(target).type == pafs.FileType.File:
        with fs.open_input_stream(target) as f:
            try:
                old = json.loads(f.read())
            except json.JSONDecodeError:
                old = None
    if old != plan:
        for info in fs.get_file_info(pafs.FileSelector(path)):
            if info.type == pafs.FileType.File and info.path.endswith((".parquet", "manifest.json")):
                fs.delete_file(info.path)
        with fs.open_output_stream(target) as f:
            f.write(json.dumps(plan, sort_keys=True, indent=2).encode())
    for stale in sh.stale_shards(uri, num_shards):
        fs.delete_file(stale)


def run_shards(num_shards: int, produce: Callable[[int], dict], *, num_cpus_per_task: float = 1.0) -> list[dict]:
    """Run ``produce(shard_index) -> stats dict`` for every shard as Ray Data tasks.

    The dataset is the list of shard indices (in memory: ``from_items``, no read tasks); each batch
    is one shard, so a task produces and writes exactly one shard and returns one small stats row.
    Only those rows come back to the driver.
    """
    import ray

    def _batch(batch: dict) -> pa.Table:
        rows = [produce(int(s)) for s in batch["id"]]
        return pa.Table.from_pylist([{"stats": json.dumps(r, sort_keys=True)} for r in rows])

    ds = ray.data.from_items([{"id": k} for k in range(num_shards)], override_num_blocks=num_shards).map_batches(
        _batch, batch_size=1, batch_format="numpy", num_cpus=num_cpus_per_task
    )
    stats = [json.loads(r["stats"]) for r in ds.take_all()]
    return sorted(stats, key=lambda r: r["shard"])
