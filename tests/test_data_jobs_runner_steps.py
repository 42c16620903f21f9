"""Each converted job's steps alone, without Ray or files: kept rows, and rejected rows with reasons."""

import json

import pyarrow as pa

from toolfoundry.config import DataConfig
from toolfoundry.schema import EXAMPLE_SCHEMA, QUARANTINE_SCHEMA, TOOL_SCHEMA, Tool


def _tool_row(tid, name=None, description="Does a thing", parameters=None, provenance="openai:cat.json"):
    params = parameters if parameters is not None else {"type": "object", "properties": {"q": {"type": "string"}}}
    return {**Tool(tid, name or tid, description, provenance=provenance).to_row(),
            "parameters": params if isinstance(params, str) else json.dumps(params)}


def _example(eid, query="find it", relevant=("t0",), gold=None, args=None):
    return {"id": eid, "query": query, "relevant_tool_ids": list(relevant), "gold_call_name": gold,
            "gold_call_arguments": args, "split": "train"}


def test_synthesize_steps_pass_generated_shards_and_reject_incomplete_records():
    from data_jobs.synthesize import EXAMPLE_STEPS, TOOL_STEPS, shard_tables
    from data_jobs.runner import apply_steps

    tools, examples = shard_tables(DataConfig(num_tools=20, queries_per_tool=3, num_shards=1), 4, 0, 20)
    assert apply_steps(TOOL_STEPS, tools)[0] is tools and apply_steps(EXAMPLE_STEPS, examples)[0] is examples

    bad_tools = pa.Table.from_pylist([_tool_row("t0"), _tool_row("t1", description="  ")], schema=TOOL_SCHEMA)
    kept, rejected = apply_steps(TOOL_STEPS, bad_tools, "tools/part-0")
    assert kept["id"].to_pylist() == ["t0"] and rejected[0]["reason"].to_pylist() == ["description: empty"]
    bad_ex = pa.Table.from_pylist([_example("e0"), _example("e1", query=""), _example("e2", relevant=())],
                                  schema=EXAMPLE_SCHEMA)
    kept, rejected = apply_steps(EXAMPLE_STEPS, bad_ex)
    assert kept["id"].to_pylist() == ["e0"]
    assert rejected[0]["reason"].to_pylist() == ["query: empty", "relevant_tool_ids: empty"]


def test_dedupe_drop_marked_splits_marked_rows_into_dropped_schema():
    from data_jobs.dedupe import DROPPED_SCHEMA, drop_marked

    table = pa.table({"id": ["a", "b", "c", "d"], "query": ["x y", "x y", "z", "w"],
                      "_reason": [None, "exact_duplicate", None, "contaminated"],
                      "_duplicate_of": [None, "a", None, ""]})
    kept, dropped = drop_marked("query")(table)
    assert kept.column_names == ["id", "query"] and kept["id"].to_pylist() == ["a", "c"]
    assert dropped.schema.equals(DROPPED_SCHEMA)
    assert dropped.to_pylist() == [
        {"id": "b", "text": "x y", "reason": "exact_duplicate", "duplicate_of": "a"},
        {"id": "d", "text": "w", "reason": "contaminated", "duplicate_of": ""}]
    no_ids = table.drop_columns(["id"])  # datasets without ids: the row number names the record
    assert drop_marked("query")(no_ids)[1]["id"].to_pylist() == ["1", "3"]
    clean = table.set_column(2, "_reason", pa.array([None] * 4, pa.string()))
    kept, dropped = drop_marked("query")(clean)
    assert kept.num_rows == 4 and dropped.num_rows == 0


def test_ingest_steps_check_tools_like_ingest_benchmark_and_quarantine_unlabelled_examples():
    from data_jobs.ingest import ROW, labelled, valid_tools
    from toolfoundry.evaluation.ingest import first_rows, tool_reasons

    rows = [_tool_row("get_weather"), _tool_row("no_desc", description=""), _tool_row("get_weather"),
            _tool_row("broken", parameters="{not json"), _tool_row("bad name", provenance="")]
    catalog = pa.Table.from_pylist(rows, schema=TOOL_SCHEMA).append_column(ROW, pa.array(range(5), pa.int64()))
    first = first_rows(catalog["id"].to_pylist())
    # a shard in the middle of the catalog is checked as the whole catalog would be
    kept, rejected = valid_tools(first, "openai")(catalog.slice(1, 4), "tools/part-1")
    assert kept.num_rows == 0 and rejected.schema.equals(QUARANTINE_SCHEMA)
    reasons = rejected["reason"].to_pylist()
    assert reasons[0] == "description: empty"
    assert reasons[1] == "duplicate_id: 'get_weather' appears earlier in the catalog (row 0)"
    assert reasons[2].startswith("record: unparseable (JSONDecodeError")
    assert reasons[3].startswith("name: 'bad name' is not an identifier")
    assert rejected["source"].to_pylist() == ["openai:cat.json"] * 3 + ["openai"]  # provenance, else the format
    assert "_row" not in json.loads(rejected["record"][0].as_py())
    kept, _ = valid_tools(first)(catalog.slice(0, 1))
    assert kept["id"].to_pylist() == ["get_weather"]
    # the same check, unsharded, is what ingest-benchmark runs
    assert tool_reasons(rows)[1:] == reasons

    ex = pa.Table.from_pylist([_example("e0"), _example("e1", relevant=()), _example("e2", relevant=(), gold="f")],
                              schema=EXAMPLE_SCHEMA)
    kept, rejected = labelled(ex)
    assert kept["id"].to_pylist() == ["e0", "e2"]
    assert rejected["reason"].to_pylist() == ["labels: no relevant tool and no gold call (nothing to train on)"]


def test_paraphrase_valid_arguments_quarantines_unreadable_gold_arguments():
    from data_jobs.paraphrase import valid_arguments

    ex = pa.Table.from_pylist([_example("e0", args='{"city": "Munich"}'), _example("e1", args="{not json"),
                               _example("e2", args=None)], schema=EXAMPLE_SCHEMA)
    kept, rejected = valid_arguments(ex)
    assert kept["id"].to_pylist() == ["e0", "e2"]
    assert rejected["reason"][0].as_py().startswith("gold_call_arguments: not JSON")
    assert json.loads(rejected["record"][0].as_py())["id"] == "e1"
    no_args = ex.drop_columns(["gold_call_arguments"])
    assert valid_arguments(no_args)[0] is no_args
