"""The data model: tools and examples, as Python records and as Arrow schemas.

The Arrow schemas are declared here once; every job that writes or reads a dataset uses them, so a
shard written by one job is always readable by the next. JSON-valued fields (a tool's parameter
schema, a call's arguments) are stored as JSON text: their shape varies from tool to tool, and a
string column keeps Parquet files self-describing and cheap to compare.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from toolfoundry.errors import InputError

SCHEMA_VERSION = "1.0"

#: The tool every GenTool toolset carries: chosen when no other tool can answer.
GENERATE_RESPONSE = "generate_response"

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$")


@dataclass(frozen=True)
class Tool:
    """One callable tool, in the OpenAI function-calling shape plus lineage and provenance."""

    id: str
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    category: str | None = None
    returns: str | None = None
    weak_of: str | None = None  # this tool is a weaker version of the tool with that id
    strong_of: str | None = None  # this tool is a stronger version of the tool with that id
    capabilities: tuple[str, ...] = ()
    provenance: str = ""

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["parameters"] = json.dumps(self.parameters, sort_keys=True)
        row["capabilities"] = list(self.capabilities)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Tool":
        params = row.get("parameters") or "{}"
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            parameters=json.loads(params) if isinstance(params, str) else dict(params),
            category=row.get("category"),
            returns=row.get("returns"),
            weak_of=row.get("weak_of"),
            strong_of=row.get("strong_of"),
            capabilities=tuple(row.get("capabilities") or ()),
            provenance=row.get("provenance") or "",
        )


def tool_problems(tool: Tool) -> list[str]:
    """Reasons a tool record is unusable; empty when it is valid. Used to quarantine bad records."""
    problems = []
    if not tool.id or not tool.id.strip():
        problems.append("id: empty")
    if not _NAME_RE.match(tool.name or ""):
        problems.append(f"name: {tool.name!r} is not an identifier of at most 128 characters")
    if not (tool.description or "").strip():
        problems.append("description: empty")
    if not isinstance(tool.parameters, dict) or tool.parameters.get("type") != "object":
        problems.append('parameters: not a JSON Schema object with "type": "object"')
    else:
        error = _schema_error(json.dumps(tool.parameters, sort_keys=True, default=str))
        if error:
            problems.append(f"parameters: invalid JSON Schema ({error})")
    return problems


@functools.lru_cache(maxsize=65536)
def _schema_error(parameters_json: str) -> str | None:
    """The meta-schema check of one parameters schema (by its canonical JSON): ~2 ms each, and large
    catalogs repeat their schemas (47,000 synthetic tools have 619 distinct ones)."""
    try:
        Draft202012Validator.check_schema(json.loads(parameters_json))
    except SchemaError as err:
        return err.message
    return None


def validate_tool(tool: Tool) -> Tool:
    problems = tool_problems(tool)
    if problems:
        raise InputError(f"tool {tool.id!r}", "; ".join(problems), "a valid OpenAI-style function definition")
    return tool


@dataclass(frozen=True)
class Example:
    """One training or evaluation record.

    ``relevant_tool_ids`` are the retrieval labels (a query may have several relevant tools);
    ``candidate_tool_ids`` is the toolset shown in context (GenTool), ``gold_ranking`` its order by
    capability, and ``gold_call`` the call the model must emit.
    """

    id: str
    query: str
    relevant_tool_ids: tuple[str, ...]
    candidate_tool_ids: tuple[str, ...] = ()
    gold_ranking: tuple[str, ...] = ()
    gold_call_name: str | None = None
    gold_call_arguments: dict[str, Any] | None = None
    scenario: str = "plain"
    split: str = "train"
    provenance: str = ""

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        for key in ("relevant_tool_ids", "candidate_tool_ids", "gold_ranking"):
            row[key] = list(row[key])
        row["gold_call_arguments"] = (
            None if self.gold_call_arguments is None else json.dumps(self.gold_call_arguments, sort_keys=True)
        )
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Example":
        args = row.get("gold_call_arguments")
        return cls(
            id=row["id"],
            query=row["query"],
            relevant_tool_ids=tuple(row.get("relevant_tool_ids") or ()),
            candidate_tool_ids=tuple(row.get("candidate_tool_ids") or ()),
            gold_ranking=tuple(row.get("gold_ranking") or ()),
            gold_call_name=row.get("gold_call_name"),
            gold_call_arguments=json.loads(args) if isinstance(args, str) else args,
            scenario=row.get("scenario") or "plain",
            split=row.get("split") or "train",
            provenance=row.get("provenance") or "",
        )


_str_list = pa.list_(pa.string())

TOOL_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("description", pa.string(), nullable=False),
        pa.field("parameters", pa.string(), nullable=False),  # JSON Schema, as JSON text
        pa.field("category", pa.string()),
        pa.field("returns", pa.string()),
        pa.field("weak_of", pa.string()),
        pa.field("strong_of", pa.string()),
        pa.field("capabilities", _str_list),
        pa.field("provenance", pa.string()),
    ],
    metadata={"toolfoundry.schema": "tool", "toolfoundry.schema_version": SCHEMA_VERSION},
)

EXAMPLE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("query", pa.string(), nullable=False),
        pa.field("relevant_tool_ids", _str_list),
        pa.field("candidate_tool_ids", _str_list),
        pa.field("gold_ranking", _str_list),
        pa.field("gold_call_name", pa.string()),
        pa.field("gold_call_arguments", pa.string()),  # JSON text
        pa.field("scenario", pa.string()),
        pa.field("split", pa.string()),
        pa.field("provenance", pa.string()),
    ],
    metadata={"toolfoundry.schema": "example", "toolfoundry.schema_version": SCHEMA_VERSION},
)

#: Records the data jobs set aside, with the reason, instead of dropping them silently.
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),  # file, line or generator stage the record came from
        pa.field("reason", pa.string()),
        pa.field("record", pa.string()),  # the raw record, as text
    ],
    metadata={"toolfoundry.schema": "quarantine", "toolfoundry.schema_version": SCHEMA_VERSION},
)


#: One training row of a stage, as text: the conversation (``toolfoundry.prompts``) plus the catalog
#: tools it is about (``tool_ids``: the retrieval targets of a tool-slot row).
STAGE_TEXT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("split", pa.string()),  # train | dev (a held-out slice of train, for stopping rules)
        pa.field("tool_ids", _str_list),
        pa.field("messages", pa.string()),  # JSON: [{"role", "content", "train"}]
        pa.field("weight", pa.float32()),
    ],
    metadata={"toolfoundry.schema": "stage_text", "toolfoundry.schema_version": SCHEMA_VERSION},
)

#: The same row as the trainer reads it (``toolfoundry.encoding``): ids, labels masked to the trained
#: turns, and ``slot_targets``, the catalog positions of every relevant tool at the tool slot.
TOKEN_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("split", pa.string()),
        pa.field("input_ids", pa.list_(pa.int32())),
        pa.field("labels", pa.list_(pa.int32())),
        pa.field("slot_targets", pa.list_(pa.int32())),
        pa.field("weight", pa.float32()),
    ],
    metadata={"toolfoundry.schema": "stage_tokens", "toolfoundry.schema_version": SCHEMA_VERSION},
)


def tools_to_table(tools: list[Tool]) -> pa.Table:
    return pa.Table.from_pylist([t.to_row() for t in tools], schema=TOOL_SCHEMA)


def examples_to_table(examples: list[Example]) -> pa.Table:
    return pa.Table.from_pylist([e.to_row() for e in examples], schema=EXAMPLE_SCHEMA)


def tools_from_table(table: pa.Table) -> list[Tool]:
    return [Tool.from_row(r) for r in table.to_pylist()]


def examples_from_table(table: pa.Table) -> list[Example]:
    return [Example.from_row(r) for r in table.to_pylist()]
