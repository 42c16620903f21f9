"""Calling at inference: query + candidate tools → ranking → selected tool (or none) → valid arguments.

The router of toolfoundry, without Ray:

1. **Candidates.** Given by the caller (OpenAI ``tools``, a benchmark's function list), or retrieved
   from the model's own catalog with its tool tokens (:class:`toolfoundry.retrieval.ToolRetriever`).
   ``generate_response`` — answer directly, call nothing — is always a candidate.
2. **Rank** (GenTool stage 1). The model reads the candidates and the query under the rank prompt
   (:func:`toolfoundry.prompts.rank_messages`); each candidate is scored by the log-probability of
   its name as the first entry of the ranking. One prefill, then one batched forward over all names.
3. **Select and call** (GenTool stage 2). Under the select prompt the model writes
   ``{"name": …, "arguments": {…}}`` greedily, constrained by a grammar compiled from the candidates'
   JSON Schemas (xgrammar): the name is one of the candidates and the arguments follow that
   candidate's schema, so every call parses and names a real tool. The grammar is compiled once per
   candidate set and cached. The prefix the rank and select prompts share is prefilled once.
   With ``ground_optional`` the call then loses the optional arguments whose values the request
   never states (:func:`ground_arguments`): the tool's defaults apply instead of made-up values.
4. **Execute** (optional): synthetic tools run through :func:`toolfoundry.synth.execute.execute`.

ToolGen's agent format (``Action: <tool token>`` then JSON arguments) is :meth:`Router.act`: the tool
token is chosen among the catalog's tokens (masked top-1), the arguments under that tool's schema.

Why xgrammar: it compiles a JSON Schema (``anyOf``, ``const``, ``enum``, nested objects and arrays,
required/optional properties) against the tokenizer's whole vocabulary once, then masks each step in
microseconds on the CPU; it works with transformers 5 through plain logits, with no engine of its
own. The decoding loop is ours: greedy, with the KV cache, on any causal LM.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from toolfoundry import prompts
from toolfoundry.encoding import ChatEncoder, end_of_turn_id
from toolfoundry.errors import InputError
from toolfoundry.schema import GENERATE_RESPONSE, Tool


# ---------------------------------------------------------------------------------------- grammars
#: decoding bounds for open-ended values, so that a call closes inside ``max_new_tokens`` instead of a
#: model looping in one string or list until the budget cuts the call (a schema's own bounds win)
DECODE_MAX_STRING_CHARS = 96
DECODE_MAX_ITEMS = 16
#: numbers without bounds of their own get ``±DECODE_MAX_MAGNITUDE``: with a range, the grammar writes at
#: most 12 integer digits and 6 decimals, where an open number lets a model append digits forever
DECODE_MAX_MAGNITUDE = 10**12 - 1
_CLOSED_STRING_KEYS = ("enum", "const", "pattern", "format", "maxLength")


def _strict(schema: Any) -> Any:
    """A tool's parameter schema made strict for decoding: objects admit only their properties, and
    strings, arrays and numbers without bounds of their own get :data:`DECODE_MAX_STRING_CHARS`,
    :data:`DECODE_MAX_ITEMS` and :data:`DECODE_MAX_MAGNITUDE`. Every value it admits is valid under the
    tool's own schema."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) if k in ("items", "anyOf", "oneOf", "allOf", "additionalProperties") else v
           for k, v in schema.items() if k != "properties"}
    if "properties" in schema:
        out["properties"] = {k: _strict(v) for k, v in schema["properties"].items()}
        out.setdefault("additionalProperties", False)
    if out.get("type") == "object" and "properties" not in out and "additionalProperties" not in out:
        out["properties"] = {}
        out["additionalProperties"] = False
    if out.get("type") == "string" and not any(k in out for k in _CLOSED_STRING_KEYS):
        out["maxLength"] = max(DECODE_MAX_STRING_CHARS, out.get("minLength", 0))
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = max(DECODE_MAX_ITEMS, out.get("minItems", 0))
    if out.get("type") in ("integer", "number") and not any(k in out for k in ("enum", "const")):
        low = [out[k] for k in ("minimum", "exclusiveMinimum") if isinstance(out.get(k), (int, float))]
        high = [out[k] for k in ("maximum", "exclusiveMaximum") if isinstance(out.get(k), (int, float))]
        if not low:  # the added side never empties the range the schema's own side leaves
            out["minimum"] = min(-DECODE_MAX_MAGNITUDE, min(high, default=0) - DECODE_MAX_MAGNITUDE)
        if not high:
            out["maximum"] = max(DECODE_MAX_MAGNITUDE, max(low, default=0) + DECODE_MAX_MAGNITUDE)
    return out


