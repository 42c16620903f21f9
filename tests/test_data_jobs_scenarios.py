"""Scenario corpus: labels are exact, zero-to-one pairs differ by one tool, bad tools are quarantined."""

import dataclasses
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data_jobs import shards as sh
from toolfoundry.schema import GENERATE_RESPONSE, TOOL_SCHEMA, Tool
from toolfoundry.storage import read_manifest, read_table, write_manifest
from toolfoundry.synth import Requirement, can_answer, generate_tools, tool_at
from toolfoundry.synth.execute import execute


@pytest.fixture(scope="module")
def catalog_uri(tmp_path_factory):
    root = tmp_path_factory.mktemp("scen")
    rows = [t.to_row() for t in generate_tools(40, seed=3)]
    bad = [
        dataclasses.replace(tool_at(50, 3), id="bad1", description="  ").to_row(),  # empty description
        {**tool_at(51, 3).to_row(), "id": "bad2", "parameters": "{not json"},  # unparseable
        {**tool_at(52, 3).to_row(), "id": "bad3", "parameters": json.dumps({"type": "object", "required": 5})},
        {**tool_at(53, 3).to_row(), "id": rows[0]["id"]},  # duplicate id
    ]
    uri = str(root / "tools")
    sh.write_shard(pa.Table.from_pylist(rows + bad, schema=TOOL_SCHEMA), uri, sh.shard_name(0, 1))
    write_manifest(uri, kind="test.tools")
    return root


def test_scenarios_labels_quarantine_and_determinism(ray_session, catalog_uri):
    from data_jobs.scenarios import run

    out = run(str(catalog_uri / "tools"), str(catalog_uri / "a"), k=5, weak_fraction=0.5, queries_per_tool=1,
              num_shards=2, seed=3)
    assert out["quarantined"] == 4
    reasons = read_table(out["quarantine"])["reason"].to_pylist()
    assert any("description: empty" in r for r in reasons) and any("duplicate id" in r for r in reasons)
    assert any("unparseable" in r for r in reasons) and any("invalid JSON Schema" in r for r in reasons)

    tools = {r["id"]: Tool.from_row(r) for r in read_table(out["tools"]).to_pylist()}
    weak = [t for t in tools.values() if t.weak_of]
    assert weak and all(tools[w.weak_of].strong_of == w.id for w in weak)
    examples = read_table(out["examples"]).to_pylist()
    counts = out["scenario_counts"]
    assert counts["plain"] == 40 and counts["zero_to_one"] == 80 and counts["weak_to_strong"] > 0
    assert read_manifest(out["examples"])["scenario_counts"] == counts

    by_id = {e["id"]: e for e in examples}
    for e in examples:
        cands = [tools[c] for c in e["candidate_tool_ids"]]
        assert GENERATE_RESPONSE in e["candidate_tool_ids"] and sorted(e["gold_ranking"]) == sorted(e["candidate_tool_ids"])
        assert e["gold_call_name"] == tools[e["gold_ranking"][0]].name
        if e["id"].endswith("-z0"):
            pair = by_id[e["id"][:-1] + "1"]
            added = set(pair["candidate_tool_ids"]) - set(e["candidate_tool_ids"])
            assert set(e["candidate_tool_ids"]) < set(pair["candidate_tool_ids"]) and len(added) == 1
            assert e["gold_call_name"] == GENERATE_RESPONSE and pair["gold_ranking"][0] == added.pop()
            assert pair["query"] == e["query"]
        if e["scenario"] != "zero_to_one":
            assert len(cands) == 5
        if e["gold_call_name"] != GENERATE_RESPONSE:
            gold = tools[e["gold_ranking"][0]]
            # the gold call runs: deterministic observation
            args = json.loads(e["gold_call_arguments"])
            assert execute(gold, args) == execute(gold, dict(reversed(list(args.items()))))
    # weak-to-strong: with both versions the strong one is gold; weak alone is gold only when able
    for e in examples:
        if e["scenario"] == "weak_to_strong" and e["id"].endswith("-ws"):
            strong_id = e["id"].split("-")[0]
            assert e["gold_ranking"][0] == strong_id
        if e["scenario"] == "weak_to_strong" and e["id"].endswith("-wh-w"):
            assert e["gold_call_name"] == GENERATE_RESPONSE

    # the same folder, other parameters (another catalog): nothing of the first run is reused, the
    # neighbours included (byte-identical reruns and resume: test_data_jobs_resume)
    other = run(str(catalog_uri / "tools"), str(catalog_uri / "a"), k=5, weak_fraction=0.0, queries_per_tool=1,
                num_shards=2, seed=3)
    neighbours = pq.read_table(catalog_uri / "a" / "_neighbours" / "neighbours.parquet")["neighbours"].to_pylist()
    assert other["num_tools"] == len(neighbours) == 1 + 40 < out["num_tools"]  # generate_response + the 40 good tools
    assert max(max(row) for row in neighbours) < other["num_tools"]


