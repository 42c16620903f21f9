"""Prompt rendering for the ToolGen stages.

Prompts are kept short on purpose (CPU budgets are counted in tokens): ChatML turns without the
default system prompt, which would triple the length of a retrieval prompt. The two stages differ
only in what the user turn holds — a tool document (memorization) or a query (retrieval) — and both
are answered with the tool's token string, so memorization directly helps retrieval.
"""

from __future__ import annotations

from typing import Literal

Task = Literal["memorization", "retrieval"]

_MEMORIZATION_PREFIX = "Tool: "


def _has_chatml(tokenizer) -> bool:
    # A token lookup, not get_vocab(): that rebuilds a 49k-entry dict on every call.
    unknown = {None, tokenizer.unk_token_id}
    return all(tokenizer.convert_tokens_to_ids(t) not in unknown for t in ("<|im_start|>", "<|im_end|>"))


def render_prompt(tokenizer, text: str, task: Task = "retrieval") -> str:
    """The model's input for one query (or tool document), ending where the tool name begins."""
    content = _MEMORIZATION_PREFIX + text if task == "memorization" else text
    if _has_chatml(tokenizer):
        return f"<|im_start|>user\n{content}<|im_end|>\n<|im_start|>assistant\n"
    return f"User: {content}\nAssistant: "


def end_of_turn(tokenizer) -> str:
    return "<|im_end|>" if _has_chatml(tokenizer) else (tokenizer.eos_token or "")
