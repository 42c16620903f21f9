"""GenTool scenario examples: toolsets of k candidates with a gold ranking and a gold call.

Given a tool, its query and the catalog's nearest neighbours of the tool, this module builds

- *plain*: the tool among ``k - 2`` nearest-neighbour distractors (none of which can answer) and
  ``generate_response``;
- *zero-to-one* pairs: the same query with the distractors and ``generate_response`` only (gold:
  ``generate_response``), then the same toolset with the suitable tool added (gold: that tool) — the
  two toolsets differ by exactly that tool;
- *weak-to-strong*: toolsets holding the weak version, the strong version or both; gold is the most
  capable tool that can answer, or ``generate_response`` when none can.

Ground truth comes from :func:`toolfoundry.synth.can_answer` on explicit capabilities. The gold
ranking (GenTool stage 1) lists the tools that can answer, most capable first, then
``generate_response``, then the rest in toolset order; the gold call (stage 2) is its first entry.
Both synthetic families (API-style tools and callable functions) go through the same code.
"""

from __future__ import annotations

import json
import random
from typing import Callable

from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, Tool
from toolfoundry.synth.capability import can_answer, parse_capabilities, strength
from toolfoundry.synth.fnspec import is_function_tool
from toolfoundry.synth.functions import strong_only_function_query
from toolfoundry.synth.queries import QueryRecord, Requirement, draw_query, generate_query_records, mentionable_optional

PLAIN, ZERO_TO_ONE, WEAK_TO_STRONG = "plain", "zero_to_one", "weak_to_strong"


def generate_response_tool() -> Tool:
    """The default tool of every toolset: answer directly, with no other tool."""
    return Tool(
        id=GENERATE_RESPONSE,
        name=GENERATE_RESPONSE,
        description="Answer the user directly in natural language when none of the other tools can "
                    "do what the request needs.",
        parameters={"type": "object", "properties": {
            "response": {"type": "string", "description": "the reply to the user"}}, "required": []},
        category="default",
        returns="nothing; the reply is the answer",
        capabilities=("op:default.respond",),
        provenance="toolfoundry.synth",
    )


def gold_ranking(candidates: list[Tool], req: Requirement) -> list[str]:
    able = [t for t in candidates if t.id != GENERATE_RESPONSE and can_answer(t, req)]
    able.sort(key=lambda t: (tuple(-x for x in strength(t)), t.id))
    rest = [t.id for t in candidates if t.id != GENERATE_RESPONSE and t not in able]
    return [t.id for t in able] + [GENERATE_RESPONSE] + rest


def _example(ex_id: str, rec: QueryRecord, cands: list[Tool], scenario: str, split: str, tools_by_id: dict,
             provenance: str) -> dict:
    ranking = gold_ranking(cands, rec.requirement)
    gold = tools_by_id[ranking[0]] if ranking[0] != GENERATE_RESPONSE else None
    relevant = [r for r in ranking if r != GENERATE_RESPONSE and can_answer(tools_by_id[r], rec.requirement)]
    return {
        "id": ex_id,
        "query": rec.query,
        "relevant_tool_ids": relevant,
        "candidate_tool_ids": [t.id for t in cands],
        "gold_ranking": ranking,
        "gold_call_name": gold.name if gold else GENERATE_RESPONSE,
        "gold_call_arguments": json.dumps(rec.arguments if gold else {}, sort_keys=True),
        "scenario": scenario,
        "split": split,
        "provenance": provenance,
    }


def _shuffled(items: list, rng: random.Random) -> list:
    items = list(items)
    rng.shuffle(items)
    return items


