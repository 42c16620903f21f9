"""Training queries for a catalog that has none: schema-driven, LLM-written, multi-tool, and the user's own.

    python -m data_jobs.queries TOOLS_URI OUT_URI [--model embedded] [--roundtrip bm25] [--seed 0]

Reads a tools dataset (``toolfoundry data ingest OUT --format openai|mcp|toolbench …`` writes one at
``OUT/tools``) and writes

- ``OUT_URI/examples`` (EXAMPLE_SCHEMA): the accepted requests; ``relevant_tool_ids`` = the tool(s),
  ``provenance`` = the generator (``queries:schema``, ``queries:llm:<model>``, ``queries:multi``,
  ``user:<file>:<line>``), ``split`` = ``test`` for a seeded hash slice (``--test-fraction``) of the
  generated rows, else ``train``; schema-driven rows carry a gold call that validates against the
  tool's schema (``gold_call_name``, ``gold_call_arguments``);
- ``OUT_URI/quarantine`` (QUARANTINE_SCHEMA): every rejected candidate, ``source`` =
  ``<generator>:<step>``, ``reason`` = ``code: detail``; the manifests count rejects per code and per
  generator, accepted rows per generator and per tool, and the acceptance rate.

Generators (per tool of the catalog, each a pure function of the seed and the tool):

- **schema** (:func:`toolfoundry.synth.requests.schema_requests`): the tool's purpose in other words
  (from its description and name) with plausible argument values of the right kinds
  (:mod:`toolfoundry.synth.schema_values`) and the exact gold call; purpose-only requests for tools
  without parameters. ``--schema-per-tool`` per tool.
- **llm**: a causal LM (``--model embedded``: SmolLM2-135M-Instruct on CPU; ``tiny-random``; ``stub``,
  a model-free writer for tests; or any HF directory) reads the tool's document
  (:func:`toolfoundry.documents.tool_document`) under this job's prompt (:data:`INSTRUCTION`,
  :data:`SHOTS`) and samples ``--samples-per-prompt`` requests per prompt (``--llm-per-tool`` per
  tool), in batches, in a Ray Data actor pool (the model loaded once per actor) over fixed chunks of
  ``--chunk-tools`` tools (the unit of resume, written to ``OUT_URI/_work``). ``--engine vllm`` sends
  the same prompts through ``ray.data.llm`` on GPUs (written against Ray 2.60, untested here).
- **multi**: ``--multi-per-tool`` requests that need 2 or 3 tools of the catalog (partners of the
  same category when the catalog has categories), the schema-driven clauses joined as a user writes
  them; ``relevant_tool_ids`` = all of them; no single gold call.
- **user** (``--user-queries FILE``, JSONL ``{"query": …, "tool": id or name}``, ``tool`` may be a
  list): kept as written (only empty, unknown tool and duplicate are rejected), all ``train``; the
  stage builder weights these rows ×4.

Steps (the runner's, in order; a rejected candidate goes to the quarantine with its reason):
``empty``, ``length`` (``--min-words``/``--max-words``, or cut off at ``--max-new-tokens``),
``english`` (a heuristic: Latin script and common English words), ``request`` (LLM text that answers
instead of asking, or talks about the tool or the prompt), ``copies_prompt`` (the tool's description
or a worked example copied), ``name_copy`` (the tool's name), ``duplicate`` / ``ambiguous`` (the same
request, for the same or another tool), ``gold_call`` (schema arguments that do not validate),
``roundtrip`` (the request must retrieve its own tool(s) in the top ``--roundtrip-k`` of the whole
catalog with ``--roundtrip bm25|minilm``; ``none`` turns it off; user queries are exempt) and
``split``.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import os
import random
import re
import sys
import zlib
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from data_jobs import runner
from data_jobs.common import job_main
from toolfoundry import storage
from toolfoundry.documents import split_identifier, tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import EXAMPLE_SCHEMA, QUARANTINE_SCHEMA, TOOL_SCHEMA, Tool
from toolfoundry.storage import join, resolve
from toolfoundry.synth import requests as rq
from toolfoundry.synth.schema_values import validator

KIND_EXAMPLES, KIND_QUARANTINE = "queries.examples", "queries.quarantine"
GENERATORS = ("user", "schema", "llm", "multi")  # also the order in which duplicates are kept
ROUNDTRIPS = ("bm25", "minilm", "none")
PROMPT_VERSION = 1
#: schema-driven candidates per tool: a few over the 20 accepted per tool a catalog is meant to get,
#: since the round-trip check rejects some (on a 2,000-tool catalog 24 left two tools at 19)
SCHEMA_PER_TOOL = 26

# ------------------------------------------------------------------------------------ the LLM prompt
INSTRUCTION = ("You write requests that a user types to an assistant. Read the tool and write one short "
               "request, in English, that this tool would answer. Ask for something concrete, with real "
               "names, places, dates or numbers where the tool needs them. Do not name the tool and do not "
               "answer the request. Reply with the request only.")
# worked examples: (tool document, request). Small models follow demonstrations far better than an
# instruction alone; each prompt shows two of them, rotated, so a tool's prompts differ.
SHOTS = (
    ("weather | get forecast: Returns the weather forecast for a city for the next days. Arguments: city, days.",
     "Will it rain in Lisbon over the next three days?"),
    ("payments | send money: Sends money to one of your contacts. Arguments: recipient, amount, currency.",
     "Please send 40 euros to Marta Silva."),
    ("recipes | find recipes: Finds recipes that use the ingredients you have at home. Arguments: ingredients.",
     "What can I cook with chickpeas, spinach and rice?"),
    ("travel | hotel search: Searches hotels by city and dates, with prices and ratings. Arguments: city, "
     "check in, check out.",
     "I need a hotel in Kyoto from May 3 to May 6."),
    ("learning | flashcards: Create flashcards and review them with spaced repetition.",
     "Help me make flashcards for my Spanish vocabulary."),
    ("finance | stock quote: Returns the latest price of a stock. Arguments: ticker.",
     "How much is a share of Nvidia right now?"),
)
_ANSWER_START = re.compile(r"^(?:sure|certainly|of course|absolutely|okay|ok|yes|no|hello|hi there|i'm sorry|"
                           r"i am sorry|sorry|as an ai|here is|here are|here's|i can help|i'd be happy|"
                           r"i would be happy|great|thank you|thanks|the tool|this tool|the answer)\b", re.I)
_META = re.compile(r"\b(?:tool|api|endpoint|function call|arguments?|parameters?|request:|assistant)\b|<\|", re.I)
STOP_STRINGS = ("\n", "?", "!")  # generation of a sample stops at the end of its first line or question
_LABEL = re.compile(r"^\s*(?:request|user|query|question|example|answer|assistant|output)\s*\d*\s*[:：]\s*", re.I)


def shots_for(prompt_index: int, tool_id: str) -> list[tuple[str, str]]:
    """The two worked examples of a tool's ``prompt_index``-th prompt (rotated by the tool's hash)."""
    start = (zlib.crc32(tool_id.encode()) + 2 * prompt_index) % len(SHOTS)
    return [SHOTS[start], SHOTS[(start + 1) % len(SHOTS)]]


def prompt_document(tool: Tool, max_chars: int = 480) -> str:
    doc = tool_document(tool)
    return doc if len(doc) <= max_chars else doc[:max_chars].rsplit(" ", 1)[0] + " …"


def messages(tool: Tool, prompt_index: int) -> list[dict[str, str]]:
    """The prompt for one tool as chat messages (engines that apply the model's chat template)."""
    turns = [{"role": "system", "content": INSTRUCTION}]
    for doc, request in shots_for(prompt_index, tool.id):
        turns += [{"role": "user", "content": f"Tool: {doc}"}, {"role": "assistant", "content": request}]
    return turns + [{"role": "user", "content": f"Tool: {prompt_document(tool)}"}]


def render_prompt(tool: Tool, prompt_index: int, chatml: bool) -> str:
    """The prompt text: ChatML turns when the tokenizer has them, else plain lines."""
    turns = messages(tool, prompt_index)
    if chatml:
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in turns) + \
            "<|im_start|>assistant\n"
    text = turns[0]["content"] + "\n"
    for m in turns[1:]:
        text += (m["content"] + "\n") if m["role"] == "user" else f"Request: {m['content']}\n"
    return text + "Request:"


