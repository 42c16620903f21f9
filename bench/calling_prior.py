"""Does a tuned router fail on tool choice, or only on its prior for ``generate_response``?

For each example of a toolfoundry scenario set, every candidate's name is scored whole under the select
prompt (:meth:`toolfoundry.calling.Router.select_scores`), once with the real query and once with a
content-free query ("N/A"). Selection accuracy is then read four ways from the same scores:

- ``argmax``: the name the model prefers (what greedy selection writes, scored whole);
- ``calibrated``: contextual calibration, each name's score minus its content-free score;
- ``GR -b``: ``generate_response`` penalised by ``b`` nats, for b in 1, 2, 4;
- ``tools only``: on the examples whose gold is a tool, the best *tool*, as if the prior for
  ``generate_response`` were fixed perfectly. If this stays near chance (1 / number of tools), the
  model has not learned the choice, and no calibration of the fallback can help.

Example::

    .venv/bin/python bench/calling_prior.py --data runs/calling/scen --split train --limit 30 \\
        --model runs/calling/gentool30 --model embedded
"""

from __future__ import annotations

import argparse
import json
import time

from toolfoundry.calling import Router
from toolfoundry.evaluation.runner import select_subset
from toolfoundry.formats import read_toolfoundry
from toolfoundry.schema import GENERATE_RESPONSE

CONTENT_FREE = "N/A"


def score_examples(router: Router, bench, examples) -> list[dict]:
    tools = bench.tool_by_id()
    rows = []
    for e in examples:
        cands = [tools[c] for c in e.candidate_tool_ids if tools[c].name != GENERATE_RESPONSE]
        real = router.select_scores(e.query, cands)
        free = router.select_scores(CONTENT_FREE, cands)
        rows.append({"id": e.id, "scenario": e.scenario, "gold": e.gold_call_name or GENERATE_RESPONSE,
                     "names": [n for n, _ in real], "real": [s for _, s in real], "free": [s for _, s in free]})
    return rows


def _pick(names: list[str], scores: list[float]) -> str:
    return names[max(range(len(scores)), key=scores.__getitem__)]


def readings(rows: list[dict]) -> dict[str, float]:
    """Selection accuracy (%) under each reading of the same scores."""
    def accuracy(pick, subset=rows) -> float:
        return 100.0 * sum(pick(r) == r["gold"] for r in subset) / max(1, len(subset))

    def penalised(b):
        return lambda r: _pick(r["names"], [s - (b if n == GENERATE_RESPONSE else 0.0)
                                            for n, s in zip(r["names"], r["real"])])

    tool_gold = [r for r in rows if r["gold"] != GENERATE_RESPONSE]
    out = {"argmax": accuracy(lambda r: _pick(r["names"], r["real"])),
           "calibrated": accuracy(lambda r: _pick(r["names"], [a - b for a, b in zip(r["real"], r["free"])]))}
    out.update({f"GR -{b}": accuracy(penalised(b)) for b in (1, 2, 4)})
    out["generate_response rate (argmax)"] = 100.0 * sum(
        _pick(r["names"], r["real"]) == GENERATE_RESPONSE for r in rows) / max(1, len(rows))
    out["gold generate_response rate"] = 100.0 * (len(rows) - len(tool_gold)) / max(1, len(rows))
    out["tool-gold: argmax"] = accuracy(lambda r: _pick(r["names"], r["real"]), tool_gold)
    out["tool-gold: tools only"] = accuracy(
        lambda r: _pick([n for n in r["names"] if n != GENERATE_RESPONSE],
                        [s for n, s in zip(r["names"], r["real"]) if n != GENERATE_RESPONSE]), tool_gold)
    out["tool-gold: chance"] = 100.0 * sum(1.0 / (len(r["names"]) - 1) for r in tool_gold) / max(1, len(tool_gold))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a toolfoundry scenario set (toolfoundry data scenarios)")
    p.add_argument("--model", action="append", required=True, help="a router model; repeat to compare")
    p.add_argument("--split", default="train", help="never a test split when choosing a setting from this")
    p.add_argument("--limit", type=int, default=30, help="evenly spaced examples per scenario")
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--out", help="write every example's scores here (JSON)")
    args = p.parse_args()
    bench = read_toolfoundry(args.data)
    groups: dict[str, list] = {}
    for e in bench.split(args.split):
        groups.setdefault(e.scenario, []).append(e)
    examples = [e for s in sorted(groups) for e in select_subset(groups[s], args.limit)]
    table, dump = {}, {}
    for source in args.model:
        t0 = time.perf_counter()
        rows = score_examples(Router.from_pretrained(source, args.dtype), bench, examples)
        table[source], dump[source] = readings(rows), rows
        print(f"{source}: {len(rows)} examples in {time.perf_counter() - t0:.0f} s", flush=True)
    metrics = list(next(iter(table.values())))
    print(f"\n{len(examples)} examples of split {args.split!r} (selection accuracy, %)\n")
    print("| reading | " + " | ".join(table) + " |")
    print("|---|" + "---:|" * len(table))
    for m in metrics:
        print(f"| {m} | " + " | ".join(f"{table[s][m]:.1f}" for s in table) + " |")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(dump, handle)


if __name__ == "__main__":
    main()
