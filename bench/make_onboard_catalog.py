"""A catalog the way a new user brings one: an OpenAI ``tools`` file, plus a few held-out requests.

    .venv/bin/python bench/make_onboard_catalog.py --out runs/onboard200 --num-tools 200 --per-tool 2 --seed 0

Writes ``tools.json`` (a list of ``{"type": "function", "function": {...}}`` entries: synthetic API
tools of toolfoundry's generator, with their JSON Schemas) and ``real.jsonl`` (``{"query", "tool"}``
lines: requests written by the generator's own per-capability templates, which ``toolfoundry
onboard`` never uses; its ``data queries`` step writes from the tool's document and schema alone).
``toolfoundry onboard tools.json --real-queries real.jsonl`` then trains on nothing but the catalog
and is scored on requests it did not see.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from toolfoundry.synth import generate_query_records, generate_tools


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for tools.json and real.jsonl")
    p.add_argument("--num-tools", type=int, default=200)
    p.add_argument("--per-tool", type=int, default=2, help="held-out requests per tool in real.jsonl")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.num_tools < 1 or a.per_tool < 0:
        p.error("--num-tools must be ≥ 1 and --per-tool ≥ 0")
    tools = generate_tools(a.num_tools, seed=a.seed)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "tools.json"), "w", encoding="utf-8") as handle:
        json.dump([t.to_openai() for t in tools], handle, indent=0)
    with open(os.path.join(a.out, "real.jsonl"), "w", encoding="utf-8") as handle:
        for tool in tools:
            # a seed the onboarding's query job does not use, so the requests are new to it
            for record in generate_query_records(tool, a.per_tool, seed=a.seed + 1000):
                handle.write(json.dumps({"query": record.query, "tool": tool.name}) + "\n")
    print(f"{a.num_tools} tools -> {a.out}/tools.json, {a.num_tools * a.per_tool} requests -> {a.out}/real.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
