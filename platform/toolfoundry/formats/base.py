"""What every reader returns: a :class:`Benchmark` of core Tool / Example records plus its problems.

A malformed record is never dropped silently: it becomes a :class:`Problem` naming the file, the line
(the 1-based line where the record starts; for JSON arrays, the line of the element's first
character) and the reason. ``Benchmark.problems`` lists them and the report counts them. A file that
cannot be read at all (missing, not JSON, no usable record) raises :class:`InputError` instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from toolfoundry.errors import InputError
from toolfoundry.schema import Example, Tool, tool_problems

_BAD_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class Benchmark:
    """A benchmark read from its published format.

    ``qrels`` maps an example id to graded relevance ``{tool_id: grade}`` when the format carries
    grades (BEIR); otherwise the grades are 1 for every id in ``Example.relevant_tool_ids``.
    ``extra`` holds format-specific data that the core records do not carry (BFCL: the raw function
    definitions and possible answers, under ``extra["bfcl_cases"]``).
    """

    name: str
    format: str
    tools: list[Tool]
    examples: list[Example]
    problems: list[Problem] = field(default_factory=list)
    qrels: dict[str, dict[str, int]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def splits(self) -> list[str]:
        return sorted({e.split for e in self.examples})

    def split(self, name: str) -> list[Example]:
        chosen = [e for e in self.examples if e.split == name]
        if not chosen:
            raise InputError(f"split {name!r} of {self.name}", "has no examples",
                             f"one of {self.splits()}")
        return chosen

    def qrels_for(self, examples: list[Example]) -> list[dict[str, int]]:
        return [self.qrels.get(e.id) or {t: 1 for t in e.relevant_tool_ids} for e in examples]

    def tool_by_id(self) -> dict[str, Tool]:
        return {t.id: t for t in self.tools}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name, "format": self.format, "tools": len(self.tools),
            "examples": {s: sum(1 for e in self.examples if e.split == s) for s in self.splits()},
            "malformed_records": len(self.problems),
        }


def safe_name(text: str, fallback: str = "tool") -> str:
    """A tool name that satisfies the core's identifier rule (letters, digits, ``_.-``; <= 128)."""
    name = _BAD_NAME_CHARS.sub("_", text.strip()).strip("_") or fallback
    if not re.match(r"[A-Za-z_]", name[0]):
        name = "_" + name
    return name[:128]


def check_tool(tool: Tool, file: str, line: int, problems: list[Problem]) -> bool:
    """Validate a tool with the core rules; record a Problem and return False when it is unusable."""
    bad = tool_problems(tool)
    if bad:
        problems.append(Problem(file, line, f"tool {tool.id!r}: " + "; ".join(bad)))
        return False
    return True


def read_text(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError as err:
        raise InputError(path, f"{what} not found", f"the {what} of the benchmark") from err
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 text ({err.reason})", "a UTF-8 file") from err


def iter_jsonl(path: str, what: str, problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; bad lines become Problems."""
    for lineno, raw in enumerate(read_text(path, what).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            problems.append(Problem(path, lineno, f"not valid JSON ({err.msg} at column {err.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(path, lineno, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        yield lineno, obj


def iter_json_array(path: str, what: str) -> Iterator[tuple[int, Any]]:
    """(line number, element) for each element of a top-level JSON array, keeping element lines."""
    text = read_text(path, what)
    dec = json.JSONDecoder()
    ws = " \t\r\n"
    pos = 0
    while pos < len(text) and text[pos] in ws:
        pos += 1
    if pos >= len(text) or text[pos] != "[":
        raise InputError(path, f"{what} is not a JSON array", 'a file starting with "["')
    pos += 1
    expect_value = True
    while True:
        while pos < len(text) and text[pos] in ws:
            pos += 1
        if pos >= len(text):
            raise InputError(path, "unterminated JSON array", 'a closing "]"')
        if text[pos] == "]":
            return
        if text[pos] == ",":
            if expect_value:
                line = text.count("\n", 0, pos) + 1
                raise InputError(f"{path}:{line}", "unexpected ','", "a JSON value")
            pos += 1
            expect_value = True
            continue
        if not expect_value:
            line = text.count("\n", 0, pos) + 1
            raise InputError(f"{path}:{line}", "missing ',' between array elements", "valid JSON")
        line = text.count("\n", 0, pos) + 1
        try:
            obj, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{err.lineno}", f"not valid JSON ({err.msg})", "a JSON array") from err
        expect_value = False
        yield line, obj


def require_records(records: list, path: str, problems: list[Problem], what: str) -> None:
    if not records:
        detail = f"; first problem: {problems[0]}" if problems else ""
        raise InputError(path, f"no usable {what} ({len(problems)} malformed){detail}",
                         f"at least one well-formed {what}")
