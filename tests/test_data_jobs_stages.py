"""Stage datasets: the only producer of training rows (prompts, token strings, label masks)."""

import json
import os

import pytest

from toolfoundry.catalog import Catalog
from toolfoundry.config import DataConfig
from toolfoundry.encoding import IGNORE, ChatEncoder
from toolfoundry.errors import InputError
from toolfoundry.modeling import load_tokenizer, prepare_initial_model
from toolfoundry.prompts import retrieval_messages
from toolfoundry.schema import Example, Tool, examples_to_table
from toolfoundry.storage import read_manifest, read_table, write_manifest


@pytest.fixture(scope="module")
def synthetic(ray_session, tmp_path_factory):
    from data_jobs.synthesize import run as synth
    from toolfoundry.schema import tools_from_table

    root = tmp_path_factory.mktemp("stages")
    syn = synth(DataConfig(num_tools=12, queries_per_tool=3, num_shards=2), str(root / "syn"), seed=1)
    tools = tools_from_table(read_table(syn["tools"]))
    model_dir = prepare_initial_model("tiny-random", Catalog.from_tools(tools), str(root / "model"))
    return syn, tools, model_dir, root


def test_rows_use_the_models_token_ids_and_mask_all_but_the_answer(synthetic):
    from data_jobs.stages import run

    syn, tools, model_dir, root = synthetic
    out = run(syn["tools"], syn["examples"], str(root / "out"), model_dir=model_dir, max_len=256, dev_fraction=0.2,
              tokenize_concurrency=1)
    assert out["text"]["memorization"]["rows"] >= 12  # long documents become several chunks
    tokenizer = load_tokenizer(model_dir)
    catalog = Catalog.load(model_dir)
    encoder = ChatEncoder(tokenizer)
    rows = read_table(out["tokens"]["retrieval"]["uri"]).to_pylist()
    examples = {f"ret-{r['id']}": r for r in read_table(syn["examples"]).to_pylist()}
    splits = {r["split"] for r in rows}
    assert splits == {"train", "dev"}  # test examples never become training rows
    assert len(rows) == sum(1 for e in examples.values() if e["split"] == "train")
    for row in rows:
        ex = examples[row["id"]]
        first = ex["relevant_tool_ids"][0]
        # the same ids the retriever's prompt + the answer give: one owner of prompts and masks
        expected = encoder.encode(retrieval_messages(ex["query"], catalog.token_strings()[catalog.ids.index(first)]))
        assert row["input_ids"] == expected.input_ids and row["labels"] == expected.labels
        assert [catalog.ids[i] for i in row["slot_targets"]] == list(ex["relevant_tool_ids"])
        trained = [t for t in row["labels"] if t != IGNORE]
        assert tokenizer.convert_ids_to_tokens(trained[0]) == f"<<{first}>>"
    agent = read_table(out["text"]["agent"]["uri"]).to_pylist()
    msgs = json.loads(agent[0]["messages"])
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant"]
    assert [m["train"] for m in msgs] == [False, False, True, False, True]
    assert f"<<{agent[0]['tool_ids'][0]}>>" in msgs[2]["content"] and json.loads(msgs[3]["content"])
    assert read_manifest(out["tokens"]["agent"]["uri"])["kind"] == "stage.agent.tokens"

    # a kill between a shard's rows and its quarantine shard: the rerun writes the missing quarantine shard
    lost = root / "out" / "text" / "agent_quarantine" / "part-00000-of-00002.parquet"
    kept = lost.read_bytes()
    lost.unlink()
    again = run(syn["tools"], syn["examples"], str(root / "out"), model_dir=model_dir, max_len=256, dev_fraction=0.2,
                tokenize_concurrency=1)
    assert lost.read_bytes() == kept and again["text"] == out["text"]


def test_multi_label_queries_get_every_relevant_tool_as_a_target(synthetic):
    """A query with three relevant tools: one row with three slot targets (multi), or three rows (pair)."""
    from data_jobs.stages import run

    syn, tools, model_dir, root = synthetic
    ex_dir = root / "multi_examples"
    ex_dir.mkdir()
    ids = [t.id for t in tools[:3]]
    table = examples_to_table([Example(id="q1", query="book a flight, a hotel and a car", relevant_tool_ids=tuple(ids)),
                               Example(id="q2", query="nothing fits", relevant_tool_ids=())])
    import pyarrow.parquet as pq

    pq.write_table(table, ex_dir / "part-00000-of-00001.parquet")
    write_manifest(str(ex_dir), kind="examples")
    catalog = Catalog.load(model_dir)
    for labels, expected_rows in (("multi", 1), ("pair", 3)):
        out = run(syn["tools"], str(ex_dir), str(root / f"out_{labels}"), model_dir=model_dir, max_len=256,
                  retrieval_labels=labels, dev_fraction=0.0, stages=("retrieval",), tokenize_concurrency=1)
        rows = read_table(out["tokens"]["retrieval"]["uri"]).to_pylist()
        assert len(rows) == expected_rows
        assert sorted(catalog.ids[i] for r in rows for i in r["slot_targets"]) == sorted(ids)
        assert out["quarantined"]["retrieval"] == 1  # q2: no relevant tool, set aside with its reason
        reasons = read_manifest(out["text"]["retrieval"]["uri"])["reasons"]
        assert reasons == {"no relevant tool: nothing to retrieve": 1}