def clean_request(text: str) -> str:
    """The request inside a model's answer: first non-empty line, without a label or wrapping quotes."""
    text = (text or "").replace("<|im_end|>", "\n")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _LABEL.sub("", line).strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'`":
        line = line[1:-1].strip()
    return " ".join(line.split())


# ------------------------------------------------------------------------------ catalog, per process
@functools.lru_cache(maxsize=4)
def load_catalog(tools_uri: str, fingerprint: str | None) -> tuple[Tool, ...]:
    """The catalog's tools in order (cached per worker process; the fingerprint keys a changed input)."""
    from toolfoundry.schema import tools_from_table

    return tuple(tools_from_table(storage.read_table(tools_uri, TOOL_SCHEMA)))


@functools.lru_cache(maxsize=4)
def _index(tools_uri: str, fingerprint: str | None) -> dict[str, int]:
    return {t.id: i for i, t in enumerate(load_catalog(tools_uri, fingerprint))}


@functools.lru_cache(maxsize=2)
def load_roundtrip(tools_uri: str, fingerprint: str | None, method: str, model_path: str | None):
    """The retriever the round-trip check ranks with, built once per worker process."""
    tools = list(load_catalog(tools_uri, fingerprint))
    if method == "bm25":
        from toolfoundry.baselines.bm25 import BM25Retriever

        return BM25Retriever(tools)
    from toolfoundry.baselines.dense import DenseRetriever

    return DenseRetriever(tools, model_path)


def ranks_of(retriever, queries: list[str], targets: list[list[int]], batch: int = 256) -> list[list[int]]:
    """1-based rank of each target tool (catalog position) for each query among the whole catalog,
    ties broken by catalog order (as :func:`toolfoundry.baselines.ranking.top_k_ids` does)."""
    out: list[list[int]] = []
    for s in range(0, len(queries), batch):
        scores = np.asarray(retriever.scores(queries[s: s + batch]), dtype=np.float32)
        for row, tgt in zip(scores, targets[s: s + batch]):
            ranks = []
            for t in tgt:
                v = row[t]
                ranks.append(int((row > v).sum() + (row[:t] == v).sum() + 1))
            out.append(ranks)
    return out


# ------------------------------------------------------------------------------------- candidates
def example_id(generator: str, tool_ids: list[str], query: str) -> str:
    key = f"{generator}|{'+'.join(tool_ids)}|{rq.normalize(query)}"
    return "q-" + hashlib.sha1(key.encode()).hexdigest()[:16]


def test_split(example: str, seed: int, fraction: float) -> str:
    """``test`` for a seeded hash slice of example ids (stable under re-sharding and resumes)."""
    return "test" if zlib.crc32(f"{seed}:split:{example}".encode()) / 2 ** 32 < fraction else "train"


def _row(generator: str, query: str, tools: list[Tool], *, provenance: str, arguments: dict | None = None,
         gold: bool = False, raw: str = "", truncated: bool = False, row_id: str | None = None) -> dict:
    ids = [t.id for t in tools]
    return {"id": row_id or example_id(generator, ids, query), "query": query, "relevant_tool_ids": ids,
            "candidate_tool_ids": [], "gold_ranking": ids,
            "gold_call_name": tools[0].name if gold else None,
            "gold_call_arguments": json.dumps(arguments, sort_keys=True) if gold else None,
            "scenario": "multi_tool" if len(ids) > 1 else "plain", "split": "train", "provenance": provenance,
            "_generator": generator, "_raw": raw, "_truncated": truncated}


