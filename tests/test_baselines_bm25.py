"""BM25 baseline on a tiny catalog written here."""

import pytest

from toolfoundry.baselines.bm25 import BM25Retriever
from toolfoundry.errors import InputError
from toolfoundry.schema import Tool

TOOLS = [
    Tool(id="weather", name="weather", description="Get the weather forecast for a city."),
    Tool(id="stocks", name="stocks", description="Look up stock prices and market quotes."),
    Tool(id="recipes", name="recipes", description="Find cooking recipes from ingredients."),
]


def test_ranks_the_matching_tool_first():
    r = BM25Retriever(TOOLS)
    out = r.search(["what is the weather forecast in Paris", "recipes with eggs", "the of and"], k=2)
    assert out[0][0] == "weather"
    assert out[1][0] == "recipes"
    assert len(out[2]) == 2  # a stopword-only query still gets k results (all scores 0)
    assert r.search(["stock quotes"], k=10)[0][0] == "stocks"
    assert len(r.search(["stock quotes"], k=10)[0]) == 3  # k is capped at the catalog size


def test_bad_input():
    with pytest.raises(InputError, match="tools"):
        BM25Retriever([])
    with pytest.raises(InputError, match="duplicate"):
        BM25Retriever(TOOLS + TOOLS[:1])
    with pytest.raises(InputError, match="k"):
        BM25Retriever(TOOLS).search(["x"], k=0)
