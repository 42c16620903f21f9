"""Training pieces shared by every recipe: encoding (prompt, target) pairs and the target-only loss.

The loss is computed on target tokens only, and the output head runs only at those positions: with a
49k-word vocabulary the head is a fifth of a small model's compute, and a retrieval example has one
or two target tokens out of ~30.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from toolfoundry.prompts import Task, end_of_turn, render_prompt

IGNORE = -100


def encode_pairs(tokenizer, texts: list[str], targets: list[str], task: Task, max_len: int) -> dict[str, list]:
    """Token ids and labels for (user text, target) pairs; labels mask everything but the target.

    A text too long for ``max_len`` is cut inside the user turn, so the prompt keeps its structure
    and the target is never truncated.
    """
    eot = end_of_turn(tokenizer)
    target_ids = tokenizer([t + eot for t in targets], add_special_tokens=False)["input_ids"]
    overhead = len(tokenizer(render_prompt(tokenizer, "", task), add_special_tokens=False)["input_ids"])
    content_ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    input_ids, labels = [], []
    for content, target in zip(content_ids, target_ids):
        budget = max_len - overhead - len(target)
        if budget < 1:
            raise ValueError(f"train.max_seq_len={max_len} leaves no room for the prompt; raise it")
        text = tokenizer.decode(content[:budget]) if len(content) > budget else None
        prompt = render_prompt(tokenizer, text if text is not None else tokenizer.decode(content), task)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"][: max_len - len(target)]
        input_ids.append(prompt_ids + target)
        labels.append([IGNORE] * len(prompt_ids) + target)
    return {"input_ids": input_ids, "labels": labels}


def collate(batch: dict[str, np.ndarray], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a batch of variable-length rows (as Ray Data hands them: arrays of lists)."""
    rows = [list(r) for r in batch["input_ids"]]
    labels = [list(r) for r in batch["labels"]]
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    lab = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (r, l) in enumerate(zip(rows, labels)):
        ids[i, : len(r)] = torch.tensor(r)
        lab[i, : len(l)] = torch.tensor(l)
        mask[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": lab}


class TargetOnlyLM(nn.Module):
    """Wraps a causal LM so that ``forward`` returns the mean loss over target tokens only."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, labels):
        hidden = self.model.get_decoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        # Position t predicts token t+1: keep the positions whose next token is a target.
        next_labels = labels[:, 1:]
        keep = next_labels != IGNORE
        logits = self.model.get_output_embeddings()(hidden[:, :-1][keep])
        return nn.functional.cross_entropy(logits.float(), next_labels[keep])


def warmup_linear_schedule(total_steps: int, warmup_fraction: float):
    """LR multiplier: linear warm-up, then linear decay to 10% of the peak."""
    warmup = max(1, math.ceil(total_steps * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total_steps - warmup)
        return max(0.1, 1.0 - 0.9 * progress)

    return factor
