"""Prompts for every stage, as chat messages: the one place a training row or a model input is worded.

A stage's row is a list of messages ``{"role", "content", "train"}``; ``train`` marks the turns whose
tokens carry labels (see :mod:`toolfoundry.encoding`, which turns messages into token ids). The same
functions build the inputs at inference (the messages without the answer), so a model is always
asked exactly what it was trained on.

Prompts are short on purpose — on CPUs the budget is counted in tokens:

- ``memorization``: ``Tool: <document>`` → the tool's token string (ToolGen stage 1);
- ``retrieval``: the bare query → the tool's token string (ToolGen stage 2);
- ``agent``: an instruction line and the query → ``Action: <tool token>`` + JSON arguments, the tool's
  observation (never trained on), then a short final answer (ToolGen stage 3);
- ``rank``: candidate tools + query → the candidates' names, most capable first (GenTool stage 1);
- ``select``: candidate tools + query → ``{"name": ..., "arguments": {...}}`` (GenTool stage 2), where
  ``generate_response`` is always a candidate and the answer when no other tool can serve the query.

Candidate tools are rendered compactly (one line per tool: name, signature with types, description),
not as raw JSON Schema, which would triple the prompt.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Literal

import numpy as np

from toolfoundry.documents import tool_document
from toolfoundry.schema import GENERATE_RESPONSE, Tool

Task = Literal["memorization", "retrieval", "agent", "rank", "select"]
TASKS: tuple[str, ...] = ("memorization", "retrieval", "agent", "rank", "select")

MEMORIZATION_PREFIX = "Tool: "
AGENT_INSTRUCTION = "Solve the task with one tool call."
RANK_INSTRUCTION = "Rank the tools from most to least able to serve the query."
SELECT_INSTRUCTION = "Call the best tool."
RANK_SEPARATOR = " > "


def message(role: str, content: str, train: bool = False) -> dict:
    return {"role": role, "content": content, "train": train}


# ---------------------------------------------------------------------------------------- ToolGen
def memorization_messages(document: str, target: str | None = None) -> list[dict]:
    """A tool document (or one chunk of it) → the tool's token string."""
    msgs = [message("user", MEMORIZATION_PREFIX + document)]
    return msgs + [message("assistant", target, True)] if target is not None else msgs


def retrieval_messages(query: str, target: str | None = None) -> list[dict]:
    """A user query → a relevant tool's token string."""
    msgs = [message("user", query)]
    return msgs + [message("assistant", target, True)] if target is not None else msgs


ACTION_PREFIX = "Action: "


def action_text(tool_token: str, arguments: dict, tool: Tool | None = None) -> str:
    """The agent's action turn: ``Action: <tool token>`` then the JSON arguments on the next line.

    At inference the model continues ``ACTION_PREFIX``: the tool token is chosen under the catalog's
    constraint, then ``"\n" + JSON`` under the tool's schema. The prefix ends where an added tool token
    begins, so training and inference tokenize it the same way (atomic indexing).
    """
    return f"{ACTION_PREFIX}{tool_token}\n{arguments_text(tool, arguments)}"


def arguments_text(tool: Tool | None, arguments: dict) -> str:
    return to_json(order_arguments(tool, arguments))


def agent_messages(query: str, tool_token: str | None = None, arguments: dict | None = None,
                   observation: Any = None, answer: str | None = None, tool: Tool | None = None) -> list[dict]:
    """ToolGen's agent trajectory for one call: action → observation → final answer.

    Given only the query, the messages a model answers at inference (it then writes the action).
    """
    msgs = [message("system", AGENT_INSTRUCTION), message("user", query)]
    if tool_token is None:
        return msgs
    msgs.append(message("assistant", action_text(tool_token, arguments or {}, tool), True))
    if observation is not None:
        msgs.append(message("tool", canonical_json(observation)))
        if answer is not None:
            msgs.append(message("assistant", answer, True))
    return msgs


# ---------------------------------------------------------------------------------------- GenTool
def _type_text(schema: dict) -> str:
    if not isinstance(schema, dict):
        return "any"
    if "enum" in schema:
        return "|".join(json.dumps(v) for v in schema["enum"][:12])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = "|".join(str(k) for k in kind)
    if kind == "array":
        return f"list[{_type_text(schema.get('items', {}))}]"
    if kind == "object" and schema.get("properties"):
        return "{" + ", ".join(f"{k}: {_type_text(v)}" for k, v in schema["properties"].items()) + "}"
    return str(kind)


