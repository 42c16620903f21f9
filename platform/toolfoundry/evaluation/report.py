"""Report writers: ``report.json`` (machine-readable), ``report.md`` (tables), ``<metric>.png`` (bars).

JSON layout::

    {"toolfoundry_report": 1, "created": ISO time, "command": [...], "benchmark": {summary},
     "results": [{system, benchmark, set, split, task, metric, value, n, config_hash}, ...],
     "systems": {config_hash: {"system", "config", "timings", "notes"}}, "wall_seconds": float}

The Markdown report has one table per (task, set): a row per system, a column per metric; the best
value of each quality metric is in bold (lowest for hallucination and latency, highest otherwise).
Charts use matplotlib's Agg backend (no display needed): one PNG per metric, systems side by side,
grouped by set.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import asdict

from toolfoundry.evaluation.runner import SystemRun

LOWER_IS_BETTER = ("hallucination_rate", "latency_ms_per_query", "latency_ms_p50", "latency_ms_p95")
_ORDER = ["acc@1", "ndcg@1", "ndcg@3", "ndcg@5", "recall@1", "recall@3", "recall@5", "acc@3", "acc@5",
          "ast_accuracy", "irrelevance_accuracy", "decoded_rate", "hallucination_rate",
          "ndcg_lenient@1", "ndcg_lenient@3", "ndcg_lenient@5", "latency_ms_per_query", "latency_ms_p50",
          "latency_ms_p95"]


def _metric_key(m: str) -> tuple:
    if m in _ORDER:
        return (_ORDER.index(m), m)
    return (len(_ORDER), m)


def build_report(runs: Sequence[SystemRun], *, benchmark: dict, command: list[str] | None = None,
                 wall_seconds: float | None = None, extra: dict | None = None) -> dict:
    report = {
        "toolfoundry_report": 1,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": command or [],
        "benchmark": benchmark,
        "units": "retrieval and accuracy metrics in percent (0-100); latency in milliseconds per query",
        "results": [asdict(r) for run in runs for r in run.results],
        "systems": {run.config_hash: {"system": run.system, "config": run.config, "timings": run.timings,
                                      "notes": run.notes} for run in runs},
        "wall_seconds": wall_seconds,
    }
    if extra:
        report.update(extra)
    from toolfoundry.evaluation.runner import below_baseline

    quality = [m for m in ("acc@1", "ndcg@5", "selection_accuracy", "exact_arguments", "ast_accuracy")
               if any(r.metric == m for run in runs for r in run.results)]
    report["flags"] = below_baseline([r for run in runs for r in run.results], report["systems"], quality)
    return report


def merge_reports(reports: Sequence[dict]) -> dict:
    """Several reports (for example MetaTool and BFCL) as one, keeping every result and system."""
    if not reports:
        raise ValueError("no reports to merge")
    merged = dict(reports[0])
    merged["results"] = [r for rep in reports for r in rep["results"]]
    merged["systems"] = {k: v for rep in reports for k, v in rep["systems"].items()}
    merged["benchmark"] = [rep["benchmark"] for rep in reports]
    merged["command"] = [rep.get("command") for rep in reports]
    return merged


def _fmt(value: float, metric: str) -> str:
    return f"{value:.0f}" if metric.startswith("latency") else f"{value:.2f}"


def markdown(report: dict, metrics: Sequence[str] | None = None) -> str:
    results = report["results"]
    lines = ["# toolfoundry evaluation report", "",
             f"Created {report.get('created', '')}. Metrics in percent; latency in ms per query. "
             "`ndcg_lenient` is the ToolBench/ToolGen-script variant (ideal DCG over retrieved relevant tools "
             "only), shown for comparison with those papers; `ndcg` is the standard form.", ""]
    if report.get("flags"):
        lines += ["## Flags: trained systems below a zero-shot baseline", ""]
        lines += [f"- **{flag}**" for flag in report["flags"]] + [""]
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r["task"], r["set"], r["split"]), []).append(r)
    for (task, set_name, split), rows in groups.items():
        ms = sorted({r["metric"] for r in rows if metrics is None or r["metric"] in metrics}, key=_metric_key)
        systems = list(dict.fromkeys(r["system"] for r in rows))
        table = {(r["system"], r["metric"]): r for r in rows}
        n = {r["system"]: r["n"] for r in rows}
        best = {}
        for m in ms:
            vals = [table[(s, m)]["value"] for s in systems if (s, m) in table]
            if vals and len(systems) > 1:
                best[m] = min(vals) if m in LOWER_IS_BETTER else max(vals)
        lines += [f"## {task}: {set_name} ({split})", "",
                  "| system | n | " + " | ".join(ms) + " | config |",
                  "|---|---:|" + "---:|" * len(ms) + "---|"]
        for s in systems:
            cells = []
            for m in ms:
                r = table.get((s, m))
                if r is None:
                    cells.append("–")
                    continue
                txt = _fmt(r["value"], m)
                cells.append(f"**{txt}**" if best.get(m) == r["value"] else txt)
            h = next(r["config_hash"] for r in rows if r["system"] == s)
            lines.append(f"| {s} | {n[s]} | " + " | ".join(cells) + f" | `{h}` |")
        lines.append("")
    notes = [(v["system"], note) for v in report.get("systems", {}).values() for note in v.get("notes", [])]
    if notes:
        lines += ["## Notes", ""] + [f"- {s}: {note}" for s, note in notes] + [""]
    return "\n".join(lines)


def plot_metrics(report: dict, out_dir: str, metrics: Sequence[str] | None = None) -> list[str]:
    """One bar chart per metric; returns the written paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = report["results"]
    wanted = sorted({r["metric"] for r in results if metrics is None or r["metric"] in metrics}, key=_metric_key)
    paths = []
    for metric in wanted:
        rows = [r for r in results if r["metric"] == metric]
        sets = list(dict.fromkeys(r["set"] for r in rows))
        systems = list(dict.fromkeys(r["system"] for r in rows))
        width = 0.8 / max(1, len(systems))
        fig, ax = plt.subplots(figsize=(max(5, 1.6 * len(sets) * max(1, len(systems)) ** 0.5 + 2), 4))
        for i, s in enumerate(systems):
            xs, ys = [], []
            for j, st in enumerate(sets):
                v = next((r["value"] for r in rows if r["system"] == s and r["set"] == st), None)
                if v is not None:
                    xs.append(j + (i - (len(systems) - 1) / 2) * width)
                    ys.append(v)
            bars = ax.bar(xs, ys, width, label=s)
            ax.bar_label(bars, fmt="%.0f" if metric.startswith("latency") else "%.1f", fontsize=7)
        ax.set_xticks(range(len(sets)), sets, fontsize=8)
        better = "lower is better" if metric in LOWER_IS_BETTER else "higher is better"
        ax.set_title(f"{metric} ({better})")
        ax.set_ylabel("ms" if metric.startswith("latency") else "%")
        if metric.startswith("latency"):
            ax.set_yscale("log")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = os.path.join(out_dir, re.sub(r"[^A-Za-z0-9_.-]", "_", metric) + ".png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def write_reports(report: dict, out_dir: str, metrics: Sequence[str] | None = None) -> dict[str, object]:
    os.makedirs(out_dir, exist_ok=True)
    json_path = os.path.join(out_dir, "report.json")
    with open(json_path, "w") as f:
        json.dump(report, f, indent=2)
    md_path = os.path.join(out_dir, "report.md")
    with open(md_path, "w") as f:
        f.write(markdown(report, metrics))
    return {"json": json_path, "markdown": md_path, "charts": plot_metrics(report, out_dir, metrics)}
