"""Synthesize a tool catalog and query → tool examples with Ray Data.

    python -m data_jobs.synthesize OUT_URI --num-tools 240 --queries-per-tool 6 --seed 0

writes ``OUT_URI/tools/`` (TOOL_SCHEMA) and ``OUT_URI/examples/`` (EXAMPLE_SCHEMA), each a folder
of deterministic Parquet shards plus ``manifest.json``. Shard ``k`` holds tools
``[k·N/S, (k+1)·N/S)`` and their queries; every tool's queries are split so that about
``test_fraction`` of them are ``test`` and at least one is ``train`` (ToolGen's in-domain setting:
test tools are known tools, test queries are new).
"""

from __future__ import annotations

import argparse
import json
import random
import sys

import pyarrow as pa

from data_jobs import shards as sh
from data_jobs.common import ensure_ray, prepare_output, run_shards
from toolfoundry.config import DataConfig
from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA
from toolfoundry.storage import join, write_manifest
from toolfoundry.synth import can_answer, generate_query_records, tool_at, tools as synth_tools

KIND_TOOLS, KIND_EXAMPLES = "synth.tools", "synth.examples"


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


def run(cfg: DataConfig, out_uri: str, seed: int = 0) -> dict:
    """Write ``out_uri/tools`` and ``out_uri/examples``; resumes a killed run of the same parameters."""
    if cfg.num_tools > synth_tools.capacity():
        from toolfoundry.errors import InputError

        raise InputError("data.num_tools", f"{cfg.num_tools}", f"at most {synth_tools.capacity()} per seed")
    ensure_ray()
    tools_uri, ex_uri = join(out_uri, "tools"), join(out_uri, "examples")
    plan = {"job": "synthesize", "params": cfg.model_dump(), "seed": seed}
    parts = sh.ranges(cfg.num_tools, cfg.num_shards)
    for uri in (tools_uri, ex_uri):
        prepare_output(uri, plan, len(parts))

    def produce(k: int) -> dict:
        name = sh.shard_name(k, len(parts))
        if sh.shard_exists(tools_uri, name) and sh.shard_exists(ex_uri, name):
            return {"shard": k, "written": False}
        start, stop = parts[k]
        tools_t, ex_t = shard_tables(cfg, seed, start, stop)
        # examples first: a shard counts as done only when its tools file exists too
        sh.write_shard(ex_t, ex_uri, name)
        sh.write_shard(tools_t, tools_uri, name)
        return {"shard": k, "written": True}

    stats = run_shards(len(parts), produce)
    params = cfg.model_dump()
    tools_m = write_manifest(tools_uri, kind=KIND_TOOLS, params=params, seed=seed,
                             extra={"num_shards": len(parts)})
    ex_m = write_manifest(ex_uri, kind=KIND_EXAMPLES, params=params, seed=seed, parents=[tools_uri],
                          extra={"num_shards": len(parts)})
    return {
        "tools": tools_uri,
        "examples": ex_uri,
        "num_tools": tools_m["rows"],
        "num_examples": ex_m["rows"],
        "shards_written": sum(1 for s in stats if s["written"]),
        "shards_skipped": sum(1 for s in stats if not s["written"]),
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
