"""Training pieces every recipe shares, without Ray: trainable parameters, losses, batches, schedules.

- :class:`ToolRows` stores the vocabulary matrix as the base rows plus the new tool-token rows, so the
  tool tokens can learn at their own rate while the base vocabulary is frozen (or not), and so the
  output head can be evaluated on the tool rows alone.
- :func:`make_trainable` applies a profile: ``full`` fine-tuning, ``top_layers`` (the last k decoder
  layers, the final norm and the tool rows; the rest frozen — on CPUs this is several times cheaper
  per token, see bench/README.md) or ``lora`` (peft adapters plus the tool rows).
- :class:`StageLoss` computes a stage's loss on labelled positions only. ``lm``: cross-entropy over
  the whole vocabulary at every labelled position. ``tool_slot``: at the first labelled position (the
  tool slot of a memorization or retrieval row) a softmax over the catalog's tool rows only — what
  retrieval ranks at inference — against a uniform target over *all* the row's relevant tools
  (``slot_targets``), so a multi-tool query trains every one of its tools in one forward.
- :class:`FrozenPrefix` keeps each row's hidden states after the frozen bottom layers of the
  ``top_layers`` profile, so a row pays for the frozen layers once, not once per epoch and per dev
  evaluation (the same values, since nothing below the trainable layers changes).
- :func:`batch_plan` deals rows into length-bucketed batches, deterministically for (seed, epoch), so a
  run resumed mid-epoch sees exactly the batches it would have seen.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from toolfoundry.encoding import IGNORE


def dev_split(example_id: str, fraction: float) -> str:
    """``dev`` for a deterministic ``fraction`` of training examples (by a hash of the id), else ``train``.

    The held-out slice every trainer stops on (the staged engine, fine-tuned baselines): the same
    examples whoever trains, and never the benchmark's own test split.
    """
    import hashlib

    if fraction <= 0:
        return "train"
    bucket = int(hashlib.sha1(example_id.encode()).hexdigest()[:8], 16) % 10_000
    return "dev" if bucket < fraction * 10_000 else "train"


# ------------------------------------------------------------------------------ vocabulary rows
class ToolRows(nn.Module):
    """A ``[base + new, dim]`` token matrix held as two parameters: ``base`` and ``new`` (the tools).

    Called with ``input_ids`` it is the input embedding; called with ``hidden`` it returns logits
    over all rows, or over the new rows only (``tools_only``). Going through ``forward`` in both cases
    matters under ZeRO-3, whose hooks gather a module's parameters when the module is called.
    """

    def __init__(self, weight: torch.Tensor, num_new: int):
        super().__init__()
        offset = weight.shape[0] - num_new
        self.offset = offset
        self.base = nn.Parameter(weight[:offset].detach().clone())
        self.new = nn.Parameter(weight[offset:].detach().clone())
        # Whether a tool token used as *input* sends gradient to its row. With the lower layers frozen,
        # that gradient would be the only reason to back-propagate through every layer (several times
        # the cost of a step); the rows still learn as the output side (tied), where retrieval reads them.
        self.input_grad = True

    @property
    def weight(self) -> torch.Tensor:  # what HF code that inspects ``embed_tokens.weight`` expects
        return torch.cat([self.base, self.new], 0)

    def forward(self, input_ids: torch.Tensor | None = None, hidden: torch.Tensor | None = None,
                tools_only: bool = False) -> torch.Tensor:
        if input_ids is not None:
            is_new = input_ids >= self.offset
            out = nn.functional.embedding(input_ids.clamp(max=self.offset - 1), self.base)
            if bool(is_new.any()):
                new = self.new if self.input_grad else self.new.detach()
                out = torch.where(is_new.unsqueeze(-1),
                                  nn.functional.embedding((input_ids - self.offset).clamp(min=0), new), out)
            return out
        if tools_only:
            return hidden.float() @ self.new.float().T
        return torch.cat([hidden @ self.base.T, hidden @ self.new.T], -1).float()

    def merged(self) -> torch.Tensor:
        return torch.cat([self.base.detach(), self.new.detach()], 0)


def install_tool_rows(model, num_new: int) -> tuple[ToolRows, ToolRows | None]:
    """Replace the model's input embedding (and untied output head) by :class:`ToolRows`."""
    inner = model.get_decoder()
    rows = ToolRows(model.get_input_embeddings().weight, num_new)
    inner.embed_tokens = rows
    head = None
    if not model.config.tie_word_embeddings and model.get_output_embeddings() is not None:
        head = ToolRows(model.get_output_embeddings().weight, num_new)
    # the losses read logits from the rows; the old head would only hold a stale copy of the matrix
    model.lm_head = nn.Identity()
    return rows, head


