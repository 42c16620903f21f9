"""Every recipe parses; the calling stages train on Ray Train + DeepSpeed and the result routes calls.

The ``router`` recipe holds every stage the other recipes use (memorization, retrieval, GenTool rank
and select; the demo pipeline test runs the agent stage), so one tiny run covers the engine's paths
for all of them.
"""

import os

import pytest

from toolfoundry.config import RecipeConfig, load_config
from train_jobs.cli import RECIPES_DIR, recipe_path

RECIPES = sorted(f[:-5] for f in os.listdir(RECIPES_DIR) if f.endswith(".yaml"))


def test_the_documented_recipes_exist_and_parse():
    assert {"toolgen", "toolgen_retrieval", "gentool", "gentool_single", "router"} <= set(RECIPES)
    stages = {name: [s.name for s in load_config(recipe_path(name), RecipeConfig).train.stages] for name in RECIPES}
    assert stages["toolgen"] == ["memorization", "retrieval", "agent"]
    assert stages["gentool"] == ["gentool_rank", "gentool_select"]
    assert stages["gentool_single"] == ["gentool_select"]
    gpu = load_config(recipe_path("gentool_gpu"), RecipeConfig)  # the same stages, whole epochs on GPUs
    assert stages["gentool_gpu"] == stages["gentool"] and gpu.train.use_gpu
    assert all(s.epochs >= 1 and s.budget.minutes is None for s in gpu.train.stages)
    assert set(stages["router"]) >= {"memorization", "retrieval", "gentool_rank", "gentool_select"}


@pytest.fixture(scope="module")
def scenario_data(ray_session, tmp_path_factory):
    from data_jobs.scenarios import run

    root = tmp_path_factory.mktemp("recipe")
    out = run(None, str(root / "scen"), family="functions", num_functions=24, k=4, weak_fraction=0.5,
              queries_per_tool=2, test_fraction=0.2, query_test_fraction=0.3, num_shards=1, seed=2)
    return root, out


@pytest.fixture(scope="module")
def router_run(scenario_data):
    """The ``router`` recipe, every stage a few steps on the tiny model: (recipe dict, engine result)."""
    from toolfoundry.config import parse_config
    from train_jobs.engine import run

    root, scen = scenario_data
    recipe = load_config(recipe_path("router"), RecipeConfig).model_dump()
    recipe.update(run_dir=str(root / "run"), model={"source": "tiny-random"}, encode={"max_len": 640},
                  optimizer={"lr": 3e-4, "tool_lr": 1e-2}, schedule={"warmup_steps": 1})
    recipe["train"].update(batch_size=4, grad_accum=1, checkpoint_every=0, log_every=5)
    for stage in recipe["train"]["stages"]:
        stage.update(epochs=1, max_steps=3, budget={"eval_every": 2})
        if stage["name"] == "retrieval":  # a multi-tool catalog's dev metric
            stage["budget"]["dev_metric"] = "ndcg@5"
    return recipe, run(parse_config(RecipeConfig, recipe), scen["tools"], scen["examples"], str(root / "model"),
                       scenarios_uri=scen["examples"])


def test_router_recipe_trains_every_stage_and_routes(scenario_data, router_run):
    from toolfoundry.calling import Router
    from toolfoundry.catalog import Catalog
    from toolfoundry.storage import read_table

    _, scen = scenario_data
    recipe, result = router_run
    assert [s["stage"] for s in result["stages"]] == [s["name"] for s in recipe["train"]["stages"]]
    assert all(s["steps"] >= 1 for s in result["stages"])
    assert all(s["dev_metric"] is not None for s in result["stages"] if s["stage"] != "memorization")
    named = {s["stage"]: s["dev_metric_name"] for s in result["stages"]}
    assert named["retrieval"] == "ndcg@5" and named["memorization"] == "acc@1" and named["gentool_select"] == "loss"
    retrieval = next(s for s in result["stages"] if s["stage"] == "retrieval")
    assert 0.0 <= retrieval["dev_metric"] <= 100.0
    last = result["stages"][-1]  # its loss is lm: lower is better
    assert last["dev_metric"] <= last["dev_last"]
    if last["restored_step"] is not None:  # exported: the best dev evaluation's weights
        assert last["restored_step"] < last["steps"] and last["dev_metric"] < last["dev_last"]
    catalog = Catalog.load(result["model_dir"])
    assert len(catalog) == read_table(scen["tools"]).num_rows - 1  # every tool but generate_response
    router = Router.from_pretrained(result["model_dir"], max_new_tokens=24)
    retrieved = router.retrieve("convert 5 kilometres to miles", 3)
    assert len({t.id for t in retrieved}) == 3 and all(t.id in catalog.by_id() for t in retrieved)


