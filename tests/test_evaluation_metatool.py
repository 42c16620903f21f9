"""The harness on real MetaTool data: the split is the documented one, and the BM25 baseline scores
what an independent implementation of Lucene's BM25 scores on the same documents.

Split: rows whose int(sha1(query), 16) % 5 == 0 are test (4,139 queries over 199 tools). The BM25
check rebuilds the score matrix from term counts in plain Python (idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
k1 = 1.5, b = 0.75, the same tokens) and requires the same metrics: a change to the baseline, the
tool documents it indexes or the metric code that breaks one of them fails here.
"""

import math
import os
from collections import Counter

import numpy as np
import pytest

from toolfoundry.baselines.bm25 import BM25Retriever, _tokenize
from toolfoundry.baselines.ranking import top_k_ids
from toolfoundry.documents import tool_document
from toolfoundry.formats import read_metatool
from toolfoundry.metrics import retrieval_metrics

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "metatool")
pytestmark = pytest.mark.skipif(not os.path.isdir(DATA), reason="MetaTool data not present")


@pytest.fixture(scope="module")
def metatool():
    b = read_metatool(DATA)
    test = b.split("test")
    assert len(test) == 4139 and len(b.tools) == 199
    assert len(b.split("train")) == 16475
    return b, test


def _plain_bm25(docs: list[list[str]], queries: list[list[str]], k1: float = 1.5, b: float = 0.75) -> np.ndarray:
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    df = Counter(t for d in docs for t in set(d))
    counts = [Counter(d) for d in docs]
    out = np.zeros((len(queries), n), dtype=np.float64)
    for qi, q in enumerate(queries):
        for term in set(q):
            if term not in df:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            for di, c in enumerate(counts):
                tf = c.get(term, 0)
                if tf:
                    out[qi, di] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(docs[di]) / avgdl))
    return out


def test_bm25_matches_an_independent_implementation(metatool):
    b, test = metatool
    queries = [e.query for e in test]
    qrels = b.qrels_for(test)
    ours = retrieval_metrics(BM25Retriever(b.tools).search(queries, k=5), qrels, ks=[1, 5])
    plain = _plain_bm25(_tokenize([tool_document(t) for t in b.tools]), _tokenize(queries))
    reference = retrieval_metrics(top_k_ids(plain, [t.id for t in b.tools], 5), qrels, ks=[1, 5])
    # bm25s scores in float32, so near-ties can order differently: a few queries of 4,139 at most
    assert abs(ours["acc@1"] - reference["acc@1"]) <= 0.5, (ours, reference)
    assert abs(ours["ndcg@5"] - reference["ndcg@5"]) <= 0.5, (ours, reference)
    assert 20.0 < ours["acc@1"] < 60.0  # far from chance (0.5) and from a leak of the labels


@pytest.mark.slow
def test_minilm_scores_are_cosines_of_mean_pooled_embeddings(metatool):
    """The dense baseline's scores are cosine similarities (unit vectors), and it beats BM25 here."""
    from toolfoundry.baselines.dense import DenseRetriever

    b, test = metatool
    dense = DenseRetriever(b.tools)
    queries = [e.query for e in test]
    q = dense.encoder.encode(queries[:50])
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert np.allclose(dense.scores(queries[:50]), q @ dense.tool_emb.T, atol=1e-5)
    qrels = b.qrels_for(test)
    m_dense = retrieval_metrics(dense.search(queries, k=5), qrels, ks=[1, 5])
    m_bm25 = retrieval_metrics(BM25Retriever(b.tools).search(queries, k=5), qrels, ks=[1, 5])
    assert m_dense["ndcg@5"] > m_bm25["ndcg@5"], (m_dense, m_bm25)
