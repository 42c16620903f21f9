"""One runner for every data job: small steps over Arrow tables, shards on Ray Data, atomic outputs.

A job is described, not programmed against Ray:

- a :class:`Plan` — what it computes: the job's name, its parameters, its seed and its inputs. Every
  output folder remembers the plan of its run (``_plan.json``); a run with the same plan resumes (the
  finished shards are kept), a run with another plan replaces the folder's shards;
- its **outputs** — :class:`Output` dataset folders (manifest kind, Arrow schema, parents) — and its
  **quarantine**, the dataset that receives every rejected row with its reason;
- a **reader** ``read(k) -> {output name: pa.Table}`` — shard ``k``'s rows, whether read from an input
  shard, sliced from a catalog or generated (``k`` is the only argument, so a shard is a pure function
  of the plan and ``k``); it may also hand over rows it could not use under the key ``"quarantine"``;
- its **steps** — per output, a list of :class:`Step`: ``table → (kept, rejected)``, applied in
  order, each a small pure function with a name, testable without Ray;
- optionally **stages** before the shards (:class:`Stage`): intermediate work, such as a
  map-reduce's partitions or an LLM actor pool's chunks, whose files the reader then reads.

:func:`run` owns everything else: Ray start-up, preparing the outputs (same plan → resume, other plan
→ replace), skipping what is done (a shard is done when every output has its file; a stage task when
its files exist), running the stages and the shards on Ray Data in one execution where it can
(:func:`data_jobs.common.run_shards` / :func:`data_jobs.common.run_stages`), writing each shard's
outputs and quarantine atomically (:mod:`toolfoundry.storage`), counting the rejected rows by reason
from the quarantine files (so a resumed run reports what an uninterrupted one does), and writing the
manifests atomically.

A job in a few lines::

    @step("non_empty_query")
    def non_empty_query(table):
        blank = pc.equal(pc.utf8_trim_whitespace(table["query"]), "").to_pylist()
        return by_reason(table, ["query: empty" if b else None for b in blank])

    job = Job(
        plan=Plan("clean", params={"column": "query"}, inputs=(in_uri,)),
        outputs={"examples": Output(out_uri, "clean.examples", EXAMPLE_SCHEMA)},
        quarantine=Output(out_uri + "_quarantine", "clean.quarantine"),
        num_shards=len(paths),
        read=lambda k: {"examples": pq.read_table(paths[k])},
        steps={"examples": [non_empty_query]},
    )
    result = run(job)  # {"rows": {"examples": …}, "quarantined": …, "reasons": {"query": …}, …}
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from data_jobs.common import ensure_ray, run_shards, run_stages
from toolfoundry import storage
from toolfoundry.errors import InputError
from toolfoundry.schema import QUARANTINE_SCHEMA
from toolfoundry.storage import resolve, shard_name

#: The key under which a reader hands over rows it could not use itself (already in quarantine form).
QUARANTINE = "quarantine"

#: What a step may return as its rejected rows: a table with a ``reason`` column (in the job's
#: quarantine schema), or ``(row, reason)`` / ``(row, reason, source)`` tuples, which become
#: QUARANTINE_SCHEMA rows (``record`` is the row as JSON; ``source`` defaults to where the step ran).
Rejected = Union[pa.Table, Sequence[tuple]]


def reason_code(reason: str) -> str:
    """The counted part of a reason: ``"code: detail"`` → ``"code"`` (a reason without ``:`` is its code)."""
    return reason.split(":", 1)[0].strip() or reason


def rejected_table(rejected: Rejected, source: str = "") -> pa.Table:
    """Rejected rows as a table: a table is returned as it is, tuples become QUARANTINE_SCHEMA rows."""
    if isinstance(rejected, pa.Table):
        if "reason" not in rejected.column_names:
            raise ValueError(f"rejected rows from {source or 'a step'} have no 'reason' column "
                             f"(columns: {rejected.column_names})")
        return rejected
    rows = []
    for item in rejected:
        row, reason = item[0], item[1]
        if not reason:
            raise ValueError(f"{source or 'a step'} rejected a row without a reason")
        rows.append({"source": item[2] if len(item) > 2 and item[2] else source, "reason": str(reason),
                     "record": row if isinstance(row, str) else json.dumps(row, sort_keys=True, default=str)})
    return pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)


def by_reason(table: pa.Table, reasons: Sequence[str | None]) -> tuple[pa.Table, list[tuple[dict, str]]]:
    """Split ``table`` by a per-row reason: rows with ``None`` are kept, the others rejected with theirs.

    The helper most steps end with: compute one reason (or None) per row, vectorized where possible.
    """
    if len(reasons) != table.num_rows:
        raise ValueError(f"{len(reasons)} reasons for {table.num_rows} rows")
    bad = [i for i, r in enumerate(reasons) if r is not None]
    if not bad:
        return table, []
    keep = pa.array([r is None for r in reasons])
    rows = table.take(pa.array(bad, pa.int64())).to_pylist()
    return table.filter(keep), [(row, reasons[i]) for row, i in zip(rows, bad)]


@dataclass(frozen=True)
class Step:
    """One small step: ``fn(table) -> (kept table, rejected rows)``.

    Calling a step gives ``(kept, rejected table)``; the rejected table is QUARANTINE_SCHEMA unless
    ``fn`` returned a table of its own (with a ``reason`` column). Steps are pure functions of their
    table, so a test calls one directly, without Ray or files.
    """

    name: str
    fn: Callable[[pa.Table], tuple[pa.Table, Rejected]]

    def __call__(self, table: pa.Table, source: str = "") -> tuple[pa.Table, pa.Table]:
        kept, rejected = self.fn(table)
        where = f"{source}:{self.name}" if source else self.name
        return kept, rejected_table(rejected, where)


def step(name: str) -> Callable[[Callable], Step]:
    """Decorator: ``@step("valid_tool") def valid_tool(table): …`` makes a :class:`Step`."""
    return lambda fn: Step(name, fn)


def apply_steps(steps: Sequence[Step], table: pa.Table, source: str = "") -> tuple[pa.Table, list[pa.Table]]:
    """Run ``steps`` in order on ``table``: the kept rows, and each step's rejected rows (non-empty ones)."""
    rejected = []
    for s in steps:
        table, r = s(table, source)
        if r.num_rows:
            rejected.append(r)
    return table, rejected


