"""The relevance gate: whether any candidate tool is worth calling, decided by a retriever's similarity.

GenTool asks the model itself to choose ``generate_response`` when no candidate fits. A small model
is poor at that choice out of its training distribution: the 135M router tuned on toolfoundry's
scenarios declines almost every BFCL question that offers one function, and answers
``generate_response`` for most scenario queries whose gold answer is a tool. The gate takes that
decision from the query's similarity to the candidates instead:

    relevance = max over candidates of cos(MiniLM(query), MiniLM(tool document))
    relevance < threshold  →  generate_response, without decoding anything
    otherwise              →  the model selects and calls one of the candidates
                              (``ranks=True``: the candidate of the highest cosine; the model
                              writes its arguments)

Choosing among the candidates, the zero-shot encoder is also the better judge: on 300 scenario
queries of the train split whose gold is a tool, its top candidate is right 74.0% of the time, the
single-stage router's best-scored name 61.3% (the two agree on 49%).

The encoder is the embedded all-MiniLM-L6-v2, zero-shot, and the tool documents are
:func:`toolfoundry.documents.tool_document`; their embeddings are cached, so a served catalog's
tools are encoded once. :data:`DEFAULT_THRESHOLD` was chosen on the synthetic scenarios' train split,
which the encoder never saw (``bench/relevance_gate.py``), and on nothing that is evaluated.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Sequence

import numpy as np

from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, Tool

#: the threshold with the best decision accuracy ("a candidate serves the query" or "none does") on the
#: synthetic scenarios' train split, 9,498 queries (bench/results/relevance-gate/README.md)
DEFAULT_THRESHOLD = 0.34


class RelevanceGate:
    """``admits(query, tools)`` → (any candidate relevant enough to call, the best cosine)."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, *, ranks: bool = False, encoder=None,
                 model_path: str | None = None, cache_size: int = 65536):
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not -1.0 <= threshold <= 1.0:
            raise InputError("relevance threshold", f"{threshold!r} is not a cosine",
                             f"a number from -1 to 1 (default {DEFAULT_THRESHOLD})")
        if encoder is None:
            from toolfoundry.baselines.dense import Encoder

            encoder = Encoder(model_path)
        self.threshold = float(threshold)
        self.ranks = ranks  # also rank the candidates: the router calls the best one (stage 1 is the encoder's)
        self.encoder = encoder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def ranking(self, ranks: bool) -> "RelevanceGate":
        """This gate (its encoder and cache shared) with ``ranks`` set."""
        twin = copy.copy(self)
        twin.ranks = ranks
        return twin

    def _documents(self, tools: Sequence[Tool]) -> np.ndarray:
        docs = [tool_document(t) for t in tools]
        missing = list(dict.fromkeys(d for d in docs if d not in self._cache))
        if missing:
            for doc, vec in zip(missing, self.encoder.encode(missing)):
                self._cache[doc] = vec
        for doc in docs:
            self._cache.move_to_end(doc)
        while len(self._cache) > max(self._cache_size, len(docs)):
            self._cache.popitem(last=False)
        return np.stack([self._cache[d] for d in docs])

    def scores(self, query: str, tools: Sequence[Tool]) -> list[float]:
        """Cosine of the query with each tool's document (``generate_response`` scores -1: never relevant)."""
        real = [t for t in tools if t.name != GENERATE_RESPONSE]
        if not real:
            return [-1.0] * len(tools)
        sims = iter((self._documents(real) @ self.encoder.encode([query])[0]).tolist())
        return [-1.0 if t.name == GENERATE_RESPONSE else float(next(sims)) for t in tools]

    def admits(self, query: str, tools: Sequence[Tool]) -> tuple[bool, float]:
        best = max(self.scores(query, tools), default=-1.0)
        return best >= self.threshold, best
