"""The demo pipeline end to end on a tiny model: Ray Data → Ray Train + DeepSpeed → eval → Ray Serve."""

from __future__ import annotations

import json
import os
import random

import httpx
import pytest

from toolfoundry.catalog import Catalog
from toolfoundry.storage import read_manifest


def _values(report: dict) -> dict[tuple[str, str], float]:
    return {(r["system"], r["metric"]): r["value"] for r in report["results"]}


def test_pipeline_writes_datasets_model_and_report(tiny_pipeline):
    cfg, report = tiny_pipeline
    run_dir = cfg.run_dir

    tools = read_manifest(os.path.join(run_dir, "data", "tools"))
    examples = read_manifest(os.path.join(run_dir, "data", "examples"))
    assert tools["rows"] == cfg.data.num_tools
    assert examples["rows"] == cfg.data.num_tools * cfg.data.queries_per_tool
    assert tools["seed"] == cfg.seed and len(tools["content_hash"]) == 64

    model_dir = os.path.join(run_dir, "model")
    for name in ("config.json", "model.safetensors", "tokenizer.json", "catalog.json", "train_state.json"):
        assert os.path.isfile(os.path.join(model_dir, name)), name
    catalog = Catalog.load(model_dir)
    assert len(catalog) == cfg.data.num_tools
    state = json.load(open(os.path.join(model_dir, "train_state.json")))
    assert [s["stage"] for s in state["history"]] == ["memorization", "retrieval", "agent"]
    assert all(s["steps"] >= 1 for s in state["history"])
    # the tool-slot stages ran the frozen bottom layer once per row, on both workers; the agent stage
    # (whose rows read tool tokens) ran whole
    for record in state["history"][:2]:
        cache = record["frozen_cache"]
        assert cache["enabled"] and cache["rows"] > 0 and cache["hit_rate"] > 0.3, record
    assert "frozen_cache" not in state["history"][2]

    saved = json.load(open(os.path.join(run_dir, "report", "report.json")))
    values = _values(saved)
    assert {"bm25", "toolgen", "toolgen-untrained"} <= {system for system, _ in values}
    for (system, metric), value in values.items():
        if metric.startswith(("ndcg", "recall", "acc")):
            assert 0.0 <= value <= 100.0, (system, metric, value)
    assert "| bm25 |" in open(os.path.join(run_dir, "report", "report.md")).read()
    assert os.path.isfile(os.path.join(run_dir, "report", "ndcg_5.png"))
    # The serve step really answered over HTTP with catalog tools.
    assert len(report["serve_answers"]) == cfg.serve.demo_queries
    names = {t.name for t in catalog.tools}
    for answer in report["serve_answers"]:
        assert answer["tools"] and set(answer["tools"]) <= names


def test_training_improves_retrieval(tiny_pipeline):
    """Even a tiny model learns its tool tokens: trained beats the name-initialised tokens."""
    _, report = tiny_pipeline
    values = _values(report)
    assert values[("toolgen", "ndcg@5")] > values[("toolgen-untrained", "ndcg@5")]


@pytest.fixture(scope="module")
def served(tiny_pipeline):
    from ray import serve

    from serve.app import start

    cfg, _ = tiny_pipeline
    url = start(os.path.join(cfg.run_dir, "model"), cfg.serve, name="test_retrieve")
    yield cfg, url
    serve.shutdown()


def test_endpoint_answers_only_distinct_catalog_tools(served):
    """200 random queries: every answer holds k distinct tools, all from the catalog."""
    cfg, url = served
    catalog = Catalog.load(os.path.join(cfg.run_dir, "model"))
    ids = set(catalog.ids)
    rng = random.Random(7)
    words = "weather flight stock invoice recipe translate convert booking email calendar price map".split()
    with httpx.Client(timeout=60) as client:
        for i in range(200):
            query = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
            k = rng.randint(1, min(cfg.serve.max_k, len(catalog)))
            response = client.post(f"{url}/v1/tools/retrieve", json={"query": query, "k": k})
            assert response.status_code == 200, response.text
            got = [t["id"] for t in response.json()["tools"]]
            assert len(got) == k, (query, k, got)
            assert len(set(got)) == k, f"duplicate tool in {got}"
            assert set(got) <= ids, f"tool outside the catalog in {got}"


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"query": "", "k": 3}, 422, "query"),
        ({"query": "   ", "k": 3}, 422, "query"),
        ({"query": "x" * 5000, "k": 3}, 413, "query"),
        ({"query": "book a flight", "k": 0}, 422, "k"),
        ({"query": "book a flight", "k": 10_000}, 422, "k"),
        ({"k": 3}, 422, "query"),
        ({"query": "book a flight", "k": "three"}, 422, "k"),
    ],
)
def test_endpoint_refuses_bad_requests_with_4xx(served, body, status, field):
    _, url = served
    response = httpx.post(f"{url}/v1/tools/retrieve", json=body, timeout=30)
    assert response.status_code == status, response.text
    assert field in response.text


def test_endpoint_refuses_a_body_that_is_not_json(served):
    _, url = served
    response = httpx.post(f"{url}/v1/tools/retrieve", content=b"{not json", timeout=30,
                          headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500


@pytest.mark.slow  # ~30 s; resuming from checkpoints is checked in the fast suite by test_fault_tolerance
def test_rerunning_a_finished_training_resumes_instead_of_training_again(tiny_pipeline):
    """Same config and data: Ray Train restores the run and every stage is already done."""
    from train_jobs import engine

    cfg, report = tiny_pipeline
    data = os.path.join(cfg.run_dir, "data")
    again = engine.run(cfg, f"{data}/tools", f"{data}/examples", os.path.join(cfg.run_dir, "model_again"))
    assert again["stages"] == report["training"]  # the same history, seconds included: nothing re-ran
