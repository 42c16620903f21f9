"""The engine's worker-side pieces that need no Ray: keeping the best dev weights of the last stage."""

import torch

from train_jobs.engine import _BestWeights


def _module():
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    module[0].requires_grad_(False)  # frozen weights are neither kept nor touched
    return module


def test_the_best_evaluation_weights_come_back_when_the_last_step_scores_worse():
    module = _module()
    best = _BestWeights(module, higher_is_better=True, enabled=True)
    best.offer(80.0, step=100)
    at_best = [p.detach().clone() for p in module.parameters()]
    with torch.no_grad():
        for p in module[1].parameters():
            p.add_(1.0)
    best.offer(70.0, step=200)  # worse: not kept
    restored = best.restore_if_better(75.0)
    assert restored == {"step": 100, "dev_metric": 80.0}
    assert all(torch.equal(a, b) for a, b in zip(at_best, module.parameters()))


def test_the_last_weights_stay_when_they_score_at_least_as_well_or_when_disabled():
    for enabled, last in ((True, 80.0), (True, 90.0), (False, 10.0)):
        module = _module()
        best = _BestWeights(module, higher_is_better=True, enabled=enabled)
        best.offer(80.0, step=100)
        with torch.no_grad():
            module[1].weight.add_(1.0)
        after = module[1].weight.detach().clone()
        assert best.restore_if_better(last) is None
        assert torch.equal(module[1].weight, after)


def test_a_loss_keeps_its_lowest_value():
    module = _module()
    best = _BestWeights(module, higher_is_better=False, enabled=True)
    best.offer(2.0, step=10)
    best.offer(1.5, step=20)
    best.offer(1.8, step=30)
    assert best.restore_if_better(1.9) == {"step": 20, "dev_metric": 1.5}
    assert best.restore_if_better(1.2) is None


def test_a_run_is_named_by_its_initial_model_too(tmp_path):
    """Two inits of the same catalog share the initial model's folder and the stage rows; only the
    folder's stamp tells them apart, so a rerun with another ``model.tool_init`` must not resume."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from toolfoundry.storage import write_json, write_manifest
    from train_jobs.engine import INIT_STAMP, run_name

    init, rows = str(tmp_path / "init_model"), tmp_path / "stages" / "retrieval"
    rows.mkdir(parents=True)
    pq.write_table(pa.table({"input_ids": [[1, 2, 3]]}), rows / "part-00000.parquet")
    rows = str(rows)
    write_manifest(rows, kind="stage")
    cfg, stages = {"seed": 0, "init_uri": init}, {"retrieval": rows}
    write_json(init, INIT_STAMP, {"indexing": "atomic", "tool_init": "document"})
    document = run_name(cfg, init, stages)
    assert run_name(cfg, init, stages) == document  # the same run: a rerun resumes
    write_json(init, INIT_STAMP, {"indexing": "atomic", "tool_init": "name"})
    assert run_name(cfg, init, stages) != document
    assert run_name({**cfg, "seed": 1}, init, stages) != run_name(cfg, init, stages)