CANDIDATE_SCHEMA = pa.schema(list(EXAMPLE_SCHEMA) + [pa.field("_generator", pa.string()),
                                                     pa.field("_raw", pa.string()),
                                                     pa.field("_truncated", pa.bool_())])


_VERB_PURPOSES: dict[tuple[str, str, str], tuple[rq.Purpose, ...]] = {}


def _purposes(tool: Tool) -> tuple[rq.Purpose, ...]:
    """The tool's verb purposes (multi-tool clauses need a verb), memoized per worker process."""
    key = (tool.id, tool.name, tool.description)
    if key not in _VERB_PURPOSES:
        if len(_VERB_PURPOSES) > 200_000:
            _VERB_PURPOSES.clear()
        _VERB_PURPOSES[key] = tuple(p for p in rq.purposes(tool) if p.verb)
    return _VERB_PURPOSES[key]


def schema_rows(tool: Tool, n: int, seed: int) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The schema-driven candidates of one tool, and (record, reason) for a tool that yields none."""
    if n <= 0:
        return [], []
    found, problems = rq.schema_requests(tool, n, seed)
    rows = [_row("schema", r.query, [tool], provenance="queries:schema", arguments=r.arguments, gold=True)
            for r in found]
    stop = [p for p in problems if p.startswith(("no_purpose", "no_value"))]
    bad = [({"tool_id": tool.id, "name": tool.name}, stop[0])] if stop and not rows else []
    return rows, bad


def multi_rows(tool: Tool, catalog: tuple[Tool, ...], n: int, seed: int, max_tools: int) -> list[dict]:
    """``n`` requests that need ``tool`` and one or two partners of the catalog (same category when
    it has one), the schema-driven clauses joined as one request."""
    mine = _purposes(tool)
    if n <= 0 or not mine or len(catalog) < 2:
        return []
    rng = random.Random(f"{seed}:multi:{tool.id}")
    from toolfoundry.synth.schema_values import NoValue, draw_arguments

    same = [t for t in catalog if t.category and t.category == tool.category and t.id != tool.id]
    own = set(split_identifier(tool.name).lower().split())
    rows = []
    for _ in range(n * 4):
        if len(rows) >= n:
            break
        size = 3 if max_tools >= 3 and rng.random() < 0.3 else 2
        parts, names = [tool], set(own)
        for _ in range(20):
            if len(parts) >= size:
                break
            pool = same if same and rng.random() < 0.5 else catalog
            cand = pool[rng.randrange(len(pool))]
            words = set(split_identifier(cand.name).lower().split())
            if cand.id in {p.id for p in parts} or not _purposes(cand) or \
                    len(words & names) / max(1, len(words | names)) >= 0.5:
                continue  # a near namesake makes a redundant, ambiguous request
            parts.append(cand)
            names |= words
        if len(parts) < 2:
            continue
        clauses = []
        try:
            for t in parts:
                values = draw_arguments(t.parameters, rng, optional_rate=0.0)
                clauses.append(rq.clause(rng.choice(_purposes(t)), values, rng))
        except NoValue:
            continue
        rows.append(_row("multi", rq.join_clauses(clauses, rng), parts, provenance="queries:multi"))
    return rows


def read_user_queries(path: str, catalog: tuple[Tool, ...]) -> tuple[dict[str, list[dict]], list[dict]]:
    """``--user-queries`` JSONL → candidate rows per first tool id, and quarantine rows for lines that
    are not JSON, lack a query, or name a tool the catalog does not have."""
    by_id = {t.id: t for t in catalog}
    by_name: dict[str, Tool] = {}
    for t in catalog:
        by_name.setdefault(t.name, t)
    rows: dict[str, list[dict]] = {}
    bad: list[dict] = []
    name = os.path.basename(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as err:
        raise InputError("--user-queries", f"{path}: {err.strerror}", "a JSONL file of {query, tool}") from None
    with handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            source = f"user:{name}:{line_no}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                bad.append({"source": source, "reason": f"malformed: not JSON ({err.msg})", "record": line.strip()})
                continue
            if not isinstance(rec, dict):
                bad.append({"source": source, "reason": "malformed: not an object", "record": line.strip()})
                continue
            query = " ".join(str(rec.get("query") or "").split())
            wanted = rec.get("tool", rec.get("tools"))
            wanted = wanted if isinstance(wanted, list) else [wanted]
            tools = [by_id.get(str(w)) or by_name.get(str(w)) for w in wanted if w is not None]
            if not query:
                bad.append({"source": source, "reason": 'empty: no "query"', "record": line.strip()})
            elif not tools or any(t is None for t in tools):
                bad.append({"source": source, "reason": f"unknown_tool: {wanted!r} is not a tool id or name of "
                            "the catalog", "record": line.strip()})
            else:
                row = _row("user", query, tools, provenance=source,
                           row_id="u-" + hashlib.sha1(f"{name}:{line_no}:{query}".encode()).hexdigest()[:16])
                rows.setdefault(tools[0].id, []).append(row)
    return rows, bad


# ------------------------------------------------------------------------------------------ steps
def _gen(table: pa.Table) -> list[str]:
    return table["_generator"].to_pylist()


def _rejects(table: pa.Table, reasons: list[str | None], step: str):
    """Like :func:`runner.by_reason`, with ``source`` = ``<generator>:<step>``."""
    kept, rejected = runner.by_reason(table, reasons)
    return kept, [(row, why, f"{row['_generator']}:{step}") for row, why in rejected]


def make_steps(cfg: dict) -> list[runner.Step]:
    """The job's filters, each ``table → (kept, rejected)`` over candidate rows (:data:`CANDIDATE_SCHEMA`)."""
    tools_uri, fp = cfg["tools_uri"], cfg["fingerprint"]
    shots = {rq.normalize(r) for _, r in SHOTS}

    def catalog():
        return load_catalog(tools_uri, fp), _index(tools_uri, fp)

    def empty(t):
        return _rejects(t, [("empty: nothing left after clean-up" if not q.strip() else None)
                            for q in t["query"].to_pylist()], "empty")

    def length(t):
        out = []
        for q, g, cut in zip(t["query"].to_pylist(), _gen(t), t["_truncated"].to_pylist()):
            n = len(q.split())
            if g == "user":
                out.append(None)
            elif cut:
                out.append(f"too_long: cut off at {cfg['max_new_tokens']} new tokens")
            elif n < cfg["min_words"]:
                out.append(f"too_short: {n} words < {cfg['min_words']}")
            elif n > cfg["max_words"] * (3 if g == "multi" else 1):
                out.append(f"too_long: {n} words > {cfg['max_words']}")
            else:
                out.append(None)
        return _rejects(t, out, "length")

    def english(t):  # the generators' own requests are English by construction
        return _rejects(t, [None if g != "llm" or rq.is_english(q) else "not_english: fails the English check"
                            for q, g in zip(t["query"].to_pylist(), _gen(t))], "english")

    def request(t):
        out = []
        for q, g in zip(t["query"].to_pylist(), _gen(t)):
            if g != "llm":
                out.append(None)
            elif _ANSWER_START.match(q):
                out.append(f"not_a_request: starts like an answer ({q.split()[0]!r})")
            elif _META.search(q):
                out.append("not_a_request: talks about the tool or the prompt")
            else:
                out.append(None)
        return _rejects(t, out, "request")

    def copies_prompt(t):
        tools, index = catalog()
        out = []
        for q, g, ids in zip(t["query"].to_pylist(), _gen(t), t["relevant_tool_ids"].to_pylist()):
            norm = rq.normalize(q)
            if g != "llm":
                out.append(None)
            elif norm in shots:
                out.append("copies_prompt: a worked example")
            elif len(norm.split()) >= 4 and norm in rq.normalize(tools[index[ids[0]]].description):
                out.append("copies_prompt: the tool's description")
            else:
                out.append(None)
        return _rejects(t, out, "copies_prompt")

    def name_copy(t):
        tools, index = catalog()
        out = []
        for q, g, ids in zip(t["query"].to_pylist(), _gen(t), t["relevant_tool_ids"].to_pylist()):
            hit = next((tools[index[i]].name for i in ids if rq.names_tool(q, tools[index[i]])), None) \
                if g != "user" else None
            out.append(f"name_copy: names the tool {hit!r}" if hit else None)
        return _rejects(t, out, "name_copy")

    def duplicate(t):
        first: dict[str, tuple[str, tuple]] = {}
        out = []
        for rid, q, ids in zip(t["id"].to_pylist(), t["query"].to_pylist(), t["relevant_tool_ids"].to_pylist()):
            key, tools_key = rq.normalize(q), tuple(sorted(ids))
            if key not in first:
                first[key] = (rid, tools_key)
                out.append(None)
            elif first[key][1] == tools_key:
                out.append(f"duplicate: same request as {first[key][0]}")
            else:
                out.append(f"ambiguous: the same request was made for {'+'.join(first[key][1])}")
        return _rejects(t, out, "duplicate")

    def gold_call(t):
        tools, index = catalog()
        out = []
        for g, ids, args in zip(_gen(t), t["relevant_tool_ids"].to_pylist(), t["gold_call_arguments"].to_pylist()):
            if args is None:
                out.append(None)
                continue
            check = validator(tools[index[ids[0]]].parameters)
            errors = sorted(check.iter_errors(json.loads(args)), key=lambda e: list(e.path))
            out.append(f"gold_call: {errors[0].message}" if errors else None)
        return _rejects(t, out, "gold_call")

    def roundtrip(t):
        if cfg["roundtrip"] == "none" or t.num_rows == 0:
            return t, []
        tools, index = catalog()
        gens = _gen(t)
        todo = [i for i, g in enumerate(gens) if g != "user"]
        if not todo:
            return t, []
        retriever = load_roundtrip(tools_uri, fp, cfg["roundtrip"], cfg.get("minilm_path"))
        queries, ids = t["query"].to_pylist(), t["relevant_tool_ids"].to_pylist()
        ranks = ranks_of(retriever, [queries[i] for i in todo], [[index[x] for x in ids[i]] for i in todo])
        out: list[str | None] = [None] * t.num_rows
        for i, rk in zip(todo, ranks):
            need = cfg["roundtrip_k"] * len(ids[i])
            worst = max(range(len(rk)), key=lambda j: rk[j])
            if rk[worst] > need:
                out[i] = f"roundtrip: {cfg['roundtrip']} ranks {ids[i][worst]} at {rk[worst]} (needs top {need})"
        return _rejects(t, out, "roundtrip")

    def split(t):
        gens = _gen(t)
        values = [("train" if g == "user" else test_split(i, cfg["seed"], cfg["test_fraction"]))
                  for i, g in zip(t["id"].to_pylist(), gens)]
        return t.set_column(t.schema.get_field_index("split"), "split", pa.array(values, pa.string())), []

    return [runner.Step(name, fn) for name, fn in (
        ("empty", empty), ("length", length), ("english", english), ("request", request),
        ("copies_prompt", copies_prompt), ("name_copy", name_copy), ("duplicate", duplicate),
        ("gold_call", gold_call), ("roundtrip", roundtrip), ("split", split))]


