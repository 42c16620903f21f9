"""Choose the relevance gate's threshold on a toolfoundry scenario split (never an evaluated one).

For every example, the gate's relevance (the best cosine of the query with a candidate's document,
:class:`toolfoundry.relevance.RelevanceGate`) is set against whether its gold answer is a tool or
``generate_response``. The script prints the relevance's percentiles by scenario and class, the AUC,
and, for each threshold on a grid, the share of tool queries let through, the share of no-tool
queries stopped, and the decision accuracy; the best threshold is the one with the highest accuracy.

With ``--model``, it also asks who should choose *among* the candidates once the gate has decided to
call: on ``--limit`` evenly spaced examples whose gold is a tool, the model's choice (its best tool
name, scored whole under the select prompt, :meth:`toolfoundry.calling.Router.select_scores`) against
the encoder's top-1 candidate.

Example (the train split of the calling scenarios, which the zero-shot encoder never saw)::

    .venv/bin/python bench/relevance_gate.py --data runs/calling/scen --split train \\
        --out bench/results/relevance-gate/train.json [--model runs/calling/gentool_single_full --limit 300]
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from toolfoundry.formats import read_toolfoundry
from toolfoundry.relevance import RelevanceGate
from toolfoundry.schema import GENERATE_RESPONSE


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="a toolfoundry scenario set (toolfoundry data scenarios)")
    p.add_argument("--split", default="train")
    p.add_argument("--out", help="JSON file for the table")
    p.add_argument("--model", action="append", default=[], help="router model(s) whose choice among tools to compare")
    p.add_argument("--limit", type=int, default=300, help="--model: gold-tool examples, evenly spaced")
    p.add_argument("--dtype", default="auto")
    args = p.parse_args()

    bench = read_toolfoundry(args.data)
    tools = bench.tool_by_id()
    examples = bench.split(args.split)
    gate = RelevanceGate(0.0)
    rows = []
    for e in examples:
        cands = [tools[c] for c in e.candidate_tool_ids]
        _, best = gate.admits(e.query, cands)
        rows.append({"scenario": e.scenario, "tool": e.gold_call_name != GENERATE_RESPONSE, "relevance": best})
    pos = np.array([r["relevance"] for r in rows if r["tool"]])
    neg = np.array([r["relevance"] for r in rows if not r["tool"]])
    print(f"{args.data} / {args.split}: {len(pos)} tool queries, {len(neg)} no-tool queries")
    for scenario in sorted({r["scenario"] for r in rows}):
        for tool in (True, False):
            v = [r["relevance"] for r in rows if r["scenario"] == scenario and r["tool"] == tool]
            if v:
                q = np.percentile(v, [10, 25, 50, 75, 90]).round(3).tolist()
                print(f"  {scenario:<15} {'tool' if tool else 'no tool':<8} n={len(v):<5} p10/25/50/75/90 {q}")
    auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())
    print(f"AUC {auc:.3f}")
    grid = []
    for t in np.round(np.arange(0.0, 0.701, 0.01), 2):
        through, stopped = float((pos >= t).mean()), float((neg < t).mean())
        acc = ((pos >= t).sum() + (neg < t).sum()) / (len(pos) + len(neg))
        grid.append({"threshold": float(t), "tool_through": through, "no_tool_stopped": stopped, "accuracy": float(acc)})
    best = max(grid, key=lambda g: (g["accuracy"], -abs(g["threshold"])))
    for g in grid[::5]:
        print(f"  threshold {g['threshold']:.2f}: tool through {g['tool_through']:.3f}, "
              f"no tool stopped {g['no_tool_stopped']:.3f}, accuracy {g['accuracy']:.3f}")
    print(f"best threshold {best['threshold']:.2f}: accuracy {best['accuracy']:.3f} "
          f"(tool through {best['tool_through']:.3f}, no tool stopped {best['no_tool_stopped']:.3f})")
    choosers = compare_choosers(bench, examples, gate, args.model, args.limit, args.dtype) if args.model else {}
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"data": args.data, "split": args.split, "tool": len(pos), "no_tool": len(neg), "auc": auc,
                       "best": best, "grid": grid, "choosers": choosers}, f, indent=1)


def compare_choosers(bench, examples, gate: RelevanceGate, models: list[str], limit: int, dtype: str) -> dict:
    """Right-tool rate among the candidates (``generate_response`` left out): each model, the encoder."""
    from toolfoundry.calling import Router
    from toolfoundry.evaluation.runner import select_subset
    from toolfoundry.modeling import resolve_dtype

    tools = bench.tool_by_id()
    chosen = select_subset([e for e in examples if e.gold_call_name != GENERATE_RESPONSE], limit)
    cands = [[tools[c] for c in e.candidate_tool_ids if tools[c].name != GENERATE_RESPONSE] for e in chosen]
    encoder_top = [c[int(np.argmax(gate.scores(e.query, c)))].name for e, c in zip(chosen, cands)]
    out = {"n": len(chosen), "encoder": sum(t == e.gold_call_name for t, e in zip(encoder_top, chosen)) / len(chosen)}
    print(f"choice among the candidates, {len(chosen)} gold-tool examples: encoder top-1 {out['encoder']:.3f}")
    for source in models:
        router = Router.from_pretrained(source, resolve_dtype(dtype, "cpu"))
        picks = []
        for e, c in zip(chosen, cands):
            scores = [(n, s) for n, s in router.select_scores(e.query, c) if n != GENERATE_RESPONSE]
            picks.append(max(scores, key=lambda x: x[1])[0])
        right = sum(p == e.gold_call_name for p, e in zip(picks, chosen)) / len(chosen)
        agree = sum(p == t for p, t in zip(picks, encoder_top)) / len(chosen)
        out[source] = {"model": right, "agreement_with_encoder": agree}
        print(f"  {source}: model {right:.3f}, agrees with the encoder {agree:.3f}")
    return out


if __name__ == "__main__":
    main()
