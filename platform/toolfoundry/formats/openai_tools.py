"""OpenAI function-calling tool lists and their JSON Schema subset.

Accepted: a JSON array whose elements are ``{"type": "function", "function": {"name", "description",
"parameters"}}`` (the Chat Completions ``tools`` field) or bare ``{"name", "description",
"parameters"}`` objects; or an object ``{"tools": [...]}``. Tool ids are the function names.

:func:`to_json_schema` turns the loose type names used by public benchmarks (BFCL's ``dict``,
``float``, ``tuple``, ``any``; ToolBench's upper-case ``STRING``, ``NUMBER``...) into JSON Schema.
"""

from __future__ import annotations

import json
from typing import Any

from toolfoundry.errors import InputError
from toolfoundry.formats.base import Benchmark, Problem, check_tool, iter_json_array, read_text, require_records
from toolfoundry.schema import Tool

_TYPE_MAP = {
    "dict": "object", "object": "object", "float": "number", "number": "number", "double": "number",
    "integer": "integer", "int": "integer", "string": "string", "str": "string", "boolean": "boolean",
    "bool": "boolean", "array": "array", "list": "array", "tuple": "array", "enum": "string",
}


def to_json_schema(node: Any) -> Any:
    """Recursively map benchmark type names to JSON Schema types; unknown/"any" types drop ``type``."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, str):
            mapped = _TYPE_MAP.get(value.lower())
            if mapped:
                out["type"] = mapped
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: to_json_schema(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
            out[key] = to_json_schema(value)
        elif key == "optional":  # a BFCL annotation, not JSON Schema
            continue
        else:
            out[key] = value
    return out


def function_to_tool(fn: dict, tool_id: str | None = None, provenance: str = "") -> Tool:
    """One OpenAI-style function dict -> Tool (raises KeyError/TypeError on a missing field)."""
    if "function" in fn and isinstance(fn["function"], dict):
        fn = fn["function"]
    name = fn["name"]
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    params = fn.get("parameters") or {"type": "object", "properties": {}}
    params = to_json_schema(params)
    if isinstance(params, dict) and "type" not in params:
        params = {"type": "object", **params}
    return Tool(id=tool_id or name, name=name, description=str(fn.get("description") or ""),
                parameters=params, provenance=provenance)


def read_openai_tools(path: str, name: str | None = None) -> Benchmark:
    """Read an OpenAI function-calling tool list (a catalog only: no examples)."""
    text = read_text(path, "tool list").lstrip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{err.lineno}", f"not valid JSON ({err.msg})", "a JSON tool list") from err
        if not isinstance(obj.get("tools"), list):
            raise InputError(path, 'object without a "tools" list', '[{"type": "function", ...}] or {"tools": [...]}')
        elements = [(0, x) for x in obj["tools"]]
    else:
        elements = list(iter_json_array(path, "tool list"))
    problems: list[Problem] = []
    tools: list[Tool] = []
    seen: set[str] = set()
    for line, el in elements:
        if not isinstance(el, dict):
            problems.append(Problem(path, line, f"expected a function object, got {type(el).__name__}"))
            continue
        if el.get("type") not in (None, "function"):
            problems.append(Problem(path, line, f"type {el.get('type')!r} is not 'function'"))
            continue
        try:
            tool = function_to_tool(el, provenance=f"openai:{path}")
        except (KeyError, TypeError) as err:
            problems.append(Problem(path, line, f"function without a valid {err} field"))
            continue
        if tool.id in seen:
            problems.append(Problem(path, line, f"duplicate function name {tool.id!r}"))
            continue
        if check_tool(tool, path, line, problems):
            seen.add(tool.id)
            tools.append(tool)
    require_records(tools, path, problems, "function")
    return Benchmark(name=name or "openai-tools", format="openai", tools=tools, examples=[], problems=problems)
