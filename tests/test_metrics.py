"""Retrieval metrics: hand-computed values, the lenient variant, and a cross-check against ranx."""

import math
import random

import numpy as np
import pytest

from toolfoundry.metrics import (
    acc_at_k,
    ndcg_at_k,
    ndcg_lenient_at_k,
    per_query_metrics,
    recall_at_k,
    retrieval_metrics,
)


def plain_ndcg(ranking, grades, k, lenient=False):
    """Textbook NDCG written independently of the module under test."""
    seen, top = set(), []
    for d in ranking:
        if d not in seen:
            seen.add(d)
            top.append(d)
    top = top[:k]
    gains = [grades.get(d, 0) for d in top]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal_gains = sorted(gains if lenient else [g for g in grades.values() if g > 0], reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_gains))
    return dcg / idcg if idcg else 0.0


def test_hand_computed_binary():
    rel = {"a", "b"}
    # one relevant at rank 2 of two relevant tools
    ranking = ["x", "a", "y"]
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranking, rel, 3) == pytest.approx(expected)
    # lenient: ideal built from the retrieved relevant item only -> 1 / log2(3) over 1
    assert ndcg_lenient_at_k(ranking, rel, 3) == pytest.approx(1 / math.log2(3))
    assert recall_at_k(ranking, rel, 3) == pytest.approx(0.5)
    assert acc_at_k(ranking, rel, 1) == 0.0
    assert acc_at_k(ranking, rel, 2) == 1.0
    assert ndcg_at_k(["a", "b"], rel, 2) == pytest.approx(1.0)


def test_standard_is_strict_and_lenient_is_not():
    # three relevant tools, only one retrieved at rank 1: lenient says perfect, standard does not
    rel = {"a", "b", "c"}
    assert ndcg_lenient_at_k(["a", "x", "y"], rel, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "x", "y"], rel, 3) < 0.5
    # nothing relevant retrieved: both 0
    assert ndcg_at_k(["x"], rel, 1) == 0.0 and ndcg_lenient_at_k(["x"], rel, 1) == 0.0


def test_graded_and_duplicates():
    grades = {"a": 3, "b": 1, "z": 0}
    ranking = ["b", "b", "a"]  # the repeated "b" counts once, so "a" is at rank 2
    dcg = 1 + 3 / math.log2(3)
    idcg = 3 + 1 / math.log2(3)
    assert ndcg_at_k(ranking, grades, 2) == pytest.approx(dcg / idcg)
    assert recall_at_k(ranking, grades, 5) == pytest.approx(1.0)  # grade 0 is not relevant


def test_aggregate_is_percent_and_keeps_empty_queries():
    out = retrieval_metrics([["a"], ["x"], []], [{"a"}, {"a"}, {"a"}], ks=[1, 5])
    assert out["acc@1"] == pytest.approx(100 / 3)
    assert out["n_queries"] == 3
    assert set(out) >= {"ndcg@1", "ndcg@5", "ndcg_lenient@5", "recall@5", "acc@5"}
    with pytest.raises(ValueError):
        retrieval_metrics([["a"]], [{"a"}, {"b"}])


def _random_case(seed, n=200, docs=30):
    rng = random.Random(seed)
    pool = [f"d{i}" for i in range(docs)]
    runs, qrels = [], []
    for _ in range(n):
        runs.append(rng.sample(pool, rng.randint(0, 12)))
        rel = rng.sample(pool, rng.randint(1, 6))
        qrels.append({d: rng.choice([1, 1, 2, 3]) for d in rel})
    return runs, qrels


def test_matches_plain_implementation():
    runs, qrels = _random_case(0)
    per_q = per_query_metrics(runs, qrels, [1, 3, 5, 10])
    for k in (1, 3, 5, 10):
        plain = np.array([plain_ndcg(r, q, k) for r, q in zip(runs, qrels)])
        lenient = np.array([plain_ndcg(r, q, k, lenient=True) for r, q in zip(runs, qrels)])
        np.testing.assert_allclose(per_q[f"ndcg@{k}"], plain, atol=1e-12)
        np.testing.assert_allclose(per_q[f"ndcg_lenient@{k}"], lenient, atol=1e-12)


# ranx compiles its numba kernels on a fresh machine (~60 s); the fast suite checks the same metrics
# against a direct implementation of their definitions
@pytest.mark.slow
def test_matches_ranx():
    """One cross-check against a maintained IR library (ranx: trec_eval-compatible, linear gain)."""
    ranx = pytest.importorskip("ranx")
    runs, qrels = _random_case(1, n=100)
    ks = [1, 3, 5, 10]
    ours = retrieval_metrics(runs, qrels, ks)
    keep = [i for i, r in enumerate(runs) if r]  # ranx cannot represent an empty ranking
    qrels_r = ranx.Qrels({f"q{i}": {d: int(g) for d, g in qrels[i].items()} for i in keep})
    run_r = ranx.Run({f"q{i}": {d: float(len(runs[i]) - j) for j, d in enumerate(runs[i])} for i in keep})
    names = [f"{m}@{k}" for k in ks for m in ("ndcg", "recall", "hit_rate")]
    theirs = ranx.evaluate(qrels_r, run_r, names, make_comparable=True)
    sub = retrieval_metrics([runs[i] for i in keep], [qrels[i] for i in keep], ks)
    for k in ks:
        assert sub[f"ndcg@{k}"] == pytest.approx(100 * theirs[f"ndcg@{k}"], abs=1e-6)
        assert sub[f"recall@{k}"] == pytest.approx(100 * theirs[f"recall@{k}"], abs=1e-6)
        assert sub[f"acc@{k}"] == pytest.approx(100 * theirs[f"hit_rate@{k}"], abs=1e-6)
    assert ours["n_queries"] == len(runs)
