"""Write a benchmark read by :mod:`toolfoundry.formats` as toolfoundry datasets (Parquet + manifest).

``OUT/tools`` holds the catalog (TOOL_SCHEMA), ``OUT/examples`` every example with its split
(EXAMPLE_SCHEMA), ``OUT/quarantine`` (QUARANTINE_SCHEMA) the records that could not be used, each with
its source and reason: the reader's malformed records (file:line) and the tools that fail
:func:`tool_reasons` (the same check ``toolfoundry data ingest`` runs). These are the datasets
``toolfoundry train --tools OUT/tools --examples OUT/examples`` reads: memorization on every tool
document, retrieval training on the ``train`` split.

``max_train_per_tool`` caps the training queries per relevant tool (chosen with a seeded shuffle) so a
CPU training budget can be met; the cap, the seed and how many queries it left out are recorded in the
manifest. Test examples are never capped.

Files go through :mod:`toolfoundry.storage`'s atomic writer: a folder remembers the run's plan (the
parameters and a hash of the benchmark's content), a rerun of the same plan keeps the finished shards
and a killed run leaves no half-written file; manifests are written last.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence

import pyarrow as pa

from toolfoundry import storage
from toolfoundry.formats.base import Benchmark
from toolfoundry.schema import QUARANTINE_SCHEMA, Tool, examples_to_table, tool_problems, tools_to_table
from toolfoundry.storage import join


def first_rows(ids: Sequence[str]) -> dict[str, int]:
    """Each id's first row in a catalog."""
    first: dict[str, int] = {}
    for i, tid in enumerate(ids):
        first.setdefault(tid, i)
    return first


def tool_reasons(rows: Sequence[Mapping], rows_at: Sequence[int] | None = None,
                 first: Mapping[str, int] | None = None) -> list[str | None]:
    """Why each tool row (TOOL_SCHEMA, as dicts) is unusable; None for a usable tool.

    A row is unusable when it does not parse (``record: …``), when :func:`toolfoundry.schema.tool_problems`
    finds problems (``<field>: …``), or when its id already appeared at an earlier row of the catalog
    (``duplicate_id: …``). ``rows_at`` gives each row's position in the whole catalog and ``first``
    each id's first position (:func:`first_rows`), so a shard of a catalog is checked exactly as the
    whole catalog would be; by default the rows are the whole catalog.
    """
    at = list(range(len(rows))) if rows_at is None else list(rows_at)
    first = first_rows([r.get("id") for r in rows]) if first is None else first
    out: list[str | None] = []
    for row, i in zip(rows, at):
        try:
            problems = tool_problems(Tool.from_row(row))
        except (ValueError, TypeError, KeyError) as err:  # unparseable parameters JSON, missing fields
            problems = [f"record: unparseable ({type(err).__name__}: {err})"]
        tid = row.get("id")
        if first.get(tid, i) < i:
            problems.append(f"duplicate_id: {tid!r} appears earlier in the catalog (row {first[tid]})")
        out.append("; ".join(problems) if problems else None)
    return out


def cap_train(examples: list, max_train_per_tool: int | None, train_split: str, seed: int) -> list:
    """``examples`` with at most ``max_train_per_tool`` training queries per relevant tool (seeded)."""
    if max_train_per_tool is None:
        return list(examples)
    train = [e for e in examples if e.split == train_split]
    random.Random(seed).shuffle(train)
    per_tool: dict[str, int] = {}
    keep_ids = set()
    for e in train:
        key = e.relevant_tool_ids[0] if e.relevant_tool_ids else ""
        if per_tool.get(key, 0) < max_train_per_tool:
            per_tool[key] = per_tool.get(key, 0) + 1
            keep_ids.add(e.id)
    return [e for e in examples if e.split != train_split or e.id in keep_ids]


def _content_hash(*tables: pa.Table) -> str:
    digest = hashlib.sha256()
    for t in tables:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, t.schema) as writer:
            writer.write_table(t)
        digest.update(sink.getvalue().to_pybytes())
    return digest.hexdigest()


def ingest_benchmark(bench: Benchmark, out_dir: str, *, max_train_per_tool: int | None = None,
                     train_split: str = "train", seed: int = 0) -> dict:
    examples = cap_train(bench.examples, max_train_per_tool, train_split, seed)
    catalog = tools_to_table(bench.tools)
    rows = catalog.to_pylist()
    reasons = tool_reasons(rows)
    tools = catalog.filter(pa.array([r is None for r in reasons]))
    quarantine = [{"source": f"{p.file}:{p.line}", "reason": f"malformed: {p.reason}", "record": ""}
                  for p in bench.problems]
    quarantine += [{"source": row.get("provenance") or bench.format, "reason": why,
                    "record": json.dumps(row, sort_keys=True, default=str)}
                   for row, why in zip(rows, reasons) if why is not None]
    tables = {"tools": tools, "examples": examples_to_table(examples),
              "quarantine": pa.Table.from_pylist(quarantine, schema=QUARANTINE_SCHEMA)}
    params = {"source_format": bench.format, "benchmark": bench.name, "max_train_per_tool": max_train_per_tool,
              "train_split": train_split}
    plan = {"job": "ingest-benchmark", "params": params, "seed": seed,
            "content": _content_hash(catalog, tables["examples"], tables["quarantine"])}
    name = storage.shard_name(0, 1)
    for sub, table in tables.items():  # same plan: finished shards are kept; another plan: replaced
        folder = join(out_dir, sub)
        storage.prepare_output(folder, plan, {name})
        if not storage.file_exists(folder, name):
            storage.write_parquet(table, folder, name)
    capped = len(bench.examples) - len(examples)
    extra = {"malformed_records": len(bench.problems), "quarantined": tables["quarantine"].num_rows,
             "capped_train_examples": capped}
    for sub in tables:  # manifests last, each written atomically
        storage.write_manifest(join(out_dir, sub), kind=sub, params=params, seed=seed, extra=extra)
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.split] = counts.get(e.split, 0) + 1
    return {"out": out_dir, "tools": tools.num_rows, "examples": counts, "malformed_records": len(bench.problems),
            "quarantined": tables["quarantine"].num_rows}
