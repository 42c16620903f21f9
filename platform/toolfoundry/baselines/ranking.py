"""Turning a [queries × tools] score matrix into ranked tool ids: shared by score-based retrievers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolfoundry.errors import InputError


def top_k_ids(scores: np.ndarray, tool_ids: Sequence[str], k: int) -> list[list[str]]:
    """Top-k tool ids per row, best first; equal scores keep catalog order, so results are deterministic."""
    if k < 1:
        raise InputError("k", f"{k} is not a positive cutoff", "k >= 1")
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[tool_ids[j] for j in row] for row in order]