def distractors(tool: Tool, req: Requirement, neighbours: list[str], tools_by_id: dict, n: int,
                rng: random.Random, all_ids: list[str]) -> list[Tool]:
    """``n`` nearest neighbours of ``tool`` that cannot answer ``req`` (random tools if too few)."""
    family = {tool.id, tool.weak_of, tool.strong_of}
    out = []
    for nid in neighbours:
        t = tools_by_id.get(nid)
        if t is None or nid in family or nid == GENERATE_RESPONSE or can_answer(t, req):
            continue
        out.append(t)
        if len(out) == n:
            return out
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 100 * n + 1000:
            raise InputError("k", f"only {len(out)} of {n} distractors found for {tool.id} among {len(all_ids)} tools",
                             "a smaller toolset size k, or a larger catalog")
        t = tools_by_id[rng.choice(all_ids)]
        if t.id not in family and t not in out and t.id != GENERATE_RESPONSE and not can_answer(t, req):
            out.append(t)
    return out


def strong_only_query(strong: Tool, weak: Tool, rng: random.Random, tries: int = 20) -> QueryRecord | None:
    """A query the strong version answers and the weak one cannot (an argument, a reach, an enum member
    or a size it lacks)."""
    if is_function_tool(strong):
        return strong_only_function_query(strong, weak, rng)
    weak_caps, strong_caps = parse_capabilities(weak), parse_capabilities(strong)
    extra = [p for p in mentionable_optional(strong) if p not in weak_caps["params"]]
    for _ in range(tries):
        if extra and (rng.random() < 0.5 or not weak_caps["horizon"]):
            rec = draw_query(strong, rng, force_optional=(rng.choice(extra),))
        elif weak_caps["horizon"] and strong_caps["horizon"] and strong_caps["horizon"] > weak_caps["horizon"]:
            rec = draw_query(strong, rng, min_reach=weak_caps["horizon"])
        else:
            return None
        if can_answer(strong, rec.requirement) and not can_answer(weak, rec.requirement):
            return rec
    return None


def scenario_examples(tool: Tool, *, tools_by_id: dict, neighbours: Callable[[str], list[str]], all_ids: list[str],
                      k: int, queries: int, split: str | Callable[[QueryRecord], str], seed: int) -> list[dict]:
    """Every scenario example for one (non-weak) tool of the catalog.

    ``split`` is the split of every example, or a function of the query record (a split by query:
    all examples of one query share its split).
    """
    rng = random.Random(f"{seed}:scenario:{tool.id}")
    gr = tools_by_id[GENERATE_RESPONSE]
    prov = f"toolfoundry.synth.scenarios:seed={seed}"
    split_of = split if callable(split) else (lambda rec: split)
    out = []
    recs = generate_query_records(tool, queries, seed + 7919)
    for qi, rec in enumerate(recs):
        d = distractors(tool, rec.requirement, neighbours(tool.id), tools_by_id, k - 2, rng, all_ids)
        base = f"{tool.id}-s{qi:02d}"
        sp = split_of(rec)
        out.append(_example(f"{base}-plain", rec, _shuffled([tool, *d, gr], rng), PLAIN, sp, tools_by_id, prov))
        without = _shuffled([*d, gr], rng)
        with_tool = list(without)
        with_tool.insert(rng.randrange(len(with_tool) + 1), tool)
        out.append(_example(f"{base}-z0", rec, without, ZERO_TO_ONE, sp, tools_by_id, prov))
        out.append(_example(f"{base}-z1", rec, with_tool, ZERO_TO_ONE, sp, tools_by_id, prov))
    weak = tools_by_id.get(tool.strong_of) if tool.strong_of else None
    if weak is not None:
        cases = []
        hard = strong_only_query(tool, weak, rng)
        if hard is not None:
            cases.append(("h", hard))
        easy = next((r for r in recs if can_answer(weak, r.requirement)), None)
        if easy is not None:
            cases.append(("e", easy))
        for tag, rec in cases:
            d = distractors(tool, rec.requirement, neighbours(tool.id), tools_by_id, k - 3, rng, all_ids)
            fill = distractors(tool, rec.requirement, neighbours(tool.id), tools_by_id, k - 2, rng, all_ids)
            for name, members in (("w", [weak, *fill]), ("s", [tool, *fill]), ("ws", [weak, tool, *d])):
                cands = _shuffled([*members, gr], rng)
                out.append(_example(f"{tool.id}-w{tag}-{name}", rec, cands, WEAK_TO_STRONG, split_of(rec), tools_by_id,
                                    prov))
    return out
