"""Run systems on exactly the same queries and turn their outputs into result records.

A result record is one number with everything needed to read it: ``system``, ``benchmark``, ``set``
(the corpus or category it was measured on), ``split``, ``task``, ``metric``, ``value``, ``n`` (queries)
and ``config_hash`` (sha1 of the system's config + the evaluation settings, 12 hex digits; the full
config is kept in the report's ``systems`` section).

Retrieval metrics are percentages (see :mod:`toolfoundry.metrics`). Latency is wall time per query in
milliseconds: for retrievers, the batched search time divided by the number of queries (encoding the
catalog is index building and is reported separately as ``index_seconds``); for LLM callers, the
time of each query's own generation (mean, p50, p95).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark
from toolfoundry.metrics import retrieval_metrics
from toolfoundry.schema import Example


class Retriever(Protocol):
    name: str
    config: dict
    tool_ids: list[str]

    def search(self, queries: Sequence[str], k: int) -> list[list[str]]: ...


@dataclass
class Result:
    system: str
    benchmark: str
    set: str
    split: str
    task: str
    metric: str
    value: float
    n: int
    config_hash: str


@dataclass
class SystemRun:
    """What one system did on one set: its results plus timings and notes."""

    system: str
    config: dict
    config_hash: str
    results: list[Result] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def config_hash(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


# -------------------------------------------------------------------------------- ToolGen adapter
class ToolGenSystem:
    """A trained toolfoundry (ToolGen) model directory used as a retriever over its own catalog."""

    def __init__(self, path: str, batch_size: int = 16, name: str = "toolgen", dtype: str = "float32",
                 trained: bool = True):
        from toolfoundry.retrieval import ToolRetriever

        self.path = path
        self.retriever = ToolRetriever.from_pretrained(path, dtype)
        self.tool_ids = [t.id for t in self.retriever.catalog.tools]
        self.batch_size = batch_size
        self.name = name
        self.config = {"system": name, "model_dir": path, "scheme": self.retriever.catalog.scheme, "dtype": dtype,
                       "trained": trained}

    def search(self, queries: Sequence[str], k: int) -> list[list[str]]:
        out: list[list[str]] = []
        for s in range(0, len(queries), self.batch_size):
            for hits in self.retriever.retrieve(list(queries[s : s + self.batch_size]), k):
                out.append([h.id for h in hits])
        return out


class FusedRetriever:
    """Reciprocal rank fusion of several retrievers: a tool's score is ``sum 1 / (c + rank)`` over the
    rankings it appears in (``c = 60``, Cormack et al.), each ranking ``depth`` deep. Tool tokens and
    BM25 or dense scores fail differently (a new phrasing vs. a rare word), so fusing them is a cheap
    guard against either one's blind spot; it is reported as its own system."""

    def __init__(self, parts: Sequence[Retriever], depth: int = 50, c: float = 60.0):
        if len(parts) < 2:
            raise InputError("fusion", f"{len(parts)} system", "at least two retrievers to fuse")
        self.parts, self.depth, self.c = list(parts), depth, c
        self.name = "+".join(p.name for p in self.parts) + " (rrf)"
        self.tool_ids = list(dict.fromkeys(t for p in self.parts for t in p.tool_ids))
        self.config = {"system": self.name, "method": "reciprocal rank fusion", "c": c, "depth": depth,
                       "parts": [p.config for p in self.parts], "trained": any(p.config.get("trained") for p in parts)}

    def search(self, queries: Sequence[str], k: int) -> list[list[str]]:
        scores: list[dict[str, float]] = [{} for _ in queries]
        for part in self.parts:
            for row, ranking in zip(scores, part.search(queries, max(k, self.depth))):
                for rank, tool in enumerate(ranking):
                    row[tool] = row.get(tool, 0.0) + 1.0 / (self.c + rank + 1)
        return [sorted(row, key=lambda t: (-row[t], t))[:k] for row in scores]


def below_baseline(results: Sequence[Result], systems: dict[str, dict], metrics: Sequence[str]) -> list[str]:
    """Warnings for every trained system that scores below the best zero-shot baseline on a set.

    A system is trained when its config says so (ToolGen checkpoints, fine-tuned MiniLM, fusions that
    include one); the zero-shot baselines are the others (BM25, MiniLM, untuned models).
    """
    trained = {v["system"]: bool(v["config"].get("trained")) for v in systems.values()}
    table: dict[tuple[str, str], dict[str, float]] = {}
    for r in results:
        if r.metric in metrics:
            table.setdefault((r.set, r.metric), {})[r.system] = r.value
    flags = []
    for (set_name, metric), values in sorted(table.items()):
        baselines = {s: v for s, v in values.items() if not trained.get(s, False)}
        if not baselines:
            continue
        best_name, best = max(baselines.items(), key=lambda kv: kv[1])
        for system, value in values.items():
            if trained.get(system) and value < best:
                flags.append(f"{system} scores {value:.2f} {metric} on {set_name}, below the zero-shot baseline "
                             f"{best_name} ({best:.2f})")
    return flags


