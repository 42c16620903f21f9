"""Every reader, on a small sample written here: good records map to Tool/Example, bad ones are
reported with file and line and counted."""

import hashlib
import json

import pytest

from toolfoundry.errors import InputError
from toolfoundry.formats import (
    load_benchmark,
    metatool_split,
    read_beir,
    read_bfcl,
    read_metatool,
    read_openai_tools,
    read_toolbench,
)


def _lines(path, objs):
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n")


# ------------------------------------------------------------------------------------------ BEIR
def _beir(tmp_path):
    root = tmp_path / "toolset"
    (root / "qrels").mkdir(parents=True)
    _lines(root / "corpus.jsonl", [
        {"_id": "t1", "title": "get weather", "text": "Weather forecast for a city."},
        {"_id": "t2", "title": "stock_quote", "text": "Latest stock price."},
        "{not json",
        {"_id": "t3", "title": "no text"},
        {"_id": "t4", "title": "", "text": "Convert currencies."},
    ])
    _lines(root / "queries.jsonl", [{"_id": "q1", "text": "rain in Paris?"}, {"_id": "q2", "text": "AAPL price"},
                                    {"_id": "q3", "text": "euros to yen"}])
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\tt1\t1\nq2\tt2\t2\nq2\tt1\t0\nq2\tt9\t1\nq3\tt4\tabc\n")
    (root / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq3\tt4\t1\n")
    return root


def test_beir(tmp_path):
    b = read_beir(str(_beir(tmp_path)))
    assert [t.id for t in b.tools] == ["t1", "t2", "t4"]
    assert b.tools[0].name == "get_weather" and b.tools[0].description == "Weather forecast for a city."
    assert b.tools[2].name == "convert_currencies"  # empty title: a name derived from the document
    test = {e.query: e for e in b.split("test")}
    assert set(test) == {"rain in Paris?", "AAPL price"}
    assert b.qrels_for([test["AAPL price"]]) == [{"t2": 2}]  # grades kept, grade 0 dropped
    assert [e.query for e in b.split("train")] == ["euros to yen"]
    reasons = [(p.file.split("/")[-1], p.line, p.reason) for p in b.problems]
    assert ("corpus.jsonl", 3) in [(f, l) for f, l, _ in reasons]  # bad JSON
    assert ("corpus.jsonl", 4) in [(f, l) for f, l, _ in reasons]  # missing text
    assert any(f == "test.tsv" and l == 5 and "t9" in r for f, l, r in reasons)  # unknown corpus id
    assert any(f == "test.tsv" and l == 6 and "abc" in r for f, l, r in reasons)  # bad score
    assert b.summary()["malformed_records"] == len(b.problems) == 4


def test_beir_missing_parts(tmp_path):
    with pytest.raises(InputError, match="not a directory"):
        read_beir(str(tmp_path / "nope"))
    root = _beir(tmp_path)
    with pytest.raises(InputError, match="dev.tsv"):
        read_beir(str(root), splits=["dev"])
    with pytest.raises(InputError, match="split 'dev'"):
        read_beir(str(root)).split("dev")


# ------------------------------------------------------------------------------------------ BFCL
def _bfcl(tmp_path):
    root = tmp_path / "bfcl"
    (root / "possible_answer").mkdir(parents=True)
    fn = {"name": "math.area", "description": "Area of a rectangle.",
          "parameters": {"type": "dict", "properties": {"w": {"type": "float"}, "h": {"type": "integer"},
                                                       "unit": {"type": "string"}}, "required": ["w", "h"]}}
    other = {"name": "math.volume", "description": "Volume.", "parameters": {"type": "dict", "properties": {}}}
    _lines(root / "BFCL_v4_simple_python.json", [
        {"id": "simple_python_0", "question": [[{"role": "user", "content": "Area of 2 by 3?"}]], "function": [fn]},
        {"id": "simple_python_1", "question": [[{"role": "user", "content": "x"}]]},  # no function list
        {"id": "simple_python_2", "question": [[{"role": "user", "content": "y"}]], "function": [fn]},  # no answer
    ])
    _lines(root / "possible_answer" / "BFCL_v4_simple_python.json", [
        {"id": "simple_python_0", "ground_truth": [{"math.area": {"w": [2.0], "h": [3], "unit": ["", "m"]}}]},
        {"id": "simple_python_9"},
    ])
    _lines(root / "BFCL_v4_multiple.json", [
        {"id": "multiple_0", "question": [[{"role": "user", "content": "Volume?"}]], "function": [fn, other]}])
    _lines(root / "possible_answer" / "BFCL_v4_multiple.json", [
        {"id": "multiple_0", "ground_truth": [{"math.volume": {}}]}])
    _lines(root / "BFCL_v4_irrelevance.json", [
        {"id": "irrelevance_0", "question": [[{"role": "user", "content": "Tell a joke"}]], "function": [fn]}])
    return root


def test_bfcl(tmp_path):
    b = read_bfcl(str(_bfcl(tmp_path)), categories=["simple", "multiple", "irrelevance"])
    ex = {e.id: e for e in b.examples}
    assert set(ex) == {"simple_python_0", "multiple_0", "irrelevance_0"}
    s = ex["simple_python_0"]
    assert s.gold_call_name == "math.area" and s.gold_call_arguments == {"w": 2.0, "h": 3, "unit": "m"}
    assert s.candidate_tool_ids == ("simple_python_0/math.area",) and s.scenario == "simple_python"
    assert ex["irrelevance_0"].relevant_tool_ids == () and ex["irrelevance_0"].gold_call_name is None
    tool = b.tool_by_id()["simple_python_0/math.area"]
    assert tool.parameters["type"] == "object" and tool.parameters["properties"]["w"]["type"] == "number"
    case = b.extra["bfcl_cases"]["simple_python_0"]
    assert case.functions[0]["parameters"]["type"] == "dict"  # the raw definition is kept for the checker
    where = sorted((p.file.split("/")[-1], p.line) for p in b.problems)
    assert where == [("BFCL_v4_simple_python.json", 2), ("BFCL_v4_simple_python.json", 2),
                     ("BFCL_v4_simple_python.json", 3)]


def test_bfcl_missing_answers(tmp_path):
    root = _bfcl(tmp_path)
    (root / "possible_answer" / "BFCL_v4_multiple.json").unlink()
    with pytest.raises(InputError, match="possible answers"):
        read_bfcl(str(root), categories=["multiple"])


def test_bfcl_shared_data_loads_cleanly():
    b = read_bfcl("/work/shared/data/bfcl")
    assert b.summary()["examples"] == {"test": 840} and not b.problems
    assert sum(e.scenario == "irrelevance" for e in b.examples) == 240


# ------------------------------------------------------------------------------------- ToolBench
def _api(tool, api, desc="does things", req=None):
    return {"category_name": "Data", "tool_name": tool, "api_name": api, "api_description": desc,
            "required_parameters": req or [], "optional_parameters": [
                {"name": "limit", "type": "NUMBER", "description": "max items", "default": 10}]}


def test_toolbench(tmp_path):
    path = tmp_path / "G1_query.json"
    records = [
        {"query": "find cats", "query_id": 1,
         "api_list": [_api("Pets", "search", req=[{"name": "q", "type": "STRING", "description": "text"}]),
                      _api("Pets", "list")],
         "relevant APIs": [["Pets", "search"]]},
        {"query": "no relevant", "query_id": 2, "api_list": [_api("Pets", "list")], "relevant APIs": []},
        {"query": "bad api", "query_id": 3, "api_list": [{"tool_name": "X"}], "relevant APIs": [["X", "y"]]},
        {"query": "outside", "query_id": 4, "api_list": [_api("Zoo", "feed")], "relevant APIs": [["Pets", "list"]]},
    ]
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    b = read_toolbench(str(path))
    assert [e.id for e in b.examples] == ["1"]
    e = b.examples[0]
    assert e.relevant_tool_ids == ("Pets&&search",) and e.candidate_tool_ids == ("Pets&&search", "Pets&&list")
    t = b.tool_by_id()["Pets&&search"]
    assert t.name == "search_for_Pets" and t.category == "Data"
    assert t.parameters["required"] == ["q"] and t.parameters["properties"]["limit"]["type"] == "number"
    assert sorted(p.line for p in b.problems) == [3, 4, 5]  # element lines in the JSON array
    assert {"Zoo&&feed", "Pets&&list"} <= set(b.tool_by_id())  # corpus = union of api_list


def test_toolbench_broken_json(tmp_path):
    path = tmp_path / "q.json"
    path.write_text('[\n{"query": "a"},\n{"query": \n')
    with pytest.raises(InputError, match=r"q.json:4: not valid JSON"):
        read_toolbench(str(path))


# -------------------------------------------------------------------------------------- MetaTool
def test_metatool(tmp_path):
    (tmp_path / "plugin_des.json").write_text(json.dumps(
        {"WeatherBot": "Weather forecasts.", "StockTool": "Stock prices.", "Broken": ""}, indent=2))
    queries = [f"what is the weather {i}" for i in range(12)]
    rows = ["Query,Tool"] + [f"{q},WeatherBot" for q in queries] + ["AAPL price?,StockTool", "orphan,Nope", ",StockTool"]
    (tmp_path / "all_clean_data.csv").write_text("\n".join(rows) + "\n")
    b = read_metatool(str(tmp_path))
    assert [t.id for t in b.tools] == ["WeatherBot", "StockTool"]
    assert len(b.examples) == 13
    for e in b.examples:
        h = int(hashlib.sha1(e.query.encode()).hexdigest(), 16) % 5
        assert e.split == ("test" if h == 0 else "train") == metatool_split(e.query)
    assert sorted((p.file.split("/")[-1], p.line) for p in b.problems) == [
        ("all_clean_data.csv", 15), ("all_clean_data.csv", 16), ("plugin_des.json", 4)]


def test_metatool_shared_data():
    b = load_benchmark("metatool", "/work/shared/data/metatool")
    test = b.split("test")
    assert len(test) == 4139 and len({t for e in test for t in e.relevant_tool_ids}) == 199
    assert len(b.tools) == 199 and not b.problems


# ---------------------------------------------------------------------------------------- OpenAI
def test_openai_tools(tmp_path):
    path = tmp_path / "tools.json"
    path.write_text(json.dumps([
        {"type": "function", "function": {"name": "get_time", "description": "Current time.",
                                          "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}},
        {"name": "bare_fn", "description": "A bare function."},
        {"type": "function", "function": {"description": "no name"}},
        {"type": "retrieval"},
        {"type": "function", "function": {"name": "bad name!", "description": "x"}},
        {"type": "function", "function": {"name": "get_time", "description": "dup"}},
    ], indent=1))
    b = read_openai_tools(str(path))
    assert [t.id for t in b.tools] == ["get_time", "bare_fn"]
    assert b.tools[0].parameters["properties"]["tz"]["type"] == "string"
    assert len(b.problems) == 4 and all(p.line > 1 for p in b.problems)
    with pytest.raises(InputError, match="unknown format"):
        load_benchmark("csv", str(path))
