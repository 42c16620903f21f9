"""The tool catalog: an ordered set of tools and the token string each one is generated as.

ToolGen indexes tools in the vocabulary in one of several ways:

- ``atomic``: one new token per tool, ``<<tool_id>>`` — retrieval is a single decoding step;
- ``semantic``: the tool's own name, spelled with existing subwords (no new tokens);
- ``numeric``: the tool's position written as space-separated digits (no new tokens).

The catalog is saved as ``catalog.json`` beside the model, so a model directory is self-describing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Iterable, Literal

from toolfoundry.errors import InputError
from toolfoundry.schema import Tool, tool_problems

Scheme = Literal["atomic", "semantic", "numeric"]
SCHEMES: tuple[str, ...] = ("atomic", "semantic", "numeric")
CATALOG_FILE = "catalog.json"


def atomic_token(tool_id: str) -> str:
    return f"<<{tool_id}>>"


@dataclass(frozen=True)
class Catalog:
    tools: tuple[Tool, ...]
    scheme: Scheme = "atomic"

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise InputError("catalog.scheme", f"unknown indexing scheme {self.scheme!r}", f"one of {SCHEMES}")
        seen: set[str] = set()
        for tool in self.tools:
            if tool.id in seen:
                raise InputError(f"catalog tool {tool.id!r}", "duplicate id", "unique tool ids")
            seen.add(tool.id)
            problems = tool_problems(tool)
            if problems:
                raise InputError(f"catalog tool {tool.id!r}", "; ".join(problems), "valid tools")
        if self.scheme == "semantic":
            names = [t.name for t in self.tools]
            if len(set(names)) != len(names):
                raise InputError("catalog", "semantic indexing needs unique tool names", "unique names")

    def __len__(self) -> int:
        return len(self.tools)

    def token_string(self, index: int) -> str:
        """What the model generates to name the tool at ``index``."""
        tool = self.tools[index]
        if self.scheme == "atomic":
            return atomic_token(tool.id)
        if self.scheme == "semantic":
            return tool.name
        width = len(str(len(self.tools) - 1))
        return " ".join(str(index).zfill(width))

    def token_strings(self) -> list[str]:
        return [self.token_string(i) for i in range(len(self.tools))]

    def new_vocabulary(self) -> list[str]:
        """Tokens this scheme adds to the vocabulary (only atomic adds any)."""
        return self.token_strings() if self.scheme == "atomic" else []

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.tools]

    def by_id(self) -> dict[str, Tool]:
        return {t.id: t for t in self.tools}

    def save(self, directory: str) -> str:
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, CATALOG_FILE)
        payload = {"scheme": self.scheme, "tools": [t.to_row() for t in self.tools]}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        return path

    @classmethod
    def load(cls, directory: str) -> "Catalog":
        path = os.path.join(directory, CATALOG_FILE)
        if not os.path.isfile(path):
            raise InputError(directory, f"no {CATALOG_FILE}", "a model directory saved by toolfoundry training")
        with open(path, encoding="utf-8") as handle:
            payload = json.load(handle)
        return cls(tuple(Tool.from_row(r) for r in payload["tools"]), payload["scheme"])

    @classmethod
    def from_tools(cls, tools: Iterable[Tool], scheme: Scheme = "atomic") -> "Catalog":
        return cls(tuple(tools), scheme)
