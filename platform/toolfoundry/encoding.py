"""Chat messages → token ids and labels: the one place where labels are masked.

A conversation (see :mod:`toolfoundry.prompts`) is rendered turn by turn in ChatML
(``<|im_start|>role\\ncontent<|im_end|>\\n``) — or ``Role: content<eos>`` for a tokenizer without
ChatML tokens — and tokenized piece by piece, so that

- a trained turn's content and its end-of-turn token carry labels, everything else is ``IGNORE``;
- the ids of a prompt at inference (:func:`encode_prompt`) are exactly the ids the same turns had
  in training, because both are built from the same pieces (no re-tokenization at turn borders).

Rows are never cut: a conversation longer than ``max_len`` is reported, and the data job quarantines
it with that reason (a memorization document is chunked *before* encoding, see
:func:`toolfoundry.prompts.document_chunks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

IGNORE = -100
_CHATML = ("<|im_start|>", "<|im_end|>")


def has_chatml(tokenizer) -> bool:
    # A token lookup, not get_vocab(): that rebuilds a 49k-entry dict on every call.
    unknown = {None, tokenizer.unk_token_id}
    return all(tokenizer.convert_tokens_to_ids(t) not in unknown for t in _CHATML)


def end_of_turn(tokenizer) -> str:
    return _CHATML[1] if has_chatml(tokenizer) else (tokenizer.eos_token or "")


def end_of_turn_id(tokenizer) -> int:
    return tokenizer.convert_tokens_to_ids(end_of_turn(tokenizer))


def _pieces(messages: Sequence[dict], chatml: bool, eot: str) -> list[tuple[str, bool]]:
    """(text, trained) pieces of a conversation, in order."""
    out = []
    for m in messages:
        if chatml:
            out += [(f"<|im_start|>{m['role']}\n", False), (m["content"] + eot, bool(m.get("train"))), ("\n", False)]
        else:
            out += [(f"{m['role'].capitalize()}: ", False), (m["content"] + eot, bool(m.get("train"))), ("\n", False)]
    return out


def _generation_piece(chatml: bool) -> str:
    return "<|im_start|>assistant\n" if chatml else "Assistant: "


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]

    def __len__(self) -> int:
        return len(self.input_ids)


class ChatEncoder:
    """Encodes conversations with one tokenizer; constant pieces are tokenized once."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.chatml = has_chatml(tokenizer)
        self.eot = end_of_turn(tokenizer)
        self._cache: dict[str, list[int]] = {}

    def _ids(self, texts: list[str]) -> list[list[int]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache and _constant(t)]
        if missing:
            for t, ids in zip(missing, self.tokenizer(missing, add_special_tokens=False)["input_ids"]):
                self._cache[t] = ids
        variable = [t for t in texts if t not in self._cache]
        fresh = iter(self.tokenizer(variable, add_special_tokens=False)["input_ids"]) if variable else iter(())
        return [self._cache[t] if t in self._cache else next(fresh) for t in texts]

    def encode_many(self, conversations: Sequence[Sequence[dict]]) -> list[Encoded]:
        """Token ids and labels of many conversations, in one tokenizer call for all their pieces."""
        pieces = [_pieces(msgs, self.chatml, self.eot) for msgs in conversations]
        ids = self._ids([text for conv in pieces for text, _ in conv])
        out, i = [], 0
        for conv in pieces:
            seq, labels = [], []
            for _, trained in conv:
                seq += ids[i]
                labels += ids[i] if trained else [IGNORE] * len(ids[i])
                i += 1
            # the trailing newline after the last turn is not part of what the model answers
            if conv and conv[-1][0] == "\n":
                cut = len(ids[i - 1])
                seq, labels = seq[:-cut], labels[:-cut]
            out.append(Encoded(seq, labels))
        return out

    def encode(self, messages: Sequence[dict]) -> Encoded:
        return self.encode_many([messages])[0]

    def prompt_many(self, conversations: Sequence[Sequence[dict]], assistant_prefix: str = "") -> list[list[int]]:
        """Input ids for the model to continue: the turns, then an open assistant turn (+ prefix)."""
        pieces = [_pieces(msgs, self.chatml, self.eot) for msgs in conversations]
        head = _generation_piece(self.chatml)
        texts = []
        for conv in pieces:
            texts += [text for text, _ in conv] + [head] + ([assistant_prefix] if assistant_prefix else [])
        ids = self._ids(texts)
        out, i = [], 0
        for conv in pieces:
            n = len(conv) + 1 + (1 if assistant_prefix else 0)
            out.append([t for piece in ids[i:i + n] for t in piece])
            i += n
        return out

    def prompt(self, messages: Sequence[dict], assistant_prefix: str = "") -> list[int]:
        return self.prompt_many([messages], assistant_prefix)[0]

    def answer_ids(self, text: str, close: bool = True) -> list[int]:
        """Ids of an assistant answer as training encodes it (with the end-of-turn token if ``close``)."""
        return self._ids([text + (self.eot if close else "")])[0]


def _constant(text: str) -> bool:
    """Pieces that recur in every conversation (turn headers, newlines) are worth caching."""
    return text == "\n" or (text.startswith("<|im_start|>") and text.endswith("\n") and len(text) < 40) or (
        text.endswith(": ") and len(text) < 16)
