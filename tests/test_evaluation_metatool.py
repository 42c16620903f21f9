"""The correctness check of the harness: the MetaTool baselines reproduce the reference numbers.

Test split: rows whose int(sha1(query), 16) % 5 == 0 (4,139 queries, 199 tools), tool text
"{name}: {description}". Reference: BM25 (bm25s, English stopwords) acc@1 31.75 / NDCG@5 39.84;
zero-shot MiniLM-L6 52.79 / 64.78. Both must hold within one point.
"""

import os

import pytest

from toolfoundry.baselines.bm25 import BM25Retriever
from toolfoundry.formats import read_metatool
from toolfoundry.metrics import retrieval_metrics

DATA = "/work/shared/data/metatool"
pytestmark = pytest.mark.skipif(not os.path.isdir(DATA), reason="MetaTool data not present")


@pytest.fixture(scope="module")
def metatool():
    b = read_metatool(DATA)
    test = b.split("test")
    assert len(test) == 4139 and len(b.tools) == 199
    return b, test


def test_bm25_reproduces_reference(metatool):
    b, test = metatool
    runs = BM25Retriever(b.tools, text_fn=b.tool_text).search([e.query for e in test], k=5)
    m = retrieval_metrics(runs, b.qrels_for(test), ks=[1, 5])
    assert abs(m["acc@1"] - 31.75) <= 1.0, m
    assert abs(m["ndcg@5"] - 39.84) <= 1.0, m


@pytest.mark.slow
def test_minilm_zero_shot_reproduces_reference(metatool):
    from toolfoundry.baselines.dense import DenseRetriever

    b, test = metatool
    runs = DenseRetriever(b.tools, text_fn=b.tool_text).search([e.query for e in test], k=5)
    m = retrieval_metrics(runs, b.qrels_for(test), ks=[1, 5])
    assert abs(m["acc@1"] - 52.79) <= 1.0, m
    assert abs(m["ndcg@5"] - 64.78) <= 1.0, m
