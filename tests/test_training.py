"""The training pieces without Ray: tool rows, losses, batch plans, schedules, stopping rules."""

import math

import numpy as np
import pytest
import torch

from toolfoundry.catalog import Catalog
from toolfoundry.encoding import ChatEncoder
from toolfoundry.modeling import add_tool_tokens, load_base_model
from toolfoundry.prompts import retrieval_messages
from toolfoundry.schema import Tool
from toolfoundry.training import (
    Plateau,
    StageLoss,
    Trainable,
    batch_plan,
    collate,
    export_tool_rows,
    fit_steps_to_budget,
    frozen_prefix,
    install_tool_rows,
    lr_factor,
    make_trainable,
    refit_anchor,
    slot_score,
)

TOOLS = [Tool(id=f"t{i}", name=n, description=f"{n.replace('_', ' ')} tool.") for i, n in
         enumerate(["get_weather", "book_flight", "send_email", "convert_currency"])]


@pytest.fixture()
def tiny():
    model, tokenizer = load_base_model("tiny-random", seed=1)
    catalog = Catalog.from_tools(TOOLS)
    ids = add_tool_tokens(model, tokenizer, catalog)
    return model, tokenizer, catalog, ids


def _rows(tokenizer, catalog, queries, targets):
    enc = ChatEncoder(tokenizer)
    tokens = catalog.token_strings()
    out = []
    for q, t in zip(queries, targets):
        e = enc.encode(retrieval_messages(q, tokens[t[0]]))
        out.append({"id": q, "input_ids": e.input_ids, "labels": e.labels, "slot_targets": t, "weight": 1.0})
    return out


def test_lm_loss_equals_the_models_own_loss(tiny):
    model, tokenizer, catalog, _ = tiny
    reference_model = type(model)(model.config)
    reference_model.load_state_dict(model.state_dict())
    rows = _rows(tokenizer, catalog, ["weather in Paris", "fly to Rome tomorrow"], [[0], [1]])
    batch = collate(rows, tokenizer.pad_token_id)
    reference = reference_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                labels=batch["labels"]).loss
    r, h = install_tool_rows(model, len(TOOLS))
    loss, _, counted = StageLoss(model, r, h, "lm")(**batch)
    torch.testing.assert_close(loss, reference, rtol=1e-4, atol=1e-5)
    assert int(counted) == 4  # two targets per row: the tool token and the end of turn


def test_tool_slot_loss_targets_every_relevant_tool(tiny):
    """A multi-tool query: its loss is the mean over its relevant tools of -log p(tool) at the slot."""
    model, tokenizer, catalog, _ = tiny
    rows = _rows(tokenizer, catalog, ["weather and a flight"], [[0, 1]])
    r, h = install_tool_rows(model, len(TOOLS))
    loss_fn = StageLoss(model, r, h, "tool_slot")
    batch = collate(rows, tokenizer.pad_token_id, num_tools=len(TOOLS))
    assert batch["slot_targets"].tolist() == [[1, 1, 0, 0]]
    loss, _, _ = loss_fn(**batch)
    with torch.no_grad():
        hidden = model.get_decoder()(input_ids=batch["input_ids"]).last_hidden_state[0]
        slot = rows[0]["labels"].index(catalog_token_id(tokenizer, catalog, 0)) - 1
        logp = torch.log_softmax(hidden[slot] @ r.new.T, -1)
    torch.testing.assert_close(loss, -(logp[0] + logp[1]) / 2, rtol=1e-4, atol=1e-5)


def catalog_token_id(tokenizer, catalog, index):
    return tokenizer.convert_tokens_to_ids(catalog.token_strings()[index])


