"""A Ray Train worker SIGKILLed mid-stage: the run finishes from its last checkpoint, redoing only the
steps after it, and its loss curve joins the uninterrupted run's."""

import json
import os
import signal
import threading
import time

import pytest

from toolfoundry.config import DataConfig, RecipeConfig

STEPS, EVERY = 16, 4


def _recipe(run_dir: str) -> RecipeConfig:
    return RecipeConfig.model_validate({
        "run_dir": run_dir, "seed": 3, "model": {"source": "tiny-random", "dtype": "float32"},
        "trainable": {"profile": "full"}, "optimizer": {"lr": 3e-4, "tool_lr": 1e-2},
        "encode": {"max_len": 96, "dev_fraction": 0.0},
        "train": {"batch_size": 4, "checkpoint_every": EVERY, "max_failures": 1, "log_every": 100,
                  "stages": [{"name": "retrieval", "epochs": 50, "max_steps": STEPS}]}})


def _journal(folder: str) -> list[dict]:
    path = os.path.join(folder, "steps.jsonl")
    if not os.path.isfile(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="module")
def data(ray_session, tmp_path_factory):
    from data_jobs.synthesize import run as synthesize

    return synthesize(DataConfig(num_tools=16, queries_per_tool=6, num_shards=1), str(tmp_path_factory.mktemp("d")), 3)


def test_killed_worker_resumes_at_the_last_checkpoint_and_joins_the_uninterrupted_curve(data, tmp_path):
    from train_jobs.engine import run

    clean = run(_recipe(str(tmp_path / "clean")), data["tools"], data["examples"], str(tmp_path / "clean_model"))
    reference = {r["global_step"]: r["loss"] for r in _journal(clean["journal"])}
    assert sorted(reference) == list(range(1, STEPS + 1))

    killed_at: list[int] = []
    outcome: dict = {}

    def train():
        try:
            outcome["result"] = run(_recipe(str(tmp_path / "killed")), data["tools"], data["examples"],
                                    str(tmp_path / "killed_model"))
        except Exception as err:  # surfaced by the assertions below
            outcome["error"] = err

    thread = threading.Thread(target=train)
    thread.start()
    journal_dir = None
    deadline = time.time() + 600
    while thread.is_alive() and time.time() < deadline and not killed_at:
        runs = tmp_path / "killed" / "ray_results"
        if journal_dir is None and runs.is_dir():
            found = [p / "journal" for p in runs.iterdir() if (p / "journal").is_dir()]
            journal_dir = str(found[0]) if found else None
        steps = _journal(journal_dir) if journal_dir else []
        snapshot = os.path.join(os.path.dirname(journal_dir), "checkpoint_manager_snapshot.json") if journal_dir else ""
        registered = os.path.isfile(snapshot) and f"step{EVERY:06d}" in open(snapshot).read()
        # kill once Ray Train has registered the first checkpoint, past it and before the next one
        if registered and steps and EVERY + 1 <= steps[-1]["global_step"] < 2 * EVERY:
            with open(os.path.join(journal_dir, "worker-1.pid")) as handle:
                pid = int(handle.read())
            os.kill(pid, signal.SIGKILL)
            killed_at.append(steps[-1]["global_step"])
        time.sleep(0.05)
    thread.join(timeout=600)
    assert "error" not in outcome, outcome.get("error")
    assert killed_at, "the run ended before a worker could be killed"
    assert killed_at[0] < 2 * EVERY, f"killed at step {killed_at[0]}: after the second checkpoint, not the first"

    steps = _journal(journal_dir)
    order = [r["global_step"] for r in steps]
    restart = next(i for i in range(1, len(order)) if order[i] <= order[i - 1])
    assert order[restart] == EVERY + 1  # resumed right after the last checkpoint ...
    assert order[:restart] == list(range(1, order[restart - 1] + 1))  # ... having done every step once before
    assert order[restart:] == list(range(EVERY + 1, STEPS + 1))  # ... and none of the checkpointed ones again
    assert len({r["pid"] for r in steps[restart:]} | {r["pid"] for r in steps[:restart]}) == 2  # a new worker group
    for r in steps[restart:]:  # same data, same state: the curve joins the uninterrupted one
        assert abs(r["loss"] - reference[r["global_step"]]) < 1e-4, (r, reference[r["global_step"]])
    assert outcome["result"]["stages"][-1]["steps"] == STEPS
