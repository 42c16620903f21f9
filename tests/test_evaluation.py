"""BFCL checker, call parsing, the runners (with small fake systems), report writers and the CLI."""

import json
import subprocess
import sys

import pytest

from toolfoundry.baselines.incontext import names_outside, parse_calls
from toolfoundry.errors import InputError
from toolfoundry.evaluation.bfcl_checker import check_case, standardize
from toolfoundry.evaluation.cli import main as cli_main
from toolfoundry.evaluation.report import build_report, markdown, write_reports
from toolfoundry.evaluation.runner import evaluate_calling, evaluate_retrieval, select_subset
from toolfoundry.formats import read_bfcl
from toolfoundry.formats.base import Benchmark
from toolfoundry.schema import Example, Tool

FN = {"name": "math.area", "description": "Area.", "parameters": {"type": "dict", "properties": {
    "w": {"type": "float"}, "h": {"type": "integer"}, "unit": {"type": "string"},
    "dims": {"type": "array", "items": {"type": "integer"}}, "opts": {"type": "dict"}}, "required": ["w", "h"]}}
GT = [{"math.area": {"w": [2.0], "h": [3], "unit": ["", "square meters"], "dims": ["", [1, 2]],
                     "opts": ["", {"round": [True], "digits": ["", 2]}]}}]


@pytest.mark.parametrize("call,ok,reason", [
    ({"math.area": {"w": 2.0, "h": 3}}, True, "ok"),
    ({"math_area": {"w": 2, "h": 3}}, True, "ok"),  # dots as underscores; int accepted for float
    ({"math.area": {"w": 2.0, "h": 3, "unit": "Square-Meters"}}, True, "ok"),  # standardized strings
    ({"math.area": {"w": 2.0, "h": 3, "dims": [1, 2], "opts": {"round": True}}}, True, "ok"),
    ({"math.volume": {"w": 2.0, "h": 3}}, False, "wrong function"),
    ({"math.area": {"w": 2.0}}, False, "missing required"),
    ({"math.area": {"w": 2.0, "h": 3, "depth": 1}}, False, "unexpected parameter"),
    ({"math.area": {"w": 2.0, "h": 3.0}}, False, "type error"),
    ({"math.area": {"w": 2.0, "h": True}}, False, "type error"),  # a bool is not an int
    ({"math.area": {"w": 2.0, "h": 4}}, False, "value error"),
    ({"math.area": {"w": 2.0, "h": 3, "dims": [2, 1]}}, False, "value error"),
    ({"math.area": {"w": 2.0, "h": 3, "opts": {"round": False}}}, False, "value error"),
    ({"math.area": {"w": 2.0, "h": 3, "opts": {"digits": 2}}}, False, "value error"),  # dict key "round" required
])
def test_ast_checker_rules(call, ok, reason):
    got, why = check_case("simple_python", [call], [FN], GT)
    assert got is ok and reason in why


def test_optional_in_answer_must_be_given_when_no_empty_option():
    gt = [{"math.area": {"w": [2.0], "h": [3], "unit": ["m"]}}]
    assert check_case("simple_python", [{"math.area": {"w": 2.0, "h": 3}}], [FN], gt)[0] is False
    assert check_case("multiple", [{"math.area": {"w": 2.0, "h": 3}}] * 2, [FN], GT)[0] is False
    assert check_case("multiple", None, [FN], GT) == (False, "no function call decoded")


def test_irrelevance():
    assert check_case("irrelevance", None, [FN], [])[0] is True
    assert check_case("irrelevance", [{"math.area": {}}], [FN], [])[0] is False
    assert standardize("New York, NY") == "newyorkny"


def test_gold_answers_pass_on_shared_bfcl():
    """Every ground truth, written as a call, passes the checker (one known data quirk aside)."""
    def first(values):
        v = next(x for x in values if x != "")
        return {k: first(o) for k, o in v.items() if any(x != "" for x in o)} if isinstance(v, dict) else v

    b = read_bfcl("/work/shared/data/bfcl", categories=["simple", "multiple"])
    failures = []
    for case in b.extra["bfcl_cases"].values():
        (name, answer), = case.ground_truth[0].items()
        call = {name: {p: first(v) for p, v in answer.items() if any(x != "" for x in v)}}
        ok, why = check_case(case.category, [call], case.functions, case.ground_truth)
        if not ok:
            failures.append((case.id, why))
    # simple_python_307 lists `true` as the only non-empty answer of a string parameter
    assert failures == [("simple_python_307", "type error for 'venue': bool is not string")]