def test_top_layers_profile_freezes_the_rest_and_training_moves_only_trainable(tiny):
    model, tokenizer, catalog, _ = tiny
    r, h = install_tool_rows(model, len(TOOLS))
    model, base, tools = make_trainable(model, r, h, Trainable(profile="top_layers", top_layers=1))
    frozen_before = model.get_decoder().layers[0].self_attn.q_proj.weight.detach().clone()
    base_rows_before = r.base.detach().clone()
    opt = torch.optim.AdamW([{"params": base, "lr": 1e-3}, {"params": tools, "lr": 1e-2}])
    batch = collate(_rows(tokenizer, catalog, ["weather in Paris"] * 4, [[0]] * 4), tokenizer.pad_token_id, len(TOOLS))
    loss_fn = StageLoss(model, r, h, "tool_slot")
    first = None
    for _ in range(15):
        loss, _, _ = loss_fn(**batch)
        first = first if first is not None else float(loss)
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert float(loss) < first / 2
    assert torch.equal(model.get_decoder().layers[0].self_attn.q_proj.weight, frozen_before)
    assert torch.equal(r.base, base_rows_before)


def _prefix_setup(tiny, **spec):
    model, tokenizer, catalog, _ = tiny
    r, h = install_tool_rows(model, len(TOOLS))
    spec = Trainable(profile="top_layers", top_layers=1, **spec)
    model, base, tools = make_trainable(model, r, h, spec)
    rows = _rows(tokenizer, catalog, ["weather in Paris", "fly to Rome tomorrow", "mail Bob", "euros to yen"],
                 [[0], [1], [2], [3]])
    batch = collate(rows, tokenizer.pad_token_id, num_tools=len(TOOLS))
    return model, r, h, frozen_prefix(model, r, spec), batch, base + tools


def _loss_and_grads(loss_fn, batch, params):
    loss, _, _ = loss_fn(**batch)
    grads = torch.autograd.grad(loss, params)
    return loss.detach(), grads


def test_the_frozen_layer_cache_gives_the_whole_decoders_loss_and_gradients_and_serves_repeats(tiny):
    model, r, h, prefix, batch, params = _prefix_setup(tiny)
    assert prefix is not None and prefix.frozen == 1  # tiny-random has 2 layers; the bottom one is frozen
    reference = _loss_and_grads(StageLoss(model, r, h, "tool_slot"), batch, params)
    cached_fn = StageLoss(model, r, h, "tool_slot", prefix=prefix)
    first = _loss_and_grads(cached_fn, batch, params)
    assert prefix.enabled and prefix.stats()["rows"] == 4 and prefix.misses == 4 and prefix.hits == 0
    again = _loss_and_grads(cached_fn, batch, params)  # a second epoch: the bottom layer is not run
    assert prefix.hits == 4
    for loss, grads in (first, again):
        torch.testing.assert_close(loss, reference[0], rtol=1e-5, atol=1e-6)
        for got, want in zip(grads, reference[1]):
            torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-6)
    # in a shorter batch (another width of padding) the cached rows still give the same hidden states
    short = {k: v[:2] for k, v in batch.items()}
    torch.testing.assert_close(cached_fn(**short)[0], StageLoss(model, r, h, "tool_slot")(**short)[0],
                               rtol=1e-5, atol=1e-6)


def test_rows_computed_on_one_worker_reach_the_others_and_the_cache_keeps_to_its_memory(tiny):
    model, r, h, prefix, batch, _ = _prefix_setup(tiny)
    StageLoss(model, r, h, "tool_slot", prefix=prefix)(**batch)
    other = frozen_prefix(model, r, Trainable(profile="top_layers", top_layers=1))
    sent = []
    prefix.share(lambda mine: sent.append(mine) or [mine, []])  # a two-worker gather
    other.share(lambda mine: [sent[0], mine])
    assert len(sent[0]) == 4 and other.stats()["rows"] == 4 and not prefix.fresh
    StageLoss(model, r, h, "tool_slot", prefix=other)(**batch)
    assert other.hits == 4 and other.misses == 0
    # room for the first row and half of the smallest: exactly one row fits, whatever the rows' lengths
    sizes = [v.numel() * v.element_size() for v in prefix.store.values()]
    room = sizes[0] + min(sizes) / 2
    small = frozen_prefix(model, r, Trainable(profile="top_layers", top_layers=1, frozen_cache_gb=room / 2**30))
    StageLoss(model, r, h, "tool_slot", prefix=small)(**batch)
    assert small.stats()["rows"] == 1 and small.bytes <= small.max_bytes


