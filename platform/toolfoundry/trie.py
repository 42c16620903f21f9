"""Constrained decoding: a trie over the token sequences of the catalog's tools.

Decoding under the trie can only spell a tool that exists. Masks are tensors: the first step (the
only step under atomic indexing) uses one mask built once per catalog; deeper steps cache one mask
per distinct prefix, so the per-step work is a gather over the batch, never a loop over the
vocabulary.
"""

from __future__ import annotations

import torch
from transformers import LogitsProcessor

_LEAF = -1  # key under which a trie node stores the index of the tool that ends there


class ToolTrie:
    def __init__(self, sequences: list[list[int]]):
        if not sequences:
            raise ValueError("a tool trie needs at least one tool")
        self.root: dict = {}
        for index, seq in enumerate(sequences):
            if not seq:
                raise ValueError(f"tool {index} has an empty token sequence")
            node = self.root
            for token in seq:
                node = node.setdefault(token, {})
            if _LEAF in node:
                raise ValueError(f"tools {node[_LEAF]} and {index} have the same token sequence")
            node[_LEAF] = index
        self.max_depth = max(len(s) for s in sequences)

    def _node(self, prefix) -> dict | None:
        node = self.root
        for token in prefix:
            node = node.get(int(token))
            if node is None:
                return None
        return node

    def next_tokens(self, prefix) -> list[int]:
        """Tokens that may follow ``prefix``; empty when the prefix is complete or invalid."""
        node = self._node(prefix)
        return [] if node is None else [t for t in node if t != _LEAF]

    def match(self, sequence) -> int | None:
        """Index of the tool spelled by ``sequence``, or None when it spells no tool."""
        node = self._node(sequence)
        return None if node is None else node.get(_LEAF)


class TrieLogitsProcessor(LogitsProcessor):
    """Sets to -inf every token that would leave the trie.

    A sequence that has spelled a whole tool may only emit ``stop_token_id``; generation ends there.
    """

    def __init__(self, trie: ToolTrie, vocab_size: int, stop_token_id: int):
        self.trie = trie
        self.vocab_size = vocab_size
        self.stop_token_id = stop_token_id
        self._masks: dict[tuple[int, ...], torch.Tensor] = {}
        self._prompt_length: int | None = None

    def _mask(self, prefix: tuple[int, ...]) -> torch.Tensor:
        mask = self._masks.get(prefix)
        if mask is None:
            allowed = self.trie.next_tokens(prefix) or [self.stop_token_id]
            mask = torch.full((self.vocab_size,), float("-inf"))
            mask[torch.tensor(allowed)] = 0.0
            self._masks[prefix] = mask
        return mask

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self._prompt_length is None:  # prompts are left-padded, so they all end here
            self._prompt_length = input_ids.shape[1]
        generated = input_ids[:, self._prompt_length :].tolist()
        masks = torch.stack([self._mask(tuple(row)) for row in generated]).to(scores.device)
        return scores + masks[:, : scores.shape[-1]]
