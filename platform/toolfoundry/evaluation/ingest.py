"""Write a benchmark read by :mod:`toolfoundry.formats` as toolfoundry datasets (Parquet + manifest).

``OUT/tools`` holds the catalog (TOOL_SCHEMA), ``OUT/examples`` every example with its split
(EXAMPLE_SCHEMA), ``OUT/quarantine`` the malformed records with file:line and reason (when any). These
are the datasets ``toolfoundry train --tools OUT/tools --examples OUT/examples`` reads: memorization
on every tool document, retrieval training on the ``train`` split.

``max_train_per_tool`` caps the training queries per relevant tool (chosen with a seeded shuffle) so a
CPU training budget can be met; the cap and seed are recorded in the manifest. Test examples are
never capped.
"""

from __future__ import annotations

import os
import random

import pyarrow as pa
import pyarrow.parquet as pq

from toolfoundry.formats.base import Benchmark
from toolfoundry.schema import QUARANTINE_SCHEMA, examples_to_table, tools_to_table
from toolfoundry.storage import write_manifest


def ingest_benchmark(bench: Benchmark, out_dir: str, *, max_train_per_tool: int | None = None,
                     train_split: str = "train", seed: int = 0) -> dict:
    rng = random.Random(seed)
    examples = list(bench.examples)
    if max_train_per_tool is not None:
        train = [e for e in examples if e.split == train_split]
        rng.shuffle(train)
        per_tool: dict[str, int] = {}
        kept = []
        for e in train:
            key = e.relevant_tool_ids[0] if e.relevant_tool_ids else ""
            if per_tool.get(key, 0) < max_train_per_tool:
                per_tool[key] = per_tool.get(key, 0) + 1
                kept.append(e)
        keep_ids = {e.id for e in kept}
        examples = [e for e in examples if e.split != train_split or e.id in keep_ids]
    params = {"source_format": bench.format, "benchmark": bench.name, "max_train_per_tool": max_train_per_tool,
              "train_split": train_split}
    out = {}
    for name, table in (("tools", tools_to_table(bench.tools)), ("examples", examples_to_table(examples))):
        folder = os.path.join(out_dir, name)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if old.endswith(".parquet"):
                os.remove(os.path.join(folder, old))
        pq.write_table(table, os.path.join(folder, "part-00000.parquet"))
        out[name] = write_manifest(folder, kind=name, params=params, seed=seed,
                                   extra={"malformed_records": len(bench.problems)})
    if bench.problems:
        folder = os.path.join(out_dir, "quarantine")
        os.makedirs(folder, exist_ok=True)
        rows = [{"source": f"{p.file}:{p.line}", "reason": p.reason, "record": ""} for p in bench.problems]
        pq.write_table(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA), os.path.join(folder, "part-00000.parquet"))
        out["quarantine"] = write_manifest(folder, kind="quarantine", params=params, seed=seed)
    counts = {}
    for e in examples:
        counts[e.split] = counts.get(e.split, 0) + 1
    return {"out": out_dir, "tools": len(bench.tools), "examples": counts, "malformed_records": len(bench.problems)}