def test_capability_check_is_exact():
    t = tool_at(0, 0)
    op = next(c for c in t.capabilities if c.startswith("op:"))
    params = tuple(c[6:] for c in t.capabilities if c.startswith("param:"))
    assert can_answer(t, Requirement(op=op, params=params[:1]))
    assert not can_answer(t, Requirement(op=op, params=("no_such_param",)))
    assert not can_answer(t, Requirement(op="op:x.y.z", params=()))
    assert not can_answer(t, Requirement(op=op, params=(), scope="Nordic|student")) or "scope:global" in t.capabilities


def test_scenarios_with_the_function_family_split_by_tool_and_by_query(ray_session, tmp_path):
    """``--family functions``: generated callable functions, held-out tools kept out of every train
    toolset, held-out queries of seen tools, exact gold calls that validate and execute."""
    import jsonschema

    from data_jobs.scenarios import run

    out = run(None, str(tmp_path / "fn"), family="functions", num_functions=40, k=4, weak_fraction=1.0,
              queries_per_tool=3, test_fraction=0.25, query_test_fraction=0.3, num_shards=2, seed=1)
    tools = {r["id"]: Tool.from_row(r) for r in read_table(out["tools"]).to_pylist()}
    assert sum(t.weak_of is not None for t in tools.values()) > 5
    examples = read_table(out["examples"]).to_pylist()
    manifest = read_manifest(out["examples"])
    held = set(manifest["held_out_tools"])
    assert held == set(out["held_out_tools"]) and manifest["family"] == "functions"
    assert set(manifest["split_counts"]) == {"train", "test", "test_query"}
    assert out["scenario_counts"]["plain"] == 120 and out["scenario_counts"]["weak_to_strong"] > 0
    splits_of_query = {}
    for e in examples:
        primary = e["id"].split("-")[0]
        assert (e["split"] == "test") == (primary in held)
        if e["split"] == "train":
            assert not held & set(e["candidate_tool_ids"])  # unseen tools stay unseen
        splits_of_query.setdefault((primary, e["query"]), set()).add(e["split"])
        if e["gold_call_name"] != GENERATE_RESPONSE:
            gold = tools[e["gold_ranking"][0]]
            args = json.loads(e["gold_call_arguments"])
            jsonschema.validate(args, gold.parameters)
            assert execute(gold, args) == execute(gold, dict(reversed(list(args.items()))))
    assert all(len(s) == 1 for s in splits_of_query.values())  # a query's examples share one split


def test_scenario_catalog_families_and_their_errors(tmp_path):
    from data_jobs.scenarios import catalog_table
    from toolfoundry.errors import InputError
    from toolfoundry.synth import is_function_tool

    uri = str(tmp_path / "tools")
    sh.write_shard(pa.Table.from_pylist([t.to_row() for t in generate_tools(5, seed=2)], schema=TOOL_SCHEMA), uri,
                   sh.shard_name(0, 1))
    mixed = [Tool.from_row(r) for r in catalog_table(uri, "mixed", 7, seed=2).to_pylist()]
    assert sum(is_function_tool(t) for t in mixed) == 7 and len(mixed) == 12
    assert catalog_table(None, "functions", None, seed=2).num_rows >= 250
    with pytest.raises(InputError, match="tools_uri"):
        catalog_table(None, "apis", None, seed=2)
    with pytest.raises(InputError, match="tools_uri"):
        catalog_table(uri, "functions", 5, seed=2)
    with pytest.raises(InputError, match="num_functions"):
        catalog_table(None, "functions", 0, seed=2)
    with pytest.raises(InputError, match="family"):
        catalog_table(uri, "bogus", None, seed=2)


def test_held_out_functions_are_held_out_in_every_version():
    from data_jobs.scenarios import held_out
    from toolfoundry.synth import FUNCTION_SPECS, generate_functions

    tools = generate_functions(2 * len(FUNCTION_SPECS), seed=4)
    hidden = held_out(tools, 0.2, seed=4)
    op = {t.id: next(c for c in t.capabilities if c.startswith("op:")) for t in tools}
    hidden_ops = {op[i] for i in hidden}
    assert 0.1 < len(hidden_ops) / len(FUNCTION_SPECS) < 0.3
    assert hidden == {t.id for t in tools if op[t.id] in hidden_ops}
    api = generate_tools(30, seed=4)  # API-style tools are held out one by one, as before
    assert held_out(api, 0.5, seed=4) == {t.id for t in api if random.Random(f"4:scenario_split:{t.id}").random() < 0.5}
