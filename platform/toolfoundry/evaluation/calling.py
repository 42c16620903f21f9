"""Evaluating calls: GenTool's scenarios, ToolGen's agent step, and BFCL through the router.

Every system here is a :class:`toolfoundry.calling.Router` (an untuned base model or a trained
checkpoint) with the same constrained decoding, so rows differ only by what the model learned.

Metrics per (split, scenario), in percent over the examples of the set:

- ``selection_accuracy``: the selected tool (or ``generate_response``) is the gold one;
- ``exact_arguments``: right tool and every argument equal to the gold value (numbers compared as
  numbers, so ``5`` equals ``5.0``);
- ``argument_f1``: F1 of (name, value) pairs against the gold arguments, 0 when the tool is wrong,
  averaged over examples whose gold is a real tool;
- ``gr_precision`` / ``gr_recall``: ``generate_response`` as the positive class (shown when defined);
- ``execution_success``: the call runs and returns what the gold call returns (synthetic tools, whose
  implementations are deterministic); choosing ``generate_response`` when it is the gold counts;
- ``schema_invalid_rate`` and ``hallucination_rate``: calls whose arguments fail the tool's schema, and
  names outside the candidates — both 0 by construction of the grammar, measured anyway;
- ``truncated_rate``: decodes that ``max_new_tokens`` cut before the call was complete. The router
  makes no call then (it answers ``generate_response``), so these count as wrong selections when the
  gold is a tool, and are shown apart rather than as invalid calls.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from toolfoundry.evaluation.runner import Result, SystemRun, config_hash
from toolfoundry.formats.base import Benchmark
from toolfoundry.schema import GENERATE_RESPONSE, Example, Tool


def same_value(a: Any, b: Any) -> bool:
    """Equality of JSON values, with numbers compared as numbers (``5 == 5.0``, not ``True == 1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return a == b


def argument_f1(predicted: dict, gold: dict) -> float:
    if not predicted and not gold:
        return 1.0
    hits = sum(1 for k, v in predicted.items() if k in gold and same_value(v, gold[k]))
    if not hits:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(gold)
    return 2 * precision * recall / (precision + recall)


def _observation(tool: Tool, arguments: dict) -> Any:
    from toolfoundry.calling import run_tool

    return run_tool(tool, arguments)


def call_record(example: Example, tools: dict[str, Tool], routed) -> dict:
    """One example's outcome: what the metrics are computed from (and what outputs.jsonl keeps)."""
    gold = example.gold_call_name or GENERATE_RESPONSE
    gold_args = example.gold_call_arguments or {}
    candidates = {tools[c].name: tools[c] for c in example.candidate_tool_ids if c in tools}
    right = routed.name == gold
    record = {"id": example.id, "scenario": example.scenario, "split": example.split, "gold": gold,
              "selected": routed.name, "arguments": routed.arguments, "gold_arguments": gold_args,
              "valid": routed.valid, "truncated": routed.truncated, "right_tool": right,
              "exact": right and (gold == GENERATE_RESPONSE or same_value(routed.arguments, gold_args)),
              "f1": (argument_f1(routed.arguments, gold_args) if right else 0.0) if gold != GENERATE_RESPONSE else None,
              "hallucinated": routed.name not in candidates and routed.name != GENERATE_RESPONSE,
              "seconds": routed.timings.get("total_s"), "ranking": routed.ranking[:3], "executed": None}
    if gold == GENERATE_RESPONSE:
        record["executed"] = right
    elif gold in candidates:
        expected = _observation(candidates[gold], gold_args)
        if expected is not None:
            got = _observation(candidates[gold], routed.arguments) if right and routed.valid else None
            record["executed"] = got is not None and got == expected
    return record


def call_metrics(records: Sequence[dict]) -> dict[str, float]:
    n = len(records)
    pct = lambda k, total: 100.0 * k / total  # noqa: E731
    out = {"selection_accuracy": pct(sum(r["right_tool"] for r in records), n),
           "exact_arguments": pct(sum(r["exact"] for r in records), n),
           "schema_invalid_rate": pct(sum(not r["valid"] and not r["truncated"] for r in records), n),
           "truncated_rate": pct(sum(r["truncated"] for r in records), n),
           "hallucination_rate": pct(sum(r["hallucinated"] for r in records), n)}
    f1 = [r["f1"] for r in records if r["f1"] is not None]
    if f1:
        out["argument_f1"] = 100.0 * statistics.fmean(f1)
    predicted_gr = [r for r in records if r["selected"] == GENERATE_RESPONSE]
    gold_gr = [r for r in records if r["gold"] == GENERATE_RESPONSE]
    true_gr = sum(1 for r in predicted_gr if r["gold"] == GENERATE_RESPONSE)
    if predicted_gr:
        out["gr_precision"] = pct(true_gr, len(predicted_gr))
    if gold_gr:
        out["gr_recall"] = pct(true_gr, len(gold_gr))
    executed = [r["executed"] for r in records if r["executed"] is not None]
    if executed:
        out["execution_success"] = pct(sum(executed), len(executed))
    seconds = [r["seconds"] for r in records if r["seconds"] is not None]
    if seconds:
        out["latency_ms_per_query"] = 1000.0 * statistics.fmean(seconds)
    return out


class RouterSystem:
    """A model evaluated as a router: ``name``, ``config`` and the Router itself."""

    def __init__(self, source: str, name: str | None = None, dtype: str = "float32", rank: bool = True,
                 trained: bool = True, max_new_tokens: int | None = None):
        from toolfoundry.calling import Router

        limit = {"max_new_tokens": max_new_tokens} if max_new_tokens else {}
        self.router = Router.from_pretrained(source, dtype, rank=rank, **limit)
        self.name = name or ("base-incontext" if source in ("embedded", "tiny-random") else source.rstrip("/").split("/")[-1])
        self.base_name = self.name  # what a twin's name (NAME+gate+rank+ground) starts with
        self.config = {"system": self.name, "model": source, "dtype": dtype, "decoding": "greedy, schema-constrained",
                       "rank": rank, "trained": trained, "max_new_tokens": self.router.max_new_tokens}
        self._decodes: dict | None = None  # kept when a +ground twin derives its calls from this system's
        self._parent: RouterSystem | None = None  # the system whose decodes this +ground twin grounds

    def route(self, query: str, tools: list[Tool]):
        """The router's answer. A ``+ground`` twin of a system that ran first takes that system's
        decode of the same query and candidates and grounds it (the router would decode exactly the
        same, then drop the same arguments): one decode serves both rows."""
        key = (query, tuple(t.name for t in tools))
        parent = self._parent
        if parent is not None and parent._decodes is not None and key in parent._decodes:
            routed = copy.deepcopy(parent._decodes[key])  # its timings are the decode's, which it shares
            self.router._ground(routed, next((t for t in tools if t.name == routed.name), None))
            return routed
        routed = self.router.route(query, tools)
        if self._decodes is not None:
            self._decodes[key] = routed
        return routed

    def twin(self, *, gate=None, ground_optional: bool = False) -> "RouterSystem":
        """The same model (shared, not reloaded) routing with a relevance gate (``NAME+gate``, or
        ``NAME+gate+rank`` when the gate also chooses the candidate) and/or with optional arguments
        grounded in the request (``NAME+ground``)."""
        from toolfoundry.calling import Router

        twin = copy.copy(self)
        r = self.router
        gate = gate if gate is not None else r.gate
        ground_optional = ground_optional or r.ground_optional
        twin.router = Router(r.model, r.tokenizer, r.catalog, max_new_tokens=r.max_new_tokens, rank=r.rank_enabled,
                             gate=gate, ground_optional=ground_optional)
        twin.name = self.base_name + ("+gate" if gate is not None else "") + (
            "+rank" if gate is not None and gate.ranks else "") + ("+ground" if ground_optional else "")
        twin.config = {**self.config, "system": twin.name, "ground_optional": ground_optional}
        twin._decodes, twin._parent = None, None
        if ground_optional and not r.ground_optional and (gate is r.gate):  # grounds this system's own decodes
            self._decodes, twin._parent = {}, self
        if gate is not None:
            twin.config.update(relevance_gate=gate.threshold, gate_ranks=gate.ranks)
        return twin


def evaluate_scenarios(bench: Benchmark, examples: Sequence[Example], systems: Sequence[RouterSystem], *,
                       log: Callable[[str], None] | None = print, records: list[dict] | None = None) -> list[SystemRun]:
    """Each system routes every example among its candidate toolset; metrics per (split, scenario)."""
    tools = bench.tool_by_id()
    groups: dict[tuple[str, str], list[Example]] = {}
    for e in examples:
        groups.setdefault((e.split, e.scenario), []).append(e)
    runs = []
    for system in systems:
        h = config_hash({"system": system.config, "benchmark": bench.name, "n": len(examples)})
        run = SystemRun(system=system.name, config=system.config, config_hash=h)
        started = time.perf_counter()
        for (split, scenario), group in sorted(groups.items()):
            recs = []
            for i, e in enumerate(group):
                routed = system.route(e.query, [tools[c] for c in e.candidate_tool_ids
                                                if tools[c].name != GENERATE_RESPONSE])
                recs.append({"system": system.name, **call_record(e, tools, routed)})
                if log and (i + 1) % 50 == 0:
                    log(f"[eval] {system.name} {split}/{scenario}: {i + 1}/{len(group)}")
            metrics = call_metrics(recs)
            set_name = f"{bench.name}/{split}/{scenario}"
            for metric, value in metrics.items():
                run.results.append(Result(system.name, bench.name, set_name, split, "calling", metric, value,
                                          len(group), h))
            if records is not None:
                records.extend(recs)
            if log:
                log(f"[eval] {system.name:<22} {set_name}: selection {metrics['selection_accuracy']:.1f} "
                    f"exact args {metrics['exact_arguments']:.1f} (n={len(group)})")
        run.timings["seconds"] = round(time.perf_counter() - started, 1)
        runs.append(run)
    return runs


class RouterCaller:
    """BFCL through the router: the question's functions are the candidates; ``generate_response``
    (call nothing) is the answer to an irrelevant question. Output text is the call as a JSON list."""

    def __init__(self, system: RouterSystem):
        from toolfoundry.formats.openai_tools import function_to_tool

        self.system, self.name, self.config = system, system.name, system.config
        self._to_tool = function_to_tool

    def generate(self, query: str, functions: list[dict]) -> tuple[str, int, float]:
        import json

        tools = [self._to_tool(f, tool_id=f["name"]) for f in functions]
        routed = self.system.route(query, tools)
        text = "[]" if not routed.is_call else json.dumps([{"name": routed.name, "arguments": routed.arguments}])
        # the router's own time: a +ground twin reports the decode it grounded, not its near-zero copy
        return text, 0, routed.timings["total_s"]


def evaluate_agent(bench: Benchmark, examples: Sequence[Example], systems: Sequence[tuple[str, Any]], *,
                   log: Callable[[str], None] | None = print, records: list[dict] | None = None) -> list[SystemRun]:
    """ToolGen's agent step on executable tasks: pass when the chosen tool is the gold one and its
    observation equals the gold call's. ``systems``: (name, step) where ``step(query) -> Routed``."""
    tools = bench.tool_by_id()
    runs = []
    for name, step in systems:
        h = config_hash({"system": name, "benchmark": bench.name, "n": len(examples), "task": "agent"})
        run = SystemRun(system=name, config={"system": name}, config_hash=h)
        passed, right, invalid, cut, seconds = 0, 0, 0, 0, []
        usable = [e for e in examples if e.relevant_tool_ids and e.gold_call_arguments is not None
                  and e.relevant_tool_ids[0] in tools]
        for e in usable:
            gold = tools[e.relevant_tool_ids[0]]
            routed = step(e.query)
            ok_tool = routed.name == gold.name
            expected = _observation(gold, e.gold_call_arguments)
            got = _observation(gold, routed.arguments) if ok_tool and routed.valid else None
            ok = ok_tool and expected is not None and got == expected
            passed, right, cut = passed + ok, right + ok_tool, cut + routed.truncated
            invalid += not routed.valid and not routed.truncated
            seconds.append(routed.timings.get("total_s", 0.0))
            if records is not None:
                records.append({"system": name, "id": e.id, "gold": gold.name, "selected": routed.name,
                                "arguments": routed.arguments, "gold_arguments": e.gold_call_arguments, "passed": ok})
        n = max(1, len(usable))
        set_name = f"{bench.name}/agent"
        for metric, value in (("pass_rate", 100.0 * passed / n), ("selection_accuracy", 100.0 * right / n),
                              ("schema_invalid_rate", 100.0 * invalid / n), ("truncated_rate", 100.0 * cut / n),
                              ("latency_ms_per_query", 1000.0 * statistics.fmean(seconds or [0.0]))):
            run.results.append(Result(name, bench.name, set_name, "test", "agent", metric, value, len(usable), h))
        if log:
            log(f"[eval] {name:<22} {set_name}: pass {100.0 * passed / n:.1f} (n={len(usable)})")
        runs.append(run)
    return runs