def call_schema(candidates: Sequence[Tool]) -> dict:
    """JSON Schema of one call to one of ``candidates``: ``{"name": <const>, "arguments": <its schema>}``."""
    options = []
    for tool in candidates:
        params = tool.parameters if isinstance(tool.parameters, dict) else {"type": "object"}
        if tool.name == GENERATE_RESPONSE:  # choosing it means "call nothing"; the reply is written apart
            params = {"type": "object", "properties": {}}
        options.append({"type": "object", "properties": {"name": {"const": tool.name}, "arguments": _strict(params)},
                        "required": ["name", "arguments"], "additionalProperties": False})
    return options[0] if len(options) == 1 else {"anyOf": options}


class Grammars:
    """Compiled grammars for one tokenizer, cached by schema (an LRU of ``size`` entries)."""

    def __init__(self, tokenizer, vocab_size: int, size: int = 512):
        import xgrammar as xgr

        self.xgr = xgr
        self.info = xgr.TokenizerInfo.from_huggingface(tokenizer, vocab_size=vocab_size)
        self.compiler = xgr.GrammarCompiler(self.info, max_threads=1)
        self.cache: OrderedDict[str, Any] = OrderedDict()
        self.size = size

    def compile(self, schema: dict):
        text = json.dumps(schema)  # key order matters: it is the order the grammar writes properties in
        key = hashlib.sha1(text.encode()).hexdigest()
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return hit
        try:
            compiled = self.compiler.compile_json_schema(text, any_whitespace=False, separators=prompts.JSON_SEPARATORS,
                                                         strict_mode=True)
        except Exception as err:  # xgrammar raises RuntimeError/ValueError subclasses for unsupported schemas
            raise InputError("tool parameters", f"cannot be compiled into a decoding grammar ({err})",
                             "a JSON Schema of types, properties, items, enum, const, anyOf") from None
        self.cache[key] = compiled
        if len(self.cache) > self.size:
            self.cache.popitem(last=False)
        return compiled

    def matcher(self, schema: dict):
        return self.xgr.GrammarMatcher(self.compile(schema))


# ------------------------------------------------------------------------------------------ results
@dataclass
class Routed:
    """What the router decided for one query."""

    query: str
    ranking: list[tuple[str, float]]  # candidate names, most able first, with their stage-1 scores
    name: str  # the selected tool, or generate_response
    arguments: dict
    text: str  # the call as the model wrote it
    valid: bool  # the arguments validate against the selected tool's schema
    candidates: list[str] = field(default_factory=list)
    observation: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    problem: str | None = None  # why not valid: TRUNCATED, or the first schema error
    relevance: float | None = None  # the relevance gate's best cosine, when the router has a gate
    dropped: list[str] = field(default_factory=list)  # optional arguments removed as not grounded (ground_optional)

    @property
    def is_call(self) -> bool:
        return self.name != GENERATE_RESPONSE

    @property
    def truncated(self) -> bool:
        """The call was cut by ``max_new_tokens``: no call is made (``generate_response``)."""
        return self.problem == TRUNCATED


#: why a decode that ``max_new_tokens`` cut short is not a call
TRUNCATED = "max_new_tokens reached"


def validate_arguments(tool: Tool, arguments: dict) -> str | None:
    """None when ``arguments`` validate against the tool's schema, else the first problem."""
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(tool.parameters or {"type": "object"}).iter_errors(arguments))
    return None if not errors else f"{'.'.join(str(p) for p in errors[0].path) or '(arguments)'}: {errors[0].message}"


# ------------------------------------------------------------------------------ grounded arguments
#: a number as people write it: ``50,000``, ``-4``, ``0.05``, ``1e-9``
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTHS = ("january february march april may june july august september october november "
           "december").split()