def non_empty(*columns: str, name: str | None = None) -> Step:
    """A filter step: rows whose ``columns`` are null, blank text or empty lists are rejected with
    ``"<column>: empty"`` (vectorized; the table is returned untouched when every row passes)."""
    import numpy as np
    import pyarrow.compute as pc

    def fn(table: pa.Table):
        masks = []
        for c in columns:
            if c not in table.column_names:
                raise InputError(c, f"not a column of the table ({table.column_names})", f"a table with {c!r}")
            col = table[c]
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                bad = pc.or_kleene(pc.is_null(col), pc.equal(pc.utf8_trim_whitespace(col), ""))
            elif pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
                bad = pc.or_kleene(pc.is_null(col), pc.equal(pc.list_value_length(col), 0))
            else:
                bad = pc.is_null(col)
            masks.append(np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool))
        hit = np.logical_or.reduce(masks) if masks else np.zeros(table.num_rows, dtype=bool)
        if not hit.any():
            return table, []
        reasons: list[str | None] = [None] * table.num_rows
        for i in np.flatnonzero(hit):
            reasons[i] = "; ".join(f"{c}: empty" for c, m in zip(columns, masks) if m[i])
        return by_reason(table, reasons)

    return Step(name or "non_empty_" + "_".join(columns), fn)


@dataclass(frozen=True)
class Plan:
    """What a run computes. Same plan → a folder resumes; another plan → its shards are replaced.

    ``params`` and ``seed`` go into the manifests; ``inputs`` (dataset folders or files) become the
    manifests' parents and are fingerprinted into the stored plan (a dataset's content hash, else its
    files' names, sizes and times), so a changed input is not mistaken for a finished run.
    """

    job: str
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    inputs: Sequence[str] = ()


