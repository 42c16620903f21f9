"""Calling metrics, the below-baseline guard and rank fusion: each checked on cases with known answers."""

from toolfoundry.evaluation.calling import argument_f1, call_metrics, same_value
from toolfoundry.evaluation.runner import FusedRetriever, Result, below_baseline


def test_values_compare_as_json_numbers_not_as_python_truthiness():
    assert same_value(5, 5.0) and same_value({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_value(True, 1) and not same_value("5", 5) and not same_value({"a": 1}, {"a": 1, "b": 2})


def test_argument_f1():
    assert argument_f1({"a": 1, "b": 2}, {"a": 1, "b": 2}) == 1.0
    assert argument_f1({"a": 1, "b": 3}, {"a": 1, "b": 2}) == 0.5
    assert abs(argument_f1({"a": 1}, {"a": 1, "b": 2}) - 2 / 3) < 1e-9
    assert argument_f1({}, {}) == 1.0 and argument_f1({"x": 1}, {"a": 1}) == 0.0


def _rec(gold, selected, exact=False, valid=True, executed=None, f1=None, truncated=False):
    return {"gold": gold, "selected": selected, "right_tool": gold == selected, "exact": exact, "valid": valid,
            "truncated": truncated,
            "hallucinated": False, "executed": executed, "f1": f1, "seconds": 0.1}


def test_call_metrics_generate_response_precision_and_recall():
    gr = "generate_response"
    records = [_rec("f", "f", exact=True, f1=1.0, executed=True), _rec("f", gr, f1=0.0, executed=False),
               _rec(gr, gr, executed=True), _rec(gr, "f", executed=False)]
    m = call_metrics(records)
    assert m["selection_accuracy"] == 50.0 and m["exact_arguments"] == 25.0
    assert m["gr_precision"] == 50.0 and m["gr_recall"] == 50.0 and m["execution_success"] == 50.0
    assert m["argument_f1"] == 50.0 and m["schema_invalid_rate"] == 0.0


def test_a_call_cut_by_max_new_tokens_is_counted_apart_from_a_schema_invalid_call():
    gr = "generate_response"
    records = [_rec("f", gr, valid=False, truncated=True, f1=0.0), _rec("f", "f", valid=False, f1=0.0),
               _rec("f", "f", exact=True, f1=1.0), _rec(gr, gr)]
    m = call_metrics(records)
    assert m["truncated_rate"] == 25.0 and m["schema_invalid_rate"] == 25.0 and m["selection_accuracy"] == 75.0


def test_trained_systems_below_the_best_zero_shot_baseline_are_flagged():
    results = [Result(s, "b", "b/all", "test", "retrieval", "ndcg@5", v, 10, "h")
               for s, v in (("bm25", 60.0), ("minilm", 50.0), ("toolgen", 55.0), ("toolgen+bm25 (rrf)", 70.0))]
    systems = {s: {"system": s, "config": {"trained": s.startswith("toolgen")}} for s in
               ("bm25", "minilm", "toolgen", "toolgen+bm25 (rrf)")}
    flags = below_baseline(results, systems, ["ndcg@5"])
    assert len(flags) == 1 and flags[0].startswith("toolgen scores 55.00 ndcg@5") and "bm25 (60.00)" in flags[0]


class _Fixed:
    def __init__(self, name, ranking):
        self.name, self.ranking, self.tool_ids, self.config = name, ranking, list(ranking), {"system": name}

    def search(self, queries, k):
        return [self.ranking[:k] for _ in queries]


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = FusedRetriever([_Fixed("a", ["x", "y", "z"]), _Fixed("b", ["y", "z", "x"])])
    assert fused.search(["q"], 3) == [["y", "x", "z"]]  # y: 1/62 + 1/61 beats x: 1/61 + 1/63
