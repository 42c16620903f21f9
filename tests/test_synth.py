"""The synthetic tool and query generator: determinism, validity, exact labels."""

import re

import jsonschema
import pytest

from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import tool_problems
from toolfoundry.synth import (
    DOMAINS,
    bases,
    can_answer,
    capacity,
    generate_queries,
    generate_query_records,
    generate_tools,
    tool_at,
)


def test_tools_are_a_pure_function_of_seed_and_index():
    a = generate_tools(60, seed=3)
    b = generate_tools(20, seed=3, start=40)
    assert [t.to_row() for t in a[40:]] == [t.to_row() for t in b]
    assert tool_at(17, 3) == a[17]
    assert [t.name for t in generate_tools(60, seed=4)] != [t.name for t in a]


def test_tools_are_valid_unique_and_diverse():
    n = len(bases()) + 200  # includes scoped variants
    tools = generate_tools(n, seed=0)
    assert len({t.id for t in tools}) == n and len({t.name for t in tools}) == n
    assert len(DOMAINS) >= 40 and len({t.category for t in tools}) == len(DOMAINS)
    for t in tools:
        assert tool_problems(t) == [], (t.id, tool_problems(t))
        assert re.fullmatch(r"[A-Za-z0-9_]+", t.id)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", t.name)
        assert t.capabilities and t.returns and t.category
    types = {p.get("type") for t in tools for p in t.parameters["properties"].values()}
    assert {"string", "integer", "number", "boolean", "array"} <= types
    assert any("enum" in p for t in tools for p in t.parameters["properties"].values())
    assert any(p.get("format") == "date" for t in tools for p in t.parameters["properties"].values())
    assert any("default" in p for t in tools for p in t.parameters["properties"].values())


def test_queries_are_distinct_valid_and_answerable():
    for tool in generate_tools(120, seed=1):
        recs = generate_query_records(tool, 8, seed=1)
        assert len({r.query for r in recs}) == 8
        for r in recs:
            jsonschema.validate(r.arguments, tool.parameters)
            assert can_answer(tool, r.requirement)
            assert tool.name not in r.query
            # every string argument is said in the query, so the gold call is recoverable
            for v in r.arguments.values():
                if isinstance(v, str):
                    assert v in r.query, (v, r.query)
    assert generate_queries(tool_at(5, 9), 5, 2) == generate_queries(tool_at(5, 9), 5, 2)


def test_bad_sizes_are_refused():
    with pytest.raises(InputError, match="num_tools"):
        generate_tools(capacity() + 1, seed=0)
    with pytest.raises(InputError, match="n"):
        generate_queries(tool_at(0, 0), -1, 0)


@pytest.mark.slow  # ~10 s at catalog scale
def test_fifty_thousand_tools_without_near_duplicates():
    from toolfoundry.dedup import DedupParams, find_duplicates, normalize

    tools = generate_tools(50_000, seed=0)
    assert len({t.name for t in tools}) == 50_000
    docs = [tool_document(t) for t in tools]
    # verified at the threshold itself: no pair of tool documents is a near duplicate
    assert find_duplicates(docs, DedupParams(verify_margin=0.0)).num_rows == 0
    # verified with a 0.15 margin (at 0.65 by a noisy 2-bit sketch) at most a handful are flagged,
    # and their true word 3-gram Jaccard is far below the 0.8 threshold
    flagged = find_duplicates(docs, DedupParams(verify_margin=0.15)).to_pylist()
    assert len(flagged) <= 5

    def grams(text):
        w = normalize([text]).to_pylist()[0].split()
        return {tuple(w[i:i + 3]) for i in range(len(w) - 2)}

    for f in flagged:
        a, b = grams(docs[f["doc"]]), grams(docs[f["dup_of"]])
        assert len(a & b) / len(a | b) < 0.7