def export_tool_rows(model, rows: ToolRows, head: ToolRows | None) -> None:
    """Put plain ``nn.Embedding``/``nn.Linear`` weights back, so ``save_pretrained`` writes an ordinary
    Hugging Face model that transformers and vLLM load."""
    weight = rows.merged()
    embedding = nn.Embedding(weight.shape[0], weight.shape[1], _weight=weight.clone())
    model.get_decoder().embed_tokens = embedding
    model.lm_head = nn.Linear(weight.shape[1], weight.shape[0], bias=False, dtype=weight.dtype)
    model.lm_head.weight = nn.Parameter(head.merged().clone()) if head is not None else embedding.weight


# ------------------------------------------------------------------------------ trainable profiles
@dataclass(frozen=True)
class Trainable:
    profile: str = "full"  # full | top_layers | lora
    top_layers: int = 4
    lora_rank: int = 16
    lora_alpha: int = 32
    frozen_cache_gb: float = 4.0  # top_layers: memory for FrozenPrefix per worker (0: off)


def make_trainable(model, rows: ToolRows, head: ToolRows | None, spec: Trainable):
    """Freeze what the profile freezes; returns (model, base params, tool-row params) to optimise."""
    for p in model.parameters():
        p.requires_grad = False
    tool_params = [rows.new] + ([head.new] if head is not None else [])
    for p in tool_params:
        p.requires_grad = True
    if spec.profile == "full":
        base = [p for n, p in model.named_parameters() if not n.endswith(".new")]
        for p in base:
            p.requires_grad = True
        return model, base, tool_params
    rows.input_grad = False  # partial profiles: see ToolRows.input_grad
    if spec.profile == "top_layers":
        layers = model.get_decoder().layers
        k = min(spec.top_layers, len(layers))
        base = [p for layer in list(layers)[len(layers) - k:] for p in layer.parameters()]
        base += list(model.get_decoder().norm.parameters())
        for p in base:
            p.requires_grad = True
        return model, base, tool_params
    if spec.profile == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(r=spec.lora_rank, lora_alpha=spec.lora_alpha, lora_dropout=0.0,
                            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                            "down_proj"])
        model = get_peft_model(model, config)
        for p in tool_params:
            p.requires_grad = True
        base = [p for n, p in model.named_parameters() if "lora_" in n]
        return model, base, tool_params
    raise ValueError(f"unknown trainable profile {spec.profile!r}")


# --------------------------------------------------------------------------- frozen prefix cache
def run_layers(decoder, hidden: torch.Tensor, attention_mask: torch.Tensor, layers) -> torch.Tensor:
    """``layers`` of a Hugging Face decoder (Llama-style: rotary positions, causal mask) applied to the
    hidden states of right-padded rows that start at position 0: the loop of the decoder's own
    ``forward``, for a slice of its layers."""
    from transformers.masking_utils import create_causal_mask

    positions = torch.arange(hidden.shape[1], device=hidden.device)[None]
    mask = create_causal_mask(config=decoder.config, inputs_embeds=hidden, attention_mask=attention_mask,
                              past_key_values=None, position_ids=positions)
    rotary = decoder.rotary_emb(hidden, position_ids=positions)
    for layer in layers:
        hidden = layer(hidden, attention_mask=mask, position_embeddings=rotary, position_ids=positions)
    return hidden