# --------------------------------------------------------------------------------- the LLM stage
WORK_SCHEMA = pa.schema([pa.field("tool_id", pa.string()), pa.field("prompt", pa.int32()),
                         pa.field("sample", pa.int32()), pa.field("text", pa.string()),
                         pa.field("truncated", pa.bool_())])


def chunk_seed(seed: int, chunk: int, batch: int) -> int:
    return zlib.crc32(f"{seed}:queries:{chunk}:{batch}".encode())


class StubWriter:
    """A model-free writer for tests: requests made from the tool's document, plus, in turn, the bad
    answers a small model gives (a copy of the name, an answer, another language, a cut-off ramble),
    so every filter runs without a model."""

    def __init__(self, cfg: dict):
        self.cfg = cfg

    def write(self, tools: list[Tool], prompts: list[int], seed: int) -> tuple[list[list[str]], list[list[bool]]]:
        texts, cut = [], []
        for tool, p in zip(tools, prompts):
            rng = random.Random(f"{seed}:{tool.id}:{p}")
            found = rq.purposes(tool)
            outs, trunc = [], []
            for s in range(self.cfg["samples"]):
                kind = (p * self.cfg["samples"] + s) % 6
                if kind == 1:
                    outs.append(f"Use {tool.name} for me."), trunc.append(False)
                elif kind == 3:
                    outs.append("Sure! Here is what I found for you."), trunc.append(False)
                elif kind == 5:
                    outs.append("Quiero saber más sobre esto, por favor."), trunc.append(False)
                elif found:
                    purpose = rng.choice(found)
                    outs.append(f"{rng.choice(('Could you', 'Please', 'I want to'))} {purpose.text}?"
                                if purpose.verb else f"I'm looking for {purpose.text}."), trunc.append(False)
                else:
                    outs.append(" ".join(["more"] * 80)), trunc.append(True)
            texts.append(outs)
            cut.append(trunc)
        return texts, cut