@dataclass(frozen=True)
class Output:
    """A dataset the job writes: folder, manifest kind, Arrow schema (None: the tables' own), parents
    (None: the plan's inputs)."""

    uri: str
    kind: str
    schema: pa.Schema | None = None
    parents: Sequence[str] | None = None


@dataclass(frozen=True)
class Stage:
    """Intermediate work before the shards: ``num_tasks`` tasks, task ``t`` leaves ``files(t)``
    (``(folder, name)`` pairs, written atomically) and is skipped when they all exist.

    ``run(t)`` runs as a Ray Data task, in one execution with the neighbouring task stages and the
    shards (an all-to-all barrier between stages); ``run_many(missing tasks)`` instead runs the whole
    stage from the driver (an actor pool, ``ray.data.llm``), and the runner checks that it left every
    task's files.
    """

    name: str
    num_tasks: int
    files: Callable[[int], Sequence[tuple[str, str]]]
    run: Callable[[int], None] | None = None
    run_many: Callable[[list[int]], None] | None = None


@dataclass
class Job:
    """A data job: plan, outputs, quarantine, reader, steps per output, optional stages and work folder.

    ``extra(counts)`` may return ``{output name: dict}`` of job-specific manifest fields, computed after
    the shards are written (``counts``: ``{"quarantined": n, "reasons": {code: n}}``).
    """

    plan: Plan
    outputs: Mapping[str, Output]
    num_shards: int
    read: Callable[[int], Mapping[str, pa.Table]]
    steps: Mapping[str, Sequence[Step]] = field(default_factory=dict)
    quarantine: Output | None = None
    stages: Sequence[Stage] = ()
    work: str | None = None
    extra: Callable[[dict], Mapping[str, dict]] | None = None
    num_cpus_per_task: float = 1.0


def fingerprint(uri: str) -> str | None:
    """A dataset's content hash (from its manifest), else a hash of its files' names, sizes and times."""
    try:
        return storage.read_manifest(uri)["content_hash"]
    except (InputError, KeyError):
        pass
    fs, path = resolve(uri)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return None
    entries = [info] if info.type == pafs.FileType.File else sorted(
        fs.get_file_info(pafs.FileSelector(path, recursive=True)), key=lambda i: i.path)
    digest = hashlib.sha256()
    for e in entries:
        if e.type == pafs.FileType.File:
            digest.update(f"{e.path[len(path):]}\0{e.size}\0{e.mtime_ns}\n".encode())
    return digest.hexdigest()


def stored_plan(job: Job) -> dict:
    """What ``_plan.json`` holds for ``job``: the plan, its inputs' fingerprints and the shard count."""
    p = job.plan
    return storage.canonical_plan({"job": p.job, "params": dict(p.params), "seed": p.seed, "inputs": list(p.inputs),
                                   "input_fingerprints": [fingerprint(u) for u in p.inputs],
                                   "num_shards": job.num_shards})


def prepare_work(uri: str, plan: dict) -> bool:
    """A job's intermediate folder: kept for a rerun of the same plan (resume), emptied for another."""
    fs, path = resolve(uri)
    if storage.read_json(uri, storage.PLAN) == plan:
        storage.clean_temporaries(uri, recursive=True)
        return True
    fs.create_dir(path, recursive=True)
    fs.delete_dir_contents(path, missing_dir_ok=True)
    storage.write_json(uri, storage.PLAN, plan)
    return False


def conform(table: pa.Table, schema: pa.Schema | None, where: str) -> pa.Table:
    """``table`` with exactly ``schema``'s columns and types (columns a step added are dropped)."""
    if schema is None or table.schema.equals(schema, check_metadata=True):
        return table
    missing = [n for n in schema.names if n not in table.column_names]
    if missing:
        raise ValueError(f"{where}: the table has no column {missing} (columns: {table.column_names}); "
                         f"expected the columns {schema.names}")
    return table.select(schema.names).cast(schema)


def _rejected_rows(parts: list[pa.Table], schema: pa.Schema, where: str) -> pa.Table:
    out = []
    for t in parts:
        missing = [n for n in schema.names if n not in t.column_names]
        if missing:
            raise ValueError(f"{where}: rejected rows with columns {t.column_names} do not fit the job's "
                             f"quarantine (columns {schema.names})")
        out.append(conform(t, schema, where))
    return pa.concat_tables(out) if out else schema.empty_table()


