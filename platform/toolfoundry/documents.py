"""Tool documents: the one place where a tool becomes text.

Every consumer of a tool's text uses these functions — format readers (to name a tool whose catalog
gives it none), BM25 and dense baselines (what they index), ToolGen memorization rows (what the model
reads) and tool-token initialisation (which subwords a new token starts from). So a change to the
document changes all of them together, and no two components disagree about what a tool "says".

Identifiers are split (``get_weatherForecast`` → ``get weather Forecast``): to BM25 and to a subword
vocabulary a snake_case or camelCase identifier is otherwise one opaque token.
"""

from __future__ import annotations

import re

from toolfoundry.schema import Tool

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[_\-./&:]+")
_FIELD = re.compile(r"(?:^|[\s,;{])[\"']?(api_name|tool_name|name|title|function)[\"']?\s*[:=]\s*[\"']?([^,;\n\"'}]+)",
                    re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_OPAQUE = re.compile(r"^[_\W\d]*$")


def split_identifier(text: str) -> str:
    """Words of an identifier: snake_case, kebab-case, dotted and camelCase parts become words."""
    return " ".join(_SEPARATORS.sub(" ", _CAMEL.sub(" ", text)).split())


def is_opaque(name: str) -> bool:
    """True when a name carries no word (``_0``, ``1234``, ``--``): it says nothing about the tool."""
    return bool(_OPAQUE.match(name or ""))


def derive_name(text: str, max_words: int = 6) -> str:
    """A readable snake_case name for a tool whose catalog gives only a document.

    Named fields in the document win (``api_name: …, tool_name: …`` as in API corpora); otherwise the
    first words of the document. Returns ``""`` when the document has no word at all.
    """
    fields: dict[str, str] = {}
    for key, value in _FIELD.findall(text or ""):
        fields.setdefault(key.lower(), value.strip())
    parts = [fields[k] for k in ("api_name", "tool_name", "name", "title", "function") if fields.get(k)]
    source = " ".join(parts[:2]) if parts else (text or "")
    words = _WORD.findall(split_identifier(source))[:max_words]
    return "_".join(w.lower() for w in words)


def _argument_names(tool: Tool) -> list[str]:
    props = tool.parameters.get("properties", {}) if isinstance(tool.parameters, dict) else {}
    return [split_identifier(name) for name in props]


def tool_document(tool: Tool) -> str:
    """The text of a tool: category, readable name, description and argument names.

    ``"{category} | {name words}: {description} Arguments: {argument words}."`` — the category and the
    argument list are left out when the tool has none.
    """
    name = split_identifier(tool.name)
    head = f"{split_identifier(tool.category)} | {name}" if tool.category else name
    doc = f"{head}: {tool.description.strip()}"
    args = _argument_names(tool)
    return f"{doc} Arguments: {', '.join(args)}." if args else doc


def tool_label(tool: Tool) -> str:
    """Short text naming a tool (its readable name and category): what a new tool token starts from
    under the ``name`` initialisation, and what lists of candidates show first."""
    name = split_identifier(tool.name)
    return f"{name} ({split_identifier(tool.category)})" if tool.category else name
