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
from toolfoundry.encoding import ChatEncoder, end_of_turn_id
from toolfoundry.prompts import retrieval_messages
from toolfoundry.trie import ToolTrie, TrieLogitsProcessor


@dataclass(frozen=True)
class RetrievedTool:
    id: str
    name: str
    score: float


def left_pad(rows: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r):] = torch.tensor(r)
        mask[i, width - len(r):] = 1
    return {"input_ids": ids, "attention_mask": mask}


class ToolRetriever:
    def __init__(self, model, tokenizer, catalog: Catalog):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.catalog = catalog
        self.encoder = ChatEncoder(tokenizer)
        self.stop_token_id = end_of_turn_id(tokenizer)
        sequences = [
            tokenizer(s, add_special_tokens=False)["input_ids"] + [self.stop_token_id]
            for s in catalog.token_strings()
        ]
        self.trie = ToolTrie(sequences)
        if catalog.scheme == "atomic":
            self.tool_token_ids = torch.tensor([seq[0] for seq in sequences])

    @classmethod
    def from_pretrained(cls, path: str, dtype: str = "float32", device: str | None = None) -> "ToolRetriever":
        model, tokenizer, catalog = load_model_dir(path, dtype)
        if device is not None:
            model.to(device)
        return cls(model, tokenizer, catalog)

    def _encode(self, queries: list[str]) -> dict[str, torch.Tensor]:
        """Left-padded prompts (every prompt ends at the same position), as training encoded them."""
        ids = self.encoder.prompt_many([retrieval_messages(q) for q in queries])
        return {k: v.to(self.model.device) for k, v in left_pad(ids, self.tokenizer.pad_token_id).items()}

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
        if self.tool_token_ids.device != logits.device:  # the model was moved (e.g. to a GPU)
            self.tool_token_ids = self.tool_token_ids.to(logits.device)
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