def shard_task(job: Job) -> Callable[[int], dict]:
    """The function one Ray Data task runs for shard ``k``: read, steps, write every output atomically."""
    # only what a task needs is captured (and pickled into it), not the whole job
    n, job_name, read, steps = job.num_shards, job.plan.job, job.read, dict(job.steps)
    outputs = dict(job.outputs)
    q = job.quarantine
    targets = [o.uri for o in outputs.values()] + ([q.uri] if q else [])

    def produce(k: int) -> dict:
        name = shard_name(k, n)
        if all(storage.file_exists(u, name) for u in targets):
            return {"shard": k, "written": False}
        tables = dict(read(k))
        rejected = [rejected_table(tables.pop(QUARANTINE), f"{job_name} reader")] if QUARANTINE in tables else []
        unknown = sorted(set(tables) - set(outputs))
        if unknown:
            raise ValueError(f"{job_name}: the reader returned tables {unknown} that are not outputs "
                             f"{sorted(outputs)}")
        kept = {}
        for out_name, out in outputs.items():
            table = tables.get(out_name)
            if table is None:
                if out.schema is None:
                    raise ValueError(f"{job_name}: no table for output {out_name!r} in shard {k}, and the "
                                     "output declares no schema to write an empty shard with")
                table = out.schema.empty_table()
            table, r = apply_steps(steps.get(out_name, ()), table, f"{out_name}/{name}")
            rejected += r
            kept[out_name] = conform(table, out.schema, f"{job_name} output {out_name!r}")
        if rejected and q is None:
            raise ValueError(f"{job_name}: steps rejected rows but the job has no quarantine output")
        for out_name, out in outputs.items():
            storage.write_parquet(kept[out_name], out.uri, name)
        if q is not None:  # last: the quarantine shard completes the shard
            storage.write_parquet(_rejected_rows(rejected, q.schema or QUARANTINE_SCHEMA,
                                                 f"{job_name} quarantine"), q.uri, name)
        return {"shard": k, "written": True, "rows": {o: t.num_rows for o, t in kept.items()},
                "rejected": sum(t.num_rows for t in rejected)}

    return produce


def _stage_task(stage: Stage) -> Callable[[int], dict]:
    def produce(t: int) -> dict:
        if all(storage.file_exists(u, f) for u, f in stage.files(t)):
            return {"shard": t, "written": False}
        stage.run(t)
        return {"shard": t, "written": True}

    return produce


def _missing(stage: Stage) -> list[int]:
    return [t for t in range(stage.num_tasks) if not all(storage.file_exists(u, f) for u, f in stage.files(t))]


def count_reasons(uri: str) -> Counter:
    """Rejected rows per reason code, read from a quarantine dataset's ``reason`` column."""
    fs, _ = resolve(uri)
    counts: Counter = Counter()
    for path in storage.shard_paths(uri):
        counts.update(reason_code(r) for r in pq.read_table(path, filesystem=fs, columns=["reason"])["reason"]
                      .to_pylist())
    return counts


def validate(job: Job) -> None:
    if job.num_shards < 1:
        raise InputError("num_shards", f"{job.num_shards}", "at least 1")
    names = [o.uri.rstrip("/") for o in job.outputs.values()] + ([job.quarantine.uri.rstrip("/")] if job.quarantine
                                                                 else [])
    if len(set(names)) != len(names):
        raise InputError("outputs", f"two outputs share a folder ({names})", "one folder per output")
    if QUARANTINE in job.outputs:
        raise ValueError(f"{QUARANTINE!r} is the reader's key for rejected rows; name the output otherwise")
    unknown = sorted(set(job.steps) - set(job.outputs))
    if unknown:
        raise ValueError(f"steps for {unknown}, which are not outputs {sorted(job.outputs)}")
    for s in job.stages:
        if (s.run is None) == (s.run_many is None):
            raise ValueError(f"stage {s.name!r}: give exactly one of run (a task) or run_many (the whole stage)")