@pytest.mark.parametrize("text,expected", [
    ('<tool_call>[{"name": "f", "arguments": {"a": 1}}]</tool_call>', [{"f": {"a": 1}}]),
    ('{"name": "f", "arguments": "{\\"a\\": 1}"}', [{"f": {"a": 1}}]),
    ('Sure! ```json\n{"f": {"a": "x"}}\n```', [{"f": {"a": "x"}}]),
    ("[f(a=1, b='x'), g.h(c=[1, 2])]", [{"f": {"a": 1, "b": "x"}}, {"g.h": {"c": [1, 2]}}]),
    ("<tool_call>[]</tool_call>", None),
    ("The answer is 50 square units.", None),
    ("NONE", None),
])
def test_parse_calls(text, expected):
    assert parse_calls(text) == expected


def test_names_outside():
    assert names_outside([{"math_area": {}}, {"rm_rf": {}}], {"math.area"}) == ["rm_rf"]
    assert names_outside(None, {"x"}) == []


# ------------------------------------------------------------------------------ runners (fakes)
class FakeRetriever:
    def __init__(self, name, answers, tool_ids):
        self.name, self.answers, self.tool_ids = name, answers, tool_ids
        self.config = {"system": name}

    def search(self, queries, k):
        return [self.answers[q][:k] for q in queries]


def _bench():
    tools = [Tool(id=i, name=i, description=f"tool {i}") for i in "abcd"]
    ex = [Example(id="1", query="q1", relevant_tool_ids=("a",), candidate_tool_ids=("a", "b"), split="test"),
          Example(id="2", query="q2", relevant_tool_ids=("c", "d"), candidate_tool_ids=("c", "d"), split="test")]
    return Benchmark(name="toy", format="beir", tools=tools, examples=ex)


def test_evaluate_retrieval_and_reports(tmp_path):
    b = _bench()
    good = FakeRetriever("good", {"q1": ["a", "b"], "q2": ["d", "c"]}, list("abcd"))
    bad = FakeRetriever("bad", {"q1": ["b", "zz", "a"], "q2": ["a", "b", "c"]}, list("abcd"))
    runs = evaluate_retrieval(b, b.split("test"), [good, bad], split="test", ks=[1, 3], log=None)
    res = {(r.system, r.metric): r for run in runs for r in run.results}
    assert res[("good", "acc@1")].value == 100.0 and res[("bad", "acc@1")].value == 0.0
    assert res[("bad", "hallucination_rate")].value == pytest.approx(100 / 6)  # "zz" is not a tool
    assert res[("good", "ndcg@3")].set == "toy/all-tools" and res[("good", "ndcg@3")].n == 2
    assert res[("good", "acc@1")].config_hash != res[("bad", "acc@1")].config_hash
    # in-domain: ranking restricted to each query's candidates
    runs_c = evaluate_retrieval(b, b.split("test"), [bad], split="test", ks=[1], corpus="candidates", log=None)
    assert {r.metric: r.value for r in runs_c[0].results}["acc@1"] == 50.0  # q1 -> b (wrong), q2 -> c (right)

    report = build_report(runs, benchmark=b.summary(), command=["x"])
    paths = write_reports(report, str(tmp_path))
    data = json.loads(open(paths["json"]).read())
    assert {"system", "set", "split", "config_hash", "metric", "value"} <= set(data["results"][0])
    md = open(paths["markdown"]).read()
    assert "| good | 2 | **100.00**" in md and "ndcg_lenient" in md
    assert len(paths["charts"]) == len({r["metric"] for r in data["results"]})
    assert open(paths["charts"][0], "rb").read(8) == b"\x89PNG\r\n\x1a\n"


class FakeCaller:
    name = "fake"
    config = {"system": "fake"}

    def generate(self, query, functions):
        if "joke" in query:
            return "NONE", 10, 0.01
        fn = functions[-1]["name"]
        return json.dumps({"name": fn, "arguments": {"w": 2.0, "h": 3}}), 10, 0.02


