"""Exact + near-duplicate removal and decontamination, as Ray Data stages.

    python -m data_jobs.dedupe IN_URI OUT_URI [--column query] [--against EVAL_URI ...]

Three stages in one Ray Data execution (the runner, :mod:`data_jobs.runner`, runs them with
:func:`data_jobs.common.run_stages`: an all-to-all barrier between stages), a map-reduce over storage
(no stage collects the corpus on one node, and the intermediate files make every stage resumable):

1. **buckets** (one task per input or evaluation shard) — normalise the text column and emit one
   exact-hash row and one row per LSH band for every record
   (:func:`toolfoundry.dedup.bucket_rows`), hash-partitioned by bucket key: one Arrow IPC file per
   shard under ``OUT/_work/buckets/`` whose record batch ``p`` holds partition ``p``, and one under
   ``OUT/_work/sketches/`` with each partition's 2-bit MinHash sketches (once per record).
2. **edges** (one task per partition) — every bucket is whole in its partition; candidate edges
   from each record to earlier members of its buckets, verified on the spot with the pair's Jaccard
   estimated from the sketches (:func:`toolfoundry.dedup.bucket_edges`); only edges that hold are
   written, one record batch per input shard (``OUT/_work/edges/``).
3. **filter** (one task per input shard: the runner's shards) — the reader marks each record that
   has an edge with its strongest reason and the id it duplicates (:func:`read_marked`); the step
   :func:`drop_marked` drops them: the kept rows are written under the same shard name and order,
   the dropped rows go to ``OUT_dropped`` (the job's quarantine) with the reason and that id.

Records are keyed ``shard << 32 | row``; an edge always points to a smaller key, so the earliest
record of each group is kept, whatever the number of partitions. Records near an evaluation query
(``--against``) are dropped as contaminated. Counts of every reason go into the manifest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data_jobs import runner
from data_jobs import shards as sh
from data_jobs.common import job_main
from toolfoundry.dedup import (
    EDGE_SCHEMA, REASONS, DedupParams, attach_sketches, bucket_edges, bucket_rows, normalize, resolve_drops,
    shingle_hashes, signatures, sketch, sketch_table, words,
)
from toolfoundry.errors import InputError
from toolfoundry.storage import join, resolve, shard_paths

DROPPED_SCHEMA = pa.schema([
    pa.field("id", pa.string()),
    pa.field("text", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("duplicate_of", pa.string()),  # id of the kept record ("" for contamination)
])
SKETCH_SCHEMA = pa.schema([pa.field("doc", pa.int64())] + [pa.field(f"s{w}", pa.uint64()) for w in range(4)])
_REF_BIT = np.int64(1 << 62)
_LOW = np.int64(0xFFFFFFFF)


def _read_column(path: str, column: str) -> pa.Array:
    fs, _ = resolve(path)
    return pq.read_table(path, filesystem=fs, columns=[column])[column].combine_chunks()


MARK_COLUMNS = ("_reason", "_duplicate_of")


def drop_marked(column: str) -> runner.Step:
    """The filter step: rows the reader marked (``_reason`` set) are dropped as DROPPED_SCHEMA rows
    (id — the row number when there is no ``id`` column —, the text of ``column``, reason, the id it
    duplicates); the kept rows lose the two marking columns and keep their order."""

    def fn(table: pa.Table) -> tuple[pa.Table, pa.Table]:
        drop = table["_reason"].is_valid().to_numpy(zero_copy_only=False)
        base = table.drop_columns(list(MARK_COLUMNS))
        idx = np.flatnonzero(drop)
        if not len(idx):
            return base, DROPPED_SCHEMA.empty_table()
        ids = (table["id"].combine_chunks() if "id" in table.column_names else
               pa.array([str(x) for x in range(table.num_rows)]))
        take = pa.array(idx, pa.int64())
        dropped = pa.table({
            "id": pc.take(ids, take).cast(pa.string()),
            "text": pc.take(table[column], take).cast(pa.string()),
            "reason": pc.take(table["_reason"], take).cast(pa.string()),
            "duplicate_of": pc.take(table["_duplicate_of"], take).cast(pa.string()),
        }, schema=DROPPED_SCHEMA)
        return base.filter(pa.array(~drop)), dropped

    return runner.Step("drop_duplicates", fn)


def run(in_uri: str, out_uri: str, *, column: str = "query", against: list[str] | None = None,
        against_column: str = "query", params: DedupParams | None = None, num_partitions: int = 8,
        dropped_uri: str | None = None, contamination_only: bool = False) -> dict:
    """Deduplicate ``in_uri`` into ``out_uri``; dropped rows go to ``dropped_uri`` with their reason.

    ``contamination_only`` drops only rows near an ``against`` dataset and keeps repetitions inside
    the input — for corpora whose repetitions are deliberate (a zero-to-one pair asks one query twice).
    """
    params = params or DedupParams()
    if contamination_only and not against:
        raise InputError("--contamination-only", "no --against datasets", "evaluation datasets to decontaminate against")
    if num_partitions < 1:
        raise InputError("num_partitions", f"{num_partitions}", "at least 1")
    in_paths = shard_paths(in_uri)
    if not in_paths:
        raise InputError(in_uri, "no .parquet shards", "a dataset folder written by a toolfoundry data job")
    schema = pq.read_schema(in_paths[0], filesystem=resolve(in_uri)[0])
    if column not in schema.names:
        raise InputError("column", f"{column!r} is not a column of {in_uri}", f"one of {schema.names}")
    ref_paths: list[str] = []
    for uri in against or []:
        paths = shard_paths(uri)
        if paths and against_column not in pq.read_schema(paths[0], filesystem=resolve(uri)[0]).names:
            raise InputError("against_column", f"{against_column!r} is not a column of {uri}", "a text column")
        ref_paths += paths
    dropped_uri = dropped_uri or out_uri.rstrip("/") + "_dropped"
    n, P = len(in_paths), num_partitions
    job_params = {"input": in_uri, "column": column, "against": sorted(against or []),
                  "against_column": against_column, "params": params.__dict__,
                  "bands_rows": list(params.band_rows), "partitions": P, "contamination_only": contamination_only}
    work = join(out_uri, "_work")
    work_items = [(p, column, False) for p in in_paths] + [(p, against_column, True) for p in ref_paths]

    def key_base(k: int) -> np.int64:
        return (np.int64(k - n) << np.int64(32)) | _REF_BIT if k >= n else np.int64(k) << np.int64(32)

    # 1. buckets, hash-partitioned: one IPC file of P record batches (one per partition) per work
    # item, and one of each partition's sketches
    bucket_dir, sketch_dir, edge_dir = join(work, "buckets"), join(work, "sketches"), join(work, "edges")

    def buckets(k: int) -> None:
        name = f"w{k:05d}.arrow"
        path, col, is_ref = work_items[k]
        texts = _read_column(path, col)
        keys = key_base(k) + np.arange(len(texts), dtype=np.int64)
        norm = normalize(texts)
        w = words(norm)
        sigs = signatures(*shingle_hashes(norm, params.ngram, w), params.num_perm, params.seed)
        sk = sketch(sigs)
        rows = bucket_rows(texts, keys, params, ref=is_ref, sigs=sigs, with_sketch=False, normalized=norm, w=w)
        part = (rows["bucket"].to_numpy() % np.uint64(P)).astype(np.int64)
        order = np.argsort(part, kind="stable")
        rows, part = rows.take(pa.array(order)), part[order]
        bounds = np.searchsorted(part, np.arange(P + 1))
        present = np.zeros((P, len(texts)), dtype=bool)  # which documents have rows in which partition
        present[part, rows["doc"].to_numpy() - keys[0]] = True
        pieces, sketches = [], []
        for p in range(P):
            pieces.append(rows.slice(bounds[p], bounds[p + 1] - bounds[p]))
            local = np.flatnonzero(present[p])  # each document's sketch once per partition
            sketches.append(sketch_table(keys[local], sk[local]))
        sh.write_batches(pieces, rows.schema, bucket_dir, name)
        sh.write_batches(sketches, SKETCH_SCHEMA, sketch_dir, name)

    # 2. candidate edges per partition, verified; written as one record batch per input shard
    def edges(p: int) -> None:
        name = f"p{p:05d}.arrow"
        items = range(len(work_items))
        table = pa.concat_tables([sh.read_batch(bucket_dir, f"w{k:05d}.arrow", p) for k in items])
        if table.num_rows:
            table = attach_sketches(table, pa.concat_tables([sh.read_batch(sketch_dir, f"w{k:05d}.arrow", p)
                                                             for k in items]))
            e = bucket_edges(table)
            e = e.filter(pa.array(e["sim"].to_numpy() >= params.verify_threshold))  # exact edges have sim 1
            if contamination_only:
                e = e.filter(e["ref"])
        else:
            e = EDGE_SCHEMA.empty_table()
        # edges are sorted by doc, and an edge's doc is always a corpus record (key shard << 32 | row)
        bounds = np.searchsorted(e["doc"].to_numpy(), np.arange(n + 1, dtype=np.int64) << np.int64(32))
        sh.write_batches([e.slice(bounds[k], bounds[k + 1] - bounds[k]) for k in range(n)], EDGE_SCHEMA,
                         edge_dir, name)

    # 3. the shards: the reader marks each record's drop reason (verified edges), the step drops them
    read = read_marked(in_paths, column, edge_dir, P, params.verify_threshold)

    def extra(counts: dict) -> dict:
        dropped = {name: 0 for name in REASONS.values()}
        dropped.update(counts["reasons"])
        bands, rows_per_band = params.band_rows
        info = {"dedup": {"params": params.__dict__, "bands": bands, "rows_per_band": rows_per_band,
                          "verify_threshold": params.verify_threshold, "dropped": dropped,
                          "against": sorted(against or [])}}
        return {"kept": info, runner.QUARANTINE: info}

    result = runner.run(runner.Job(
        plan=runner.Plan("dedupe", params=job_params, inputs=[in_uri, *(against or [])]),
        outputs={"kept": runner.Output(out_uri, "dedupe.kept", parents=[in_uri, *(against or [])])},
        quarantine=runner.Output(dropped_uri, "dedupe.dropped", DROPPED_SCHEMA, parents=[in_uri]),
        num_shards=n, read=read, steps={"kept": [drop_marked(column)]},
        stages=[runner.Stage("buckets", len(work_items), run=buckets,
                             files=lambda k: [(bucket_dir, f"w{k:05d}.arrow"), (sketch_dir, f"w{k:05d}.arrow")]),
                runner.Stage("edges", P, run=edges, files=lambda p: [(edge_dir, f"p{p:05d}.arrow")])],
        work=work, extra=extra))
    counts = result["manifests"]["kept"]["dedup"]["dropped"]
    kept_rows = result["rows"]["kept"]
    t = result["timings"]
    return {
        "kept": out_uri, "dropped": dropped_uri, "input_rows": kept_rows + result["quarantined"],
        "kept_rows": kept_rows, "dropped_counts": counts,
        "shards_written": result["shards_written"],
        "timings": {"buckets_s": t.get("buckets", 0.0), "edges_s": t.get("edges", 0.0),
                    "filter_s": t.get("shards", 0.0)},
    }


def read_marked(in_paths: list[str], column: str, edge_dir: str, num_partitions: int,
                verify_threshold: float) -> Callable[[int], dict]:
    """The reader of the filter stage: input shard ``k`` with ``_reason`` (null: kept) and
    ``_duplicate_of`` (the id of the kept record, "" for contamination) from its verified edges."""

    def read(k: int) -> dict:
        fs = resolve(in_paths[k])[0]
        table = pq.read_table(in_paths[k], filesystem=fs)
        e = pa.concat_tables([EDGE_SCHEMA.empty_table()] +
                             [sh.read_batch(edge_dir, f"p{p:05d}.arrow", k) for p in range(num_partitions)])
        verified = e["sim"].to_numpy() >= verify_threshold
        drops = resolve_drops(e, verified)
        reasons = np.full(table.num_rows, -1, dtype=np.int8)
        dup_of = np.full(table.num_rows, -1, dtype=np.int64)
        rows = drops["doc"].to_numpy() & _LOW
        reasons[rows] = drops["reason"].to_numpy()
        dup_of[rows] = drops["dup_of"].to_numpy()
        has_id = "id" in table.column_names
        id_cache: dict[int, list] = {}
        reason_col: list[str | None] = [None] * table.num_rows
        dup_col: list[str | None] = [None] * table.num_rows
        for i in np.flatnonzero(reasons >= 0):  # ids of the kept records; shards' id columns read when needed
            reason_col[i] = REASONS[int(reasons[i])]
            key = int(dup_of[i])
            if key < 0:
                dup_col[i] = ""
                continue
            src_shard = key >> 32
            if src_shard not in id_cache:
                id_cache[src_shard] = (_read_column(in_paths[src_shard], "id").to_pylist() if has_id else
                                       [str(x) for x in range(pq.read_metadata(in_paths[src_shard],
                                                                               filesystem=fs).num_rows)])
            dup_col[i] = str(id_cache[src_shard][key & 0xFFFFFFFF])
        table = table.append_column("_reason", pa.array(reason_col, pa.string()))
        return {"kept": table.append_column("_duplicate_of", pa.array(dup_col, pa.string()))}

    return read


def main(argv: list[str] | None = None) -> int:
    return job_main("data_jobs.dedupe", __doc__, add_arguments, run_from_args, argv)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_uri", help="dataset folder (Parquet shards) to deduplicate")
    p.add_argument("out_uri", help="where the kept rows go; dropped rows go to OUT_URI_dropped")
    p.add_argument("--column", default="query", help="text column compared (query, description …)")
    p.add_argument("--against", nargs="*", default=[], help="evaluation datasets to decontaminate against")
    p.add_argument("--against-column", default="query")
    p.add_argument("--contamination-only", action="store_true",
                   help="drop only rows near an --against dataset; keep repetitions inside the input "
                        "(scenario corpora repeat queries on purpose)")
    p.add_argument("--ngram", type=int, default=3)
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--threshold", type=float, default=0.8)
    p.add_argument("--bands", type=int, default=None)
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--verify-margin", type=float, default=0.0,
                   help="near pairs hold at estimated Jaccard >= threshold - margin (default 0: at the threshold)")
    p.add_argument("--num-partitions", type=int, default=8)


def run_from_args(a: argparse.Namespace) -> dict:
    params = DedupParams(ngram=a.ngram, num_perm=a.num_perm, threshold=a.threshold, bands=a.bands, rows=a.rows,
                         verify_margin=a.verify_margin)
    return run(a.in_uri, a.out_uri, column=a.column, against=a.against, against_column=a.against_column,
               contamination_only=a.contamination_only,
               params=params, num_partitions=a.num_partitions)


if __name__ == "__main__":
    sys.exit(main())
