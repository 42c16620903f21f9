"""Query rewriting for diversity: the prompt, the clean-up of a model's answer, and the checks.

Pure functions, no model and no Ray: the data job (``data_jobs/paraphrase.py``) runs a causal LM and
uses these to build its prompts and to decide, per query, whether the rewrite replaces the original.

A rewrite keeps the example's gold labels (tool, ranking, call arguments), so it is only accepted
when it still carries every gold argument value the original query spelled out verbatim (as a whole
token, ignoring case): a rewrite
that drops "2026-03-13" or "Munich" would no longer match its gold call. Rejected rewrites keep the
original query and are counted by reason:

- ``empty``: nothing left after clean-up;
- ``too_long``: longer than ``max_ratio`` × the original (or the model ran out of new tokens);
- ``lost_argument``: a gold argument value present in the original is missing;
- ``new_value``: the rewrite has a number or code (a token with a digit) the original does not —
  a value the gold call does not carry (small models copy the prompt's example or invent figures).

A rewrite equal to the original (ignoring case and spacing) is ``unchanged``: kept, not an error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from toolfoundry.errors import InputError

INSTRUCTION = ("Rewrite the user's request in different words. Do not answer it. Keep every name, number "
               "and date exactly as written. Reply with the rewritten request only.")
# worked examples: small models follow a demonstration far better than an instruction alone
EXAMPLES = (
    ("Set up an alert on the solar production around Munich above 1458.",
     "Alert me when solar production in Munich goes above 1458."),
    ("Could you tell me the status of my table booking RT-10442?",
     "What is the current status of table booking RT-10442?"),
)

ACCEPTED, UNCHANGED = "accepted", "unchanged"
REJECTIONS = ("empty", "too_long", "lost_argument", "new_value")

_PREFIX_RE = re.compile(r"^\s*(?:rewritten(?: request)?|rewrite|paraphrase|assistant|answer)\s*:\s*", re.I)
_SPACE_RE = re.compile(r"\s+")
_DIGIT_TOKEN_RE = re.compile(r"[\w.:/-]*\d[\w.:/-]*")


def messages(query: str) -> list[dict[str, str]]:
    """The rewriting request as chat messages (for engines that apply the model's chat template)."""
    turns = [{"role": "system", "content": INSTRUCTION}]
    for original, rewrite in EXAMPLES:
        turns += [{"role": "user", "content": original}, {"role": "assistant", "content": rewrite}]
    return turns + [{"role": "user", "content": query}]


def render(query: str, chatml: bool) -> str:
    """The prompt text for one query: ChatML turns when the tokenizer has them, else plain lines."""
    if chatml:
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages(query)) + \
            "<|im_start|>assistant\n"
    shots = "".join(f"Request: {a}\nRewrite: {b}\n" for a, b in EXAMPLES)
    return f"{INSTRUCTION}\n{shots}Request: {query}\nRewrite:"


def clean(text: str) -> str:
    """The rewrite inside a model's answer: first non-empty line, without a label or wrapping quotes."""
    text = text.replace("<|im_end|>", "\n")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _PREFIX_RE.sub("", line).strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'`":
        line = line[1:-1].strip()
    return line


def _scalars(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _scalars(v)
    elif isinstance(value, bool) or value is None:
        return  # true/false/null are never spelled out as such in a natural query
    else:
        yield str(value)


def _contains(text: str, value: str) -> bool:
    # whole-token, case-insensitive match: "15" is not found inside "1500", "Rome" not inside
    # "Romeo"; "german" is found in "German" (a capitalised value still names the same argument)
    return re.search(rf"(?<![\w.]){re.escape(value)}(?![\w]|\.\d)", text, re.I) is not None


def protected_values(query: str, arguments: str | dict | None) -> list[str]:
    """Gold argument values (strings and numbers, nested ones included) written verbatim in ``query``."""
    if arguments in (None, ""):
        return []
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as err:
            raise InputError("gold_call_arguments", f"not JSON ({err.msg})", "a JSON object of call arguments")
    out = []
    for v in _scalars(arguments):
        if v.strip() and v not in out and _contains(query, v):
            out.append(v)
    return out


def _digit_tokens(text: str) -> set[str]:
    return {t.strip(".:/-").casefold() for t in _DIGIT_TOKEN_RE.findall(text)}


def _norm(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip().casefold()


def check(original: str, rewrite: str, values: list[str], *, max_ratio: float = 2.0,
          truncated: bool = False) -> str:
    """``accepted``, ``unchanged``, or the rejection reason (one of :data:`REJECTIONS`)."""
    if not rewrite.strip():
        return "empty"
    if truncated or len(rewrite) > max_ratio * max(len(original), 1):
        return "too_long"
    if any(not _contains(rewrite, v) for v in values):
        return "lost_argument"
    if _digit_tokens(rewrite) - _digit_tokens(original):
        return "new_value"
    if _norm(rewrite) == _norm(original):
        return UNCHANGED
    return ACCEPTED


def decide(original: str, raw_answer: str, arguments: str | dict | None, *, max_ratio: float = 2.0,
           truncated: bool = False) -> tuple[str, str, str]:
    """(query to keep, status, cleaned rewrite) for one original query and the model's raw answer."""
    rewrite = clean(raw_answer)
    status = check(original, rewrite, protected_values(original, arguments), max_ratio=max_ratio,
                   truncated=truncated)
    return (rewrite if status == ACCEPTED else original), status, rewrite