def _bfcl_toy(tmp_path):
    root = tmp_path / "bfcl"
    (root / "possible_answer").mkdir(parents=True)
    other = {"name": "math.volume", "description": "Volume.", "parameters": {"type": "dict", "properties": {}}}
    q = lambda i, text, fns: json.dumps({"id": i, "question": [[{"role": "user", "content": text}]], "function": fns})
    (root / "BFCL_v4_simple_python.json").write_text(q("simple_python_0", "area 2x3", [FN]) + "\n")
    (root / "possible_answer" / "BFCL_v4_simple_python.json").write_text(json.dumps({"id": "simple_python_0", "ground_truth": GT}) + "\n")
    (root / "BFCL_v4_multiple.json").write_text(q("multiple_0", "area 2x3", [FN, other]) + "\n")
    (root / "possible_answer" / "BFCL_v4_multiple.json").write_text(json.dumps({"id": "multiple_0", "ground_truth": GT}) + "\n")
    (root / "BFCL_v4_irrelevance.json").write_text(q("irrelevance_0", "a joke", [FN]) + "\n" + q("irrelevance_1", "weather", [FN]) + "\n")
    return read_bfcl(str(root))


def test_evaluate_calling(tmp_path):
    b = _bfcl_toy(tmp_path)
    records = []
    run = evaluate_calling(b, FakeCaller(), log=None, records=records)
    res = {(r.set, r.metric): r.value for r in run.results}
    assert res[("bfcl/simple_python", "ast_accuracy")] == 100.0
    assert res[("bfcl/multiple", "ast_accuracy")] == 0.0  # it called the last function, math.volume
    assert res[("bfcl/irrelevance", "irrelevance_accuracy")] == 50.0
    assert res[("bfcl/multiple", "hallucination_rate")] == 0.0
    assert len(records) == 4 and records[0]["correct"] is True


def test_select_subset():
    assert select_subset(list(range(10)), 3) == [0, 4, 9]  # evenly spaced, deterministic
    assert select_subset(list(range(3)), 10) == [0, 1, 2]


# ------------------------------------------------------------------------------------------ CLI
def test_cli_help_documents_formats_and_tasks():
    out = subprocess.run([sys.executable, "-m", "toolfoundry.evaluation.cli", "eval", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for word in ("metatool", "beir", "toolbench", "bfcl", "openai", "retrieval", "calling", "ndcg_lenient",
                 "irrelevance_accuracy", "hallucination_rate", "--limit", "minilm-ft"):
        assert word in out


def test_cli_bm25_on_beir(tmp_path, capsys):
    root = tmp_path / "set"
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in [
        {"_id": "w", "title": "weather", "text": "weather forecast rain"},
        {"_id": "s", "title": "stocks", "text": "stock price quotes"}]) + "\nnot json\n")
    (root / "queries.jsonl").write_text(json.dumps({"_id": "q", "text": "will it rain"}) + "\n")
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq\tw\t1\n")
    rc = cli_main(["eval", "--format", "beir", "--data", str(root), "--systems", "bm25", "--out", str(tmp_path / "out")])
    assert rc == 0
    rep = json.loads((tmp_path / "out" / "report.json").read_text())
    acc = next(r for r in rep["results"] if r["metric"] == "acc@1")
    assert acc["value"] == 100.0 and acc["system"] == "bm25" and acc["split"] == "test"
    assert rep["benchmark"]["malformed_records"] == 1 and "corpus.jsonl:3" in rep["malformed_records"][0]
    assert cli_main(["eval", "--format", "beir", "--data", str(root), "--systems", "bm25,minilm,minilm-rerank",
                     "--rerank-model", "tiny-random", "--rerank-depth", "2", "--out", str(tmp_path / "o1")]) == 0
    rep = json.loads((tmp_path / "o1" / "report.json").read_text())
    acc = {r["system"]: r["value"] for r in rep["results"] if r["metric"] == "acc@1"}
    assert set(acc) == {"bm25", "minilm-zero-shot", "minilm-rerank"}
    recall = {r["system"]: r["value"] for r in rep["results"] if r["metric"] == "recall@5"}
    assert recall["minilm-rerank"] == recall["minilm-zero-shot"]  # the LM only reorders MiniLM's top 2 of 2
    assert cli_main(["eval", "--format", "beir", "--data", str(root), "--systems", "minilm-ft",
                     "--out", str(tmp_path / "o2")]) == 2  # no train split: a clear error, not a crash
    assert "no 'train' split" in capsys.readouterr().err