def test_the_frozen_layer_cache_applies_only_where_layers_are_frozen_and_steps_aside_otherwise(tiny, monkeypatch):
    import toolfoundry.training as training

    model, r, h, prefix, batch, _ = _prefix_setup(tiny)
    assert frozen_prefix(model, r, Trainable(profile="full")) is None
    assert frozen_prefix(model, r, Trainable(profile="top_layers", top_layers=1, frozen_cache_gb=0)) is None
    assert frozen_prefix(model, r, Trainable(profile="top_layers", top_layers=1), zero_stage=3) is None
    # a row that reads a tool token (whose row keeps learning) is never cached
    with_tool = batch["input_ids"].clone()
    with_tool[0, 1] = r.offset
    prefix.last_hidden(with_tool[:1], batch["attention_mask"][:1])
    assert prefix.stats()["rows"] == 0
    # a decoder whose layer loop differs from run_layers: the first batch finds it, the cache turns off,
    # and the loss is the whole decoder's
    real = training.run_layers
    monkeypatch.setattr(training, "run_layers", lambda d, hid, m, layers: real(d, hid, m, layers) * 1.5)
    loss = StageLoss(model, r, h, "tool_slot", prefix=prefix)(**batch)[0]
    assert not prefix.enabled and prefix.stats()["rows"] == 0 and "differs" in prefix.note
    torch.testing.assert_close(loss, StageLoss(model, r, h, "tool_slot")(**batch)[0])


def test_exported_rows_give_a_plain_model_with_the_same_outputs(tiny):
    model, tokenizer, catalog, ids = tiny
    batch = collate(_rows(tokenizer, catalog, ["weather in Paris"], [[0]]), tokenizer.pad_token_id)
    with torch.no_grad():
        before = model(input_ids=batch["input_ids"]).logits
    r, h = install_tool_rows(model, len(TOOLS))
    with torch.no_grad():
        r.new.add_(0.5)  # "training" moves the tool rows
        expected_tool_logits = model.get_decoder()(input_ids=batch["input_ids"]).last_hidden_state @ r.new.T
    export_tool_rows(model, r, h)
    assert isinstance(model.get_input_embeddings(), torch.nn.Embedding)
    assert model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    with torch.no_grad():
        after = model(input_ids=batch["input_ids"]).logits
    torch.testing.assert_close(after[..., ids], expected_tool_logits, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(after[..., ids], before[..., ids])


def test_batch_plan_is_deterministic_balanced_and_bucketed():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 100, size=1000).tolist()
    plan = batch_plan(lengths, 8, seed=3, epoch=0, world=2)
    assert plan == batch_plan(lengths, 8, seed=3, epoch=0, world=2)
    assert plan != batch_plan(lengths, 8, seed=3, epoch=1, world=2)
    assert all(len(step) == 2 and all(len(b) == 8 for b in step) for step in plan)
    seen = [i for step in plan for b in step for i in b]
    assert len(seen) == len(set(seen)) >= 1000 - 16 * 16
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for step in plan for b in step])
    assert spread < 20  # random batches of 8 from 5..100 would spread ~70


def test_a_dev_evaluation_is_charged_as_overhead_not_read_as_slow_steps():
    # 4 s/step, 70-minute budget, 500 s spent at step 125 of a 2,000-step plan; a 60 s evaluation
    # every 125 steps has cost 60 s so far
    common = dict(step=125, planned=2000, budget_s=4200.0, spent_s=500.0)
    steady = fit_steps_to_budget(**common, step_s=4.0, overhead_s=60.0, steps_run=125)
    # the old way: the evaluation inside a 25-step window read as 6.4 s/step
    as_slow_steps = fit_steps_to_budget(**common, step_s=4.0 + 60.0 / 25, overhead_s=0.0, steps_run=125)
    assert steady == 125 + int(3700 / (4.0 + 60.0 / 125)) == 950
    assert as_slow_steps < 0.75 * steady
    # never more than the plan, always at least one more step, even past the budget
    assert fit_steps_to_budget(**{**common, "planned": 300}, step_s=0.1, overhead_s=0.0, steps_run=125) == 300
    assert fit_steps_to_budget(**{**common, "spent_s": 5000.0}, step_s=4.0, overhead_s=0.0, steps_run=125) == 126