class HFWriter:
    """A causal LM with transformers: prompts in batches, ``samples`` sequences each."""

    def __init__(self, cfg: dict):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch

        from toolfoundry.modeling import load_generator

        self.torch, self.cfg = torch, cfg
        self.model, self.tok, self.chatml, self.eos = load_generator(cfg["model"], cfg["dtype"], cfg["threads"])

    def write(self, tools: list[Tool], prompts: list[int], seed: int) -> tuple[list[list[str]], list[list[bool]]]:
        torch, cfg, n = self.torch, self.cfg, self.cfg["samples"]
        enc = self.tok([render_prompt(t, p, self.chatml) for t, p in zip(tools, prompts)], return_tensors="pt",
                       padding=True, add_special_tokens=False)
        torch.manual_seed(seed)
        with torch.inference_mode():  # a request is one sentence: each sequence stops at its first end
            out = self.model.generate(**enc, max_new_tokens=cfg["max_new_tokens"], do_sample=True,
                                      temperature=cfg["temperature"], top_p=cfg["top_p"], num_return_sequences=n,
                                      eos_token_id=self.eos, pad_token_id=self.tok.pad_token_id,
                                      stop_strings=list(STOP_STRINGS), tokenizer=self.tok)
        new = out[:, enc["input_ids"].shape[1]:].tolist()
        ends = set(self.eos) | ({self.tok.pad_token_id} if self.tok.pad_token_id is not None else set())
        texts, cut = [], []
        for i in range(len(tools)):
            outs, trunc = [], []
            for row in new[i * n: (i + 1) * n]:
                ended = [row.index(t) for t in ends if t in row]
                if ended:
                    row = row[: min(ended)]
                text = self.tok.decode(row, skip_special_tokens=True)
                outs.append(text)
                trunc.append(len(row) >= cfg["max_new_tokens"] and not any(s in text for s in STOP_STRINGS))
            texts.append(outs)
            cut.append(trunc)
        return texts, cut


class QueryWriter:
    """Ray Data actor: one writer (model) per actor; each call writes whole chunks of tools to the work folder."""

    def __init__(self, units: list[dict], cfg: dict):
        self.units, self.cfg = units, cfg
        self.writer = StubWriter(cfg) if cfg["model"] == "stub" else HFWriter(cfg)

    def __call__(self, batch: dict) -> dict:
        cfg = self.cfg
        tools = load_catalog(cfg["tools_uri"], cfg["fingerprint"])
        done = []
        for u in batch["id"]:
            unit = self.units[int(u)]
            if storage.file_exists(cfg["work"], unit["name"]):
                done.append(int(u))
                continue
            jobs = [(tools[i], p) for i in unit["tools"] for p in range(cfg["prompts_per_tool"])]
            rows = []
            for b in range(0, len(jobs), cfg["batch_size"]):
                part = jobs[b: b + cfg["batch_size"]]
                texts, cut = self.writer.write([t for t, _ in part], [p for _, p in part],
                                               chunk_seed(cfg["seed"], unit["chunk"], b))
                for (tool, p), outs, trunc in zip(part, texts, cut):
                    rows += [{"tool_id": tool.id, "prompt": p, "sample": s, "text": o, "truncated": c}
                             for s, (o, c) in enumerate(zip(outs, trunc))]
            storage.write_parquet(pa.Table.from_pylist(rows, schema=WORK_SCHEMA), cfg["work"], unit["name"])
            done.append(int(u))
        return {"unit": np.asarray(done, dtype=np.int64)}