def run(job: Job) -> dict:
    """Run ``job``: prepare its outputs, run its stages and shards on Ray Data, write its manifests.

    Returns ``{"outputs": {name: uri}, "quarantine": uri, "rows": {name: n}, "quarantined": n,
    "reasons": {code: n}, "shards_written", "shards_skipped", "timings": {stage: seconds},
    "manifests": {name: manifest}}``.
    """
    validate(job)
    ensure_ray()
    plan = stored_plan(job)
    keep = {shard_name(k, job.num_shards) for k in range(job.num_shards)}
    datasets = dict(job.outputs) | ({QUARANTINE: job.quarantine} if job.quarantine else {})
    for out in datasets.values():
        storage.prepare_output(out.uri, plan, keep)
    if job.work:
        prepare_work(job.work, plan)

    # stages, then the shards: consecutive task stages share one Ray Data execution
    timings: dict[str, float] = {}
    final = shard_task(job)
    pending: list[tuple[str, int, Callable[[int], dict]]] = []
    shard_stats: list[dict] = []

    def flush() -> None:
        nonlocal shard_stats
        if not pending:
            return
        t0 = time.time()
        if len(pending) == 1 and pending[0][2] is final:
            results, walls = [run_shards(job.num_shards, final, num_cpus_per_task=job.num_cpus_per_task)], \
                [time.time() - t0]
        else:
            results, walls = run_stages([(n, fn) for _, n, fn in pending], num_cpus_per_task=job.num_cpus_per_task)
        for (name, _, fn), stats, wall in zip(pending, results, walls):
            timings[name] = round(wall, 3)
            if fn is final:
                shard_stats = stats
        pending.clear()

    for s in job.stages:
        if s.run is not None:
            pending.append((s.name, s.num_tasks, _stage_task(s)))
            continue
        flush()
        t0 = time.time()
        todo = _missing(s)
        if todo:
            s.run_many(todo)
            left = _missing(s)
            if left:
                raise RuntimeError(f"{job.plan.job}: stage {s.name!r} left {len(left)} of {len(todo)} tasks "
                                   f"unfinished (tasks {left[:10]})")
        timings[s.name] = round(time.time() - t0, 3)
    pending.append(("shards", job.num_shards, final))
    flush()

    reasons = count_reasons(job.quarantine.uri) if job.quarantine else Counter()
    counts = {"quarantined": sum(reasons.values()), "reasons": dict(sorted(reasons.items()))}
    extra = dict(job.extra(counts)) if job.extra else {}
    manifests = {}
    for name, out in datasets.items():
        found = len(storage.shard_paths(out.uri))
        if found != job.num_shards:
            raise RuntimeError(f"{out.uri}: {found} shards after the run, expected {job.num_shards}")
        manifests[name] = storage.write_manifest(
            out.uri, kind=out.kind, params=dict(job.plan.params), seed=job.plan.seed,
            parents=list(out.parents if out.parents is not None else job.plan.inputs),
            extra={"num_shards": job.num_shards, "quarantined": counts["quarantined"],
                   "quarantine_reasons": counts["reasons"], **extra.get(name, {})})
    return {
        "outputs": {name: out.uri for name, out in job.outputs.items()},
        "quarantine": job.quarantine.uri if job.quarantine else None,
        "rows": {name: m["rows"] for name, m in manifests.items() if name != QUARANTINE},
        **counts,
        "shards_written": sum(1 for s in shard_stats if s["written"]),
        "shards_skipped": sum(1 for s in shard_stats if not s["written"]),
        "timings": timings,
        "manifests": manifests,
    }


def read_shard(path: str, columns: list[str] | None = None) -> pa.Table:
    """One input shard (any filesystem), for readers."""
    fs, _ = resolve(path)
    return pq.read_table(path, filesystem=fs, columns=columns)


__all__ = ["QUARANTINE", "Job", "Output", "Plan", "Rejected", "Stage", "Step", "apply_steps", "by_reason",
           "conform", "count_reasons", "non_empty", "read_shard", "reason_code", "rejected_table", "run", "shard_task",
           "step"]