class FrozenPrefix:
    """Each row's hidden states after the frozen bottom layers, computed once and reused.

    Under the ``top_layers`` profile the bottom layers and the base vocabulary never change, and a
    ``tool_slot`` row's input (cut at its tool slot) holds no tool token, so what a row looks like
    after the frozen layers is the same at every epoch and every dev evaluation. The first time a
    row is seen its bottom layers run without gradient and the result is kept (on the CPU, keyed by
    the row's token ids); later, only the trainable top layers run. The forward and the gradients are
    those of the whole decoder (:meth:`verify` checks it once on real rows and turns the cache off
    on a decoder whose layer loop differs).

    Rows are dealt to different workers at every epoch, so what one worker computes is handed to the
    others (:meth:`share`, called by the engine on every worker after each step). The cache stops
    growing at ``max_bytes``; rows past it run whole, as without the cache.
    """

    def __init__(self, decoder, frozen_layers: int, max_bytes: float, vocab_offset: int | None = None):
        self.decoder = decoder
        self.frozen = frozen_layers
        self.max_bytes = max_bytes
        self.vocab_offset = vocab_offset  # ids from here on are tool tokens, whose rows keep learning
        self.store: dict[bytes, torch.Tensor] = {}
        self.bytes = 0
        self.fresh: list[tuple[bytes, torch.Tensor]] = []
        self.hits = self.misses = 0
        self.enabled = frozen_layers > 0
        self.verified = False
        self.note = ""  # why the cache was turned off, for the run's log

    def _put(self, key: bytes, value: torch.Tensor) -> bool:
        size = value.numel() * value.element_size()
        if not self.enabled or key in self.store or self.bytes + size > self.max_bytes:
            return False
        self.store[key] = value
        self.bytes += size
        return True

    def last_hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The decoder's ``last_hidden_state`` for right-padded rows, through the cache when it can."""
        decoder = self.decoder
        cacheable = self.enabled and not (self.vocab_offset is not None and bool((input_ids >= self.vocab_offset).any()))
        if not cacheable:
            return decoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        lengths = attention_mask.sum(1).tolist()
        ids = input_ids.cpu().numpy()
        keys = [ids[i, :n].tobytes() for i, n in enumerate(lengths)]
        found = [self.store.get(k) for k in keys]
        missing = [i for i, f in enumerate(found) if f is None]
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        if missing:
            with torch.no_grad():
                fresh = run_layers(decoder, decoder.embed_tokens(input_ids[missing]), attention_mask[missing],
                                   decoder.layers[:self.frozen])
            for j, i in enumerate(missing):
                found[i] = fresh[j, :lengths[i]].to("cpu", copy=True)
                if self._put(keys[i], found[i]):
                    self.fresh.append((keys[i], found[i]))
        width, dim = input_ids.shape[1], found[0].shape[-1]
        low = torch.zeros((len(keys), width, dim), dtype=found[0].dtype)
        for i, f in enumerate(found):
            low[i, :f.shape[0]] = f
        low = low.to(input_ids.device)
        hidden = decoder.norm(run_layers(decoder, low, attention_mask, decoder.layers[self.frozen:]))
        if not self.verified:
            self.verify(input_ids, attention_mask, hidden)
            if not self.enabled:
                return decoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return hidden

    def verify(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, hidden: torch.Tensor) -> None:
        """Compare the cached path with the whole decoder once, on real rows (padding aside)."""
        self.verified = True
        with torch.no_grad():
            whole = self.decoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        real = attention_mask.bool()
        diff = float((whole[real].float() - hidden.detach()[real].float()).abs().max())
        scale = float(whole[real].float().abs().max()) or 1.0
        if diff > 1e-3 * scale:
            self.enabled = False
            self.reset()
            self.note = (f"the frozen-layer cache is off: this decoder's layer loop differs from toolfoundry's "
                         f"(max difference {diff:.3g} against the whole forward)")

    def reset(self) -> None:
        """Forget every row (a new stage has rows of its own) and the hit counts."""
        self.store.clear()
        self.fresh.clear()
        self.bytes = self.hits = self.misses = 0

    def share(self, gather) -> None:
        """Hand the rows computed here since the last call to every worker and keep theirs.
        ``gather(obj)`` returns every worker's ``obj`` (e.g. ``torch.distributed.all_gather_object``);
        every worker must call this equally often."""
        mine, self.fresh = self.fresh, []
        for part in gather(mine):
            for key, value in part:
                self._put(key, value)

    def stats(self) -> dict:
        seen = self.hits + self.misses
        return {"enabled": self.enabled, "rows": len(self.store), "gib": round(self.bytes / 2**30, 3),
                "hit_rate": round(self.hits / seen, 4) if seen else 0.0}