def write_with_vllm(units: list[dict], todo: list[int], cfg: dict) -> None:
    """The LLM stage through ``ray.data.llm`` with a vLLM engine (GPUs).

    Untested: the development machine has no GPU and no vLLM. Written against Ray 2.60
    (``vLLMEngineProcessorConfig`` + ``build_processor``, the chat template applied by the processor
    to :func:`messages`); each (tool, prompt) row is repeated ``samples`` times with its own sampling
    seed, and the rows are written to the same work files as the transformers path.
    """
    import ray
    from ray.data import llm as rdllm

    tools = load_catalog(cfg["tools_uri"], cfg["fingerprint"])
    items = [{"unit": i, "tool": t, "prompt": p, "sample": s,
              "seed": chunk_seed(cfg["seed"], units[i]["chunk"], t * 1000 + p * 10 + s)}
             for i in todo for t in units[i]["tools"]
             for p in range(cfg["prompts_per_tool"]) for s in range(cfg["samples"])]
    build = getattr(rdllm, "build_processor", None) or getattr(rdllm, "build_llm_processor")
    config = rdllm.vLLMEngineProcessorConfig(
        model_source=cfg["model"], engine_kwargs={"max_model_len": 2048, "enable_prefix_caching": True},
        concurrency=cfg.get("concurrency") or 1, batch_size=64)

    def pre(row: dict) -> dict:
        return {**row, "messages": messages(tools[row["tool"]], row["prompt"]),
                "sampling_params": {"temperature": cfg["temperature"], "top_p": cfg["top_p"],
                                    "max_tokens": cfg["max_new_tokens"], "seed": int(row["seed"])}}

    def post(row: dict) -> dict:
        return {"unit": row["unit"], "tool": row["tool"], "prompt": row["prompt"], "sample": row["sample"],
                "text": row["generated_text"],
                "truncated": int(row.get("num_generated_tokens", 0)) >= cfg["max_new_tokens"]}

    out = build(config, preprocess=pre, postprocess=post)(ray.data.from_items(items)).to_pandas()
    for i in todo:
        part = out[out["unit"] == i].sort_values(["tool", "prompt", "sample"])
        rows = [{"tool_id": tools[int(r.tool)].id, "prompt": int(r.prompt), "sample": int(r.sample),
                 "text": str(r.text), "truncated": bool(r.truncated)} for r in part.itertuples()]
        storage.write_parquet(pa.Table.from_pylist(rows, schema=WORK_SCHEMA), cfg["work"], units[i]["name"])


# ------------------------------------------------------------------------------------------- run
def _bounds(total: int, parts: int, k: int) -> tuple[int, int]:
    return total * k // parts, total * (k + 1) // parts