def test_a_refitted_horizon_bends_the_decay_but_never_moves_the_learning_rate():
    # the MetaTool run of 2026-12-07: planned 1,154 steps, then at step 525 the faster cached steps
    # re-fitted the horizon to 1,684; without an anchor the factor jumped from 0.61 back up to 0.80
    before = lr_factor(525, 1154, 20, "cosine", 0.05)
    assert lr_factor(525, 1684, 20, "cosine", 0.05) > before + 0.15
    anchor = refit_anchor(525, 1154, 20, None)
    assert lr_factor(525, 1684, 20, "cosine", 0.05, anchor=anchor) == pytest.approx(before)
    # from there it only falls, and still reaches the floor at the new horizon
    factors = [lr_factor(s, 1684, 20, "cosine", 0.05, anchor=anchor) for s in range(525, 1685)]
    assert all(b <= a + 1e-12 for a, b in zip(factors, factors[1:]))
    assert factors[-1] == pytest.approx(0.05)
    # a second re-fit (a shorter horizon) keeps the factor again; a re-fit inside warm-up changes nothing
    again = refit_anchor(900, 1684, 20, anchor)
    assert lr_factor(900, 1300, 20, "cosine", 0.05, anchor=again) == pytest.approx(factors[900 - 525])
    early = refit_anchor(5, 1154, 20, None)
    assert [lr_factor(s, 900, 20, anchor=early) for s in (5, 20, 460)] == \
        pytest.approx([lr_factor(s, 900, 20) for s in (5, 20, 460)])


def test_schedule_and_plateau():
    assert lr_factor(0, 100, 10) == pytest.approx(0.1)
    assert lr_factor(9, 100, 10) == pytest.approx(1.0)
    assert lr_factor(100, 100, 10, "cosine", 0.1) == pytest.approx(0.1)
    assert lr_factor(55, 100, 10, "linear", 0.0) == pytest.approx(0.5)
    p = Plateau(patience=2, min_delta=0.5, higher_is_better=True)
    assert [p.update(v) for v in (50, 60, 60.4, 60.2, 61)] == [False, False, False, True, False]


def test_the_ndcg_dev_metric_counts_every_relevant_tool_of_a_row():
    # 6 tools; row 0 has tools 1 and 4 relevant, row 1 only tool 2, row 2 none among its top 5
    logits = torch.tensor([[0.0, 5.0, 1.0, 2.0, 4.0, 3.0],   # ranking 1, 4, 5, 3, 2: both relevant first
                           [0.0, 5.0, 1.0, 2.0, 4.0, 3.0],   # tool 2 at rank 5
                           [9.0, 8.0, 7.0, 6.0, 5.0, 0.0]])  # tool 5 is last
    targets = torch.zeros(3, 6, dtype=torch.long)
    targets[0, [1, 4]] = 1
    targets[1, 2] = 1
    targets[2, 5] = 1
    assert slot_score(logits, targets, "acc@1").tolist() == [1.0, 0.0, 0.0]
    ndcg = slot_score(logits, targets, "ndcg@5")
    assert ndcg[0] == pytest.approx(1.0)
    assert ndcg[1] == pytest.approx(1 / math.log2(6))
    assert ndcg[2] == 0.0
    # one relevant tool of two at rank 1, the other missed: 1 / (1 + 1/log2 3)
    targets[0, 4], targets[0, 0] = 0, 1
    assert slot_score(logits, targets, "ndcg@5")[0] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    with pytest.raises(ValueError, match="ndcg@5"):
        slot_score(logits, targets, "mrr")
