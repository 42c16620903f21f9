"""Exact + near-duplicate removal and decontamination, as Ray Data stages.

    python -m data_jobs.dedupe IN_URI OUT_URI [--column query] [--against EVAL_URI ...]

Stages (no stage collects the corpus on one node):

1. **buckets** — one Ray Data task per input shard (and per reference shard) normalises the text
   column and emits one exact-hash row plus one row per LSH band for every record
   (:func:`toolfoundry.dedup.bucket_rows`).
2. **drops** — rows are hash-partitioned by bucket key (``groupby(partition).map_groups``, Ray
   Data's hash shuffle); each partition decides, vectorised, which records to drop and why
   (:func:`toolfoundry.dedup.bucket_drops`); the decisions, grouped by the input shard they belong
   to, are written as one small file per shard.
3. **filter** — one task per input shard reads its shard and its drop file and writes the kept rows
   (same shard name, same order) plus the dropped rows with their reason.

Records are keyed ``shard << 32 | row``, so "keep the smallest key" keeps the earliest record and the
output is the same for any number of partitions. Records in a bucket with any evaluation query
(``--against``) are dropped as contaminated. Counts of every reason go into the manifest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from data_jobs import shards as sh
from data_jobs.common import ensure_ray, prepare_output, run_shards
from toolfoundry.dedup import REASONS, DedupParams, bucket_drops, bucket_rows
from toolfoundry.errors import InputError
from toolfoundry.storage import join, read_manifest, resolve, shard_paths, write_manifest

DROPPED_SCHEMA = pa.schema([
    pa.field("id", pa.string()),
    pa.field("text", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("duplicate_of", pa.string()),  # id of the kept record ("" for contamination)
])
_REF_BIT = 1 << 62


def _read_column(path: str, column: str) -> pa.Array:
    fs, _ = resolve(path)
    table = pq.read_table(path, filesystem=fs, columns=[column])
    return table[column].combine_chunks()


def _exists(uri: str) -> bool:
    fs, path = resolve(uri)
    return fs.get_file_info(path).type == pafs.FileType.File


def compute_drops(in_paths: list[str], ref_paths: list[tuple[str, str]], column: str, params: DedupParams,
                  drops_uri: str, num_partitions: int) -> None:
    """Stages 1 and 2: write ``drops_uri/part-<shard>.parquet`` (doc, reason, dup_of) per input shard."""
    import ray

    n_in = len(in_paths)
    work = [(p, column, False) for p in in_paths] + [(p, c, True) for p, c in ref_paths]

    def buckets(batch: dict) -> pa.Table:
        out = []
        for k in batch["id"]:
            k = int(k)
            path, col, is_ref = work[k]
            texts = _read_column(path, col)
            shard = k - n_in if is_ref else k
            keys = (np.int64(shard) << np.int64(32)) + np.arange(len(texts), dtype=np.int64)
            if is_ref:
                keys = keys | np.int64(_REF_BIT)
            rows = bucket_rows(texts, keys, params, ref=is_ref)
            part = (rows["bucket"].to_numpy() % np.uint64(num_partitions)).astype(np.int32)
            out.append(rows.append_column("part", pa.array(part)))
        return pa.concat_tables(out)

    def decide(group: pa.Table) -> pa.Table:
        drops = bucket_drops(group)
        shard = (drops["doc"].to_numpy() >> np.int64(32)).astype(np.int32)
        return drops.append_column("shard", pa.array(shard))

    def write_group(group: pa.Table) -> pa.Table:
        shard = int(group["shard"][0].as_py())
        # the same record can be dropped from several partitions: keep its strongest reason
        d = group["doc"].to_numpy()
        r = group["reason"].to_numpy()
        u = group["dup_of"].to_numpy()
        order = np.lexsort((u, r, d))
        d, r, u = d[order], r[order], u[order]
        first = np.ones(len(d), dtype=bool)
        first[1:] = d[1:] != d[:-1]
        table = pa.table({"doc": d[first], "reason": r[first], "dup_of": u[first]})
        sh.write_shard(table, drops_uri, f"part-{shard:05d}.parquet")
        return pa.table({"shard": [shard], "drops": [table.num_rows]})

    ds = ray.data.range(len(work), override_num_blocks=len(work)).map_batches(
        buckets, batch_size=1, batch_format="numpy")
    drops = ds.groupby("part", num_partitions=num_partitions).map_groups(decide, batch_format="pyarrow")
    drops.groupby("shard").map_groups(write_group, batch_format="pyarrow").materialize()
    fs, path = resolve(drops_uri)
    fs.create_dir(path, recursive=True)
    with fs.open_output_stream(join(path, "_SUCCESS")) as f:
        f.write(b"ok")


def run(in_uri: str, out_uri: str, *, column: str = "query", against: list[str] | None = None,
        against_column: str = "query", params: DedupParams | None = None, num_partitions: int = 8,
        dropped_uri: str | None = None) -> dict:
    """Deduplicate ``in_uri`` into ``out_uri``; dropped rows go to ``dropped_uri`` with their reason."""
    params = params or DedupParams()
    in_paths = shard_paths(in_uri)
    if not in_paths:
        raise InputError(in_uri, "no .parquet shards", "a dataset folder written by a toolfoundry data job")
    schema = pq.read_schema(in_paths[0], filesystem=resolve(in_uri)[0])
    if column not in schema.names:
        raise InputError("column", f"{column!r} is not a column of {in_uri}", f"one of {schema.names}")
    ref_paths = []
    for uri in against or []:
        paths = shard_paths(uri)
        if paths and against_column not in pq.read_schema(paths[0], filesystem=resolve(uri)[0]).names:
            raise InputError("against_column", f"{against_column!r} is not a column of {uri}", "a text column")
        ref_paths += [(p, against_column) for p in paths]
    ensure_ray()
    dropped_uri = dropped_uri or out_uri.rstrip("/") + "_dropped"
    n = len(in_paths)
    try:
        parents = [read_manifest(in_uri).get("content_hash")]
    except InputError:
        parents = []
    plan = {"job": "dedupe", "input": in_uri, "input_hash": parents, "column": column,
            "against": sorted(against or []), "params": params.__dict__, "bands_rows": list(params.band_rows)}
    prepare_output(out_uri, plan, n)
    prepare_output(dropped_uri, plan, n)
    drops_uri = join(out_uri, "_drops")
    if not _exists(join(drops_uri, "_SUCCESS")):
        compute_drops(in_paths, ref_paths, column, params, drops_uri, num_partitions)

    def produce(k: int) -> dict:
        name = sh.shard_name(k, n)
        if sh.shard_exists(out_uri, name) and sh.shard_exists(dropped_uri, name):
            return {"shard": k, "written": False, "resumed": True}
        fs, _ = resolve(in_uri)
        table = pq.read_table(in_paths[k], filesystem=fs)
        drop_file = join(drops_uri, f"part-{k:05d}.parquet")
        doc = np.arange(table.num_rows, dtype=np.int64) + (np.int64(k) << np.int64(32))
        reasons = np.full(table.num_rows, -1, dtype=np.int8)
        dup_of = np.full(table.num_rows, -1, dtype=np.int64)
        if _exists(drop_file):
            drops = pq.read_table(drop_file, filesystem=resolve(drops_uri)[0])
            rows = (drops["doc"].to_numpy() & np.int64(0xFFFFFFFF)).astype(np.int64)
            reasons[rows] = drops["reason"].to_numpy()
            dup_of[rows] = drops["dup_of"].to_numpy()
        keep = reasons < 0
        sh.write_shard(table.filter(pa.array(keep)), out_uri, name)
        ids = table["id"] if "id" in table.column_names else pa.array([str(x) for x in doc])
        idx = np.flatnonzero(~keep)
        dup_ids = []
        id_cache: dict[int, list] = {k: ids.to_pylist()}
        for key in dup_of[idx]:  # ids of the kept records; other shards' id columns read when needed
            if key < 0:
                dup_ids.append("")
                continue
            src = int(key) >> 32
            if src not in id_cache:
                id_cache[src] = (_read_column(in_paths[src], "id").to_pylist() if "id" in table.column_names
                                 else [str((src << 32) + i) for i in range(pq.read_metadata(
                                     in_paths[src], filesystem=fs).num_rows)])
            dup_ids.append(str(id_cache[src][int(key) & 0xFFFFFFFF]))
        dropped = pa.table({
            "id": pc.take(ids, pa.array(idx, pa.int64())).cast(pa.string()),
            "text": pc.take(table[column], pa.array(idx, pa.int64())).cast(pa.string()),
            "reason": pa.array([REASONS[int(r)] for r in reasons[idx]], pa.string()),
            "duplicate_of": pa.array(dup_ids, pa.string()),
        }, schema=DROPPED_SCHEMA)
        sh.write_shard(dropped, dropped_uri, name)
        counts = {REASONS[c]: int((reasons == c).sum()) for c in REASONS}
        return {"shard": k, "written": True, "input": table.num_rows, "kept": int(keep.sum()), **counts}

    stats = run_shards(n, produce)
    # counts come from the files, so a resumed run reports the same totals as an uninterrupted one
    counts = {name: 0 for name in REASONS.values()}
    fs_d, _ = resolve(dropped_uri)
    for path in shard_paths(dropped_uri):
        reasons = pq.read_table(path, filesystem=fs_d, columns=["reason"])["reason"].to_pylist()
        for r in reasons:
            counts[r] += 1
    extra = {"dedup": {"params": params.__dict__, "bands": params.band_rows[0], "rows_per_band": params.band_rows[1],
                       "dropped": counts, "against": sorted(against or [])}}
    kept_m = write_manifest(out_uri, kind="dedupe.kept", params=plan, parents=[in_uri, *(against or [])], extra=extra)
    drop_m = write_manifest(dropped_uri, kind="dedupe.dropped", params=plan, parents=[in_uri], extra=extra)
    return {
        "kept": out_uri, "dropped": dropped_uri, "input_rows": kept_m["rows"] + drop_m["rows"],
        "kept_rows": kept_m["rows"], "dropped_counts": counts,
        "shards_written": sum(1 for s in stats if s["written"]),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m data_jobs.dedupe", description=__doc__.split("\n")[0])
    add_arguments(p)
    a = p.parse_args(argv)
    print(json.dumps(run_from_args(a), indent=2))
    return 0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_uri", help="dataset folder (Parquet shards) to deduplicate")
    p.add_argument("out_uri", help="where the kept rows go; dropped rows go to OUT_URI_dropped")
    p.add_argument("--column", default="query", help="text column compared (query, description …)")
    p.add_argument("--against", nargs="*", default=[], help="evaluation datasets to decontaminate against")
    p.add_argument("--against-column", default="query")
    p.add_argument("--ngram", type=int, default=3)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--bands", type=int, default=None)
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--num-partitions", type=int, default=8)


def run_from_args(a: argparse.Namespace) -> dict:
    params = DedupParams(ngram=a.ngram, num_perm=a.num_perm, threshold=a.threshold, bands=a.bands, rows=a.rows)
    return run(a.in_uri, a.out_uri, column=a.column, against=a.against, against_column=a.against_column,
               params=params, num_partitions=a.num_partitions)


if __name__ == "__main__":
    os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
    sys.exit(main())