def _letters_digits(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def _date_forms(value: str) -> set[str]:
    """An ISO date as people write it, in letters and digits: ``2022-01-01`` → ``january12022``,
    ``jan1st``, ``01012022``, … (month as a name, an abbreviation or a number; day, month, year in
    any of the usual orders; the year may be left out where the month is a word)."""
    match = _ISO_DATE.fullmatch(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return set()
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    months = {_MONTHS[month - 1], _MONTHS[month - 1][:3], str(month), f"{month:02d}"}
    days = {str(day), f"{day:02d}", f"{day}{suffix}"}
    forms = set()
    for m in months:
        for d in days:
            forms |= {year + m + d, m + d + year, d + m + year}
            if not m.isdigit():  # "0101" alone could be any number; "jan1" is a date
                forms |= {m + d, d + m}
    return forms


def _query_numbers(query: str) -> list[float]:
    """The request's numbers: ``$50,000`` is 50000, and, since ``100,200,300`` may be a list, its
    parts count too; small numbers written as words count as well."""
    found = []
    for token in _NUMBER.findall(query):
        found.append(float(token.replace(",", "")))
        if "," in token:
            found += [float(part) for part in re.findall(r"\d+(?:\.\d+)?", token)]
    return found + [float(_NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", query.lower()) if w in _NUMBER_WORDS]


def _grounded(value: Any, text: str, numbers: list[float]) -> bool:
    """Whether the request states ``value``: a string (letters and digits, case aside) inside it, or an
    ISO date in any usual form (``January 1, 2022``); a number among its numbers or their percentages
    (``5%`` grounds ``0.05``); every item of a list or value of an object. A boolean is a flag the
    request says in words, so it always counts; an empty string, list or object states nothing, so
    it never does."""
    if value is None or isinstance(value, bool):
        return True
    if value in ("", [], {}):
        return False
    if isinstance(value, (int, float)):
        return any(abs(n - value) <= 1e-9 * max(1.0, abs(n)) or abs(n / 100 - value) <= 1e-12 * max(1.0, abs(n))
                   for n in numbers)
    if isinstance(value, str):
        norm = _letters_digits(value)
        return bool(norm) and (norm in text or any(form in text for form in _date_forms(value)))
    if isinstance(value, list):
        return all(_grounded(v, text, numbers) for v in value)
    if isinstance(value, dict):
        return all(_grounded(v, text, numbers) for v in value.values())
    return True


def ground_arguments(tool: Tool, arguments: dict, query: str) -> tuple[dict, list[str]]:
    """``(kept, dropped)``: a valid call's arguments without the *optional* ones whose value the
    request never states, so the tool's default applies instead of a value the model made up (a
    ``unit`` nobody asked for, a ``growth_rate`` of 0). Required arguments are always kept, and so
    are booleans. Arguments that do not validate, or would not without what is dropped, are
    returned as they are."""
    params = tool.parameters if isinstance(tool.parameters, dict) else {}
    required = set(params.get("required") or [])
    text, numbers = _letters_digits(query), _query_numbers(query)
    dropped = [k for k, v in arguments.items() if k not in required and not _grounded(v, text, numbers)]
    kept = {k: v for k, v in arguments.items() if k not in dropped}
    if not dropped or validate_arguments(tool, arguments) is not None or validate_arguments(tool, kept) is not None:
        return arguments, []
    return kept, dropped


# ------------------------------------------------------------------------------------------ router
class Router:
    """Rank, select and call with one causal LM (any HF model; best when tuned by a GenTool recipe)."""

    def __init__(self, model, tokenizer, catalog=None, *, max_new_tokens: int = 160, rank: bool = True,
                 gate=None, ground_optional: bool = False):
        self.model = model.eval()
        self.gate = gate  # a toolfoundry.relevance.RelevanceGate: it, not the model, decides whether to call
        self.ground_optional = ground_optional  # drop optional arguments the request never states
        self.tokenizer = tokenizer
        self.encoder = ChatEncoder(tokenizer)
        self.catalog = catalog
        self.stop_id = end_of_turn_id(tokenizer)
        self.max_new_tokens = max_new_tokens
        self.rank_enabled = rank
        self.grammars = Grammars(tokenizer, model.get_input_embeddings().weight.shape[0])
        self._retriever = None
        self._separator_ids = self.encoder.answer_ids(prompts.RANK_SEPARATOR.rstrip(), close=False)

    @classmethod
    def from_pretrained(cls, source: str, dtype: str = "float32", device: str | None = None, **kwargs) -> "Router":
        """A toolfoundry model directory (with its catalog), 'embedded', 'tiny-random' or any HF directory;
        ``device`` (e.g. ``"cuda"``) moves the model there, inputs follow the model."""
        import os

        from toolfoundry.catalog import Catalog
        from toolfoundry.modeling import load_base_model, torch_dtype

        catalog = Catalog.load(source) if os.path.isfile(os.path.join(source, "catalog.json")) else None
        catalog = catalog if catalog is not None and len(catalog) else None  # GenTool models carry no tool tokens
        model, tokenizer = load_base_model(source, dtype)
        model.to(torch_dtype(dtype))
        if device is not None:
            model.to(device)
        return cls(model, tokenizer, catalog, **kwargs)

    # ------------------------------------------------------------------ model steps
    def _forward(self, ids: list[int], past=None):
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([ids], device=self.model.device), past_key_values=past,
                             use_cache=True)
        return out.logits[0, -1].float(), out.past_key_values

    def _decode(self, logits: torch.Tensor, past, schema: dict) -> tuple[list[int], bool]:
        """Greedy decoding from ``logits``/``past`` under the grammar of ``schema``; (token ids, finished)."""
        return self._decode_from(self.grammars.matcher(schema), logits, past)

    def _decode_from(self, matcher, logits: torch.Tensor, past) -> tuple[list[int], bool]:
        """Greedy decoding with a grammar matcher that may already have accepted a prefix."""
        xgr = self.grammars.xgr
        bitmask = xgr.allocate_token_bitmask(1, self.grammars.info.vocab_size)
        # the matcher fills the mask on the CPU; it is applied where the logits are, so on a GPU a few
        # kilobytes of mask travel per token and the vocabulary's logits stay on the device
        device_mask = bitmask if logits.device.type == "cpu" else bitmask.to(logits.device)
        out = []
        for _ in range(self.max_new_tokens):
            matcher.fill_next_token_bitmask(bitmask)
            if device_mask is not bitmask:
                device_mask.copy_(bitmask)
            width = logits.shape[-1]
            if width < self.grammars.info.vocab_size:  # tokenizers may pad the vocabulary (pad copies)
                scores = torch.nn.functional.pad(logits.unsqueeze(0), (0, self.grammars.info.vocab_size - width),
                                                 value=-1e9)
            else:  # the mask is applied in place: never to the caller's logits
                scores = logits.unsqueeze(0).clone()
            xgr.apply_token_bitmask_inplace(scores, device_mask)
            token = int(scores[0].argmax())
            if not matcher.accept_token(token):
                raise RuntimeError(f"the grammar refused its own allowed token {token}")
            if matcher.is_terminated():
                return out, True
            out.append(token)
            # the JSON is complete exactly when the grammar would accept the end of turn now: stop here,
            # without a forward pass for a token that carries nothing
            if matcher.accept_token(self.stop_id):
                return out, True
            logits, past = self._forward([token], past)
        return out, False

    def _name_scores(self, logits: torch.Tensor, past, names: list[str]) -> list[float]:
        """log P(name, then the ranking separator) for each candidate name, after the rank prompt."""
        end = self._separator_ids if len(names) > 1 else [self.stop_id]
        return self._sequence_scores(logits, past, [self.encoder.answer_ids(n, close=False) + end for n in names])

    def _sequence_scores(self, logits: torch.Tensor, past, seqs: list[list[int]]) -> list[float]:
        """log P(each token sequence) as the continuation of the prompt whose last ``logits`` and cache
        ``past`` are given: one batched forward over all sequences. ``past`` is consumed."""
        width = max(len(s) for s in seqs)
        first = torch.log_softmax(logits, -1)
        cache = past  # the branch's own cache: extended here, used once
        cache.batch_repeat_interleave(len(seqs))
        ids = torch.full((len(seqs), width), self.tokenizer.pad_token_id or 0, dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
        prefix = cache.get_seq_length()
        mask = torch.ones((len(seqs), prefix + width), dtype=torch.long)
        with torch.inference_mode():
            out = self.model(input_ids=ids.to(self.model.device), past_key_values=cache,
                             attention_mask=mask.to(self.model.device), use_cache=False)
        # position j predicts token j + 1 of each sequence: one gather, padding masked out
        logp = torch.log_softmax(out.logits[:, :-1].float(), -1).cpu()
        lengths = torch.tensor([len(s) for s in seqs])
        picked = logp.gather(-1, ids[:, 1:, None]).squeeze(-1)
        picked = picked.masked_fill(torch.arange(width - 1)[None, :] >= (lengths - 1)[:, None], 0.0)
        return (first.cpu()[ids[:, 0]] + picked.sum(-1)).tolist()

    def _ground(self, routed: Routed, tool: Tool | None) -> None:
        """With ``ground_optional``, drop the valid call's optional arguments that the request never
        states (:func:`ground_arguments`)."""
        if self.ground_optional and tool is not None and routed.is_call and routed.valid:
            routed.arguments, routed.dropped = ground_arguments(tool, routed.arguments, routed.query)

    # ------------------------------------------------------------------ public API
    def route(self, query: str, candidates: Sequence[Tool] | None = None, *, k: int = 5,
              execute: bool = False, fallback: bool = True) -> Routed:
        """Rank the candidates (retrieved from the catalog when none are given), select, call.

        ``fallback=False`` leaves ``generate_response`` out: the model must call one of the candidates
        (OpenAI's ``tool_choice="required"`` or a named function). A call cut by ``max_new_tokens`` is
        returned as ``generate_response`` with ``valid=False``.

        With a relevance gate, the gate decides whether to call (when ``fallback`` allows not calling):
        below its threshold the answer is ``generate_response`` and nothing is decoded; above it the
        model must call one of the candidates. A gate that ``ranks`` also chooses which: the candidates
        are ranked by its cosines and the model writes the arguments of the first."""
        t0 = time.perf_counter()
        if not query or not query.strip():
            raise InputError("query", "empty", "the user's request as text")
        if candidates is None:
            candidates = self.retrieve(query, k)
        relevance, ranking, considered = None, [], None
        if self.gate is not None and (fallback or self.gate.ranks):
            candidates = [t for t in candidates if t.name != GENERATE_RESPONSE]
            scores = self.gate.scores(query, candidates)
            relevance = max(scores, default=-1.0)
            if fallback and relevance < self.gate.threshold:
                names = [t.name for t in candidates] + [GENERATE_RESPONSE]
                return Routed(query, [], GENERATE_RESPONSE, {}, prompts.call_text({"name": GENERATE_RESPONSE}), True,
                              names, timings={"total_s": time.perf_counter() - t0}, relevance=relevance)
            fallback = False
            if self.gate.ranks and candidates:  # stage 1 is the encoder's: the model calls its first tool
                ranking = sorted(zip([t.name for t in candidates], scores), key=lambda x: -x[1])
                considered = [t.name for t in candidates]
                candidates = [next(t for t in candidates if t.name == ranking[0][0])]
        cands = prompts.ensure_generate_response(list(candidates)) if fallback else list(candidates)
        if not cands:
            raise InputError("tools", "no candidate tools", "at least one tool when generate_response is excluded")
        names = [t.name for t in cands]
        if len(set(considered or names)) != len(considered or names):
            raise InputError("tools", "two candidate tools share a name", "unique function names")
        timings: dict[str, float] = {}
        rank_ids = self.encoder.prompt(prompts.rank_messages(query, cands))
        select_ids = self.encoder.prompt(prompts.select_messages(query, cands))
        common = 0
        while common < min(len(rank_ids), len(select_ids)) - 1 and rank_ids[common] == select_ids[common]:
            common += 1
        _, shared = self._forward(rank_ids[:common])
        if self.rank_enabled and not ranking:
            t = time.perf_counter()
            logits, past = self._forward(rank_ids[common:], copy.deepcopy(shared))
            scores = self._name_scores(logits, past, names)
            ranking = sorted(zip(names, scores), key=lambda x: -x[1])
            timings["rank_s"] = time.perf_counter() - t
        t = time.perf_counter()
        logits, past = self._forward(select_ids[common:], shared)
        ids, finished = self._decode(logits, past, call_schema(cands))
        timings["select_s"] = time.perf_counter() - t
        text = self.tokenizer.decode(ids)
        by_name = {t.name: t for t in cands}
        try:
            call = json.loads(text)
        except json.JSONDecodeError:  # only when max_new_tokens cut the call short
            call = {"name": GENERATE_RESPONSE, "arguments": {}}
            finished = False
        tool = by_name.get(call["name"])  # None only for a cut call when generate_response is no candidate
        problem = validate_arguments(tool, call["arguments"]) if finished and tool else TRUNCATED
        routed = Routed(query, ranking, call["name"], call["arguments"], text, problem is None, considered or names,
                        timings=timings, problem=problem, relevance=relevance)
        self._ground(routed, tool)
        if execute and routed.is_call and routed.valid:
            routed.observation = run_tool(tool, routed.arguments)
        routed.timings["total_s"] = time.perf_counter() - t0
        return routed

    def select_scores(self, query: str, candidates: Sequence[Tool]) -> list[tuple[str, float]]:
        """log P(``{"name": "<name>", "arguments": `` | select prompt) for each candidate, in the order
        given (``generate_response`` added): how strongly stage 2 prefers each name before any argument.
        Greedy selection reads the same distribution token by token; this scores every name whole."""
        cands = prompts.ensure_generate_response(list(candidates))
        names = [t.name for t in cands]
        logits, past = self._forward(self.encoder.prompt(prompts.select_messages(query, cands)))
        seqs = [self.encoder.answer_ids(prompts.call_prefix(name), close=False) for name in names]
        return list(zip(names, self._sequence_scores(logits, past, seqs)))

    def retrieve(self, query: str, k: int) -> list[Tool]:
        if self.catalog is None:
            raise InputError("candidates", "none given and the model has no tool catalog",
                             "a list of tools, or a model trained with tool tokens")
        if self._retriever is None:
            from toolfoundry.retrieval import ToolRetriever

            self._retriever = ToolRetriever(self.model, self.tokenizer, self.catalog)
        by_id = self.catalog.by_id()
        return [by_id[h.id] for h in self._retriever.retrieve([query], k)[0]]

    def act(self, query: str, *, execute: bool = False) -> Routed:
        """ToolGen's agent step: ``Action: <tool token>`` chosen among the catalog's tokens, then the
        arguments under that tool's schema."""
        if self.catalog is None or self.catalog.scheme != "atomic":
            raise InputError("model", "the agent format needs a catalog with atomic tool tokens",
                             "a model trained by the toolgen recipe")
        t0 = time.perf_counter()
        tokens = self.catalog.token_strings()
        token_ids = torch.tensor(self.tokenizer.convert_tokens_to_ids(tokens))
        prefix = self.encoder.prompt(prompts.agent_messages(query), assistant_prefix=prompts.ACTION_PREFIX)
        logits, past = self._forward(prefix)
        scores = torch.log_softmax(logits[token_ids.to(logits.device)], -1)
        best = int(scores.argmax())
        tool = self.catalog.tools[best]
        newline = self.encoder.answer_ids("\n", close=False)
        logits, past = self._forward([int(token_ids[best])] + newline, past)
        params = tool.parameters if isinstance(tool.parameters, dict) else {"type": "object"}
        ids, finished = self._decode(logits, past, _strict(params))
        text = self.tokenizer.decode(ids)
        try:
            arguments = json.loads(text)
        except json.JSONDecodeError:
            arguments, finished = {}, False
        problem = validate_arguments(tool, arguments) if finished else TRUNCATED
        routed = Routed(query, [(tool.name, float(scores[best]))], tool.name, arguments, text, problem is None,
                        [tool.name], problem=problem)
        self._ground(routed, tool)
        if execute and routed.valid:
            routed.observation = run_tool(tool, arguments)
        routed.timings["total_s"] = time.perf_counter() - t0
        return routed


def run_tool(tool: Tool, arguments: dict) -> Any:
    """The tool's observation when toolfoundry can execute it (synthetic tools), else None."""
    from toolfoundry.synth.execute import execute

    try:
        return execute(tool, arguments)
    except (InputError, ValueError, KeyError):
        return None
