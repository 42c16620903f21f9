"""One split of an examples dataset as the ``{"query", "tool"}`` JSONL that ``toolfoundry onboard
--real-queries`` scores on, e.g. MetaTool's test split for the zero-shot measurement:

    toolfoundry ingest-benchmark --format metatool --data ../shared/data/metatool --out runs/metatool/data
    .venv/bin/python bench/export_queries.py runs/metatool/data/examples --split test --out runs/mt0/real_test.jsonl

``tool`` is the list of the query's relevant tool ids (the catalog's ids, which onboarding's ingest
of the same catalog reproduces).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from toolfoundry import storage
from toolfoundry.schema import EXAMPLE_SCHEMA, examples_from_table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("examples", help="an examples dataset (folder of Parquet shards with a manifest)")
    p.add_argument("--split", default="test")
    p.add_argument("--out", required=True, help="JSONL file to write")
    a = p.parse_args(argv)
    rows = [e for e in examples_from_table(storage.read_table(a.examples, EXAMPLE_SCHEMA)) if e.split == a.split]
    if not rows:
        p.error(f"--split: no example of split {a.split!r} in {a.examples}")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as handle:
        for e in rows:
            handle.write(json.dumps({"query": e.query, "tool": list(e.relevant_tool_ids)}) + "\n")
    print(f"{len(rows)} {a.split} queries -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
