"""Whether a tool can answer a query, decided from explicit capability data.

A tool's capabilities (see :mod:`toolfoundry.synth.tools`) and a query's
:class:`~toolfoundry.synth.queries.Requirement` are compared exactly: same operation, every argument
the query uses is accepted, the time reach is within the tool's horizon, and the tool's scope is
global or the query's own. Ground truth for weak-to-strong and zero-to-one examples comes from here.
"""

from __future__ import annotations

from toolfoundry.schema import Tool
from toolfoundry.synth.queries import Requirement


def parse_capabilities(tool: Tool) -> dict:
    ops, params, horizon, scope = set(), set(), None, "global"
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
    return {"ops": ops, "params": params, "horizon": horizon, "scope": scope}


def can_answer(tool: Tool, req: Requirement) -> bool:
    caps = parse_capabilities(tool)
    if req.op not in caps["ops"]:
        return False
    if not set(req.params) <= caps["params"]:
        return False
    if req.horizon_days and (caps["horizon"] is None or req.horizon_days > caps["horizon"]):
        return False
    return caps["scope"] == "global" or caps["scope"] == req.scope


def strength(tool: Tool) -> tuple[int, int]:
    """How capable a tool is, for ranking tools that can all answer: more arguments, longer horizon."""
    caps = parse_capabilities(tool)
    return (len(caps["params"]), caps["horizon"] or 0)
