"""BFCL (Berkeley Function-Calling Leaderboard) question files and possible answers.

- ``BFCL_v4_<category>.json``: JSON Lines, one ``{"id", "question": [[{"role", "content"}, ...]],
  "function": [{"name", "description", "parameters"}, ...]}`` per line. ``parameters`` uses BFCL's
  type names (``dict``, ``float``, ``tuple``, ``any``...).
- ``possible_answer/BFCL_v4_<category>.json``: one ``{"id", "ground_truth": [{func_name: {param:
  [acceptable values...]}}]}`` per line; ``""`` among the values marks an optional parameter that may
  be omitted. The ``irrelevance`` category has no answers: the right behaviour is to call nothing.

Categories read: ``simple_python`` (alias ``simple``), ``multiple`` and ``irrelevance`` (others with the
same single-turn shape load too). Each question becomes an :class:`BfclCase` (kept verbatim, for the
AST checker) and an Example: query = the last user message, candidate tools = its functions (tool id
``"{case_id}/{name}"``, since different questions define functions with the same name differently),
gold call = the first ground truth with, per parameter, the first acceptable non-empty value.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Any

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark, Problem, check_tool, iter_jsonl
from toolfoundry.formats.openai_tools import function_to_tool
from toolfoundry.schema import Example, Tool

CATEGORY_ALIASES = {"simple": "simple_python"}
DEFAULT_CATEGORIES = ("simple_python", "multiple", "irrelevance")


@dataclass
class BfclCase:
    id: str
    category: str
    messages: list[dict]  # the first (only) turn
    functions: list[dict]  # raw BFCL function definitions
    ground_truth: list[dict] = field(default_factory=list)  # [] for irrelevance

    @property
    def query(self) -> str:
        users = [m.get("content", "") for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""


def _file(root: str, category: str, sub: str = "") -> str | None:
    hits = sorted(glob.glob(os.path.join(root, sub, f"BFCL_v*_{category}.json")))
    return hits[-1] if hits else None


def read_bfcl(root: str, categories: list[str] | None = None, name: str = "bfcl") -> Benchmark:
    if not os.path.isdir(root):
        raise InputError(root, "not a directory", "a BFCL data folder with BFCL_v*_<category>.json files")
    cats = [CATEGORY_ALIASES.get(c, c) for c in (categories or DEFAULT_CATEGORIES)]
    problems: list[Problem] = []
    tools: list[Tool] = []
    examples: list[Example] = []
    cases: dict[str, BfclCase] = {}
    for cat in cats:
        qpath = _file(root, cat)
        if qpath is None:
            raise InputError(os.path.join(root, f"BFCL_v4_{cat}.json"), "missing",
                             f"a question file for category {cat!r}")
        answers: dict[str, tuple[int, list]] = {}
        apath = _file(root, cat, "possible_answer")
        needs_answers = cat != "irrelevance" and not cat.startswith("live_irrelevance")
        if needs_answers:
            if apath is None:
                raise InputError(os.path.join(root, "possible_answer", f"BFCL_v4_{cat}.json"), "missing",
                                 f"the possible answers of category {cat!r}")
            for line, obj in iter_jsonl(apath, "possible answer file", problems):
                gt = obj.get("ground_truth")
                if not obj.get("id") or not isinstance(gt, list) or not gt or not all(
                        isinstance(g, dict) and len(g) == 1 for g in gt):
                    problems.append(Problem(apath, line, 'needs "id" and "ground_truth": [{func: {param: [values]}}]'))
                    continue
                answers[str(obj["id"])] = (line, gt)
        for line, obj in iter_jsonl(qpath, "question file", problems):
            cid, question, functions = obj.get("id"), obj.get("question"), obj.get("function")
            if not cid or not isinstance(question, list) or not question or not isinstance(question[0], list) \
                    or not isinstance(functions, list) or not functions:
                problems.append(Problem(qpath, line, 'needs "id", "question": [[messages]] and a "function" list'))
                continue
            cid = str(cid)
            case_tools, bad = [], None
            for fn in functions:
                try:
                    tool = function_to_tool(fn, tool_id=f"{cid}/{fn['name']}", provenance=f"bfcl:{cat}")
                except (KeyError, TypeError) as err:
                    bad = f"function without a valid {err} field"
                    break
                if not check_tool(tool, qpath, line, problems):
                    bad = f"function {fn.get('name')!r} is not a valid tool"
                    break
                case_tools.append(tool)
            if bad:
                problems.append(Problem(qpath, line, f"{cid}: {bad}"))
                continue
            gt: list = []
            if needs_answers:
                if cid not in answers:
                    problems.append(Problem(qpath, line, f"{cid}: no possible answer in {apath}"))
                    continue
                gt = answers[cid][1]
                names = {f["name"] for f in functions}
                unknown = [next(iter(g)) for g in gt if next(iter(g)) not in names]
                if unknown:
                    problems.append(Problem(apath, answers[cid][0], f"{cid}: answer names {unknown} not among its functions"))
                    continue
            case = BfclCase(id=cid, category=cat, messages=list(question[0]), functions=functions, ground_truth=gt)
            if not case.query.strip():
                problems.append(Problem(qpath, line, f"{cid}: no user message"))
                continue
            cases[cid] = case
            tools.extend(case_tools)
            gold_name = next(iter(gt[0])) if gt else None
            gold_args = None
            if gt:
                gold_args = {}
                for p, values in gt[0][gold_name].items():
                    chosen = [v for v in values if v != ""]
                    if chosen:
                        gold_args[p] = chosen[0]
            examples.append(Example(
                id=cid, query=case.query,
                relevant_tool_ids=tuple(f"{cid}/{next(iter(g))}" for g in gt),
                candidate_tool_ids=tuple(t.id for t in case_tools),
                gold_call_name=gold_name, gold_call_arguments=gold_args,
                scenario=cat, split="test", provenance=f"bfcl:{cat}"))
    if not examples:
        raise InputError(root, f"no usable BFCL question ({len(problems)} malformed)", "well-formed question files")
    return Benchmark(name=name, format="bfcl", tools=tools, examples=examples, problems=problems,
                     extra={"bfcl_cases": cases})
