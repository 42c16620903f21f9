"""Ingest a real tool catalog (and its queries, where the format has them) into toolfoundry datasets.

    python -m data_jobs.ingest --format openai|mcp|metatool|beir|toolbench|bfcl --data PATH OUT_URI [--num-shards 1]

Parsing is done by the evaluation harness's readers (:mod:`toolfoundry.formats`), so a catalog is
read the same way for training as for evaluation. MCP ``tools/list`` results (``{"tools": [{name,
description, inputSchema}]}``, bare or inside a JSON-RPC ``result``) are mapped to the OpenAI shape
first. On the runner (:mod:`data_jobs.runner`): the parsed catalog is cut into ``--num-shards``
shards, and the steps check every tool (:func:`valid_tools`: the checks of
:func:`toolfoundry.evaluation.ingest.tool_reasons`, which ``toolfoundry ingest-benchmark`` runs too)
and every example (:data:`labelled`). Every record a reader could not use, every tool that fails
validation and every example without a label lands in ``OUT_URI/quarantine`` with its source and
reason; the job goes on with the rest.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Mapping

import pyarrow as pa

from data_jobs import runner
from data_jobs.common import ensure_ray, job_main
from toolfoundry.errors import InputError
from toolfoundry.evaluation.ingest import first_rows, tool_reasons
from toolfoundry.schema import EXAMPLE_SCHEMA, QUARANTINE_SCHEMA, TOOL_SCHEMA, examples_to_table, tools_to_table
from toolfoundry.storage import join

FORMATS = ("openai", "mcp", "metatool", "beir", "toolbench", "bfcl")


def mcp_to_openai(obj: dict) -> list[dict]:
    """MCP ``tools/list`` result → OpenAI function-calling list (inputSchema becomes parameters)."""
    if "result" in obj and isinstance(obj["result"], dict):
        obj = obj["result"]
    if not isinstance(obj.get("tools"), list):
        raise InputError("mcp", 'no "tools" list', 'a tools/list result: {"tools": [{"name", "inputSchema"}]}')
    out = []
    for t in obj["tools"]:
        if not isinstance(t, dict):
            out.append(t)  # the reader reports it, with its position
            continue
        fn = {"name": t.get("name"), "description": t.get("description") or t.get("title") or "",
              "parameters": t.get("inputSchema") or {"type": "object", "properties": {}}}
        out.append({"type": "function", "function": fn})
    return out


ROW = "_row"  # a tool's position in the whole catalog, added by the reader for the duplicate check


def valid_tools(first: Mapping[str, int] | None = None, default_source: str = "") -> runner.Step:
    """Step: tools that parse, pass :func:`toolfoundry.schema.tool_problems` and whose id is the
    catalog's first (``first``: each id's first catalog row; rows carry theirs in ``_row``)."""

    def fn(table: pa.Table):
        at = table[ROW].to_pylist() if ROW in table.column_names else None
        rows = (table.drop_columns([ROW]) if at is not None else table).to_pylist()
        reasons = tool_reasons(rows, at, first)
        keep = pa.array([r is None for r in reasons])
        return table.filter(keep), [(row, why, row.get("provenance") or default_source)
                                    for row, why in zip(rows, reasons) if why is not None]

    return runner.Step("valid_tool", fn)


def _labelled(table: pa.Table):
    names = table["gold_call_name"].to_pylist()
    relevant = table["relevant_tool_ids"].to_pylist()
    return runner.by_reason(table, [None if (rel or name) else
                                    "labels: no relevant tool and no gold call (nothing to train on)"
                                    for rel, name in zip(relevant, names)])


#: Step: examples need a relevant tool or a gold call; the others are quarantined, not dropped silently.
labelled = runner.Step("labelled", _labelled)


def _read_catalog(fmt: str, paths: list[str], options: dict):
    """The benchmark as the readers see it, with MCP's temporary OpenAI copy named as the user's file."""
    from toolfoundry.formats import load_benchmark

    if fmt != "mcp":
        bench = load_benchmark(fmt, paths if fmt == "toolbench" and len(paths) > 1 else paths[0], **options)
        return bench, [{"source": f"{p.file}:{p.line}", "reason": f"malformed: {p.reason}", "record": ""}
                      for p in bench.problems]
    with open(paths[0], encoding="utf-8") as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise InputError(f"{paths[0]}:{err.lineno}", f"not valid JSON ({err.msg})", "a tools/list result")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:
        json.dump(mcp_to_openai(obj), tmp)
    try:
        bench = load_benchmark("openai", tmp.name, **options)
    finally:
        os.unlink(tmp.name)
    # name the user's file, not the converted copy (whose random name would also change every run)
    bench.tools = [dataclasses.replace(t, provenance=t.provenance.replace(f"openai:{tmp.name}", f"mcp:{paths[0]}"))
                   for t in bench.tools]
    problems = [{"source": f"{paths[0] if p.file == tmp.name else p.file}:{p.line}",
                 "reason": "malformed: " + p.reason.replace(tmp.name, paths[0]), "record": ""} for p in bench.problems]
    return bench, problems


def _bounds(total: int, parts: int, k: int) -> tuple[int, int]:
    return total * k // parts, total * (k + 1) // parts


def run(fmt: str, data: list[str] | str, out_uri: str, *, num_shards: int = 1, **options) -> dict:
    if fmt not in FORMATS:
        raise InputError("format", f"{fmt!r}", f"one of {FORMATS}")
    if num_shards < 1:
        raise InputError("num_shards", f"{num_shards}", "at least 1")
    paths = [data] if isinstance(data, str) else list(data)
    bench, problems = _read_catalog(fmt, paths, options)
    ensure_ray()
    import ray

    tools = tools_to_table(bench.tools)
    tools = tools.append_column(ROW, pa.array(range(tools.num_rows), pa.int64()))
    examples = examples_to_table(bench.examples) if bench.examples else None
    state = ray.put({"tools": tools, "examples": examples,
                     "problems": pa.Table.from_pylist(problems, schema=QUARANTINE_SCHEMA)})
    n = num_shards

    def read(k: int) -> dict:
        st = ray.get(state)
        out = {}
        for key, table in (("tools", st["tools"]), ("examples", st["examples"]), (runner.QUARANTINE, st["problems"])):
            if table is not None:
                a, b = _bounds(table.num_rows, n, k)
                out[key] = table.slice(a, b - a)
        return out

    outputs = {"tools": runner.Output(join(out_uri, "tools"), "ingest.tools", TOOL_SCHEMA)}
    if examples is not None:
        outputs["examples"] = runner.Output(join(out_uri, "examples"), "ingest.examples", EXAMPLE_SCHEMA)
    result = runner.run(runner.Job(
        plan=runner.Plan("ingest", params={"format": fmt, "data": paths,
                                           "options": {k: str(v) for k, v in options.items()}}, inputs=paths),
        outputs=outputs,
        quarantine=runner.Output(join(out_uri, "quarantine"), "ingest.quarantine", QUARANTINE_SCHEMA),
        num_shards=n, read=read,
        steps={"tools": [valid_tools(first_rows(tools["id"].to_pylist()), fmt)],
               **({"examples": [labelled]} if "examples" in outputs else {})},
        extra=lambda counts: {name: {"source_format": fmt} for name in (*outputs, runner.QUARANTINE)}))
    return {"format": fmt, "tools": result["outputs"]["tools"], "examples": result["outputs"].get("examples"),
            "quarantine": result["quarantine"], "num_tools": result["rows"]["tools"],
            "num_examples": result["rows"].get("examples", 0), "quarantined": result["quarantined"],
            "quarantine_reasons": result["reasons"], "shards_written": result["shards_written"],
            "shards_skipped": result["shards_skipped"]}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out_uri")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--data", required=True, nargs="+", help="file or folder in that format")
    p.add_argument("--num-shards", type=int, default=1, help="shards per output (the checks run in parallel)")


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.format, a.data, a.out_uri, num_shards=a.num_shards)


def main(argv: list[str] | None = None) -> int:
    return job_main("data_jobs.ingest", __doc__, add_arguments, run_from_args, argv)


if __name__ == "__main__":
    sys.exit(main())
