"""Zero-shot reranking by query likelihood: how likely a causal LM finds the user's request after a
tool's document (UPR, Sachan et al., 2022), fused with a first-stage retriever's score.

A catalog that arrives without queries can still use what a language model knows about how people
ask for things: for each of the first stage's top candidates, the LM reads the tool's document and
scores the request token by token. The mean log-probability per request token is added to the first
stage's score with a fixed weight::

    fused = first_stage_score + weight * mean log p(request | document)

Every document's prompt is encoded once and its key/value cache kept (bounded, least recently used),
so a request costs one batched forward over its own tokens for all its candidates, not over
candidate documents again.
"""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict
from typing import Mapping, Sequence

import numpy as np

from toolfoundry.errors import InputError

DOCUMENT_PROMPT = "{document}\nA user request this tool answers:"
REQUEST_PROMPT = " {query}"
DEFAULT_WEIGHT = 0.3  # chosen on the dev catalog (BFCL's function lists, 600 questions): bench/results/rerank/
DEFAULT_DEPTH = 10
RETRIEVER_FILE = "retriever.json"  # in a model directory: serve retrieves with this pipeline, not the tool tokens
ENCODER_DIR = "retriever_encoder"


def fuse(first_stage: Sequence[float], loglik: Sequence[float], weight: float) -> tuple[np.ndarray, np.ndarray]:
    """``(order, fused)``: ``fused = first_stage + weight * loglik`` and the candidates' order by it,
    best first, ties keeping the given order."""
    fused = np.asarray(first_stage, dtype=np.float64) + weight * np.asarray(loglik, dtype=np.float64)
    return np.argsort(-fused, kind="stable"), fused