def frozen_prefix(model, rows: ToolRows, spec: Trainable, zero_stage: int = 0) -> FrozenPrefix | None:
    """The cache for ``spec``'s frozen layers, or None where there are none or where it cannot apply:
    every layer learns (``full``, LoRA), it is switched off (``frozen_cache_gb: 0``), or ZeRO-3
    partitions the weights (every worker must then run the same forwards, and a cache hit on one
    worker would leave the others waiting)."""
    if spec.profile != "top_layers" or spec.frozen_cache_gb <= 0 or zero_stage >= 3:
        return None
    decoder = model.get_decoder()
    if not all(hasattr(decoder, a) for a in ("layers", "norm", "rotary_emb", "embed_tokens")):
        return None
    frozen = len(decoder.layers) - min(spec.top_layers, len(decoder.layers))
    if frozen <= 0:
        return None
    return FrozenPrefix(decoder, frozen, spec.frozen_cache_gb * 2**30, rows.offset)


# ----------------------------------------------------------------------------------------- loss
class StageLoss(nn.Module):
    """``forward(batch) -> (loss, correct, counted)`` for one stage's rows.

    ``correct``/``counted`` feed the dev metric: for ``tool_slot``, :func:`slot_score` summed over the
    rows (``slot_metric``: acc@1 or NDCG@5); for ``lm``, labelled tokens predicted exactly (greedy).
    """

    def __init__(self, model, rows: ToolRows, head: ToolRows | None, mode: str,
                 prefix: FrozenPrefix | None = None):
        super().__init__()
        if mode not in ("lm", "tool_slot"):
            raise ValueError(f"unknown loss {mode!r}")
        self.model = model
        self.rows = rows
        self.head = head if head is not None else rows
        self.mode = mode
        self.prefix = prefix  # tool_slot rows read the frozen layers' output from it
        self.slot_metric = "acc@1"  # what a tool_slot stage's dev evaluation scores (see slot_score)

    def forward(self, input_ids, attention_mask, labels, slot_targets=None, weights=None):
        next_labels = labels[:, 1:]
        keep = next_labels != IGNORE
        if self.mode == "tool_slot":
            # The first labelled position of each row is its tool slot; nothing after it can change
            # the slot's hidden state (causal attention), so the answer is cut from the input: the
            # forward is shorter and no tool token is read as input.
            first = keep.float().argmax(1)
            cut = int(first.max()) + 1
            after = torch.arange(cut, device=input_ids.device)[None] > first[:, None]
            ids = input_ids[:, :cut].masked_fill(after, 0)
            mask = attention_mask[:, :cut].masked_fill(after, 0)
            if self.prefix is not None:
                hidden = self.prefix.last_hidden(ids, mask)
            else:
                hidden = self.model.get_decoder()(input_ids=ids, attention_mask=mask).last_hidden_state
            h = hidden[torch.arange(hidden.shape[0]), first]
            logits = self.head(hidden=h, tools_only=True)
            logp = torch.log_softmax(logits, -1)
            target = slot_targets.float()
            target = target / target.sum(1, keepdim=True).clamp(min=1)
            per_row = -(target * logp).sum(1)
            w = weights if weights is not None else torch.ones_like(per_row)
            loss = (per_row * w).sum() / w.sum()
            correct = slot_score(logits.detach(), slot_targets, self.slot_metric).sum()
            return loss, correct, torch.tensor(h.shape[0])
        hidden = self.model.get_decoder()(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        logits = self.head(hidden=hidden[:, :-1][keep])
        targets = next_labels[keep]
        per_token = nn.functional.cross_entropy(logits, targets, reduction="none")
        if weights is not None:
            w = weights.unsqueeze(1).expand_as(next_labels)[keep]
            loss = (per_token * w).sum() / w.sum()
        else:
            loss = per_token.mean()
        correct = (logits.argmax(-1) == targets).sum()
        return loss, correct.detach(), torch.tensor(targets.numel())


SLOT_METRICS = ("acc@1", "ndcg@5")


def slot_score(logits: torch.Tensor, slot_targets: torch.Tensor, metric: str = "acc@1") -> torch.Tensor:
    """Per row, how well the tool-slot ``logits`` rank the row's relevant tools (0..1).

    ``acc@1``: the top tool is relevant. ``ndcg@5``: binary-gain NDCG of the top 5 (the ideal ranking
    puts all of the row's relevant tools first), which also counts the second and third tools of a
    multi-tool query, where acc@1 reads only the first."""
    if metric == "acc@1":
        return slot_targets.gather(1, logits.argmax(1, keepdim=True)).squeeze(1).float()
    if metric != "ndcg@5":
        raise ValueError(f"unknown tool-slot metric {metric!r}; one of {SLOT_METRICS}")
    k = min(5, logits.shape[1])
    discount = 1.0 / torch.log2(torch.arange(k, dtype=torch.float32, device=logits.device) + 2.0)
    gains = slot_targets.gather(1, logits.topk(k, dim=1).indices).float()
    relevant = slot_targets.float().sum(1).clamp(max=k).long()
    ideal = torch.cumsum(discount, 0)[(relevant - 1).clamp(min=0)] * (relevant > 0)
    return (gains * discount).sum(1) / ideal.clamp(min=1e-9)


# -------------------------------------------------------------------------------------- batches
def batch_plan(lengths: Sequence[int], batch_size: int, *, seed: int, epoch: int, world: int = 1,
               bucket_batches: int = 16) -> list[list[list[int]]]:
    """Batches of row indices for one epoch: ``plan[step][rank]`` is the batch of ``rank`` at ``step``.

    Rows are shuffled (seeded by ``seed`` and ``epoch``), then sorted by length inside windows of
    ``bucket_batches × batch_size × world`` rows, so a batch holds rows of similar length (little
    padding) while the epoch still mixes everything; the batch order is shuffled again. Every rank
    gets the same number of full batches (the remainder waits for the next epoch's shuffle).
    """
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = max(1, bucket_batches) * batch_size * world
    batches = []
    for start in range(0, len(order) - batch_size * world + 1, window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        for s in range(0, len(chunk) - batch_size * world + 1, batch_size * world):
            group = chunk[s:s + batch_size * world]
            batches.append([group[r::world] for r in range(world)])
    rng.shuffle(batches)
    return batches


def collate(rows: Sequence[dict], pad_id: int, num_tools: int = 0) -> dict[str, torch.Tensor]:
    """Right-pad rows (``input_ids``, ``labels``, optional ``slot_targets`` and ``weight``)."""
    width = max(len(r["input_ids"]) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        n = len(r["input_ids"])
        ids[i, :n] = torch.as_tensor(r["input_ids"])
        labels[i, :n] = torch.as_tensor(r["labels"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels,
             "weights": torch.tensor([float(r.get("weight") or 1.0) for r in rows])}
    if num_tools:
        targets = torch.zeros((len(rows), num_tools), dtype=torch.long)
        for i, r in enumerate(rows):
            slots = r.get("slot_targets")
            if slots is None or len(slots) == 0:
                raise ValueError(f"row {r.get('id')!r} has no slot_targets; a tool_slot stage needs them")
            targets[i, torch.as_tensor(np.asarray(slots, dtype=np.int64))] = 1
        batch["slot_targets"] = targets
    return batch


# ------------------------------------------------------------------------------------- schedule
def schedule_progress(step: int, total: int, warmup: int, anchor: tuple[int, float] | None = None) -> float:
    """How far the decay has gone at ``step`` (0 at the end of warm-up, 1 at ``total``).

    ``anchor`` is ``(step, progress)`` where the horizon was last re-fitted: from there progress runs
    on linearly to 1 at the new ``total``. So a re-fit changes how fast the learning rate decays from
    then on, never the rate itself at that step: a longer horizon found mid-stage (faster steps) does
    not send the learning rate back up, and a shorter one does not drop it.
    """
    start, done = anchor if anchor is not None else (warmup, 0.0)
    if step <= start:
        return done
    return min(1.0, done + (1.0 - done) * (step - start) / max(1, total - start))


def refit_anchor(step: int, total: int, warmup: int, anchor: tuple[int, float] | None) -> tuple[int, float]:
    """The anchor to keep when the horizon ``total`` is about to be re-fitted at ``step``."""
    return max(step, warmup), schedule_progress(step, total, warmup, anchor)


def lr_factor(step: int, total: int, warmup: int, schedule: str = "cosine", floor: float = 0.1,
              anchor: tuple[int, float] | None = None) -> float:
    """Learning-rate multiplier: linear warm-up over ``warmup`` steps, then ``cosine`` or ``linear``
    decay to ``floor`` at ``total`` steps, or ``constant``; ``anchor`` as in :func:`schedule_progress`."""
    if step < warmup:
        return (step + 1) / max(1, warmup)
    if schedule == "constant":
        return 1.0
    progress = schedule_progress(step, total, warmup, anchor)
    if schedule == "linear":
        return floor + (1 - floor) * (1 - progress)
    if schedule == "cosine":
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    raise ValueError(f"unknown schedule {schedule!r}")


def fit_steps_to_budget(*, step: int, planned: int, budget_s: float, spent_s: float, step_s: float,
                        overhead_s: float, steps_run: int) -> int:
    """How many steps a stage with a time budget can run in all, seen from ``step``.

    ``step_s`` is the training time of one step, measured over recent steps only (so a busy machine
    or a slow start is followed as it changes); ``overhead_s`` is the time spent so far outside steps
    (dev evaluations, checkpoints) over ``steps_run`` steps, charged to each step to come as its
    average. Kept apart, an evaluation neither reads as slow training — which would shrink the
    schedule's horizon for one window and stretch it back in the next, bending the learning rate —
    nor is forgotten, which would overrun the budget. Never more than ``planned``, never fewer than
    one step more."""
    per_step = max(step_s, 1e-6) + max(0.0, overhead_s) / max(1, steps_run)
    return min(planned, step + max(1, int((budget_s - spent_s) / per_step)))


class Plateau:
    """Stops a stage when its dev metric has not improved by ``min_delta`` for ``patience`` evaluations."""

    def __init__(self, patience: int, min_delta: float, higher_is_better: bool):
        self.patience, self.min_delta, self.sign = patience, min_delta, 1.0 if higher_is_better else -1.0
        self.best: float | None = None
        self.bad = 0

    def update(self, value: float) -> bool:
        """Record one evaluation; True when the stage should stop."""
        if self.best is None or self.sign * (value - self.best) > self.min_delta:
            self.best, self.bad = value, 0
        else:
            self.bad += 1
        return self.patience > 0 and self.bad >= self.patience

    def state(self) -> dict:
        return {"best": self.best, "bad": self.bad}

    def load(self, state: dict) -> None:
        self.best, self.bad = state.get("best"), state.get("bad", 0)
