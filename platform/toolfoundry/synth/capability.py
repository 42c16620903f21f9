"""Whether a tool can answer a query, decided from explicit capability data.

A tool's capabilities (see :mod:`toolfoundry.synth.tools` and :mod:`toolfoundry.synth.functions`)
and a query's :class:`~toolfoundry.synth.queries.Requirement` are compared exactly: same operation,
every argument the query uses is accepted, the time reach is within the tool's horizon, the tool's
scope is global or the query's own, and every value the query passes is one the tool takes (an enum
member it lists, a number or an array length within its maximum). Ground truth for weak-to-strong
and zero-to-one examples comes from here.
"""

from __future__ import annotations

from toolfoundry.schema import Tool
from toolfoundry.synth.queries import Requirement


def _number(text: str) -> float:
    return float(text)


def parse_capabilities(tool: Tool) -> dict:
    ops, params, horizon, scope = set(), set(), None, "global"
    enums: dict[str, set[str]] = {}
    maxima: dict[str, float] = {}
    max_items: dict[str, int] = {}
    for cap in tool.capabilities:
        kind, _, value = cap.partition(":")
        if kind == "op":
            ops.add(cap)
        elif kind == "param":
            params.add(value)
        elif kind == "horizon_days":
            horizon = int(value)
        elif kind == "scope":
            scope = value
        elif kind in ("enum", "max", "max_items"):
            role, _, rest = value.partition("=")
            if kind == "enum":
                enums[role] = set(rest.split("|"))
            elif kind == "max":
                maxima[role] = _number(rest)
            else:
                max_items[role] = int(rest)
    return {"ops": ops, "params": params, "horizon": horizon, "scope": scope, "enums": enums, "max": maxima,
            "max_items": max_items}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def can_answer(tool: Tool, req: Requirement) -> bool:
    caps = parse_capabilities(tool)
    if req.op not in caps["ops"]:
        return False
    if not set(req.params) <= caps["params"]:
        return False
    if req.horizon_days and (caps["horizon"] is None or req.horizon_days > caps["horizon"]):
        return False
    for role, value in req.values:
        if role in caps["enums"] and str(value) not in caps["enums"][role]:
            return False
        if role in caps["max"] and _is_number(value) and value > caps["max"][role]:
            return False
        if role in caps["max_items"] and _is_number(value) and value > caps["max_items"][role]:
            return False
    return caps["scope"] == "global" or caps["scope"] == req.scope


def strength(tool: Tool) -> tuple:
    """How capable a tool is, for ranking tools that can all answer: more arguments, longer horizon,
    more enum members accepted, higher (or no) maxima on values and list lengths."""
    caps = parse_capabilities(tool)
    bounds = [*caps["max"].values(), *caps["max_items"].values()]
    return (len(caps["params"]), caps["horizon"] or 0, sum(len(v) for v in caps["enums"].values()),
            -sum(1 / (1 + max(b, 0)) for b in bounds))