# ----------------------------------------------------------------------------------- retrieval
def _restrict(runs: list[list[str]], candidates: list[tuple[str, ...]], k: int) -> list[list[str]]:
    out = []
    for run, cands in zip(runs, candidates):
        allowed = set(cands)
        out.append([t for t in run if t in allowed][:k])
    return out


def evaluate_retrieval(
    bench: Benchmark,
    examples: list[Example],
    systems: Sequence[Retriever],
    *,
    split: str,
    ks: Sequence[int] = (1, 3, 5),
    corpus: str = "all",
    index_seconds: dict[str, float] | None = None,
    log: Callable[[str], None] | None = print,
) -> list[SystemRun]:
    """Score each retriever on ``examples``.

    ``corpus="all"`` ranks the benchmark's whole tool set (multi-domain); ``corpus="candidates"``
    ranks only each query's own candidate toolset (in-domain; needs ``Example.candidate_tool_ids``).
    """
    if corpus not in ("all", "candidates"):
        raise InputError("corpus", f"unknown corpus mode {corpus!r}", "'all' or 'candidates'")
    if corpus == "candidates" and not all(e.candidate_tool_ids for e in examples):
        raise InputError("corpus=candidates", "some examples have no candidate toolset",
                         "a format with per-query toolsets (toolbench, bfcl) or corpus=all")
    queries = [e.query for e in examples]
    qrels = bench.qrels_for(examples)
    kmax = max(ks)
    set_name = f"{bench.name}/{'all-tools' if corpus == 'all' else 'candidates'}"
    bench_tools = {t.id for t in bench.tools}
    out = []
    for system in systems:
        cfg = {"system": system.config, "benchmark": bench.name, "split": split, "ks": list(ks), "corpus": corpus,
               "n_tools": len(bench.tools), "n_queries": len(examples)}
        h = config_hash(cfg)
        run = SystemRun(system=system.name, config=system.config, config_hash=h)
        missing = bench_tools - set(system.tool_ids)
        if missing:
            run.notes.append(f"{len(missing)} of {len(bench_tools)} benchmark tools are not in this system's catalog")
        depth = len(system.tool_ids) if corpus == "candidates" else kmax
        t0 = time.perf_counter()
        ranked = system.search(queries, depth)
        elapsed = time.perf_counter() - t0
        if corpus == "candidates":
            ranked = _restrict(ranked, [e.candidate_tool_ids for e in examples], kmax)
        outside = sum(1 for r in ranked for t in r[:kmax] if t not in bench_tools)
        scores = retrieval_metrics(ranked, qrels, ks)
        n = int(scores.pop("n_queries"))
        for metric, value in scores.items():
            run.results.append(Result(system.name, bench.name, set_name, split, "retrieval", metric, value, n, h))
        run.results.append(Result(system.name, bench.name, set_name, split, "retrieval", "hallucination_rate",
                                  100.0 * outside / max(1, n * kmax), n, h))
        run.results.append(Result(system.name, bench.name, set_name, split, "retrieval", "latency_ms_per_query",
                                  1000.0 * elapsed / max(1, n), n, h))
        run.timings = {"search_seconds": round(elapsed, 3)}
        if index_seconds and system.name in index_seconds:
            run.timings["index_seconds"] = round(index_seconds[system.name], 3)
        if log:
            log(f"[eval] {system.name:<22} {set_name} {split}: acc@1 {scores.get('acc@1', float('nan')):.2f} "
                f"ndcg@{kmax} {scores[f'ndcg@{kmax}']:.2f} ({elapsed:.1f}s, n={n})")
        out.append(run)
    return out


