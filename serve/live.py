"""Live tools: added and removed at run time over HTTP, routable at once without retraining.

A live tool has no tool token (the model was trained before it existed), so retrieval over the
catalog cannot return it. GenTool's zero-to-one setting is exactly this case: the router reads
candidates in context, so a tool it has never seen is chosen when it fits the query. ``route`` and
chat completions (without client tools) therefore take as candidates the catalog tools retrieved
by tool tokens *plus* the live tools that match the query best by BM25 (all of them when there are
at most ``max_live_candidates``). Giving a live tool a token of its own is a training job
(ToolGen memorization on the grown catalog), not something the endpoint does.

:class:`LiveTools` is the plain state: tools by name, a version that grows on every change, BM25
over their documents. One ``ToolRegistry`` Serve deployment (``serve/app.py``) holds the state that
counts; each gateway replica keeps a copy, refreshed from the registry every
``live_tools_refresh_s`` and at once after a change it made itself.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Iterable

from toolfoundry.schema import Tool


class LiveTools:
    def __init__(self, tools: Iterable[Tool] = (), version: int = 0):
        self.tools: dict[str, Tool] = {t.name: t for t in tools}
        self.version = version
        self._index = None
        self._index_version = -1

    # ------------------------------------------------------------------ state
    def add(self, tool: Tool) -> bool:
        """False when a live tool of that name exists already (nothing changes)."""
        if tool.name in self.tools:
            return False
        self.tools[tool.name] = tool
        self.version += 1
        return True

    def remove(self, name: str) -> bool:
        if self.tools.pop(name, None) is None:
            return False
        self.version += 1
        return True

    def snapshot(self) -> dict:
        return {"version": self.version, "tools": [t.to_row() for t in self.tools.values()]}

    @classmethod
    def from_snapshot(cls, snap: dict) -> "LiveTools":
        return cls((Tool.from_row(r) for r in snap["tools"]), snap["version"])

    def __len__(self) -> int:
        return len(self.tools)

    # ------------------------------------------------------------------ matching
    def match(self, query: str, n: int) -> list[Tool]:
        """The live tools to offer as candidates for ``query``: all when there are at most ``n``, else
        the ``n`` best by BM25 over their documents (ties in the order they were added)."""
        tools = list(self.tools.values())
        if n <= 0 or not tools:
            return []
        if len(tools) <= n:
            return tools
        if self._index is None or self._index_version != self.version:
            from toolfoundry.baselines.bm25 import BM25Retriever

            self._index = BM25Retriever(tools)
            self._index_version = self.version
        ids = self._index.search([query], n)[0]
        by_id = {t.id: t for t in tools}
        return [by_id[i] for i in ids]

    # ------------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        """Write atomically (a reader never sees half a file)."""
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".live_tools.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.snapshot(), handle)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | None) -> "LiveTools":
        if not path or not os.path.isfile(path):
            return cls()
        with open(path, encoding="utf-8") as handle:
            return cls.from_snapshot(json.load(handle))


class Registry:
    """The registry's operations (the ``ToolRegistry`` deployment is this class): add, remove, snapshot.

    Each answers the new snapshot, or None when nothing changed (a name taken, a name unknown, a
    caller already up to date)."""

    def __init__(self, path: str | None = None):
        self.path = path
        self.live = LiveTools.load(path)

    def _changed(self) -> dict:
        if self.path:
            self.live.save(self.path)
        return self.live.snapshot()

    async def add(self, row: dict):
        return self._changed() if self.live.add(Tool.from_row(row)) else None

    async def remove(self, name: str):
        return self._changed() if self.live.remove(name) else None

    async def snapshot(self, since: int = -1):
        return None if since == self.live.version else self.live.snapshot()
