"""ToolBench / StableToolBench query files.

A file is a JSON list of ``{"query", "query_id", "api_list": [...], "relevant APIs": [[tool_name,
api_name], ...]}``; each api carries ``category_name``, ``tool_name``, ``api_name``,
``api_description``, ``required_parameters`` and ``optional_parameters`` (lists of ``{"name",
"type", "description", "default"}``). The corpus is the union of all ``api_list`` entries.

Tool ids follow ToolGen: ``"{tool_name}&&{api_name}"``; names follow ToolBench's function names,
``"{api_name}_for_{tool_name}"`` made a valid identifier. Each query is one Example whose candidate
toolset is its ``api_list`` and whose relevant tools are its ``relevant APIs``. Several files (for
example G1/G2/G3 instruction files) can be read together into one catalog.
"""

from __future__ import annotations

import os

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark, Problem, check_tool, iter_json_array, require_records, safe_name
from toolfoundry.formats.openai_tools import to_json_schema
from toolfoundry.schema import Example, Tool


def toolbench_tool_id(tool_name: str, api_name: str) -> str:
    return f"{tool_name}&&{api_name}"


def _params(api: dict) -> dict:
    props, required = {}, []
    for key, is_required in (("required_parameters", True), ("optional_parameters", False)):
        for p in api.get(key) or []:
            if not isinstance(p, dict) or not p.get("name"):
                raise ValueError(f"{key} entry without a name")
            schema = to_json_schema({"type": str(p.get("type") or "string")})
            if p.get("description"):
                schema["description"] = str(p["description"])
            if p.get("default") not in (None, ""):
                schema["default"] = p["default"]
            props[str(p["name"])] = schema
            if is_required:
                required.append(str(p["name"]))
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def read_toolbench(paths: str | list[str], name: str | None = None, split: str = "test") -> Benchmark:
    files = [paths] if isinstance(paths, str) else list(paths)
    expanded = []
    for p in files:
        if os.path.isdir(p):
            expanded += sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith(".json"))
        else:
            expanded.append(p)
    if not expanded:
        raise InputError(str(paths), "no .json query files", "ToolBench query files (JSON lists)")
    problems: list[Problem] = []
    tools: dict[str, Tool] = {}
    examples: list[Example] = []
    seen_q: set[str] = set()
    for path in expanded:
        for line, rec in iter_json_array(path, "ToolBench query file"):
            if not isinstance(rec, dict):
                problems.append(Problem(path, line, f"expected a query object, got {type(rec).__name__}"))
                continue
            query, qid, apis, rel = rec.get("query"), rec.get("query_id"), rec.get("api_list"), rec.get("relevant APIs")
            if not isinstance(query, str) or not query.strip() or qid is None or not isinstance(apis, list):
                problems.append(Problem(path, line, 'record needs "query", "query_id" and an "api_list" list'))
                continue
            if not isinstance(rel, list) or not rel:
                problems.append(Problem(path, line, f'query {qid}: "relevant APIs" missing or empty'))
                continue
            cand, bad = [], None
            for api in apis:
                try:
                    tid = toolbench_tool_id(str(api["tool_name"]), str(api["api_name"]))
                    tool = Tool(
                        id=tid, name=safe_name(f"{api['api_name']}_for_{api['tool_name']}"),
                        description=str(api.get("api_description") or "").strip()
                        or f"{api['api_name']} of {api['tool_name']}",
                        parameters=_params(api), category=api.get("category_name"),
                        provenance=f"toolbench:{os.path.basename(path)}")
                except (KeyError, TypeError, ValueError) as err:
                    bad = f"query {qid}: api_list entry invalid ({err})"
                    break
                if tid not in tools:
                    if not check_tool(tool, path, line, problems):
                        bad = f"query {qid}: api {tid!r} is not a valid tool"
                        break
                    tools[tid] = tool
                cand.append(tid)
            if bad:
                problems.append(Problem(path, line, bad))
                continue
            try:
                relevant = tuple(toolbench_tool_id(str(t), str(a)) for t, a in rel)
            except (TypeError, ValueError):
                problems.append(Problem(path, line, f'query {qid}: "relevant APIs" must be [tool_name, api_name] pairs'))
                continue
            missing = [r for r in relevant if r not in cand]
            if missing:
                problems.append(Problem(path, line, f"query {qid}: relevant APIs {missing} not in its api_list"))
                continue
            ex_id = str(qid)
            if ex_id in seen_q:
                ex_id = f"{os.path.basename(path)}:{qid}"
            seen_q.add(ex_id)
            examples.append(Example(id=ex_id, query=query, relevant_tool_ids=relevant,
                                    candidate_tool_ids=tuple(dict.fromkeys(cand)), split=split,
                                    provenance=f"toolbench:{os.path.basename(path)}"))
    require_records(examples, expanded[0], problems, "query")
    return Benchmark(name=name or "toolbench", format="toolbench", tools=list(tools.values()),
                     examples=examples, problems=problems)
