"""Ingest a real tool catalog (and its queries, where the format has them) into toolfoundry datasets.

    python -m data_jobs.ingest --format openai|mcp|metatool|beir|toolbench|bfcl --data PATH OUT_URI

Parsing is done by the evaluation harness's readers (:mod:`toolfoundry.formats`), so a catalog is
read the same way for training as for evaluation. MCP ``tools/list`` results (``{"tools": [{name,
description, inputSchema}]}``, bare or inside a JSON-RPC ``result``) are mapped to the OpenAI shape
first. Every record a reader could not use, and every tool that fails validation, lands in
``OUT_URI/quarantine`` with its file, line and reason; the job goes on with the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

import pyarrow as pa

from data_jobs import shards as sh
from data_jobs.common import prepare_output
from toolfoundry.errors import InputError
from toolfoundry.schema import EXAMPLE_SCHEMA, QUARANTINE_SCHEMA, TOOL_SCHEMA, tool_problems
from toolfoundry.storage import join, write_manifest

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


def run(fmt: str, data: list[str] | str, out_uri: str, **options) -> dict:
    from toolfoundry.formats import load_benchmark

    if fmt not in FORMATS:
        raise InputError("format", f"{fmt!r}", f"one of {FORMATS}")
    paths = [data] if isinstance(data, str) else list(data)
    if fmt == "mcp":
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
    else:
        bench = load_benchmark(fmt, paths if fmt == "toolbench" and len(paths) > 1 else paths[0], **options)
    shown = {tmp.name: paths[0]} if fmt == "mcp" else {}  # name the user's file, not the converted copy
    quarantine = [{"source": f"{shown.get(p.file, p.file)}:{p.line}", "reason": p.reason.replace(tmp.name, paths[0])
                   if fmt == "mcp" else p.reason, "record": ""} for p in bench.problems]
    tools, seen = [], set()
    for t in bench.tools:
        problems = tool_problems(t) + ([f"id: duplicate id {t.id!r}"] if t.id in seen else [])
        if problems:
            quarantine.append({"source": t.provenance or fmt, "reason": "; ".join(problems),
                               "record": json.dumps(t.to_row(), sort_keys=True)})
            continue
        seen.add(t.id)
        tools.append(t)
    plan = {"job": "ingest", "format": fmt, "data": paths, "options": {k: str(v) for k, v in options.items()}}
    name = sh.shard_name(0, 1)
    result = {"format": fmt, "tools": None, "examples": None, "quarantine": join(out_uri, "quarantine"),
              "num_tools": len(tools), "num_examples": 0, "quarantined": len(quarantine)}
    for sub, rows, schema in (("tools", [t.to_row() for t in tools], TOOL_SCHEMA),
                              ("examples", [e.to_row() for e in bench.examples if e.relevant_tool_ids or
                                            e.gold_call_name], EXAMPLE_SCHEMA),
                              ("quarantine", quarantine, QUARANTINE_SCHEMA)):
        if sub == "examples" and not rows:
            continue
        uri = join(out_uri, sub)
        prepare_output(uri, plan, 1)
        sh.write_shard(pa.Table.from_pylist(rows, schema=schema), uri, name)
        write_manifest(uri, kind=f"ingest.{sub}", params=plan, extra={"source_format": fmt})
        result[sub] = uri
        if sub == "examples":
            result["num_examples"] = len(rows)
    return result


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out_uri")
    p.add_argument("--format", required=True, choices=FORMATS)
    p.add_argument("--data", required=True, nargs="+", help="file or folder in that format")


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.format, a.data, a.out_uri)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m data_jobs.ingest", description=__doc__.split("\n")[0])
    add_arguments(p)
    print(json.dumps(run_from_args(p.parse_args(argv)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