# ------------------------------------------------------------------------------------- calling
def select_subset(items: list, limit: int | None) -> list:
    """``limit`` items spread evenly over the list (every ``len/limit``-th), or all when None."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit < 1:
        raise InputError("limit", f"{limit} is not positive", "a positive number of queries per category")
    idx = np.linspace(0, len(items) - 1, num=limit).round().astype(int)
    return [items[i] for i in sorted(set(idx.tolist()))]


def evaluate_calling(
    bench: Benchmark,
    caller,
    *,
    categories: Sequence[str] | None = None,
    limit: int | None = None,
    log: Callable[[str], None] | None = print,
    records: list[dict] | None = None,
) -> SystemRun:
    """BFCL calling evaluation of one caller (``generate(query, functions) -> (text, n_prompt, s)``).

    Per category: ``ast_accuracy`` (simple, multiple) or ``irrelevance_accuracy``, ``hallucination_rate``
    (share of queries whose output names a function outside the candidate set), ``decoded_rate`` (share
    of outputs holding a parseable call), latency. ``records`` (when given) receives one dict per query.
    """
    from toolfoundry.baselines.incontext import names_outside, parse_calls
    from toolfoundry.evaluation.bfcl_checker import check_case

    cases = bench.extra.get("bfcl_cases")
    if not cases:
        raise InputError(f"benchmark {bench.name}", "has no BFCL cases", "a benchmark read with --format bfcl")
    by_cat: dict[str, list] = {}
    for c in cases.values():
        by_cat.setdefault(c.category, []).append(c)
    cats = list(categories or by_cat)
    cfg = {"system": caller.config, "benchmark": bench.name, "categories": cats, "limit": limit}
    h = config_hash(cfg)
    run = SystemRun(system=caller.name, config=caller.config, config_hash=h)
    for cat in cats:
        if cat not in by_cat:
            raise InputError("categories", f"{cat!r} not loaded", f"one of {sorted(by_cat)}")
        chosen = select_subset(by_cat[cat], limit)
        correct = halluc = decoded = 0
        lat = []
        for i, case in enumerate(chosen):
            if getattr(caller, "by_query", None) is not None:  # a ReplayCaller: look up by question id
                text, n_prompt, secs = caller.generate(case.query, case.functions, case_id=case.id)
            else:
                text, n_prompt, secs = caller.generate(case.query, case.functions)
            calls = parse_calls(text)
            ok, why = check_case(cat, calls, case.functions, case.ground_truth)
            outside = names_outside(calls, {f["name"] for f in case.functions})
            correct += ok
            halluc += bool(outside)
            decoded += calls is not None
            lat.append(secs)
            if records is not None:
                records.append({"system": caller.name, "id": case.id, "category": cat, "correct": ok, "reason": why,
                                "calls": calls, "hallucinated": outside, "prompt_tokens": n_prompt,
                                "seconds": round(secs, 3), "output": text})
            if log and (i + 1) % 10 == 0:
                log(f"[eval] {caller.name} {cat}: {i + 1}/{len(chosen)} correct {correct}")
        n = len(chosen)
        acc_name = "irrelevance_accuracy" if cat.startswith("irrelevance") else "ast_accuracy"
        set_name = f"{bench.name}/{cat}"
        for metric, value in (
            (acc_name, 100.0 * correct / n),
            ("hallucination_rate", 100.0 * halluc / n),
            ("decoded_rate", 100.0 * decoded / n),
            ("latency_ms_per_query", 1000.0 * statistics.fmean(lat)),
            ("latency_ms_p50", 1000.0 * statistics.median(lat)),
            ("latency_ms_p95", 1000.0 * float(np.percentile(lat, 95))),
        ):
            run.results.append(Result(caller.name, bench.name, set_name, "test", "calling", metric, value, n, h))
        run.timings[f"{cat}_seconds"] = round(sum(lat), 1)
        run.notes.append(f"{cat}: {n} of {len(by_cat[cat])} questions (evenly spaced subset)" if n < len(by_cat[cat])
                         else f"{cat}: all {n} questions")
        if log:
            log(f"[eval] {caller.name} {set_name}: {acc_name} {100.0 * correct / n:.1f} (n={n}, "
                f"{statistics.fmean(lat):.2f}s/query)")
    return run


def results_of(runs: Sequence[SystemRun]) -> list[dict]:
    return [asdict(r) for run in runs for r in run.results]


def train_pairs(bench: Benchmark, split: str = "train", part: str | None = None,
                dev_fraction: float = 0.03) -> list[tuple[str, str]]:
    """(query, tool text) pairs of a split, one per relevant tool: the fine-tuning data.

    ``part`` ``"train"`` or ``"dev"`` keeps one side of the held-out dev slice of the split
    (:func:`toolfoundry.training.dev_split`, the slice the ToolGen engine stops on too).
    """
    from toolfoundry.training import dev_split

    tools = bench.tool_by_id()
    return [(e.query, tool_document(tools[t])) for e in bench.split(split)
            if part is None or dev_split(e.id, dev_fraction) == part
            for t in e.relevant_tool_ids if t in tools]
