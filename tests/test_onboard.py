"""``toolfoundry onboard``: the catalog format sniffed, the training budget split over the stages, and the
whole composition on a 20-tool OpenAI catalog (tiny random model, model-free query writer, a few
steps, MiniLM fine-tuned on the synthesized rows beside it): a model directory with its catalog, the
reports, and a rerun that skips every finished step."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from toolfoundry.errors import InputError


def _write(path, obj) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle)
    return str(path)


def test_the_format_is_sniffed_from_the_file(tmp_path):
    from train_jobs.onboard import sniff_format

    fn = {"name": "get_weather", "description": "Weather for a city.", "parameters": {"type": "object"}}
    assert sniff_format(_write(tmp_path / "a.json", [{"type": "function", "function": fn}])) == "openai"
    assert sniff_format(_write(tmp_path / "b.json", {"tools": [{"type": "function", "function": fn}]})) == "openai"
    mcp = {"name": "get_weather", "description": "Weather.", "inputSchema": {"type": "object"}}
    assert sniff_format(_write(tmp_path / "c.json", {"jsonrpc": "2.0", "result": {"tools": [mcp]}})) == "mcp"
    assert sniff_format(_write(tmp_path / "d.json", {"tools": [mcp]})) == "mcp"
    assert sniff_format(_write(tmp_path / "e.json", [{"query": "q", "api_list": []}])) == "toolbench"
    (tmp_path / "mt").mkdir()
    _write(tmp_path / "mt" / "plugin_des.json", {})
    assert sniff_format(str(tmp_path / "mt")) == "metatool"
    with pytest.raises(InputError, match="--format"):
        sniff_format(_write(tmp_path / "f.json", {"functions": []}))
    with pytest.raises(InputError, match="CATALOG"):
        sniff_format(str(tmp_path / "missing.json"))


def test_the_training_budget_is_split_over_the_stages(tmp_path):
    from train_jobs.cli import recipe_path
    from train_jobs.onboard import onboarding_recipe

    cfg = onboarding_recipe(recipe_path("toolgen_retrieval"), {"train.batch_size": 4}, run_dir=str(tmp_path),
                            model="tiny-random", minutes=30, max_steps=5)
    stages = {s.name: s for s in cfg.train.stages}
    assert stages["memorization"].budget.minutes == 10 and stages["retrieval"].budget.minutes == 20
    assert all(s.max_steps == 5 for s in stages.values())
    assert cfg.model.source == "tiny-random" and cfg.train.batch_size == 4 and cfg.run_dir == str(tmp_path)


def test_onboard_end_to_end_on_a_20_tool_catalog(ray_session, tmp_path, capsys):
    from toolfoundry import storage
    from toolfoundry.catalog import Catalog
    from toolfoundry.schema import EXAMPLE_SCHEMA, examples_from_table
    from toolfoundry.synth import generate_tools
    from train_jobs.onboard import DENSE_SYSTEM, RERANK_SYSTEM, THIN_TOOL_ROWS, run

    tools = generate_tools(20, seed=11)
    catalog = _write(tmp_path / "tools.json", [t.to_openai() for t in tools])
    real = tmp_path / "real.jsonl"
    real.write_text("".join(json.dumps({"query": f"please {t.description.split('.')[0].lower()}", "tool": t.name}) + "\n"
                            for t in tools[:5]) + json.dumps({"query": "hi", "tool": "nope"}) + "\n")
    out = tmp_path / "run"
    opts = dict(model="tiny-random", query_model="stub", schema_per_tool=6, llm_per_tool=2, max_steps=2,
                real_queries=str(real), eval_limit=20, dense_epochs=1, rerank_model="tiny-random", rerank_depth=3,
                serve_retriever="dense-rerank",
                overrides={"train.batch_size": 4, "train.num_workers": 1, "encode.max_len": 128})
    summary = run(catalog, str(out), **opts)

    assert len(Catalog.load(str(out / "model")).tools) == 20
    assert os.path.isfile(out / "report.md") and os.path.isfile(out / "report.json")
    assert summary["tools"] == 20 and summary["queries"]["accepted"] > 20 * 5
    assert set(summary["evaluation"]) == {"synthetic-held-out", "real-queries"}
    for table in summary["evaluation"].values():
        assert set(table) == {"toolgen (onboarded)", "bm25", "minilm-zero-shot", DENSE_SYSTEM, RERANK_SYSTEM}
        # the LM reorders only the fine-tuned MiniLM's top 3: recall@5 cannot change
        assert table[RERANK_SYSTEM]["recall@5"] == table[DENSE_SYSTEM]["recall@5"]
    # the fine-tuned MiniLM trained on the synthesized train rows only, one epoch of them
    n_pairs = sum(len(e.relevant_tool_ids) for e in examples_from_table(
        storage.read_table(str(out / "data" / "examples"), EXAMPLE_SCHEMA)) if e.split == "train")
    assert 0 < summary["dense"]["pairs"] <= n_pairs
    assert 0 < summary["dense"]["steps"] == summary["dense"]["planned_steps"]
    assert os.path.isfile(out / "dense" / "config.json")
    assert summary["real_query_problems"] and "unknown_tool" in summary["real_query_problems"][0]
    # the served model retrieves with the fine-tuned MiniLM + LM reranking, as evaluated
    from serve.engine import ToolEngine
    from toolfoundry.rerank import build_reranked

    engine = ToolEngine(str(out / "model"), dtype="float32")
    assert engine.info()["retriever"] == "minilm + LM rerank"
    evaluated = build_reranked(Catalog.load(str(out / "model")).tools, str(out / "dense"), reranker="tiny-random",
                               depth=3, dtype="float32")
    queries = [t.description for t in tools[:4]]
    assert [[hit[0] for hit in row] for row in engine.retrieve(queries, [5] * 4)] == evaluated.search(queries, 5)
    assert [s["step"] for s in summary["steps"]] == ["ingest", "queries", "dedupe", "train", "dense", "eval"]
    # tools left with too few training requests after dedupe are listed and flagged
    kept = examples_from_table(storage.read_table(str(out / "data" / "examples"), EXAMPLE_SCHEMA))
    counts = Counter(t for e in kept if e.split == "train" for t in e.relevant_tool_ids)
    served = [t.id for t in Catalog.load(str(out / "model")).tools]
    assert summary["thin_tools"] == sorted(t for t in served if counts[t] < THIN_TOOL_ROWS)
    assert any("training requests after dedupe" in f for f in summary["flags"]) == bool(summary["thin_tools"])

    capsys.readouterr()
    again = run(catalog, str(out), **opts)  # a rerun: every step is skipped
    log = capsys.readouterr().out
    assert log.count("done already") == 6, log
    assert again["evaluation"] == summary["evaluation"]
