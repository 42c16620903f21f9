"""Generative tool retrieval with a ToolGen model.

Under atomic indexing a tool is one token, so the top-k tools for a query are the k highest logits
among the tool tokens at the first answer position: one forward pass and a masked top-k, the same
ranking beam search over the trie would give. Multi-token schemes (semantic, numeric) run beam
search under the trie, so every answer still names a catalog tool.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from toolfoundry.catalog import Catalog
from toolfoundry.modeling import load_model_dir
from toolfoundry.prompts import end_of_turn, render_prompt
from toolfoundry.trie import ToolTrie, TrieLogitsProcessor


@dataclass(frozen=True)
class RetrievedTool:
    id: str
    name: str
    score: float


class ToolRetriever:
    def __init__(self, model, tokenizer, catalog: Catalog):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.catalog = catalog
        self.tokenizer.padding_side = "left"  # every prompt ends at the same position
        self.stop_token_id = tokenizer.convert_tokens_to_ids(end_of_turn(tokenizer))
        sequences = [
            tokenizer(s, add_special_tokens=False)["input_ids"] + [self.stop_token_id]
            for s in catalog.token_strings()
        ]
        self.trie = ToolTrie(sequences)
        if catalog.scheme == "atomic":
            self.tool_token_ids = torch.tensor([seq[0] for seq in sequences])

    @classmethod
    def from_pretrained(cls, path: str, dtype: str = "float32") -> "ToolRetriever":
        model, tokenizer, catalog = load_model_dir(path, dtype)
        return cls(model, tokenizer, catalog)

    def _encode(self, queries: list[str]):
        prompts = [render_prompt(self.tokenizer, q, "retrieval") for q in queries]
        return self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)

    @torch.inference_mode()
    def retrieve(self, queries: list[str], k: int) -> list[list[RetrievedTool]]:
        """The k best distinct catalog tools for each query, best first."""
        k = min(k, len(self.catalog))
        if not queries:
            return []
        if self.catalog.scheme == "atomic":
            return self._retrieve_atomic(queries, k)
        return self._retrieve_beam(queries, k)

    def _retrieve_atomic(self, queries: list[str], k: int) -> list[list[RetrievedTool]]:
        batch = self._encode(queries)
        logits = self.model(**batch, logits_to_keep=1).logits[:, -1, :]
        tool_logits = logits.index_select(1, self.tool_token_ids).float()
        scores = torch.log_softmax(tool_logits, dim=-1)  # a distribution over the catalog alone
        top = scores.topk(k, dim=-1)
        tools = self.catalog.tools
        return [
            [RetrievedTool(tools[i].id, tools[i].name, s) for i, s in zip(idx, val)]
            for idx, val in zip(top.indices.tolist(), top.values.tolist())
        ]

    def _retrieve_beam(self, queries: list[str], k: int) -> list[list[RetrievedTool]]:
        results = []
        for query in queries:  # beams per query; batching queries would multiply memory by k
            batch = self._encode([query])
            processor = TrieLogitsProcessor(self.trie, len(self.tokenizer), self.stop_token_id)
            out = self.model.generate(
                **batch,
                logits_processor=[processor],
                num_beams=k,
                num_return_sequences=k,
                max_new_tokens=self.trie.max_depth,
                eos_token_id=self.stop_token_id,
                pad_token_id=self.tokenizer.pad_token_id,
                do_sample=False,
                output_scores=True,
                return_dict_in_generate=True,
            )
            prompt_length = batch["input_ids"].shape[1]
            found, seen = [], set()
            for seq, score in zip(out.sequences[:, prompt_length:].tolist(), out.sequences_scores.tolist()):
                seq = seq[: seq.index(self.stop_token_id) + 1] if self.stop_token_id in seq else seq
                index = self.trie.match(seq)
                if index is not None and index not in seen:
                    seen.add(index)
                    tool = self.catalog.tools[index]
                    found.append(RetrievedTool(tool.id, tool.name, score))
            results.append(found)
        return results
