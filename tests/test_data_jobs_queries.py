"""Training queries for a catalog without any (``toolfoundry data queries``): values drawn from JSON
Schema, purposes read from descriptions, the checks (pure), and the Ray Data job with the model-free
stub writer — deterministic for a seed, every accepted query retrieves its own tool, schema-driven
gold calls validate, every reject carries its reason and is counted, a rerun resumes."""

from __future__ import annotations

import json
import os
import random

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from toolfoundry.schema import Tool
from toolfoundry.synth import requests as rq
from toolfoundry.synth import schema_values as sv

PARAMS = {
    "type": "object",
    "properties": {
        "destination_city": {"type": "string", "description": "where to go"},
        "check_in": {"type": "string", "format": "date"},
        "guests": {"type": "integer", "minimum": 1, "maximum": 6},
        "contact_email": {"type": "string", "format": "email"},
        "room_type": {"type": "string", "enum": ["single", "double", "suite"]},
        "max_price": {"type": "number", "minimum": 50, "maximum": 400},
        "booking_ref": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "amenities": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 3},
        "include_breakfast": {"type": "boolean"},
    },
    "required": ["destination_city", "check_in", "guests", "booking_ref"],
}
HOTEL = Tool(id="hotel", name="reserve_hotel_room",
             description="Books a hotel room in a city for given dates. Returns the confirmation.", parameters=PARAMS)
CALC = Tool(id="calc", name="calculator",
            description="A calculator app that executes a given formula and returns a result.")
TRENDS = Tool(id="trends", name="Now", description="Get Google Trends. In Japan, you can also get Twitter trends.")


def _valid(tool: Tool, args: dict) -> bool:
    return Draft202012Validator(tool.parameters, format_checker=FormatChecker()).is_valid(args)


def test_values_follow_the_schema_and_the_parameter_names():
    assert sv.kind_of("destination_city", PARAMS["properties"]["destination_city"]) == "destination"
    assert sv.kind_of("check_in", PARAMS["properties"]["check_in"]) == "date"
    assert sv.kind_of("contact_email", PARAMS["properties"]["contact_email"]) == "email"
    assert sv.kind_of("max_price", PARAMS["properties"]["max_price"]) == "money"
    assert sv.kind_of("room_type", PARAMS["properties"]["room_type"]) == "enum"
    rng = random.Random(0)
    for _ in range(30):
        values = sv.draw_arguments(PARAMS, rng, optional_rate=1.0, max_optional=9)
        args = {v.name: v.value for v in values}
        assert set(PARAMS["required"]) <= set(args) and _valid(HOTEL, args), args
        assert all(v.phrase for v in values)
    assert sv.pattern_string("^[A-Z]{2,4}-[0-9]{5}$", random.Random(1))[2:].count("-") <= 1
    with pytest.raises(sv.NoValue):
        sv.draw_arguments({"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}},
                           "required": ["n"]}, random.Random(0))


def test_purposes_are_verb_phrases_in_other_words_without_the_name():
    texts = [p.text for p in rq.purposes(CALC)]
    assert "execute a given formula and return a result" in texts and "run a given formula and return a result" in texts
    assert rq.verb_phrase("Searches every dealer, analyzes & ranks every car for you so you can buy.").text == \
        "search every dealer, analyze & rank every car for me so I can buy"
    assert [p.text for p in rq.purposes(TRENDS)][:2] == ["get Google Trends", "fetch Google Trends"]
    assert rq.names_tool("Use reserve_hotel_room now", HOTEL) and rq.names_tool("reserve hotel room in Rome", HOTEL)
    assert not rq.names_tool("book a room in Rome", HOTEL)
    assert not rq.names_tool("I need a calculator for this", CALC)  # a plain word of its own description
    assert rq.is_english("Can you find me a hotel in Rome for two nights?")
    assert not rq.is_english("Quiero saber más sobre esto, por favor.") and not rq.is_english("東京の天気は？")