def _counts(examples_uri: str, quarantine_uri: str, n_tools: int, target: int) -> dict:
    """The manifest's ``queries`` section, read from the written files (a resumed run reports the same)."""
    accepted: Counter = Counter()
    per_tool: Counter = Counter()
    splits: Counter = Counter()
    for path in storage.shard_paths(examples_uri):
        t = runner.read_shard(path, ["relevant_tool_ids", "split", "provenance"])
        for ids, split, prov in zip(t["relevant_tool_ids"].to_pylist(), t["split"].to_pylist(),
                                    t["provenance"].to_pylist()):
            gen = "user" if prov.startswith("user:") else prov.split(":")[1]
            accepted[gen] += 1
            splits[split] += 1
            for i in ids:
                per_tool[i] += 1
    rejected: dict[str, Counter] = {g: Counter() for g in GENERATORS}
    for path in storage.shard_paths(quarantine_uri):
        t = runner.read_shard(path, ["source", "reason"])
        for source, reason in zip(t["source"].to_pylist(), t["reason"].to_pylist()):
            gen = source.split(":", 1)[0]
            rejected.setdefault(gen, Counter())[runner.reason_code(reason)] += 1
    by_gen = {}
    for g in GENERATORS:
        cand = accepted[g] + sum(rejected[g].values())
        by_gen[g] = {"candidates": cand, "accepted": accepted[g], "rejected": dict(sorted(rejected[g].items())),
                     "acceptance_rate": round(accepted[g] / cand, 4) if cand else None}
    values = sorted(list(per_tool.values()) + [0] * max(0, n_tools - len(per_tool)))
    total_c = sum(v["candidates"] for v in by_gen.values())
    total_a = sum(accepted.values())
    return {
        "generators": by_gen,
        "candidates": total_c, "accepted": total_a,
        "acceptance_rate": round(total_a / total_c, 4) if total_c else None,
        "split": dict(sorted(splits.items())),
        "per_tool": {"tools": n_tools, "min": values[0] if values else 0,
                     "median": values[len(values) // 2] if values else 0,
                     "mean": round(sum(values) / max(1, len(values)), 2), "max": values[-1] if values else 0,
                     "target": target, "below_target": sum(1 for v in values if v < target),
                     "without_queries": sum(1 for v in values if v == 0)},
    }


def run(tools_uri: str, out_uri: str, *, seed: int = 0, schema_per_tool: int = SCHEMA_PER_TOOL,
        llm_per_tool: int = 8,
        llm_fraction: float = 1.0, samples_per_prompt: int = 4, multi_per_tool: int = 1, multi_max_tools: int = 3,
        model: str = "embedded",
        engine: str = "hf", roundtrip: str = "bm25", roundtrip_k: int = 10, test_fraction: float = 0.1,
        user_queries: str | None = None, min_words: int = 3, max_words: int = 40, temperature: float = 0.9,
        top_p: float = 0.95, max_new_tokens: int = 32, batch_size: int = 8, chunk_tools: int = 32,
        num_shards: int | None = None, concurrency: int | None = None, threads: int = 1, dtype: str = "float32",
        minilm_path: str | None = None, target_per_tool: int = 20) -> dict:
    """Synthesize queries for every tool of ``tools_uri`` into ``out_uri/examples`` (see the module doc)."""
    for name, value, ok, want in (
        ("schema_per_tool", schema_per_tool, schema_per_tool >= 0, "0 or more"),
        ("llm_per_tool", llm_per_tool, llm_per_tool >= 0, "0 or more"),
        ("llm_fraction", llm_fraction, 0 < llm_fraction <= 1, "a share of the tools in (0, 1]"),
        ("samples_per_prompt", samples_per_prompt, samples_per_prompt >= 1, "at least 1"),
        ("multi_per_tool", multi_per_tool, multi_per_tool >= 0, "0 or more"),
        ("multi_max_tools", multi_max_tools, multi_max_tools in (2, 3), "2 or 3"),
        ("engine", engine, engine in ("hf", "vllm"), "'hf' (transformers) or 'vllm' (ray.data.llm, GPUs)"),
        ("roundtrip", roundtrip, roundtrip in ROUNDTRIPS, f"one of {ROUNDTRIPS}"),
        ("roundtrip_k", roundtrip_k, roundtrip_k >= 1, "at least 1"),
        ("test_fraction", test_fraction, 0 <= test_fraction < 1, "a share in [0, 1)"),
        ("min_words", min_words, min_words >= 1, "at least 1"),
        ("max_words", max_words, max_words >= min_words, "at least --min-words"),
        ("temperature", temperature, temperature > 0, "a positive sampling temperature"),
        ("top_p", top_p, 0 < top_p <= 1, "a value in (0, 1]"),
        ("max_new_tokens", max_new_tokens, max_new_tokens >= 4, "at least 4"),
        ("batch_size", batch_size, batch_size >= 1, "at least 1"),
        ("chunk_tools", chunk_tools, chunk_tools >= 1, "at least 1"),
        ("threads", threads, threads >= 1, "at least 1"),
    ):
        if not ok:
            raise InputError(f"--{name.replace('_', '-')}", f"{value!r}", want)
    manifest = storage.read_manifest(tools_uri)  # fails naming the path when it is not a dataset
    if "tool" not in str(manifest.get("kind", "")) and "tools" not in tools_uri.rstrip("/").rsplit("/", 1)[-1]:
        raise InputError(tools_uri, f"a {manifest.get('kind')!r} dataset", "a tools dataset (e.g. OUT/tools of "
                         "`toolfoundry data ingest`)")
    fp = runner.fingerprint(tools_uri)
    catalog = load_catalog(tools_uri, fp)
    if not catalog:
        raise InputError(tools_uri, "no tools", "a catalog with at least one tool")
    if engine == "vllm" and model in ("stub", "tiny-random", "embedded"):
        raise InputError("--model", f"{model!r} with --engine vllm", "a Hugging Face model directory or id")
    n_tools = len(catalog)
    n = num_shards or max(1, min(64, math.ceil(n_tools / 250)))
    examples_uri, quarantine_uri, work = join(out_uri, "examples"), join(out_uri, "quarantine"), join(out_uri, "_work")
    user_rows, user_bad = read_user_queries(user_queries, catalog) if user_queries else ({}, [])
    prompts_per_tool = math.ceil(llm_per_tool / samples_per_prompt) if llm_per_tool else 0
    model_label = model if model in ("embedded", "tiny-random", "stub") else os.path.basename(model.rstrip("/"))
    params = {"schema_per_tool": schema_per_tool, "llm_per_tool": llm_per_tool, "llm_fraction": llm_fraction,
              "samples_per_prompt": samples_per_prompt, "multi_per_tool": multi_per_tool,
              "multi_max_tools": multi_max_tools, "model": model, "engine": engine, "roundtrip": roundtrip,
              "roundtrip_k": roundtrip_k, "test_fraction": test_fraction, "user_queries": user_queries,
              "min_words": min_words, "max_words": max_words, "temperature": temperature, "top_p": top_p,
              "max_new_tokens": max_new_tokens, "batch_size": batch_size, "chunk_tools": chunk_tools,
              "dtype": dtype, "prompt_version": PROMPT_VERSION, "instruction": INSTRUCTION,
              "minilm_path": minilm_path}
    cfg = {**params, "seed": seed, "tools_uri": tools_uri, "fingerprint": fp, "work": work, "threads": threads,
           "samples": samples_per_prompt, "prompts_per_tool": prompts_per_tool, "concurrency": concurrency}
    # the LLM's tools: every tool, or a seeded share (--llm-fraction), in fixed chunks (the unit of resume)
    chosen = [i for i, t in enumerate(catalog) if llm_fraction >= 1 or
              zlib.crc32(f"{seed}:llm:{t.id}".encode()) / 2 ** 32 < llm_fraction] if prompts_per_tool else []
    units = [{"chunk": c, "tools": chosen[a: a + chunk_tools], "name": f"llm-c{c:05d}.parquet"}
             for c, a in enumerate(range(0, len(chosen), chunk_tools))]

    def write_llm(todo: list[int]) -> None:
        import ray

        if engine == "vllm":
            write_with_vllm(units, todo, cfg)
            return
        pool = concurrency or max(1, int(ray.cluster_resources().get("CPU", 2)) // max(1, threads))
        pool = max(1, min(pool, len(todo)))
        ds = ray.data.from_items([{"id": i} for i in todo], override_num_blocks=len(todo)).map_batches(
            QueryWriter, fn_constructor_args=(units, cfg), batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=pool), num_cpus=threads)
        for _ in ds.iter_batches(batch_size=None, batch_format="numpy"):
            pass

    user_ids = {i for i in user_rows}

    def read(k: int) -> dict:
        tools = load_catalog(tools_uri, fp)
        a, b = _bounds(n_tools, n, k)
        mine = tools[a:b]
        by_gen: dict[str, list[dict]] = {g: [] for g in GENERATORS}
        bad = []
        for tool in mine:
            if tool.id in user_ids:
                by_gen["user"] += user_rows[tool.id]
            rows, problems = schema_rows(tool, schema_per_tool, seed)
            by_gen["schema"] += rows
            bad += [(rec, why, "schema:generate") for rec, why in problems]
        if units:
            texts: dict[str, list[dict]] = {}
            for u in units:
                if any(a <= i < b for i in u["tools"]):
                    for r in runner.read_shard(join(work, u["name"])).to_pylist():
                        texts.setdefault(r["tool_id"], []).append(r)
            for tool in mine:
                for r in texts.get(tool.id, []):
                    by_gen["llm"].append(_row("llm", clean_request(r["text"]), [tool],
                                              provenance=f"queries:llm:{model_label}", raw=r["text"],
                                              truncated=bool(r["truncated"]),
                                              gold=not (tool.parameters.get("properties") or {}), arguments={}))
        for tool in mine:
            by_gen["multi"] += multi_rows(tool, tools, multi_per_tool, seed, multi_max_tools)
        rows = [r for g in GENERATORS for r in by_gen[g]]
        out = {"examples": pa.Table.from_pylist(rows, schema=CANDIDATE_SCHEMA)}
        quarantine = runner.rejected_table(bad, "schema:generate") if bad else QUARANTINE_SCHEMA.empty_table()
        if k == 0 and user_bad:
            quarantine = pa.concat_tables([quarantine, pa.Table.from_pylist(user_bad, schema=QUARANTINE_SCHEMA)])
        if quarantine.num_rows:
            out[runner.QUARANTINE] = quarantine
        return out

    def extra(_counts_: dict) -> dict:
        info = {"queries": _counts(examples_uri, quarantine_uri, n_tools, target_per_tool)}
        return {"examples": info, runner.QUARANTINE: info}

    stages = [runner.Stage("llm", len(units), files=lambda i: [(work, units[i]["name"])], run_many=write_llm)] \
        if units else []
    result = runner.run(runner.Job(
        plan=runner.Plan("queries", params=params, seed=seed,
                         inputs=[tools_uri] + ([user_queries] if user_queries else [])),
        outputs={"examples": runner.Output(examples_uri, KIND_EXAMPLES, EXAMPLE_SCHEMA, parents=[tools_uri])},
        quarantine=runner.Output(quarantine_uri, KIND_QUARANTINE, QUARANTINE_SCHEMA),
        num_shards=n, read=read, steps={"examples": make_steps(cfg)}, stages=stages,
        work=work if units else None, extra=extra))
    info = result["manifests"]["examples"]["queries"]
    return {"examples": examples_uri, "quarantine": quarantine_uri, "rows": result["rows"]["examples"],
            "quarantined": result["quarantined"], "quarantine_reasons": result["reasons"], **info,
            "shards_written": result["shards_written"], "shards_skipped": result["shards_skipped"],
            "timings": result["timings"]}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tools_uri", help="tools dataset (e.g. OUT/tools of `toolfoundry data ingest`)")
    p.add_argument("out_uri", help="output folder: examples/, quarantine/ (and _work/ for the LLM stage)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--schema-per-tool", type=int, default=SCHEMA_PER_TOOL, help="schema-driven candidates per tool")
    p.add_argument("--llm-per-tool", type=int, default=8, help="LLM samples per tool (0: no LLM stage)")
    p.add_argument("--llm-fraction", type=float, default=1.0,
                   help="seeded share of the tools the LLM writes for (its cost bound on CPUs)")
    p.add_argument("--samples-per-prompt", type=int, default=4, help="sequences sampled per prompt")
    p.add_argument("--multi-per-tool", type=int, default=1, help="multi-tool requests led by each tool")
    p.add_argument("--multi-max-tools", type=int, default=3, choices=(2, 3))
    p.add_argument("--model", default="embedded",
                   help="'embedded' (SmolLM2-135M), 'tiny-random', 'stub' (no model; tests) or an HF dir")
    p.add_argument("--engine", default="hf", choices=("hf", "vllm"),
                   help="hf: transformers in an actor pool; vllm: ray.data.llm on GPUs (untested here)")
    p.add_argument("--roundtrip", default="bm25", choices=ROUNDTRIPS,
                   help="retriever a request must find its own tool with (none: no round-trip check)")
    p.add_argument("--roundtrip-k", type=int, default=10, help="the tool must rank in this top k (k × tools)")
    p.add_argument("--test-fraction", type=float, default=0.1, help="held-out share (split test, seeded hash)")
    p.add_argument("--user-queries", default=None, help='JSONL of real {"query", "tool"} kept as user:… rows')
    p.add_argument("--min-words", type=int, default=3)
    p.add_argument("--max-words", type=int, default=40)
    p.add_argument("--temperature", type=float, default=0.9)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--max-new-tokens", type=int, default=32, help="a sample cut off here is rejected (too_long)")
    p.add_argument("--batch-size", type=int, default=8, help="prompts per generate call")
    p.add_argument("--chunk-tools", type=int, default=32, help="tools per LLM work unit (the unit of resume)")
    p.add_argument("--num-shards", type=int, default=None, help="output shards (default: one per 250 tools)")
    p.add_argument("--concurrency", type=int, default=None, help="LLM actors (default: CPUs / --threads)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (and Ray CPUs) per LLM actor")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--minilm-path", default=None, help="encoder for --roundtrip minilm (default: embedded MiniLM)")


def run_from_args(a: argparse.Namespace) -> dict:
    return run(a.tools_uri, a.out_uri, seed=a.seed, schema_per_tool=a.schema_per_tool, llm_per_tool=a.llm_per_tool,
               llm_fraction=a.llm_fraction, samples_per_prompt=a.samples_per_prompt, multi_per_tool=a.multi_per_tool,
               multi_max_tools=a.multi_max_tools, model=a.model, engine=a.engine, roundtrip=a.roundtrip,
               roundtrip_k=a.roundtrip_k, test_fraction=a.test_fraction, user_queries=a.user_queries,
               min_words=a.min_words, max_words=a.max_words, temperature=a.temperature, top_p=a.top_p,
               max_new_tokens=a.max_new_tokens, batch_size=a.batch_size, chunk_tools=a.chunk_tools,
               num_shards=a.num_shards, concurrency=a.concurrency, threads=a.threads, dtype=a.dtype,
               minilm_path=a.minilm_path)


def main(argv: list[str] | None = None) -> int:
    return job_main("data_jobs.queries", __doc__, add_arguments, run_from_args, argv)


if __name__ == "__main__":
    sys.exit(main())