def test_pair_labels_split_train_queries_but_keep_dev_queries_whole(synthetic):
    """Under pair labels a train query becomes a row per relevant tool, while a dev query stays one row
    with all its tools, so the dev acc@1 the engine stops on is read as the test's (top tool is any
    relevant one) under either label scheme."""
    from data_jobs.stages import Rows

    _, tools, model_dir, _ = synthetic
    catalog = Catalog.load(model_dir)
    ids = tuple(t.id for t in tools[:3])
    example = Example(id="q1", query="book a flight, a hotel and a car", relevant_tool_ids=ids)
    for fraction, expected in ((0.0, [[i] for i in ids]), (1.0, [list(ids)])):  # all train, then all dev
        rows, bad = Rows(catalog, {t.id: t for t in tools}, retrieval_labels="pair",
                         dev_fraction=fraction).retrieval([example])
        assert bad == [] and [r["tool_ids"] for r in rows] == expected
        assert {r["split"] for r in rows} == {"train" if fraction == 0.0 else "dev"}


def test_rows_over_the_length_budget_are_quarantined_not_cut(synthetic):
    from data_jobs.stages import run

    syn, tools, model_dir, root = synthetic
    out = run(syn["tools"], syn["examples"], str(root / "short"), model_dir=model_dir, max_len=40,
              stages=("retrieval",), tokenize_concurrency=1)
    kept = read_table(out["tokens"]["retrieval"]["uri"]).to_pylist()
    assert all(len(r["input_ids"]) <= 40 for r in kept)
    assert out["quarantined"]["retrieval"] > 0
    assert len(kept) + out["quarantined"]["retrieval"] == sum(
        1 for e in read_table(syn["examples"]).to_pylist() if e["split"] == "train")


def test_a_process_keeps_one_tokenizer_per_model_and_loads_it_again_when_the_model_changes(tmp_path):
    from data_jobs.stages import _model_stamp, _tokenizer_state

    tools = [Tool(id=i, name=f"tool_{i}", description=f"does {i}") for i in "abc"]
    path = prepare_initial_model("tiny-random", Catalog.from_tools(tools), str(tmp_path))
    first = _tokenizer_state(path, ("a", "b"), 64, _model_stamp(path))
    assert _tokenizer_state(path, ("a", "b"), 64, _model_stamp(path)) is first  # shards after the first reuse it
    assert _tokenizer_state(path, ("a", "c"), 64, _model_stamp(path)) is not first  # another catalog
    os.utime(os.path.join(path, "tokenizer.json"), ns=(1, 1))  # the model folder rewritten in place
    assert _tokenizer_state(path, ("a", "b"), 64, _model_stamp(path)) is not first


def _scenario_rows(thinning: float, examples: list[Example]):
    from data_jobs.stages import Rows
    from toolfoundry.synth.scenarios import generate_response_tool

    tools = {f"t{i}": Tool(id=f"t{i}", name=f"tool_{i}", description=f"tool {i}") for i in range(5)}
    tools["generate_response"] = generate_response_tool()
    rows = Rows(Catalog.from_tools([t for k, t in tools.items() if k != "generate_response"]), tools,
                retrieval_labels="multi", dev_fraction=0.0, toolset_thinning=thinning)
    return rows.gentool(examples)


def test_toolset_thinning_offers_fewer_candidates_but_keeps_the_gold_answer_and_generate_response():
    """Scenario toolsets all have k members; thinned train rows also show 1, 2, ... tools, with the
    gold ranking cut to what is offered. Test examples never become rows; 0 changes nothing."""
    cands = ("t3", "t0", "generate_response", "t1", "t2")
    examples = [Example(id=f"e{i}", query=f"q{i}", relevant_tool_ids=("t0",) if i % 2 else (), candidate_tool_ids=cands,
                        gold_ranking=("t0", "generate_response", "t3", "t1", "t2") if i % 2 else
                        ("generate_response", "t3", "t1", "t2", "t0"),
                        gold_call_name="tool_0" if i % 2 else "generate_response",
                        gold_call_arguments={} if i % 2 else None) for i in range(200)]
    rank, select, bad = _scenario_rows(1.0, examples)
    assert not bad and len(rank) == len(select) == 200
    sizes = {True: set(), False: set()}
    for r, s, e in zip(rank, select, examples):
        shown = [m for m in json.loads(s["messages"]) if m["role"] == "user"][0]["content"]
        offered = [t for t in ("tool_0", "tool_1", "tool_2", "tool_3") if t in shown]
        assert "generate_response" in shown and json.loads(s["messages"])[-1]["content"] == json.loads(
            _scenario_rows(0.0, [e])[1][0]["messages"])[-1]["content"]  # the gold call is unchanged
        calls_tool = e.gold_call_name == "tool_0"
        if calls_tool:
            assert "tool_0" in offered
        else:
            assert offered  # "none fits" is only taught with at least one tool that does not fit
        sizes[calls_tool].add(len(offered))
        ranked = json.loads(r["messages"])[-1]["content"]
        names = {"generate_response": "generate_response", **{f"t{i}": f"tool_{i}" for i in range(4)}}
        expected = [names[t] for t in e.gold_ranking if t == "generate_response" or names[t] in offered]
        assert sorted(expected, key=ranked.index) == expected and all(n in ranked for n in expected)
    assert sizes[True] == {1, 2, 3} and sizes[False] == {1, 2, 3}  # never all four: a thinned set is smaller

    full = _scenario_rows(0.0, examples)
    assert all("tool_1" in s["messages"] and "tool_3" in s["messages"] for s in full[1])
    held_out = [Example(**{**e.__dict__, "split": "test"}) for e in examples[:5]]
    assert _scenario_rows(1.0, held_out) == ([], [], [])
    with pytest.raises(InputError, match="toolset-thinning"):
        _scenario_rows(1.5, examples)
