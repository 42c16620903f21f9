"""``toolfoundry data …``: the data jobs on the command line.

``register(subparsers)`` adds one ``data`` command with these subcommands (each prints the job's
result as JSON):

- ``synth OUT``            synthetic catalog + query → tool examples (``data_jobs.synthesize``)
- ``scenarios TOOLS OUT``  weak versions, MiniLM neighbours, GenTool scenario examples
- ``dedupe IN OUT``        exact + near dedupe and decontamination (``--against EVAL …``)
- ``stages TOOLS EX OUT``  stage datasets (memorization, retrieval, agent, GenTool) + token ids
- ``ingest OUT``           a real catalog (openai, mcp, metatool, beir, toolbench, bfcl)
- ``paraphrase IN OUT``    rewrite queries with a causal LM (actor pool), gold labels kept
- ``queries TOOLS OUT``    training queries for a catalog without any (schema-driven, LLM, multi-tool, user)

Ray: a job joins the Ray already running in the process, else ``RAY_ADDRESS`` (a cluster), else
starts a local one.
"""

from __future__ import annotations

import argparse
import json


def _synth_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("out_uri", help="output folder or URI (gets tools/ and examples/)")
    p.add_argument("--num-tools", type=int, default=240)
    p.add_argument("--queries-per-tool", type=int, default=6)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--num-shards", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)


def _synth(a: argparse.Namespace) -> dict:
    from data_jobs.synthesize import run
    from toolfoundry.config import DataConfig, parse_config

    cfg = parse_config(DataConfig, {"num_tools": a.num_tools, "queries_per_tool": a.queries_per_tool,
                                    "test_fraction": a.test_fraction, "num_shards": a.num_shards}, "data synth")
    return run(cfg, a.out_uri, a.seed)


def _delegate(module: str):
    def handler(a: argparse.Namespace) -> dict:
        import importlib

        return importlib.import_module(module).run_from_args(a)

    return handler


def _runner(job):
    def func(a: argparse.Namespace) -> int:
        print(json.dumps(job(a), indent=2, default=str))
        return 0

    return func


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``data`` and its subcommands to a parent CLI's subparsers; returns the ``data`` parser."""
    from data_jobs import dedupe, ingest, paraphrase, queries, scenarios, stages

    data = subparsers.add_parser("data", help="data jobs: synth, scenarios, dedupe, stages, ingest, paraphrase, "
                                              "queries",
                                 description=__doc__.split("\n\n")[1] if "\n\n" in __doc__ else None)
    sub = data.add_subparsers(dest="data_command", required=True)
    p = sub.add_parser("synth", help="synthesize a tool catalog and query → tool examples (Ray Data)")
    _synth_args(p)
    p.set_defaults(func=_runner(_synth))
    for name, module, helptext in (
        ("scenarios", scenarios, "GenTool scenario examples: weak versions, MiniLM neighbours, toolsets"),
        ("dedupe", dedupe, "exact + near (MinHash LSH) dedupe and decontamination"),
        ("stages", stages, "stage datasets and token ids for training"),
        ("ingest", ingest, "read a real catalog (openai, mcp, metatool, beir, toolbench, bfcl)"),
        ("paraphrase", paraphrase, "rewrite queries with a causal LM for diversity, keeping the gold labels"),
        ("queries", queries, "synthesize training queries for a catalog that has none (schema, LLM, multi-tool)"),
    ):
        p = sub.add_parser(name, help=helptext, description=(module.__doc__ or "").split("\n\n")[0])
        module.add_arguments(p)
        p.set_defaults(func=_runner(_delegate(module.__name__)))
    return data


def main(argv: list[str] | None = None) -> int:
    """Standalone entry: ``python -m data_jobs.cli data synth OUT`` (same as ``toolfoundry data …``)."""
    from toolfoundry.cli import main as toolfoundry_main

    return toolfoundry_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