class QueryLikelihoodReranker:
    """Scores requests against tool documents with a causal LM; reranks a first stage's candidates.

    ``documents`` maps tool id → the text the LM reads (``toolfoundry.documents.tool_document``).
    ``max_document_tokens`` keeps the end of a longer document prompt (the part next to the request);
    ``max_request_tokens`` the start of a longer request. ``cache_size`` bounds how many documents'
    caches are kept (SmolLM2-135M: about 23 KB per prompt token in bf16, so 1.4 MB for a 60-token
    document); ``batch_size`` documents are encoded per forward pass when they enter the cache."""

    def __init__(self, model, tokenizer, documents: Mapping[str, str], *, weight: float = DEFAULT_WEIGHT,
                 max_document_tokens: int = 96, max_request_tokens: int = 256, cache_size: int = 1024,
                 batch_size: int = 16):
        if weight < 0:
            raise InputError("weight", repr(weight), "a weight >= 0 for the LM's score (0 keeps the first stage's order)")
        self.model, self.tokenizer = model, tokenizer
        self.model.eval()
        self.documents = dict(documents)
        self.weight = float(weight)
        self.max_document_tokens = int(max_document_tokens)
        self.max_request_tokens = int(max_request_tokens)
        self.cache_size = int(cache_size)
        self.batch_size = int(batch_size)
        self._cache: OrderedDict[str, tuple[int, list]] = OrderedDict()  # id -> (last token, [(keys, values)])

    @classmethod
    def load(cls, source: str = "embedded", documents: Mapping[str, str] | None = None, *, dtype: str = "auto",
             **kwargs) -> "QueryLikelihoodReranker":
        """The reranker on a model source (``embedded``, ``tiny-random`` or a directory)."""
        from toolfoundry.modeling import load_base_model, resolve_dtype

        model, tokenizer = load_base_model(source, resolve_dtype(dtype))
        return cls(model, tokenizer, documents or {}, **kwargs)

    # ------------------------------------------------------------------ the document caches
    def _documents(self, tool_ids: Sequence[str]) -> list[tuple[int, list]]:
        """Per tool: (last prompt token, per-layer (keys, values) of the prompt without it). The
        documents not cached yet are encoded together, in batches of ``batch_size``."""
        import torch

        missing = list(dict.fromkeys(t for t in tool_ids if t not in self._cache))
        for t in missing:
            if t not in self.documents:
                raise InputError("tool id", repr(t), "a tool of the reranker's documents")
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start:start + self.batch_size]
            prompts = []
            for t in chunk:
                ids = self.tokenizer(DOCUMENT_PROMPT.format(document=self.documents[t]),
                                     add_special_tokens=False)["input_ids"][-self.max_document_tokens:]
                if len(ids) < 2:
                    raise InputError(f"document of {t}", repr(self.documents[t]), "a non-empty tool document")
                prompts.append(ids)
            width = max(len(p) for p in prompts) - 1
            ids = torch.zeros((len(chunk), width), dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for i, p in enumerate(prompts):  # right padding: a document's own positions stay 0..n-1
                ids[i, : len(p) - 1] = torch.tensor(p[:-1])
                mask[i, : len(p) - 1] = 1
            with torch.inference_mode():
                out = self.model(input_ids=ids.to(self.model.device), attention_mask=mask.to(self.model.device),
                                 use_cache=True)
            layers = [(k, v) for k, v, *_ in out.past_key_values]
            for i, (t, p) in enumerate(zip(chunk, prompts)):
                n = len(p) - 1
                self._cache[t] = (p[-1], [(k[i:i + 1, :, :n].clone(), v[i:i + 1, :, :n].clone()) for k, v in layers])
        entries = []
        for t in tool_ids:
            self._cache.move_to_end(t)
            entries.append(self._cache[t])
        while len(self._cache) > max(self.cache_size, len(set(tool_ids))):
            self._cache.popitem(last=False)
        return entries

    # ------------------------------------------------------------------ scoring
    def loglik(self, query: str, tool_ids: Sequence[str]) -> np.ndarray:
        """Mean log-probability per token of ``query`` after each tool's document prompt."""
        import torch
        from transformers import DynamicCache

        if not query or not query.strip():
            raise InputError("query", "empty", "the user's request as text")
        if not tool_ids:
            return np.zeros(0)
        q = self.tokenizer(REQUEST_PROMPT.format(query=query), add_special_tokens=False)["input_ids"]
        q = q[: self.max_request_tokens]
        entries = self._documents(tool_ids)
        lengths = [layers[0][0].shape[2] for _, layers in entries]
        width, n, device = max(lengths), len(entries), self.model.device
        past = []
        for layer in range(len(entries[0][1])):  # left-pad every document's cache to the longest
            keys, values = [], []
            for (_, layers), length in zip(entries, lengths):
                k, v = layers[layer]
                pad = (0, 0, width - length, 0)
                keys.append(torch.nn.functional.pad(k, pad))
                values.append(torch.nn.functional.pad(v, pad))
            past.append((torch.cat(keys), torch.cat(values)))
        ids = torch.tensor([[last] + q for last, _ in entries], device=device)
        mask = torch.zeros((n, width + ids.shape[1]), dtype=torch.long, device=device)
        for i, length in enumerate(lengths):
            mask[i, width - length:] = 1
        positions = torch.tensor(lengths, device=device)[:, None] + torch.arange(ids.shape[1], device=device)[None]
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                past_key_values=DynamicCache(past), use_cache=False).logits
        logp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, ids[:, 1:, None])[..., 0]
        return logp.mean(-1).cpu().numpy()

    def rerank(self, query: str, candidates: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
        """``(tool id, first-stage score)`` pairs → the same ids by fused score, best first (ties keep
        the given order)."""
        if not candidates:
            return []
        ids = [c for c, _ in candidates]
        loglik = self.loglik(query, ids) if self.weight else np.zeros(len(ids))
        order, fused = fuse([s for _, s in candidates], loglik, self.weight)
        return [(ids[i], float(fused[i])) for i in order]


class RerankedRetriever:
    """A first-stage retriever (anything with ``scores(queries) -> [queries, tools]`` and ``tool_ids``)
    whose top ``depth`` candidates are reranked by a :class:`QueryLikelihoodReranker`. Has the
    retrievers' ``search``/``name``/``config`` so the evaluation harness scores it like any other."""

    def __init__(self, first_stage, reranker: QueryLikelihoodReranker, *, depth: int = DEFAULT_DEPTH,
                 name: str | None = None, names: Mapping[str, str] | None = None):
        if depth < 1:
            raise InputError("depth", repr(depth), "how many first-stage candidates to rerank, >= 1")
        self.first_stage, self.reranker, self.depth = first_stage, reranker, int(depth)
        self.tool_ids = list(first_stage.tool_ids)
        self.names = dict(names or {})  # tool id -> name, for retrieve()
        self.name = name or f"{getattr(first_stage, 'name', 'retriever')} + LM rerank"
        first_config = getattr(first_stage, "config", {})
        self.config = {"first_stage": first_config, "reranker": "query likelihood", "weight": reranker.weight,
                       "depth": self.depth, "trained": bool(first_config.get("trained", False))}

    def ranked(self, queries: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        """Per query, the k best ``(tool id, score)``: the reranked head (fused scores), then the first
        stage's order (its own scores) below it."""
        if k < 1:
            raise InputError("k", f"{k} is not a positive cutoff", "k >= 1")
        scores = self.first_stage.scores(list(queries))
        out = []
        for query, row in zip(queries, scores):
            top = np.argsort(-row, kind="stable")[: max(k, self.depth)]
            head = self.reranker.rerank(query, [(self.tool_ids[j], float(row[j])) for j in top[: self.depth]])
            out.append((head + [(self.tool_ids[j], float(row[j])) for j in top[self.depth:]])[:k])
        return out

    def search(self, queries: Sequence[str], k: int = 5) -> list[list[str]]:
        """The evaluation harness's interface: tool ids, best first."""
        return [[t for t, _ in row] for row in self.ranked(queries, k)]

    def retrieve(self, queries: Sequence[str], k: int) -> list:
        """:class:`toolfoundry.retrieval.ToolRetriever`'s interface, so a served model can retrieve with it."""
        from toolfoundry.retrieval import RetrievedTool

        if not queries:
            return []
        k = min(k, len(self.tool_ids))
        return [[RetrievedTool(t, self.names.get(t, t), s) for t, s in row] for row in self.ranked(queries, k)]


def save_pipeline(model_dir: str, encoder_dir: str | None, *, depth: int = DEFAULT_DEPTH,
                  weight: float = DEFAULT_WEIGHT, reranker: str = "embedded") -> str:
    """Make ``model_dir`` retrieve with MiniLM (``encoder_dir``: a fine-tuned copy, copied into the model
    directory; None: the shipped MiniLM) and this LM reranking, instead of its tool tokens. Returns the
    ``retriever.json`` path. The router's selection and calls still use the model's own weights."""
    if depth < 1:
        raise InputError("depth", repr(depth), "how many first-stage candidates to rerank, >= 1")
    if weight < 0:
        raise InputError("weight", repr(weight), "a weight >= 0 for the LM's score")
    encoder = None
    if encoder_dir:
        if not os.path.isfile(os.path.join(encoder_dir, "config.json")):
            raise InputError("encoder_dir", f"{encoder_dir!r}: no config.json", "a MiniLM directory (save_pretrained)")
        target = os.path.join(model_dir, ENCODER_DIR)
        if os.path.abspath(target) != os.path.abspath(encoder_dir):
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(encoder_dir, target)
        encoder = ENCODER_DIR
    from toolfoundry import storage

    storage.write_json(model_dir, RETRIEVER_FILE, {"kind": "dense+rerank", "encoder": encoder, "reranker": reranker,
                                                   "depth": int(depth), "weight": float(weight)})
    return os.path.join(model_dir, RETRIEVER_FILE)


def build_reranked(tools, encoder_dir: str | None = None, *, reranker: str = "embedded",
                   depth: int = DEFAULT_DEPTH, weight: float = DEFAULT_WEIGHT, dtype: str = "auto",
                   device: str = "cpu", name: str | None = None, first_stage=None) -> RerankedRetriever:
    """MiniLM (``encoder_dir``, or the shipped one) over ``tools``, its top ``depth`` reranked by the
    causal LM ``reranker`` (``embedded``, ``tiny-random`` or a directory). ``first_stage``: an
    already built MiniLM retriever over the same tools, used instead of indexing them again."""
    from toolfoundry.baselines.dense import DenseRetriever, Encoder
    from toolfoundry.documents import tool_document

    first = first_stage or DenseRetriever(tools, encoder=Encoder(encoder_dir, device=device), name="minilm",
                                          trained=encoder_dir is not None)
    lm = QueryLikelihoodReranker.load(reranker, {t.id: tool_document(t) for t in tools}, dtype=dtype, weight=weight)
    if device != "cpu":
        lm.model.to(device)
    return RerankedRetriever(first, lm, depth=depth, name=name, names={t.id: t.name for t in tools})


def load_pipeline(model_dir: str, tools, *, dtype: str = "auto", device: str = "cpu") -> RerankedRetriever | None:
    """The retriever ``model_dir/retriever.json`` describes over ``tools`` (the model's catalog), or
    None when the model directory has none (it retrieves with its tool tokens)."""
    from toolfoundry import storage

    if not storage.file_exists(model_dir, RETRIEVER_FILE):
        return None
    spec = storage.read_json(model_dir, RETRIEVER_FILE)
    if not isinstance(spec, dict) or spec.get("kind") != "dense+rerank":
        raise InputError(os.path.join(model_dir, RETRIEVER_FILE), "not a retriever spec (unreadable, or another kind)",
                         "the JSON save_pipeline writes, with kind 'dense+rerank'")
    encoder = os.path.join(model_dir, spec["encoder"]) if spec.get("encoder") else None
    return build_reranked(tools, encoder, reranker=spec.get("reranker", "embedded"),
                          depth=int(spec.get("depth", DEFAULT_DEPTH)), weight=float(spec.get("weight", DEFAULT_WEIGHT)),
                          dtype=dtype, device=device)
