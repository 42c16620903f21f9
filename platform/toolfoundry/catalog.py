"""The tool catalog: an ordered set of tools and the token string each one is generated as.

ToolGen indexes tools in the vocabulary in one of several ways:

- ``atomic``: one new token per tool, ``<<tool_id>>`` — retrieval is a single decoding step;
- ``semantic``: the tool's own name, spelled with existing subwords (no new tokens);
- ``numeric``: the tool's position written as space-separated digits (no new tokens);
- ``hierarchical``: the tool's path in a tree of clusters of similar tools, written as
  space-separated digits (no new tokens): tools that do similar things share a prefix, so the model
  decides the coarse kind of tool first. The codes are computed once, when the catalog is built
  (:func:`hierarchical_codes`), and saved with it.

The catalog is saved as ``catalog.json`` beside the model, so a model directory is self-describing.
This module is the one place that decides what string names a tool in the model's vocabulary.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable, Iterable, Literal

import numpy as np

from toolfoundry.errors import InputError
from toolfoundry.schema import Tool, tool_problems

Scheme = Literal["atomic", "semantic", "numeric", "hierarchical"]
SCHEMES: tuple[str, ...] = ("atomic", "semantic", "numeric", "hierarchical")
CATALOG_FILE = "catalog.json"


def atomic_token(tool_id: str) -> str:
    return f"<<{tool_id}>>"


@dataclass(frozen=True)
class Catalog:
    tools: tuple[Tool, ...]
    scheme: Scheme = "atomic"
    codes: tuple[str, ...] = ()  # hierarchical scheme: each tool's cluster path, e.g. "3 1 4"

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
        if self.scheme == "hierarchical" and (len(self.codes) != len(self.tools) or len(set(self.codes)) != len(self.codes)):
            raise InputError("catalog.codes", "hierarchical indexing needs one distinct code per tool",
                             "a catalog built with Catalog.from_tools(..., scheme='hierarchical')")
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
        if self.scheme == "hierarchical":
            return self.codes[index]
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
        payload = {"scheme": self.scheme, "tools": [t.to_row() for t in self.tools], "codes": list(self.codes)}
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
        return cls(tuple(Tool.from_row(r) for r in payload["tools"]), payload["scheme"],
                   tuple(payload.get("codes") or ()))

    @classmethod
    def from_tools(cls, tools: Iterable[Tool], scheme: Scheme = "atomic",
                   embed: Callable[[list[str]], np.ndarray] | None = None) -> "Catalog":
        """A catalog of ``tools``. The hierarchical scheme clusters the tools' documents, embedded with
        ``embed`` (texts → vectors; default: the embedded MiniLM encoder)."""
        tools = tuple(tools)
        if scheme != "hierarchical" or not tools:
            return cls(tools, scheme)
        if embed is None:
            from toolfoundry.baselines.dense import Encoder

            embed = Encoder().encode
        from toolfoundry.documents import tool_document

        vectors = np.asarray(embed([tool_document(t) for t in tools]), dtype=np.float64)
        return cls(tools, scheme, hierarchical_codes(vectors))


def hierarchical_codes(vectors: np.ndarray, branching: int = 10, seed: int = 0) -> tuple[str, ...]:
    """ToolGen's hierarchical indexing: each row's path in a tree of k-means clusters.

    The rows are split into at most ``branching`` clusters (seeded k-means), each cluster again, until
    a node holds at most ``branching`` rows, which are then numbered. A path of cluster indices plus
    the position in the leaf, as space-separated digits, names each row; similar rows share prefixes.
    Deterministic for the same vectors and seed.
    """
    if branching < 2 or branching > 10:
        raise InputError("branching", f"{branching}", "2 to 10 (one digit per level)")
    codes: list[str] = [""] * len(vectors)

    def split(rows: np.ndarray, prefix: list[str], depth: int) -> None:
        if len(rows) <= branching or depth > 12:
            for position, row in enumerate(rows):
                codes[row] = " ".join(prefix + [str(position)])
            return
        labels = _kmeans(vectors[rows], branching, seed + depth)
        for cluster in range(branching):
            members = rows[labels == cluster]
            if len(members):
                split(members, prefix + [str(cluster)], depth + 1)

    split(np.arange(len(vectors)), [], 0)
    return tuple(codes)


def _kmeans(x: np.ndarray, k: int, seed: int, iterations: int = 25) -> np.ndarray:
    """Plain Lloyd's k-means (k-means++ start), with no cluster allowed to take every point."""
    rng = np.random.default_rng(seed)
    sq = (x * x).sum(1)

    def distances(c: np.ndarray) -> np.ndarray:  # squared, [points, centres], without an [n, k, d] temporary
        return np.maximum(sq[:, None] - 2 * x @ c.T + (c * c).sum(1)[None], 0.0)

    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d = distances(np.asarray(centres)).min(1)
        centres.append(x[rng.choice(len(x), p=d / d.sum())] if d.sum() > 0 else x[rng.integers(len(x))])
    c = np.asarray(centres)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iterations):
        labels = distances(c).argmin(1)
        for j in range(k):
            if np.any(labels == j):
                c[j] = x[labels == j].mean(0)
    if np.bincount(labels, minlength=k).max() == len(x):  # identical points: deal them out
        labels = np.arange(len(x)) % k
    return labels
