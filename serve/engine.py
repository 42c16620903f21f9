"""The model side of the endpoint, without Ray: one causal LM answering retrieve, route and chat.

:class:`ToolEngine` owns the model, its tokenizer, the catalog (when the model directory has one),
the :class:`~toolfoundry.calling.Router` and the :class:`~toolfoundry.retrieval.ToolRetriever` over
the same weights. Its methods take whole batches: ``serve/batching.py`` collects concurrent requests
into batches and calls them from one worker thread.

- ``retrieve``: one forward pass and a masked top-k over the catalog's tool tokens for the whole batch
  (atomic indexing); trie beam search per query for multi-token schemes; or, when the model directory
  has a ``retriever.json`` (:func:`toolfoundry.rerank.save_pipeline`), MiniLM with its top candidates
  reranked by an LM's query likelihood.
- ``route``: the queries that need catalog candidates are retrieved together in one forward pass,
  then each query is ranked, selected and called under its candidates' grammar (cached per schema).
- ``generate``: a plain chat answer (no tool), greedy.

Errors a client caused come back as :class:`ApiError` values (status, field, message), never raised
through Ray, so that one bad request does not fail the batch it was part of.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from toolfoundry.calling import Router
from toolfoundry.errors import InputError
from toolfoundry.retrieval import ToolRetriever
from toolfoundry.schema import GENERATE_RESPONSE, Tool


class ApiError(Exception):
    """A request the endpoint refuses: HTTP status, the field at fault (``param``) and a message."""

    def __init__(self, status: int, param: str | None, message: str, kind: str = "invalid_request_error",
                 headers: dict | None = None):
        super().__init__(status, param, message, kind, headers)
        self.status, self.param, self.message, self.kind = status, param, message, kind
        self.headers = headers or {}

    def __str__(self) -> str:
        return self.message

    def body(self) -> dict:
        """The OpenAI error shape, which the ``openai`` client turns into its exceptions."""
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.status}}


def overloaded(retry_after_s: float) -> ApiError:
    """The 503 + ``Retry-After`` every refusal for overload gets."""
    wait = math.ceil(retry_after_s)
    return ApiError(503, None, f"overloaded: every model replica is busy and the queue is full; retry after {wait} s",
                    kind="overloaded_error", headers={"Retry-After": str(wait)})


def input_error(err: InputError, status: int = 422) -> ApiError:
    return ApiError(status, err.where, str(err))


def resolve_device(num_gpus: float) -> str:
    return "cuda" if num_gpus > 0 and torch.cuda.is_available() else "cpu"


def _call_option_name(option: dict) -> str | None:
    """The tool name of one option of :func:`toolfoundry.calling.call_schema`, else None."""
    try:
        name = option["properties"]["name"]["const"]
    except (KeyError, TypeError):
        return None
    return name if isinstance(name, str) and set(option["properties"]) == {"name", "arguments"} else None


class ServingRouter(Router):
    """The Router with a selection step that compiles no grammar per candidate set.

    ``Router`` decodes ``{"name": …, "arguments": …}`` under one grammar compiled from all the
    candidates' schemas, so every new candidate set (each query retrieves its own) pays a compile.
    Here the call prefix ``{"name": "<name>", "arguments":`` of every candidate (its canonical
    tokenization, as training wrote it) is scored in one batched forward pass on the select prompt's
    cache, the name is chosen by greedy descent through the trie of those prefixes (what greedy
    constrained decoding picks among them), and only the arguments are decoded step by step, under
    the chosen tool's own grammar, compiled once per tool schema and cached.
    """

    def _decode(self, logits: torch.Tensor, past, schema: dict) -> tuple[list[int], bool]:
        options = schema.get("anyOf", [schema]) if isinstance(schema, dict) else []
        names = [_call_option_name(o) for o in options]
        if not options or None in names:
            return super()._decode(logits, past, schema)
        seqs = [self.encoder.answer_ids('{"name": ' + json.dumps(n, ensure_ascii=False) + ', "arguments":', close=False)
                for n in names]
        index, logits, past = self._choose_prefix(logits, past, seqs)
        matcher = self.grammars.matcher(options[index])
        if not all(matcher.accept_token(t) for t in seqs[index]):  # a tokenizer that splits JSON oddly
            raise RuntimeError(f"the grammar of {names[index]!r} refused its canonical call prefix")
        ids, finished = self._decode_from(matcher, logits, past)
        return seqs[index] + ids, finished

    def _choose_prefix(self, logits: torch.Tensor, past, seqs: list[list[int]]):
        """(index of the chosen prefix, logits after it, the cache extended by it)."""
        if len(seqs) == 1:
            logits, past = self._forward(seqs[0], past)
            return 0, logits, past
        prompt_length = past.get_seq_length()
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.tokenizer.pad_token_id or 0, dtype=torch.long)
        for i, seq in enumerate(seqs):
            ids[i, :len(seq)] = torch.tensor(seq)
        past.batch_repeat_interleave(len(seqs))
        mask = torch.ones((len(seqs), prompt_length + width), dtype=torch.long)
        with torch.inference_mode():
            out = self.model(input_ids=ids.to(self.model.device), past_key_values=past,
                             attention_mask=mask.to(self.model.device), use_cache=True)
        alive, depth = list(range(len(seqs))), 0
        while len(alive) > 1:  # the prefixes are distinct texts, so no prefix ends before the others split
            step = logits if depth == 0 else out.logits[alive[0], depth - 1]
            best = max({seqs[j][depth] for j in alive}, key=lambda t: float(step[t]))
            alive = [j for j in alive if seqs[j][depth] == best]
            depth += 1
        index = alive[0]
        past.batch_select_indices(torch.tensor([index], device=self.model.device))
        if width > len(seqs[index]):  # drop the padding positions (transformers 5: a negative count)
            past.crop(len(seqs[index]) - width)
        return index, out.logits[index, len(seqs[index]) - 1].float(), past


@dataclass
class RouteJob:
    """One route: the query, the client's candidates (None: retrieve from the catalog) and extras."""

    query: str
    tools: list[Tool] | None = None
    live: list[Tool] = field(default_factory=list)  # live tools to add to retrieved candidates
    k: int = 5
    fallback: bool = True  # generate_response is a candidate
    execute: bool = False


class ToolEngine:
    """One model for retrieval (its catalog), routing and chat; not thread-safe: call from one thread."""

    def __init__(self, source: str, dtype: str = "auto", device: str = "cpu", max_new_tokens: int = 160,
                 max_text_tokens: int = 128, torch_threads: int | None = None,
                 relevance_threshold: float | None = None, relevance_ranks: bool = True,
                 ground_optional: bool = True):
        from toolfoundry.modeling import resolve_dtype

        if torch_threads:
            torch.set_num_threads(torch_threads)
        self.device = device
        self.dtype = resolve_dtype(dtype, device)  # an unknown dtype fails here, naming it
        self.router = ServingRouter.from_pretrained(source, self.dtype, device=device, max_new_tokens=max_new_tokens)
        self.model, self.tokenizer = self.router.model, self.router.tokenizer
        self.router.ground_optional = ground_optional
        if relevance_threshold is not None:
            from toolfoundry.relevance import RelevanceGate

            self.router.gate = RelevanceGate(relevance_threshold, ranks=relevance_ranks)
        self.catalog = self.router.catalog
        self.retriever = None
        if self.catalog is not None:
            from toolfoundry.rerank import load_pipeline

            # a model directory with retriever.json (``onboard --serve-retriever dense-rerank``) retrieves
            # with MiniLM + LM reranking; otherwise with its tool tokens
            self.retriever = (load_pipeline(source, self.catalog.tools, dtype=self.dtype, device=device)
                              or ToolRetriever(self.model, self.tokenizer, self.catalog))
            self.router._retriever = self.retriever  # one retriever for retrieve and route
        self.by_id = self.catalog.by_id() if self.catalog is not None else {}
        self.catalog_names = {t.name for t in self.catalog.tools} if self.catalog is not None else set()
        self.max_text_tokens = max_text_tokens
        self.max_positions = int(getattr(self.model.config, "max_position_embeddings", 0) or 0)
        self.name = os.path.basename(os.path.normpath(source))

    # ------------------------------------------------------------------ facts
    def info(self) -> dict:
        return {"name": self.name, "catalog_size": len(self.catalog) if self.catalog is not None else 0,
                "scheme": self.catalog.scheme if self.catalog is not None else None,
                "device": str(self.model.device), "dtype": self.dtype, "max_positions": self.max_positions,
                "retriever": "tool tokens" if self.retriever is None or isinstance(self.retriever, ToolRetriever)
                else self.retriever.name}

    def health(self) -> None:
        """A real forward pass of one token (raises when the model cannot run)."""
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([[self.router.stop_id]], device=self.model.device))
        if not torch.isfinite(out.logits).all():
            raise RuntimeError("the model's logits are not finite")

    # ------------------------------------------------------------------ retrieval
    def _no_catalog(self, param: str = "query") -> ApiError:
        return ApiError(409, param, "this endpoint's model has no tool catalog (no catalog.json): send candidate "
                                    "tools with the request, or serve a model trained with tool tokens")

    def retrieve(self, queries: Sequence[str], ks: Sequence[int]) -> list[Any]:
        """Per query: [(id, name, score), ...] best first, or an ApiError."""
        if self.retriever is None:
            return [self._no_catalog() for _ in queries]
        hits = self.retriever.retrieve(list(queries), max(ks))
        return [[(h.id, h.name, float(h.score)) for h in row[:k]] for row, k in zip(hits, ks)]

    # ------------------------------------------------------------------ routing
    def check_tool(self, tool: Tool) -> ApiError | None:
        """Refuse a live tool whose name is a catalog tool's or whose schema cannot become a grammar."""
        from toolfoundry.calling import call_schema

        if tool.name in self.catalog_names or tool.name == GENERATE_RESPONSE:
            return ApiError(409, "function.name", f"function.name: {tool.name!r} is already a catalog tool; "
                                                  "choose another name")
        try:
            self.router.grammars.compile(call_schema([tool]))
        except InputError as err:
            return ApiError(422, "function.parameters", f"function.parameters: {err.problem}")
        return None

    def _prompt_length(self, query: str, candidates: list[Tool]) -> tuple[int, ApiError | None]:
        """Tokens of the select prompt, and a 413 when it and the call would not fit the model."""
        from toolfoundry import prompts

        length = len(self.router.encoder.prompt(prompts.select_messages(query, candidates)))
        if self.max_positions and length + self.router.max_new_tokens > self.max_positions:
            return length, ApiError(
                413, "tools", f"tools: the query and {len(candidates)} candidate tools make a prompt of {length} tokens; "
                              f"with {self.router.max_new_tokens} for the call this is more than the model's "
                              f"{self.max_positions} positions: send fewer or shorter tools")
        return length, None

    def route(self, jobs: Sequence[RouteJob]) -> list[Any]:
        """Per job: a dict (candidates, ranking, selected call, validity, timings) or an ApiError."""
        from toolfoundry import prompts

        need = [i for i, j in enumerate(jobs) if j.tools is None and self.retriever is not None]
        retrieved: dict[int, list[Tool]] = {}
        retrieve_ms = 0.0
        if need:  # the catalog candidates of the whole batch in one forward pass
            t = time.perf_counter()
            hits = self.retriever.retrieve([jobs[i].query for i in need], max(jobs[i].k for i in need))
            retrieve_ms = (time.perf_counter() - t) * 1000
            for i, row in zip(need, hits):
                retrieved[i] = [self.by_id[h.id] for h in row[: jobs[i].k]]
        out: list[Any] = []
        for i, job in enumerate(jobs):
            if job.tools is not None:
                candidates, sources = list(job.tools), ["request"] * len(job.tools)
            elif self.retriever is None and not job.live:
                out.append(self._no_catalog())
                continue
            else:
                catalog = retrieved.get(i, [])
                names = {c.name for c in catalog}
                live = [t for t in job.live if t.name not in names]
                candidates = catalog + live
                sources = ["catalog"] * len(catalog) + ["live"] * len(live)
            cands = prompts.ensure_generate_response(candidates) if job.fallback else candidates
            prompt_tokens, problem = self._prompt_length(job.query, cands)
            if problem is not None:
                out.append(problem)
                continue
            try:
                routed = self.router.route(job.query, candidates, k=job.k, execute=job.execute, fallback=job.fallback)
            except InputError as err:
                out.append(input_error(err))
                continue
            timings = {k.replace("_s", "_ms"): round(v * 1000, 3) for k, v in routed.timings.items()}
            if i in retrieved:
                timings["retrieve_ms"] = round(retrieve_ms, 3)  # of the batch's one retrieval pass
            source = dict(zip([c.name for c in candidates], sources))
            out.append({
                "query": job.query,
                "candidates": [{"name": c.name, "source": source.get(c.name, "fallback")} for c in cands],
                "ranking": [{"name": n, "score": round(s, 6)} for n, s in routed.ranking],
                "name": routed.name,
                "arguments": routed.arguments,
                "valid": routed.valid,
                "observation": routed.observation,
                "relevance": None if routed.relevance is None else round(routed.relevance, 6),
                "dropped_arguments": routed.dropped,
                "timings_ms": timings,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": self.count_tokens(routed.text),
            })
        return out

    # ------------------------------------------------------------------ plain answers
    def generate(self, messages: list[dict], max_tokens: int | None = None) -> dict:
        """A plain assistant answer to chat messages (greedy): text, finish reason and token counts."""
        ids = self.router.encoder.prompt([{"role": m["role"], "content": m["content"]} for m in messages])
        limit = min(max_tokens or self.max_text_tokens, self.max_text_tokens)
        if self.max_positions and len(ids) + limit > self.max_positions:
            raise ApiError(413, "messages", f"messages: {len(ids)} prompt tokens; with {limit} for the answer this is "
                                            f"more than the model's {self.max_positions} positions")
        out = []
        logits, past = self.router._forward(ids)
        finish = "length"
        for _ in range(limit):
            token = int(logits.argmax())
            if token == self.router.stop_id or token == self.tokenizer.eos_token_id:
                finish = "stop"
                break
            out.append(token)
            logits, past = self.router._forward([token], past)
        return {"text": self.tokenizer.decode(out, skip_special_tokens=True), "finish_reason": finish,
                "prompt_tokens": len(ids), "completion_tokens": len(out)}

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
