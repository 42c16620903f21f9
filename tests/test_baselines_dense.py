"""MiniLM dense baseline (real embedded model, tiny catalog) and a two-step fine-tuning run."""

import json
import os

import numpy as np
import pytest

from toolfoundry.baselines.dense import (DenseRetriever, Encoder, distinct_text_batches, finetune_minilm,
                                        interpolate_encoders)
from toolfoundry.errors import InputError
from toolfoundry.schema import Tool

TOOLS = [
    Tool(id="weather", name="weather", description="Get the weather forecast for a city."),
    Tool(id="stocks", name="stocks", description="Look up stock prices and market quotes."),
    Tool(id="recipes", name="recipes", description="Find cooking recipes from ingredients."),
]


@pytest.fixture(scope="module")
def encoder():
    return Encoder()


def test_encoder_is_normalised_mean_pooling(encoder):
    emb = encoder.encode(["short", "a much longer sentence about the weather in Paris tomorrow"])
    assert emb.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    # batching/sorting by length does not change an embedding
    np.testing.assert_allclose(encoder.encode(["short"])[0], emb[0], atol=1e-5)


def test_dense_ranks_semantically(encoder):
    r = DenseRetriever(TOOLS, encoder=encoder)
    out = r.search(["will it rain tomorrow?", "how much is an apple share worth", "what can I cook with eggs"], k=3)
    assert [o[0] for o in out] == ["weather", "stocks", "recipes"]
    assert r.config["model"] == "all-MiniLM-L6-v2"
    with pytest.raises(InputError):
        r.search(["x"], k=0)


def test_batches_hold_distinct_tools_and_a_frequent_tools_surplus_sits_out():
    import random

    # 40 tools with 5 pairs each, and one tool with 200: more of its pairs than there can be batches
    texts = [f"tool {t}" for t in range(40) for _ in range(5)] + ["popular tool"] * 200
    rng = random.Random(0)
    epochs = [distinct_text_batches(texts, 16, rng) for _ in range(3)]
    for batches in epochs:
        assert all(len({texts[i] for i in b}) == len(b) >= 8 for b in batches)  # distinct, at least half full
        used = [i for b in batches for i in b]
        assert len(used) == len(set(used))
        assert sum(texts[i] == "popular tool" for i in used) == len(batches) < 200  # once per batch, the rest sit out
        assert {texts[i] for i in used} >= {f"tool {t}" for t in range(40)}
    assert len({i for b in epochs[0] + epochs[1] + epochs[2] for i in b if texts[i] == "popular tool"}) > len(epochs[0])
    with pytest.raises(InputError, match="at least two tools"):
        finetune_minilm([("q1", "only tool"), ("q2", "only tool")], "/nonexistent", log=None)


def test_finetune_two_steps(tmp_path):
    pairs = [("rain tomorrow?", "weather: forecast"), ("AAPL price", "stocks: quotes"),
             ("omelette", "recipes: cooking"), ("snow in Oslo", "weather: forecast"),
             ("TSLA quote", "stocks: quotes"), ("pasta dinner", "recipes: cooking")]
    summary = finetune_minilm(pairs, str(tmp_path / "ft"), batch_size=3, epochs=1, max_steps=2, log=None)
    assert summary["steps"] == 2 and np.isfinite(summary["last_loss"])
    saved = json.loads((tmp_path / "ft" / "toolfoundry_finetune.json").read_text())
    assert saved["pairs"] == 6
    assert os.path.isfile(tmp_path / "ft" / "config.json")
    r = DenseRetriever(TOOLS, model_path=str(tmp_path / "ft"), name="minilm-ft")
    assert len(r.search(["rain"], k=2)[0]) == 2
    with pytest.raises(InputError):
        finetune_minilm([], str(tmp_path / "x"))
    # dev acc@1 is per query: a query with two tools is right when its top tool is either of them
    both = [("weather and stock quotes", "weather: forecast"), ("weather and stock quotes", "stocks: quotes")]
    summary = finetune_minilm(pairs, str(tmp_path / "ft2"), batch_size=3, max_steps=1, log=None, dev=both,
                              candidates=["weather: forecast", "stocks: quotes", "recipes: cooking"], eval_every=1)
    assert summary["dev_history"][0]["dev_acc@1"] == 100.0  # counted per pair, it would read 50
    with pytest.raises(InputError, match="config.json"):
        Encoder(str(tmp_path))


def test_interpolated_encoder_lies_between_base_and_finetuned(tmp_path, encoder):
    pairs = [("rain tomorrow?", "weather: forecast"), ("AAPL price", "stocks: quotes"),
             ("omelette", "recipes: cooking"), ("snow in Oslo", "weather: forecast")]
    finetune_minilm(pairs, str(tmp_path / "ft"), batch_size=3, max_steps=2, lr=1e-3, log=None)
    tuned = Encoder(str(tmp_path / "ft"))
    base_w = encoder.model.embeddings.word_embeddings.weight.detach()
    tuned_w = tuned.model.embeddings.word_embeddings.weight.detach()
    assert not np.allclose(base_w.numpy(), tuned_w.numpy())
    for alpha in (0.0, 0.5, 1.0):
        mixed = Encoder(interpolate_encoders(str(tmp_path / "ft"), str(tmp_path / f"mix{alpha}"), alpha=alpha))
        got = mixed.model.embeddings.word_embeddings.weight.detach()
        np.testing.assert_allclose(got.numpy(), ((1 - alpha) * base_w + alpha * tuned_w).numpy(), atol=1e-6)
    texts = ["will it rain in Oslo?"]
    np.testing.assert_allclose(Encoder(str(tmp_path / "mix1.0")).encode(texts), tuned.encode(texts), atol=1e-5)
    with pytest.raises(InputError, match="alpha"):
        interpolate_encoders(str(tmp_path / "ft"), str(tmp_path / "bad"), alpha=1.5)
