"""A Ray Train worker SIGKILLed mid-stage: the run finishes from its last checkpoint, redoing only the
steps after it, and the redone steps' losses are the interrupted run's, step for step."""

import json
import os
import signal
import threading
import time

import pytest

from toolfoundry.config import DataConfig, RecipeConfig

STEPS, EVERY = 16, 4
PAUSE = 2.0  # seconds each worker holds after a checkpoint: Ray Train registers it meanwhile


def _recipe(run_dir: str) -> RecipeConfig:
    return RecipeConfig.model_validate({
        "run_dir": run_dir, "seed": 3, "model": {"source": "tiny-random", "dtype": "float32"},
        "trainable": {"profile": "full"}, "optimizer": {"lr": 3e-4, "tool_lr": 1e-2},
        "encode": {"max_len": 96, "dev_fraction": 0.0},
        "train": {"batch_size": 4, "checkpoint_every": EVERY, "checkpoint_pause_s": PAUSE, "max_failures": 1,
                  "log_every": 100,
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

    # the worker is killed a step or two after a checkpoint Ray Train has registered, so the steps between
    # them run twice: before the kill and after the resume. Their losses must agree (within 1e-4; they
    # came out bit-identical) when model, optimizer and data position are all restored, which is what
    # joining the uninterrupted curve means, without training a second run to compare against
    killed_at: list[int] = []  # the step the worker was killed after
    resumes_after: list[int] = []  # the last checkpoint Ray Train had registered at that moment
    outcome: dict = {}

    def train():
        try:
            outcome["result"] = run(_recipe(str(tmp_path / "run")), data["tools"], data["examples"],
                                    str(tmp_path / "killed_model"))
        except Exception as err:  # surfaced by the assertions below
            outcome["error"] = err

    thread = threading.Thread(target=train)
    thread.start()
    journal_dir = None
    deadline = time.time() + 600
    while thread.is_alive() and time.time() < deadline and not killed_at:
        runs = tmp_path / "run" / "ray_results"
        if journal_dir is None and runs.is_dir():
            found = [p / "journal" for p in runs.iterdir() if (p / "journal").is_dir()]
            journal_dir = str(found[0]) if found else None
        steps = _journal(journal_dir) if journal_dir else []
        snapshot = os.path.join(os.path.dirname(journal_dir), "checkpoint_manager_snapshot.json") if journal_dir else ""
        text = open(snapshot).read() if os.path.isfile(snapshot) else ""
        registered = [k for k in range(EVERY, STEPS, EVERY) if f"step{k:06d}" in text]
        # kill once Ray Train has registered a checkpoint and a step past it is journaled, well before
        # the next checkpoint is saved
        if registered and steps and registered[-1] < steps[-1]["global_step"] <= registered[-1] + EVERY - 2:
            with open(os.path.join(journal_dir, "worker-1.pid")) as handle:
                pid = int(handle.read())
            os.kill(pid, signal.SIGKILL)
            killed_at.append(steps[-1]["global_step"])
            resumes_after.append(registered[-1])
        time.sleep(0.02)
    thread.join(timeout=600)
    assert "error" not in outcome, outcome.get("error")
    assert killed_at, "the run ended before a worker could be killed"
    checkpoint = resumes_after[0]

    steps = _journal(journal_dir)
    order = [r["global_step"] for r in steps]
    restart = next(i for i in range(1, len(steps)) if steps[i]["pid"] != steps[i - 1]["pid"])  # the new worker group
    assert order[restart] == checkpoint + 1  # resumed right after the last registered checkpoint ...
    assert order[:restart] == list(range(1, order[restart - 1] + 1))  # ... having done every step once before
    assert order[restart:] == list(range(checkpoint + 1, STEPS + 1))  # ... and none of the checkpointed ones again
    assert len({r["pid"] for r in steps[restart:]} | {r["pid"] for r in steps[:restart]}) == 2  # a new worker group
    first = {r["global_step"]: r["loss"] for r in steps[:restart]}
    redone = [r for r in steps[restart:] if r["global_step"] in first]
    assert redone and redone[0]["global_step"] == checkpoint + 1  # at least the step after the checkpoint ran twice
    for r in redone:  # same data, same state: the resumed curve is the interrupted one, step for step
        assert abs(r["loss"] - first[r["global_step"]]) < 1e-4, (r, first[r["global_step"]])
    assert outcome["result"]["stages"][-1]["steps"] == STEPS
