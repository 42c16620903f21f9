"""The relevance gate: it, not the model, decides whether the router calls a tool."""

import json

import numpy as np
import pytest

from toolfoundry.calling import Router
from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.modeling import load_base_model
from toolfoundry.relevance import DEFAULT_THRESHOLD, RelevanceGate
from toolfoundry.schema import GENERATE_RESPONSE, Tool

WEATHER = Tool(id="w", name="get_weather", description="Current weather of a city.",
               parameters={"type": "object", "properties": {"city": {"type": "string", "enum": ["Lisbon", "Paris"]}},
                           "required": ["city"]})
STOCKS = Tool(id="s", name="get_stock_price", description="Latest price of a stock ticker.",
              parameters={"type": "object", "properties": {"ticker": {"type": "string", "enum": ["ACME", "INIT"]}},
                           "required": ["ticker"]})


class BagOfWords:
    """A deterministic encoder: normalised word counts over a fixed vocabulary; counts what it encodes."""

    VOCAB = ["weather", "city", "rain", "stock", "price", "ticker", "joke"]

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded += list(texts)
        rows = np.array([[t.lower().count(w) for w in self.VOCAB] for t in texts], dtype=np.float32) + 1e-3
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_gate_scores_each_candidate_and_admits_at_its_threshold():
    enc = BagOfWords()
    gate = RelevanceGate(0.5, encoder=enc)
    scores = gate.scores("will it rain in this city? weather please", [WEATHER, STOCKS])
    assert scores[0] > 0.5 > scores[1]
    assert gate.admits("weather in the city", [STOCKS, WEATHER]) == (True, pytest.approx(max(
        gate.scores("weather in the city", [STOCKS, WEATHER]))))
    assert gate.admits("tell me a joke", [WEATHER, STOCKS])[0] is False
    # generate_response is never relevant, and a gate with no real candidate admits nothing
    from toolfoundry.prompts import ensure_generate_response

    cands = ensure_generate_response([WEATHER])
    assert gate.scores("weather", cands)[-1] == -1.0
    assert gate.admits("weather", cands[-1:]) == (False, -1.0)


def test_gate_encodes_each_tool_document_once():
    enc = BagOfWords()
    gate = RelevanceGate(encoder=enc)
    for query in ("weather in Paris", "stock price of ACME", "rain tomorrow"):
        gate.scores(query, [WEATHER, STOCKS])
    assert enc.encoded.count(tool_document(WEATHER)) == 1 and enc.encoded.count(tool_document(STOCKS)) == 1


@pytest.mark.parametrize("bad", [1.5, -2, "high", True])
def test_gate_refuses_a_threshold_that_is_not_a_cosine(bad):
    with pytest.raises(InputError, match="relevance threshold"):
        RelevanceGate(bad, encoder=BagOfWords())


def test_gated_router_answers_generate_response_below_the_threshold_and_always_calls_above_it():
    model, tokenizer = load_base_model("tiny-random", seed=0)
    router = Router(model, tokenizer, max_new_tokens=40, gate=RelevanceGate(0.5, encoder=BagOfWords()))
    off = router.route("tell me a joke", [WEATHER, STOCKS])
    assert off.name == GENERATE_RESPONSE and off.valid and off.relevance < 0.5 and off.ranking == []
    assert json.loads(off.text) == {"name": GENERATE_RESPONSE, "arguments": {}}
    for query in ("weather in the city", "stock ticker price", "rain in my city, what weather"):
        on = router.route(query, [WEATHER, STOCKS])
        # above the threshold the random model must call: generate_response is no longer a candidate
        assert on.name in {"get_weather", "get_stock_price"} and on.relevance >= 0.5, query
        assert GENERATE_RESPONSE not in [n for n, _ in on.ranking]
    # tool_choice "required" (fallback=False) is not gated: the model calls whatever the relevance
    assert router.route("tell me a joke", [WEATHER, STOCKS], fallback=False).name != GENERATE_RESPONSE


def test_embedded_minilm_gate_tells_a_related_request_from_an_unrelated_one():
    gate = RelevanceGate()
    assert gate.threshold == DEFAULT_THRESHOLD
    assert gate.admits("What's the weather like in Lisbon right now?", [WEATHER, STOCKS])[0]
    assert not gate.admits("Write a haiku about my grandmother's garden.", [WEATHER, STOCKS])[0]


def test_a_ranking_gate_chooses_the_candidate_and_the_model_writes_its_arguments():
    model, tokenizer = load_base_model("tiny-random", seed=0)
    gate = RelevanceGate(0.5, ranks=True, encoder=BagOfWords())
    router = Router(model, tokenizer, max_new_tokens=40, gate=gate)
    for query, best in (("weather in the city", "get_weather"), ("stock ticker price", "get_stock_price")):
        for fallback in (True, False):  # tool_choice "required" is ranked by the gate too
            out = router.route(query, [WEATHER, STOCKS], fallback=fallback)
            assert out.name == best and out.valid and [n for n, _ in out.ranking][0] == best, (query, fallback)
            assert sorted(out.candidates) == ["get_stock_price", "get_weather"]
    # the gate still decides whether: an unrelated request calls nothing
    assert router.route("tell me a joke", [WEATHER, STOCKS]).name == GENERATE_RESPONSE
    # a twin that only decides whether shares the encoder and its cache
    whether = gate.ranking(False)
    assert not whether.ranks and gate.ranks and whether.encoder is gate.encoder and whether._cache is gate._cache