def test_schema_requests_are_deterministic_valid_and_never_name_the_tool():
    first, problems = rq.schema_requests(HOTEL, 12, seed=3)
    again, _ = rq.schema_requests(HOTEL, 12, seed=3)
    other, _ = rq.schema_requests(HOTEL, 12, seed=4)
    assert first == again and first != other and len(first) == 12 and not problems
    for r in first:
        assert _valid(HOTEL, r.arguments) and not rq.names_tool(r.query, HOTEL)
        assert r.query[0].isupper() and r.query[-1] in ".?"
    calc, _ = rq.schema_requests(CALC, 6, seed=0)  # no parameters: purpose-only requests, empty calls
    assert len(calc) == 6 and all(r.arguments == {} for r in calc)
    none, problems = rq.schema_requests(Tool(id="x", name="zq", description="Your store awaits!"), 4, seed=0)
    assert none == [] and problems[0].startswith("no_purpose")


def test_llm_answers_are_cleaned_and_checked():
    from data_jobs.queries import _ANSWER_START, clean_request, render_prompt

    assert clean_request('Request: "Book me a room in Oslo."\nmore text') == "Book me a room in Oslo."
    assert _ANSWER_START.match("Sure! Here is the booking.") and not _ANSWER_START.match("Show me hotels in Oslo.")
    prompt = render_prompt(HOTEL, 0, chatml=True)
    assert prompt.endswith("<|im_start|>assistant\n") and "reserve hotel room" in prompt
    assert render_prompt(HOTEL, 1, chatml=True) != prompt  # another pair of worked examples


# ------------------------------------------------------------------------------------- the job
def _catalog(root) -> str:
    """A 12-tool catalog (synthetic tools plus two hand-written ones) as a tools dataset."""
    from toolfoundry import storage
    from toolfoundry.schema import tools_to_table
    from toolfoundry.synth import generate_tools

    tools = generate_tools(10, seed=2) + [HOTEL, CALC]
    uri = str(root / "tools")
    storage.write_parquet(tools_to_table(tools), uri, storage.shard_name(0, 1))
    storage.write_manifest(uri, kind="ingest.tools")
    return uri


def _files(folder) -> dict[str, bytes]:
    return {f: open(os.path.join(folder, f), "rb").read() for f in sorted(os.listdir(folder)) if f.endswith(".parquet")}


@pytest.fixture(scope="module")
def job(ray_session, tmp_path_factory):
    from data_jobs.queries import run

    root = tmp_path_factory.mktemp("queries")
    tools_uri = _catalog(root)
    user = root / "user.jsonl"
    user.write_text("\n".join([json.dumps({"query": "hotel for two in Oslo next week", "tool": "reserve_hotel_room"}),
                               json.dumps({"query": "what is 2+2", "tool": "no_such_tool"}), "not json"]) + "\n")
    opts = dict(seed=7, schema_per_tool=5, llm_per_tool=6, samples_per_prompt=3, multi_per_tool=1, model="stub",
                roundtrip_k=3, test_fraction=0.3, user_queries=str(user), chunk_tools=4, num_shards=2)
    result = run(tools_uri, str(root / "a"), **opts)
    return root, tools_uri, opts, result


def test_job_is_deterministic_and_resumes(job):
    from data_jobs.queries import run

    root, tools_uri, opts, first = job
    again = run(tools_uri, str(root / "b"), **opts)
    for sub in ("examples", "quarantine", "_work"):
        assert _files(root / "a" / sub) == _files(root / "b" / sub), sub
    os.remove(root / "b" / "examples" / "part-00001-of-00002.parquet")  # a lost shard and a lost LLM chunk
    os.remove(root / "b" / "_work" / "llm-c00001.parquet")
    resumed = run(tools_uri, str(root / "b"), **opts)
    assert resumed["shards_written"] == 1 and resumed["shards_skipped"] == 1
    assert _files(root / "a" / "examples") == _files(root / "b" / "examples")
    assert resumed["generators"] == first["generators"] == again["generators"]