def test_ingest_writes_trainable_datasets(tmp_path):
    from toolfoundry.evaluation.ingest import ingest_benchmark
    from toolfoundry.formats.base import Problem
    from toolfoundry.schema import EXAMPLE_SCHEMA, TOOL_SCHEMA, examples_from_table, tools_from_table
    from toolfoundry.storage import read_manifest, read_table

    b = _bench()
    extra = [Example(id=f"t{i}", query=f"train {i}", relevant_tool_ids=("a" if i % 2 else "b",), split="train")
             for i in range(6)]
    b.examples = b.examples + extra
    b.problems = [Problem("x.jsonl", 3, "bad")]
    summary = ingest_benchmark(b, str(tmp_path), max_train_per_tool=2)
    assert summary["examples"] == {"test": 2, "train": 4}
    tools = tools_from_table(read_table(str(tmp_path / "tools"), TOOL_SCHEMA))
    assert [t.id for t in tools] == list("abcd")
    ex = examples_from_table(read_table(str(tmp_path / "examples"), EXAMPLE_SCHEMA))
    assert sum(e.split == "train" for e in ex) == 4
    assert read_manifest(str(tmp_path / "examples"))["params"]["max_train_per_tool"] == 2
    assert read_table(str(tmp_path / "quarantine")).to_pylist()[0]["source"] == "x.jsonl:3"


def test_parse_ignores_function_definitions():
    assert parse_calls("```python\ndef get_rank(player):\n    return 1\n```") is None
    assert parse_calls("Use this code: obj.pop()") is None  # calls inside prose are not answers
    assert parse_calls("  g(a=2)\n") == [{"g": {"a": 2}}]


def test_replay_rescores_recorded_outputs(tmp_path):
    from toolfoundry.baselines.incontext import ReplayCaller

    b = _bfcl_toy(tmp_path)
    records = []
    first = evaluate_calling(b, FakeCaller(), log=None, records=records)
    path = tmp_path / "outputs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    again = evaluate_calling(b, ReplayCaller(str(path)), log=None)
    assert [(r.set, r.metric, r.value) for r in again.results] == [(r.set, r.metric, r.value) for r in first.results]


def test_replay_with_grounding_drops_only_the_recorded_calls_unstated_optional_arguments(tmp_path):
    from toolfoundry.baselines.incontext import ReplayCaller

    b = _bfcl_toy(tmp_path)
    path = tmp_path / "outputs.jsonl"
    call = lambda **a: json.dumps([{"name": "math.area", "arguments": {"w": 2.0, "h": 3, **a}}])  # noqa: E731
    rows = [("simple_python_0", call(unit="car")), ("multiple_0", call(unit="square meters")),
            ("irrelevance_0", "[]"), ("irrelevance_1", call(unit="km"))]
    path.write_text("".join(json.dumps({"system": "r", "id": i, "output": o, "prompt_tokens": 0, "seconds": 0.1}) + "\n"
                            for i, o in rows))
    plain, grounded = (evaluate_calling(b, ReplayCaller(str(path), ground_optional=g), log=None) for g in (False, True))
    res = lambda run: {(r.set, r.metric): r.value for r in run.results}  # noqa: E731
    assert grounded.system == "r+ground"
    # "car" is in no request: dropped, so the call is right; "square meters" is not stated either
    # ("area 2x3"), so it goes too, which the answer allows; a call stays a call
    assert res(plain)[("bfcl/simple_python", "ast_accuracy")] == 0.0
    assert res(grounded)[("bfcl/simple_python", "ast_accuracy")] == 100.0
    assert res(grounded)[("bfcl/multiple", "ast_accuracy")] == 100.0
    assert res(grounded)[("bfcl/irrelevance", "irrelevance_accuracy")] == res(plain)[("bfcl/irrelevance", "irrelevance_accuracy")] == 50.0
    # a file of two systems needs the one to replay named
    with path.open("a") as f:
        f.write(json.dumps({"system": "other", "id": "simple_python_0", "output": "[]", "prompt_tokens": 0, "seconds": 0}) + "\n")
    with pytest.raises(InputError, match="--replay-system.*2 systems"):
        ReplayCaller(str(path))
    assert ReplayCaller(str(path), "r").name == "r"


def test_toolgen_checkpoint_as_a_system(tmp_path):
    """A toolfoundry model directory (here tiny and random) is evaluated like any retriever."""
    modeling = pytest.importorskip("toolfoundry.modeling")
    from toolfoundry.catalog import Catalog
    from toolfoundry.evaluation.runner import ToolGenSystem

    b = _bench()
    modeling.prepare_initial_model("tiny-random", Catalog.from_tools(b.tools), str(tmp_path / "m"))
    system = ToolGenSystem(str(tmp_path / "m"))
    assert system.tool_ids == list("abcd")
    runs = evaluate_retrieval(b, b.split("test"), [system], split="test", ks=[1, 3], log=None)
    res = {r.metric: r.value for r in runs[0].results}
    assert res["hallucination_rate"] == 0.0  # constrained to the catalog: never an unknown id
    assert 0.0 <= res["ndcg@3"] <= 100.0 and runs[0].results[0].system == "toolgen"
