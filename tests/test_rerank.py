"""``toolfoundry.rerank``: query-likelihood scores from cached document prompts equal a plain forward
over document + request, and the reranked retriever reorders only the first stage's head."""

import numpy as np
import pytest
import torch

from toolfoundry.errors import InputError
from toolfoundry.rerank import DOCUMENT_PROMPT, REQUEST_PROMPT, QueryLikelihoodReranker, RerankedRetriever, fuse

DOCS = {
    "weather": "weather | get forecast: Returns the forecast for a city. Arguments: city, days.",
    "math": "math | factorial: Computes n!.",
    "loan": "finance | loan payment: Monthly payment of a loan given principal, annual rate and term in years.",
}


@pytest.fixture(scope="module")
def reranker():
    return QueryLikelihoodReranker.load("tiny-random", DOCS, dtype="float32")


def plain_loglik(rr: QueryLikelihoodReranker, query: str, tool_id: str) -> float:
    """The reference: one forward over the whole document prompt + request, no cache, no padding."""
    tok = rr.tokenizer
    doc = tok(DOCUMENT_PROMPT.format(document=DOCS[tool_id]), add_special_tokens=False)["input_ids"]
    q = tok(REQUEST_PROMPT.format(query=query), add_special_tokens=False)["input_ids"]
    ids = torch.tensor([doc + q])
    with torch.inference_mode():
        logp = torch.log_softmax(rr.model(input_ids=ids).logits[0, :-1].float(), -1)
    return float(np.mean([logp[len(doc) - 1 + i, t].item() for i, t in enumerate(q)]))


def test_cached_and_padded_scores_equal_a_plain_forward(reranker):
    query = "What will the weather be in Paris tomorrow?"
    ids = ["loan", "weather", "math"]  # documents of different lengths share one left-padded batch
    got = reranker.loglik(query, ids)
    want = [plain_loglik(reranker, query, t) for t in ids]
    assert np.allclose(got, want, atol=1e-4), (got, want)
    assert np.allclose(reranker.loglik(query, ids[::-1]), got[::-1], atol=1e-4)  # cached now: the same


def test_rerank_fuses_first_stage_and_lm_scores(reranker):
    query = "monthly payment for 200000 over 30 years"
    cands = [("math", 0.9), ("loan", 0.5), ("weather", 0.1)]
    ll = reranker.loglik(query, [c for c, _ in cands])
    order, fused = fuse([s for _, s in cands], ll, reranker.weight)
    ranked = reranker.rerank(query, cands)
    assert [t for t, _ in ranked] == [cands[i][0] for i in order]
    assert np.allclose([s for _, s in ranked], fused[order])
    keep = QueryLikelihoodReranker(reranker.model, reranker.tokenizer, DOCS, weight=0.0)
    assert [t for t, _ in keep.rerank(query, cands)] == ["math", "loan", "weather"]


def test_document_cache_is_bounded(reranker):
    small = QueryLikelihoodReranker(reranker.model, reranker.tokenizer, DOCS, cache_size=2)
    for tool_id in ("weather", "math", "loan"):
        small.loglik("a request", [tool_id])
    assert list(small._cache) == ["math", "loan"]  # the least recently used went
    small.loglik("a request", list(DOCS))  # one request's candidates are all kept while it runs
    assert len(small._cache) == 3


def test_bad_input_names_the_field(reranker):
    with pytest.raises(InputError, match="tool id"):
        reranker.loglik("hello", ["nope"])
    with pytest.raises(InputError, match="query"):
        reranker.loglik("  ", ["math"])
    with pytest.raises(InputError, match="weight"):
        QueryLikelihoodReranker(reranker.model, reranker.tokenizer, DOCS, weight=-1)


class FixedScores:
    """A first stage whose scores are given."""

    name, config = "fixed", {"trained": False}

    def __init__(self, ids, row):
        self.tool_ids, self.row = ids, np.array(row)

    def scores(self, queries):
        return np.tile(self.row, (len(queries), 1))


def test_reranked_retriever_reorders_only_the_head(reranker):
    ids = ["weather", "math", "loan", "x1", "x2"]
    docs = dict(DOCS, x1="misc | one: first filler tool.", x2="misc | two: second filler tool.")
    rr = QueryLikelihoodReranker(reranker.model, reranker.tokenizer, docs, weight=1000.0)
    system = RerankedRetriever(FixedScores(ids, [0.5, 0.4, 0.3, 0.2, 0.1]), rr, depth=3)
    query = "loan payment"
    got = system.search([query], k=5)[0]
    ll = rr.loglik(query, ids[:3])
    assert got[:3] == [ids[i] for i in np.argsort(-ll, kind="stable")]  # the LM decides inside the head
    assert got[3:] == ["x1", "x2"]  # the tail keeps the first stage's order
    assert system.search([query], k=2)[0] == got[:2]
    assert system.config["depth"] == 3 and system.name == "fixed + LM rerank"


def test_a_model_directory_retrieves_with_its_saved_pipeline(tmp_path):
    from toolfoundry.baselines.dense import Encoder
    from toolfoundry.rerank import RETRIEVER_FILE, load_pipeline, save_pipeline
    from toolfoundry.synth import generate_tools

    tools = generate_tools(8, seed=3)
    assert load_pipeline(str(tmp_path), tools) is None  # no retriever.json: the tool tokens retrieve
    encoder = str(tmp_path / "ft")
    Encoder().model.save_pretrained(encoder)  # stands in for a fine-tuned MiniLM
    Encoder().tokenizer.save_pretrained(encoder)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    save_pipeline(str(model_dir), encoder, depth=4, weight=0.5, reranker="tiny-random")
    pipeline = load_pipeline(str(model_dir), tools, dtype="float32")
    assert (model_dir / "retriever_encoder" / "config.json").is_file()
    assert pipeline.depth == 4 and pipeline.reranker.weight == 0.5 and pipeline.config["first_stage"]["trained"]
    hits = pipeline.retrieve([tools[0].description, tools[5].description], 3)
    assert [len(row) for row in hits] == [3, 3]
    assert all(h.name == {t.id: t.name for t in tools}[h.id] for row in hits for h in row)
    assert [[h.id for h in row] for row in hits] == pipeline.search([tools[0].description, tools[5].description], 3)
    for text in ('{"kind": "bm25"}', '{"kind": "dense+rer'):  # another kind; a truncated file
        (model_dir / RETRIEVER_FILE).write_text(text)
        with pytest.raises(InputError, match="kind"):
            load_pipeline(str(model_dir), tools)
    with pytest.raises(InputError, match="encoder_dir"):
        save_pipeline(str(model_dir), str(tmp_path / "missing"))
