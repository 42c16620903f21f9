"""Bad configs and paths fail at once, with a message naming what to fix."""

from __future__ import annotations

import os

import pytest

from toolfoundry import cli
from train_jobs.cli import CONFIGS_DIR
from toolfoundry.config import PipelineConfig, load_config
from toolfoundry.errors import InputError


def _write(tmp_path, text):
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    return str(path)


def test_the_shipped_demo_config_is_valid():
    cfg = load_config(os.path.join(CONFIGS_DIR, "demo.yaml"))
    assert isinstance(cfg, PipelineConfig)
    assert cfg.train.zero_stage == 2 and cfg.model.source == "embedded"
    assert cfg.data.num_tools >= 200


@pytest.mark.parametrize(
    "text, named",
    [
        ("train:\n  zero_stage: 1\n", "train.zero_stage"),
        ("train:\n  batch_size: -4\n", "train.batch_size"),
        ("trian:\n  batch_size: 4\n", "trian"),
        ("data:\n  num_tools: many\n", "data.num_tools"),
        ("model:\n  indexing: hashed\n", "model.indexing"),
        ("train:\n  stages:\n    - name: pretraining\n", "train.stages.0.name"),
        ("- just\n- a list\n", "YAML mapping"),
        ("train: [unclosed\n", "not valid YAML"),
        ("serve:\n  max_queued_requests: 0\n", "serve.max_queued_requests"),
    ],
)
def test_bad_config_names_the_field(tmp_path, text, named):
    with pytest.raises(InputError) as err:
        load_config(_write(tmp_path, text))
    assert named in str(err.value)
    assert str(tmp_path) in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(InputError, match="config file not found"):
        load_config(str(tmp_path / "nope.yaml"))


def test_overrides_are_typed_and_validated(tmp_path):
    path = _write(tmp_path, "seed: 1\n")
    assert load_config(path, overrides={"train.zero_stage": 3}).train.zero_stage == 3
    with pytest.raises(InputError, match="train.zero_stage"):
        load_config(path, overrides={"train.zero_stage": 5})


def test_overrides_index_a_recipes_stages(tmp_path):
    from toolfoundry.config import RecipeConfig

    recipe = _write(tmp_path, "train:\n  stages:\n    - {name: gentool_rank, epochs: 1}\n"
                              "    - {name: gentool_select, epochs: 1, budget: {minutes: 50}}\n")
    cfg = load_config(recipe, RecipeConfig, overrides={"train.stages.1.budget.minutes": 12,
                                                      "train.stages.0.epochs": 2})
    assert cfg.train.stages[1].budget.minutes == 12 and cfg.train.stages[0].epochs == 2
    with pytest.raises(InputError, match="an index from 0 to 1"):
        load_config(recipe, RecipeConfig, overrides={"train.stages.2.epochs": 1})
    with pytest.raises(InputError, match="not a mapping"):
        load_config(recipe, RecipeConfig, overrides={"train.stages.0.name.x": 1})


def test_cli_reports_bad_input_in_one_line_before_starting_ray(tmp_path, capsys):
    import ray

    path = _write(tmp_path, "train:\n  zero_stage: 7\n")
    assert cli.main(["pipeline", "demo", "--config", path]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "train.zero_stage" in err and "Traceback" not in err
    assert not ray.is_initialized()


@pytest.mark.parametrize(
    "argv, named",
    [
        (["train", "--tools", "/no/such/tools", "--examples", "/no/such/examples", "--out", "/tmp/x"], "/no/such/tools"),
        (["serve", "--model-dir", "/no/such/model"], "/no/such/model"),
        (["pipeline", "demo", "--set", "train.zero_stage"], "--set"),
    ],
)
def test_cli_bad_paths_name_the_path(argv, named, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_model_source_that_is_not_a_model_directory(tmp_path):
    from toolfoundry.modeling import load_base_model

    with pytest.raises(InputError, match="no such directory"):
        load_base_model(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="config.json"):
        load_base_model(str(tmp_path / "empty"))


def test_submit_ships_the_core_library_without_a_platform_package():
    from conftest import REPO_ROOT

    env = cli.job_runtime_env(REPO_ROOT)
    assert env["working_dir"] == REPO_ROOT
    assert env["py_modules"] == [f"{REPO_ROOT}/platform/toolfoundry"]
    assert ".venv/" in env["excludes"]
    assert cli.job_entrypoint(["--", "toolfoundry", "pipeline", "demo"]) == "python -m toolfoundry.cli pipeline demo"
