"""BM25 tool retrieval with ``bm25s`` (Lucene scoring, k1=1.5, b=0.75, English stopwords, no stemming).

The text of a tool is :func:`toolfoundry.documents.tool_document` (identifiers split, category and
argument names kept) unless ``text_fn`` names another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import bm25s
import numpy as np

from toolfoundry.baselines.ranking import top_k_ids
from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import Tool


def _tokenize(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(list(texts), stopwords="en", return_ids=False, show_progress=False)


class BM25Retriever:
    """Rank catalog tools for queries by BM25 over their text."""

    name = "bm25"

    def __init__(self, tools: Sequence[Tool], text_fn: Callable[[Tool], str] = tool_document,
                 k1: float = 1.5, b: float = 0.75):
        if not tools:
            raise InputError("tools", "the catalog is empty", "at least one tool to index")
        ids = [t.id for t in tools]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise InputError("tools", f"duplicate tool ids {dup}", "unique tool ids")
        self.tool_ids = ids
        self.config = {"system": self.name, "k1": k1, "b": b, "stopwords": "en", "method": "lucene"}
        self._index = bm25s.BM25(k1=k1, b=b)
        self._index.index(_tokenize([text_fn(t) for t in tools]), show_progress=False)

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """BM25 score of every tool for every query: float32 array [n_queries, n_tools]."""
        out = np.zeros((len(queries), len(self.tool_ids)), dtype=np.float32)
        for i, tokens in enumerate(_tokenize(queries)):
            if tokens:
                out[i] = self._index.get_scores(tokens)
        return out

    def search(self, queries: Sequence[str], k: int = 5) -> list[list[str]]:
        """Top-k tool ids per query, best first (ties broken by catalog order)."""
        return top_k_ids(self.scores(queries), self.tool_ids, k)
