"""Re-score a scenario run's recorded calls with grounded optional arguments, without decoding again.

Grounding (:func:`toolfoundry.calling.ground_arguments`) is a step after decoding: a router with
``ground_optional`` decodes exactly what the plain router decodes, then drops the optional arguments
whose values the request never states. So a plain run's ``outputs.jsonl`` (``toolfoundry eval --task
calling --format toolfoundry``) says what the grounding twin would have scored. For each system the
script prints the calls that lost an argument, and how many of those went from a wrong exact-argument
match to a right one and the reverse; paired, on the same examples.

Example::

    .venv/bin/python bench/ground_scenarios.py --data runs/calling/scen --outputs runs/gate/scen40_rank/outputs.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json

from toolfoundry.calling import ground_arguments
from toolfoundry.evaluation.calling import same_value
from toolfoundry.formats import read_toolfoundry
from toolfoundry.schema import GENERATE_RESPONSE


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="the scenario set the run evaluated")
    p.add_argument("--outputs", required=True, help="that run's outputs.jsonl")
    args = p.parse_args()
    bench = read_toolfoundry(args.data)
    examples, tools = {e.id: e for e in bench.examples}, bench.tool_by_id()
    table: dict[str, collections.Counter] = {}
    with open(args.outputs, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            counts = table.setdefault(r["system"], collections.Counter())
            counts["examples"] += 1
            counts["exact"] += r["exact"]
            if not (r["valid"] and r["right_tool"] and r["selected"] != GENERATE_RESPONSE):
                counts["exact_grounded"] += r["exact"]
                continue  # grounding touches valid calls only; a wrong tool stays wrong
            e = examples[r["id"]]
            tool = next(tools[c] for c in e.candidate_tool_ids if tools[c].name == r["selected"])
            after = ground_arguments(tool, r["arguments"], e.query)[0]
            right = same_value(after, r["gold_arguments"])
            counts["exact_grounded"] += right
            if after != r["arguments"]:
                counts["calls changed"] += 1
                counts["won"] += right and not r["exact"]
                counts["lost"] += r["exact"] and not right
    for system, c in table.items():
        n = c["examples"]
        print(f"{system}: exact arguments {100 * c['exact'] / n:.1f} -> {100 * c['exact_grounded'] / n:.1f} "
              f"(n={n}; {c['calls changed']} calls lost an argument: {c['won']} now right, {c['lost']} now wrong)")


if __name__ == "__main__":
    main()