def signature(tool: Tool) -> str:
    """``name(a: integer, b?: string=…)``: parameters with types; ``?`` marks optional ones."""
    params = tool.parameters if isinstance(tool.parameters, dict) else {}
    required = set(params.get("required") or [])
    parts = []
    for name, schema in (params.get("properties") or {}).items():
        text = f"{name}{'' if name in required else '?'}: {_type_text(schema)}"
        if isinstance(schema, dict) and "default" in schema:
            text += f"={json.dumps(schema['default'])}"
        parts.append(text)
    return f"{tool.name}({', '.join(parts)})"


def candidate_line(tool: Tool, max_description_chars: int = 240) -> str:
    description = " ".join(tool.description.split())
    if len(description) > max_description_chars:
        description = description[: max_description_chars - 1].rstrip() + "…"
    return f"- {signature(tool)}: {description}"


def tools_block(candidates: Iterable[Tool]) -> str:
    return "Tools:\n" + "\n".join(candidate_line(t) for t in candidates)


def _gentool_user(query: str, candidates: list[Tool], instruction: str) -> str:
    return f"{tools_block(candidates)}\nQuery: {query}\n{instruction}"


def rank_messages(query: str, candidates: list[Tool], ranking: list[str] | None = None) -> list[dict]:
    """GenTool stage 1: the candidates' names, most capable first (``ranking`` holds names)."""
    msgs = [message("user", _gentool_user(query, candidates, RANK_INSTRUCTION))]
    return msgs + [message("assistant", RANK_SEPARATOR.join(ranking), True)] if ranking is not None else msgs


def select_messages(query: str, candidates: list[Tool], call: dict | None = None) -> list[dict]:
    """GenTool stage 2: ``{"name": ..., "arguments": {...}}`` for the best candidate."""
    msgs = [message("user", _gentool_user(query, candidates, SELECT_INSTRUCTION))]
    if call is None:
        return msgs
    tool = next((t for t in candidates if t.name == call["name"]), None)
    return msgs + [message("assistant", call_text(call, tool), True)]


JSON_SEPARATORS = (", ", ": ")


def order_arguments(tool: Tool | None, arguments: dict) -> dict:
    """Arguments in the order of the tool's schema properties: the order schema-constrained decoding
    writes them in, so training targets and constrained outputs agree token for token."""
    props = list((tool.parameters or {}).get("properties", {})) if tool is not None else []
    rank = {name: i for i, name in enumerate(props)}
    return dict(sorted(arguments.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def to_json(value: Any) -> str:
    """JSON text as the model writes it: ``", "`` and ``": "`` separators, non-ASCII kept, and floats in
    positional notation (``0.000000002``, not ``2e-09``: decoding grammars with numeric bounds accept
    only the positional form, and a model should learn the form it will be asked to write)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "E" in text:
            text = np.format_float_positional(value, trim="0")
        return text
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k), ensure_ascii=False)}{JSON_SEPARATORS[1]}{to_json(v)}" for k, v in value.items())
        return "{" + JSON_SEPARATORS[0].join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + JSON_SEPARATORS[0].join(to_json(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def call_text(call: dict, tool: Tool | None = None) -> str:
    """The canonical text of a call: ``{"name": "f", "arguments": {...}}``, arguments in schema order."""
    return to_json({"name": call["name"], "arguments": order_arguments(tool, call.get("arguments") or {})})


def call_prefix(name: str) -> str:
    """What selecting ``name`` writes: its call's text up to the value of ``arguments``."""
    return call_text({"name": name, "arguments": {}})[: -len("{}}")]


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=JSON_SEPARATORS)


def ensure_generate_response(candidates: list[Tool]) -> list[Tool]:
    """Candidates with the ``generate_response`` fallback present (appended when missing)."""
    if any(t.name == GENERATE_RESPONSE for t in candidates):
        return list(candidates)
    from toolfoundry.synth.scenarios import generate_response_tool

    return [*candidates, generate_response_tool()]


def document_chunks(tool: Tool, max_tokens: int, tokenizer) -> list[str]:
    """The tool's document cut into pieces of at most ``max_tokens`` tokens (whole words), so that a
    long document is memorized whole, as several rows with the same target, instead of being cut."""
    words = tool_document(tool).split()
    if not words:
        return [""]
    lengths = [len(ids) for ids in tokenizer([" " + w for w in words], add_special_tokens=False)["input_ids"]]
    chunks, current, size = [], [], 0
    for word, n in zip(words, lengths):
        if current and size + n > max_tokens:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += n
    chunks.append(" ".join(current))
    return chunks
