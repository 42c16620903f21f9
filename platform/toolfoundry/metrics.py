"""Retrieval metrics: NDCG@k (standard and the lenient ToolBench/ToolGen variant), Recall@k, Acc@k.

Conventions (the same as trec_eval and ranx, so numbers are comparable with published tables):

- A *run* is one ranked list of tool ids per query, best first. Duplicates after the first occurrence
  are ignored (a tool is retrieved once).
- *qrels* give the relevant tools of each query: either a set of ids (binary relevance, grade 1) or a
  ``{tool_id: grade}`` dict (graded relevance; grade <= 0 means not relevant).
- Gain is linear in the grade and discounted by ``1 / log2(rank + 1)`` (ranks start at 1).
- **Standard NDCG@k** divides by the ideal DCG over *all* relevant tools of the query (the best
  possible top-k), so a system is penalised for every relevant tool it fails to retrieve.
- **Lenient NDCG@k** (``ndcg_lenient@k``) is the variant computed by the ToolBench / ToolGen retrieval
  scripts: the ideal DCG is built from the relevant tools *that were retrieved* in the top k only. It is
  never lower than the standard form and equals it when a query has a single relevant tool that is
  retrieved. It is reported only so that numbers can be compared with those papers; it is labelled as
  such everywhere.
- **Recall@k** = relevant tools in the top k / all relevant tools.
- **Acc@k** = 1 if any relevant tool is in the top k (hit rate). Acc@1 is top-1 accuracy.

Per-query functions return fractions in [0, 1]. :func:`retrieval_metrics` returns the *mean over
queries as percentages* (0-100), the unit used by the ToolGen, GenTool and MetaTool tables.

The implementation is plain numpy: a query-by-rank gain matrix is built once and every metric is a
vectorised reduction over it. It is cross-checked against ``ranx`` in the tests; ranx itself is not
imported here because its numba JIT costs tens of seconds on first call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Qrel = Mapping[str, int] | set[str] | frozenset[str] | Sequence[str]

DEFAULT_KS = (1, 3, 5)


def _grades(qrel: Qrel) -> dict[str, float]:
    if isinstance(qrel, Mapping):
        return {str(k): float(v) for k, v in qrel.items() if v > 0}
    return {str(k): 1.0 for k in qrel}


def _dedup(ranking: Iterable[str], k: int) -> list[str]:
    seen: set[str] = set()
    out = []
    for doc in ranking:
        if doc not in seen:
            seen.add(doc)
            out.append(doc)
            if len(out) == k:
                break
    return out


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _gain_matrices(runs: Sequence[Sequence[str]], qrels: Sequence[Qrel], k: int):
    """(gains of retrieved items [n, k], ideal gains over all relevant [n, k], total relevant [n])."""
    if len(runs) != len(qrels):
        raise ValueError(f"runs has {len(runs)} queries but qrels has {len(qrels)}")
    n = len(runs)
    got = np.zeros((n, k))
    ideal = np.zeros((n, k))
    n_rel = np.zeros(n)
    for i, (ranking, qrel) in enumerate(zip(runs, qrels)):
        grades = _grades(qrel)
        n_rel[i] = len(grades)
        top = _dedup(ranking, k)
        got[i, : len(top)] = [grades.get(doc, 0.0) for doc in top]
        best = sorted(grades.values(), reverse=True)[:k]
        ideal[i, : len(best)] = best
    return got, ideal, n_rel


def _ndcg_from(got: np.ndarray, ideal: np.ndarray, k: int) -> np.ndarray:
    disc = _discounts(k)
    dcg = got[:, :k] @ disc
    idcg = ideal[:, :k] @ disc
    return np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0)


def _ndcg_lenient_from(got: np.ndarray, k: int) -> np.ndarray:
    disc = _discounts(k)
    top = got[:, :k]
    dcg = top @ disc
    idcg = -np.sort(-top, axis=1) @ disc  # ideal order of the retrieved relevant items only
    return np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0)


def _recall_from(got: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    hits = (got[:, :k] > 0).sum(axis=1)
    return np.divide(hits, n_rel, out=np.zeros_like(n_rel), where=n_rel > 0)


def _acc_from(got: np.ndarray, k: int) -> np.ndarray:
    return (got[:, :k] > 0).any(axis=1).astype(np.float64)


# ---------------------------------------------------------------------------------------- per query
def ndcg_at_k(ranking: Sequence[str], qrel: Qrel, k: int) -> float:
    """Standard NDCG@k of one ranking (ideal DCG over all relevant tools), in [0, 1]."""
    got, ideal, _ = _gain_matrices([ranking], [qrel], k)
    return float(_ndcg_from(got, ideal, k)[0])


def ndcg_lenient_at_k(ranking: Sequence[str], qrel: Qrel, k: int) -> float:
    """Lenient ToolBench/ToolGen NDCG@k (ideal DCG over *retrieved* relevant tools only), in [0, 1].

    Not the standard metric: use it only to compare with numbers published by those scripts.
    """
    got, _, _ = _gain_matrices([ranking], [qrel], k)
    return float(_ndcg_lenient_from(got, k)[0])


def recall_at_k(ranking: Sequence[str], qrel: Qrel, k: int) -> float:
    """Share of the query's relevant tools found in the top k, in [0, 1] (0 if none are relevant)."""
    got, _, n_rel = _gain_matrices([ranking], [qrel], k)
    return float(_recall_from(got, n_rel, k)[0])


def acc_at_k(ranking: Sequence[str], qrel: Qrel, k: int) -> float:
    """1.0 if any relevant tool is in the top k, else 0.0 (top-1 accuracy for k=1)."""
    got, _, _ = _gain_matrices([ranking], [qrel], k)
    return float(_acc_from(got, k)[0])


# ---------------------------------------------------------------------------------------- aggregate
def per_query_metrics(
    runs: Sequence[Sequence[str]], qrels: Sequence[Qrel], ks: Iterable[int] = DEFAULT_KS
) -> dict[str, np.ndarray]:
    """Every metric for every query, as fractions: ``{"ndcg@5": array[n_queries], ...}``."""
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ValueError(f"ks must be positive cutoffs, got {ks}")
    kmax = ks[-1]
    got, ideal, n_rel = _gain_matrices(runs, qrels, kmax)
    out: dict[str, np.ndarray] = {}
    for k in ks:
        out[f"ndcg@{k}"] = _ndcg_from(got, ideal, k)
    for k in ks:
        out[f"ndcg_lenient@{k}"] = _ndcg_lenient_from(got, k)
    for k in ks:
        out[f"recall@{k}"] = _recall_from(got, n_rel, k)
    for k in ks:
        out[f"acc@{k}"] = _acc_from(got, k)
    return out


def retrieval_metrics(
    runs: Sequence[Sequence[str]], qrels: Sequence[Qrel], ks: Iterable[int] = DEFAULT_KS
) -> dict[str, float]:
    """Mean metrics over queries, **as percentages (0-100)**.

    Keys: ``ndcg@k`` (standard), ``ndcg_lenient@k`` (ToolBench/ToolGen variant), ``recall@k`` and
    ``acc@k`` for every k in ``ks``, plus ``n_queries``. Queries without any relevant tool count as 0
    (they are kept, so that a system cannot gain by skipping queries).
    """
    per_query = per_query_metrics(runs, qrels, ks)
    result = {name: float(values.mean() * 100.0) if len(values) else 0.0 for name, values in per_query.items()}
    result["n_queries"] = len(runs)
    return result
