"""Synthesize a tool catalog and query → tool examples with Ray Data.

    python -m data_jobs.synthesize OUT_URI --num-tools 240 --queries-per-tool 6 --seed 0

writes ``OUT_URI/tools/`` (TOOL_SCHEMA) and ``OUT_URI/examples/`` (EXAMPLE_SCHEMA), each a folder
of deterministic Parquet shards plus ``manifest.json``, and ``OUT_URI/quarantine/`` for generated
records that fail the checks (none, unless the generator has a bug). Shard ``k`` holds tools
``[k·N/S, (k+1)·N/S)`` and their queries; every tool's queries are split so that about
``test_fraction`` of them are ``test`` and at least one is ``train`` (ToolGen's in-domain setting:
test tools are known tools, test queries are new).

On the runner (:mod:`data_jobs.runner`): the generator is the reader (:func:`shard_tables`), then
the steps :data:`TOOL_STEPS` and :data:`EXAMPLE_STEPS`.
"""

from __future__ import annotations

import argparse
import json
import random
import sys

import pyarrow as pa

from data_jobs import runner
from data_jobs import shards as sh
from toolfoundry.config import DataConfig
from toolfoundry.schema import EXAMPLE_SCHEMA, QUARANTINE_SCHEMA, TOOL_SCHEMA
from toolfoundry.storage import join
from toolfoundry.synth import can_answer, generate_query_records, tool_at, tools as synth_tools

KIND_TOOLS, KIND_EXAMPLES, KIND_QUARANTINE = "synth.tools", "synth.examples", "synth.quarantine"

#: Generated records are checked like any input: a tool needs an id, a name and a description; an
#: example an id, a query and at least one relevant tool.
TOOL_STEPS = [runner.non_empty("id", "name", "description", name="complete_tool")]
EXAMPLE_STEPS = [runner.non_empty("id", "query", "relevant_tool_ids", name="complete_example")]


def test_count(n: int, fraction: float) -> int:
    """Test queries per tool: about ``fraction`` of ``n``, at least 1, leaving at least 1 for training."""
    return min(n - 1, max(1, round(n * fraction)))


def shard_tables(cfg: DataConfig, seed: int, start: int, stop: int) -> tuple[pa.Table, pa.Table]:
    """Tools ``[start, stop)`` and their examples, as Arrow tables (pure function of the arguments)."""
    n_base = len(synth_tools.bases())
    tool_rows, ex_rows = [], []
    n_test = test_count(cfg.queries_per_tool, cfg.test_fraction)
    for i in range(start, stop):
        tool = tool_at(i, seed)
        tool_rows.append(tool.to_row())
        # the catalog also holds the global version of this tool's base (index i mod bases):
        # a scoped query that it can answer lists it as relevant too
        generic = tool_at(i % n_base, seed) if i >= n_base else None
        records = generate_query_records(tool, cfg.queries_per_tool, seed)
        test_idx = set(random.Random(f"{seed}:split:{tool.id}").sample(range(len(records)), n_test))
        for k, rec in enumerate(records):
            relevant = [tool.id]
            if generic is not None and can_answer(generic, rec.requirement):
                relevant.append(generic.id)
            ex_rows.append({
                "id": f"{tool.id}-q{k:03d}",
                "query": rec.query,
                "relevant_tool_ids": relevant,
                "candidate_tool_ids": [],
                "gold_ranking": relevant,
                "gold_call_name": tool.name,
                "gold_call_arguments": json.dumps(rec.arguments, sort_keys=True),
                "scenario": "retrieval",
                "split": "test" if k in test_idx else "train",
                "provenance": f"toolfoundry.synth:seed={seed}",
            })
    return (pa.Table.from_pylist(tool_rows, schema=TOOL_SCHEMA),
            pa.Table.from_pylist(ex_rows, schema=EXAMPLE_SCHEMA))


def job(cfg: DataConfig, out_uri: str, seed: int = 0) -> runner.Job:
    """The synthesis job on the runner: ``OUT/tools``, ``OUT/examples`` and ``OUT/quarantine``."""
    tools_uri, ex_uri = join(out_uri, "tools"), join(out_uri, "examples")
    parts = sh.ranges(cfg.num_tools, cfg.num_shards)

    def read(k: int) -> dict:
        tools_t, ex_t = shard_tables(cfg, seed, *parts[k])
        return {"tools": tools_t, "examples": ex_t}

    return runner.Job(
        plan=runner.Plan("synthesize", params=cfg.model_dump(), seed=seed),
        outputs={"tools": runner.Output(tools_uri, KIND_TOOLS, TOOL_SCHEMA, parents=[]),
                 "examples": runner.Output(ex_uri, KIND_EXAMPLES, EXAMPLE_SCHEMA, parents=[tools_uri])},
        quarantine=runner.Output(join(out_uri, "quarantine"), KIND_QUARANTINE, QUARANTINE_SCHEMA, parents=[]),
        num_shards=len(parts), read=read, steps={"tools": TOOL_STEPS, "examples": EXAMPLE_STEPS})


def run(cfg: DataConfig, out_uri: str, seed: int = 0) -> dict:
    """Write ``out_uri/tools`` and ``out_uri/examples``; resumes a killed run of the same parameters."""
    if cfg.num_tools > synth_tools.capacity():
        from toolfoundry.errors import InputError

        raise InputError("data.num_tools", f"{cfg.num_tools}", f"at most {synth_tools.capacity()} per seed")
    result = runner.run(job(cfg, out_uri, seed))
    return {
        "tools": result["outputs"]["tools"],
        "examples": result["outputs"]["examples"],
        "quarantine": result["quarantine"],
        "num_tools": result["rows"]["tools"],
        "num_examples": result["rows"]["examples"],
        "quarantined": result["quarantined"],
        "shards_written": result["shards_written"],
        "shards_skipped": result["shards_skipped"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m data_jobs.synthesize", description=__doc__.split("\n")[0])
    p.add_argument("out_uri")
    p.add_argument("--num-tools", type=int, default=240)
    p.add_argument("--queries-per-tool", type=int, default=6)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--num-shards", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    from toolfoundry.config import parse_config

    cfg = parse_config(DataConfig, {"num_tools": a.num_tools, "queries_per_tool": a.queries_per_tool,
                                    "test_fraction": a.test_fraction, "num_shards": a.num_shards}, "arguments")
    print(json.dumps(run(cfg, a.out_uri, a.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
