"""Synthetic tools and queries (GenTool-style), pure Python and seeded.

Two families of tools share the query, capability, weak-version, scenario and execution machinery:

- API-style tools: :func:`generate_tools` — tool ``i`` of a seed's catalog is a pure function of
  ``(seed, i)`` (search/book/cancel/get/… over 110 entities in 51 domains).
- Callable functions: :func:`generate_functions` — typed functions people really call (math,
  physics, finance, units, dates, strings, lists, weather, flights, shopping …) with real results.
- :func:`generate_queries` — distinct natural queries with exact gold call arguments (both families).
- :func:`weak_version` / :func:`can_answer` — weaker siblings and decidable capability checks.
"""

from toolfoundry.synth.capability import can_answer, parse_capabilities, strength
from toolfoundry.synth.functions import (
    DOMAINS as FUNCTION_DOMAINS,
    SPECS as FUNCTION_SPECS,
    function_at,
    function_capacity,
    function_tool,
    generate_functions,
    is_function_tool,
    weak_function,
)
from toolfoundry.synth.queries import (
    REFERENCE_DATE,
    QueryRecord,
    Requirement,
    draw_query,
    generate_queries,
    generate_query_records,
)
from toolfoundry.synth.tools import base_of, bases, capacity, generate_tools, tool_at, weak_version
from toolfoundry.synth.vocab import DOMAINS, ENTITIES

__all__ = [
    "DOMAINS",
    "ENTITIES",
    "FUNCTION_DOMAINS",
    "FUNCTION_SPECS",
    "REFERENCE_DATE",
    "QueryRecord",
    "Requirement",
    "base_of",
    "bases",
    "can_answer",
    "capacity",
    "draw_query",
    "function_at",
    "function_capacity",
    "function_tool",
    "generate_functions",
    "generate_queries",
    "generate_query_records",
    "generate_tools",
    "is_function_tool",
    "parse_capabilities",
    "strength",
    "tool_at",
    "weak_function",
    "weak_version",
]