def test_every_accepted_query_retrieves_its_tools_and_gold_calls_validate(job):
    from toolfoundry.baselines.bm25 import BM25Retriever
    from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, tools_from_table
    from toolfoundry.storage import read_table

    root, tools_uri, opts, result = job
    tools = tools_from_table(read_table(tools_uri, TOOL_SCHEMA))
    by_id = {t.id: t for t in tools}
    rows = read_table(result["examples"], EXAMPLE_SCHEMA).to_pylist()
    kinds = {r["provenance"].split(":")[1] if r["provenance"].startswith("queries:") else "user" for r in rows}
    assert kinds == {"schema", "llm", "multi", "user"}
    bm25 = BM25Retriever(tools)
    generated = [r for r in rows if not r["provenance"].startswith("user:")]
    ranked = bm25.search([r["query"] for r in generated], k=opts["roundtrip_k"] * 3)
    for r, top in zip(generated, ranked):
        k = opts["roundtrip_k"] * len(r["relevant_tool_ids"])
        assert set(r["relevant_tool_ids"]) <= set(top[:k]), (r["query"], r["relevant_tool_ids"], top[:k])
        assert not any(rq.names_tool(r["query"], by_id[t]) for t in r["relevant_tool_ids"]), r["query"]
        if r["provenance"] == "queries:schema":
            tool = by_id[r["relevant_tool_ids"][0]]
            assert r["gold_call_name"] == tool.name and _valid(tool, json.loads(r["gold_call_arguments"]))
    multi = [r for r in rows if r["provenance"] == "queries:multi"]
    assert multi and all(2 <= len(r["relevant_tool_ids"]) <= 3 and r["scenario"] == "multi_tool" for r in multi)
    user = [r for r in rows if r["provenance"].startswith("user:")]
    assert [(r["query"], r["relevant_tool_ids"], r["split"]) for r in user] == \
        [("hotel for two in Oslo next week", ["hotel"], "train")]
    assert {r["split"] for r in generated} == {"train", "test"}
    assert len({r["id"] for r in rows}) == len(rows)


def test_rejects_carry_reasons_and_the_manifest_counts_them(job):
    from collections import Counter

    from data_jobs.runner import reason_code
    from toolfoundry.schema import QUARANTINE_SCHEMA
    from toolfoundry.storage import read_manifest, read_table

    root, tools_uri, opts, result = job
    q = read_table(result["quarantine"], QUARANTINE_SCHEMA).to_pylist()
    assert q and all(r["reason"] and ":" in r["reason"] and r["source"] for r in q)
    codes = Counter(reason_code(r["reason"]) for r in q)
    # the stub writes a copy of the name, an answer and a Spanish sentence in turn: each filter fires
    assert {"name_copy", "not_a_request", "not_english", "unknown_tool", "malformed"} <= set(codes), codes
    manifest = read_manifest(result["examples"])
    assert manifest["quarantine_reasons"] == dict(sorted(codes.items()))
    info = manifest["queries"]
    llm = info["generators"]["llm"]
    assert llm["candidates"] == 12 * 6 and llm["accepted"] + sum(llm["rejected"].values()) == llm["candidates"]
    assert info["accepted"] == result["rows"] and info["per_tool"]["tools"] == 12
    raw = [json.loads(r["record"]) for r in q if r["source"].startswith("llm:")]
    assert all("_raw" in r for r in raw)  # the model's own text is kept for review


def test_bad_input_names_the_field(job, tmp_path):
    from data_jobs.queries import run
    from toolfoundry.errors import InputError

    root, tools_uri, _, _ = job
    with pytest.raises(InputError, match="--roundtrip"):
        run(tools_uri, str(tmp_path / "x"), roundtrip="tfidf")
    with pytest.raises(InputError, match="--user-queries"):
        run(tools_uri, str(tmp_path / "x"), model="stub", user_queries=str(tmp_path / "missing.jsonl"))
    with pytest.raises(InputError):
        run(str(tmp_path / "nowhere"), str(tmp_path / "x"))