def test_calling_eval_scores_every_split_and_scenario_beside_the_untuned_model(scenario_data, router_run, tmp_path):
    import json

    from toolfoundry.cli import main

    root, _ = scenario_data
    _, result = router_run
    out = tmp_path / "eval"
    assert main(["eval", "--format", "toolfoundry", "--data", str(root / "scen"), "--task", "calling",
                 "--model", result["model_dir"], "--systems", "incontext", "--base-model", "tiny-random",
                 "--limit", "2", "--out", str(out)]) == 0
    results = json.loads((out / "report.json").read_text())["results"]
    systems = {r["system"] for r in results}
    assert systems == {"base-incontext", "model"}
    sets = {r["set"].split("/", 1)[1] for r in results}
    assert {s.split("/")[0] for s in sets} == {"test", "test_query"}  # train is never scored
    for system in systems:
        for name in sets:  # --limit is per (split, scenario): 2 of each, every call schema-valid and real
            row = {r["metric"]: r for r in results if r["system"] == system and r["set"].endswith(name)}
            assert row["selection_accuracy"]["n"] == 2
            assert row["schema_invalid_rate"]["value"] == 0.0 and row["hallucination_rate"]["value"] == 0.0
            assert 0.0 <= row["truncated_rate"]["value"] <= 100.0  # a random model may ramble: no call then
    records = [json.loads(line) for line in (out / "outputs.jsonl").read_text().splitlines()]
    assert len(records) == 2 * len(sets) * len(systems)
    for r in records:  # a cut decode makes no call; every call made is valid and among the candidates
        assert r["valid"] or (r["truncated"] and r["selected"] == "generate_response"), r


def test_calling_eval_scores_gated_and_grounded_twins_and_the_gate_alone_decides_not_to_call(scenario_data, router_run,
                                                                                             tmp_path):
    import json

    from toolfoundry.calling import ground_arguments
    from toolfoundry.cli import main
    from toolfoundry.formats import read_toolfoundry
    from toolfoundry.relevance import RelevanceGate
    from toolfoundry.schema import GENERATE_RESPONSE

    root, _ = scenario_data
    _, result = router_run
    out = tmp_path / "eval_gate"
    assert main(["eval", "--format", "toolfoundry", "--data", str(root / "scen"), "--task", "calling",
                 "--model", result["model_dir"], "--systems", "", "--relevance-gate", "0.34", "--gate-ranks", "both",
                 "--ground-optional", "both", "--limit", "1", "--out", str(out)]) == 0
    records = [json.loads(line) for line in (out / "outputs.jsonl").read_text().splitlines()]
    plain = {"model", "model+gate", "model+gate+rank"}
    assert {r["system"] for r in records} == plain | {f"{name}+ground" for name in plain}
    bench = read_toolfoundry(str(root / "scen"))
    examples, tools, gate = {e.id: e for e in bench.examples}, bench.tool_by_id(), RelevanceGate(0.34)
    by_key = {(r["system"], r["id"]): r for r in records}
    for r in records:
        assert r["valid"] or r["truncated"], r
        e = examples[r["id"]]
        if r["system"].endswith("+ground"):  # the same decode as its twin, less the ungrounded optional arguments
            twin = by_key[(r["system"][:-len("+ground")], r["id"])]
            assert r["selected"] == twin["selected"]
            called = [tools[c] for c in e.candidate_tool_ids if tools[c].name == r["selected"]]
            if called and twin["valid"]:
                assert r["arguments"] == ground_arguments(called[0], twin["arguments"], e.query)[0]
            else:
                assert r["arguments"] == twin["arguments"]
        if r["system"] in ("model", "model+ground"):
            continue
        admitted, _ = gate.admits(e.query, [tools[c] for c in e.candidate_tool_ids])
        # gated: generate_response exactly when the gate refused (or a decode was cut), a call otherwise
        assert (r["selected"] == GENERATE_RESPONSE) == (not admitted or r["truncated"]), r
