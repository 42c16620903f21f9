"""Synthetic tools and queries (GenTool-style), pure Python and seeded.

- :func:`generate_tools` — tool ``i`` of a seed's catalog is a pure function of ``(seed, i)``.
- :func:`generate_queries` — distinct natural queries with exact gold call arguments.
- :func:`weak_version` / :func:`can_answer` — weaker siblings and decidable capability checks.
"""

from toolfoundry.synth.capability import can_answer, parse_capabilities, strength
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
    "REFERENCE_DATE",
    "QueryRecord",
    "Requirement",
    "base_of",
    "bases",
    "can_answer",
    "capacity",
    "draw_query",
    "generate_queries",
    "generate_query_records",
    "generate_tools",
    "parse_capabilities",
    "strength",
    "tool_at",
    "weak_version",
]
