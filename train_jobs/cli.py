"""``toolfoundry train``, ``pipeline`` and ``onboard``: the training compositions on the command line.

``register(subparsers)`` adds these commands to the main CLI (``toolfoundry.cli``), which imports this
module only to register them; the jobs themselves are imported when a command runs.
"""

from __future__ import annotations

import argparse
import os

RECIPES_DIR = os.path.join(os.path.dirname(__file__), "recipes")
CONFIGS_DIR = os.path.join(os.path.dirname(__file__), "configs")


def recipe_path(name_or_path: str) -> str:
    """A recipe file: a path, or the name of one in ``train_jobs/recipes`` (``toolgen``, ``gentool``…)."""
    if os.path.isfile(name_or_path):
        return name_or_path
    candidate = os.path.join(RECIPES_DIR, f"{name_or_path}.yaml")
    if os.path.isfile(candidate):
        return candidate
    from toolfoundry.errors import InputError

    names = sorted(f[:-5] for f in os.listdir(RECIPES_DIR) if f.endswith(".yaml"))
    raise InputError("--recipe", f"{name_or_path!r} is neither a file nor a recipe name", f"a YAML file or one of {names}")


def _train(args) -> int:
    from toolfoundry.config import RecipeConfig, load_config, parse_overrides
    from toolfoundry.storage import read_manifest
    from train_jobs.engine import run
    from data_jobs.common import ensure_ray

    recipe = load_config(recipe_path(args.recipe), RecipeConfig, parse_overrides(args.set))
    for uri in (args.tools, args.examples) + ((args.scenarios,) if args.scenarios else ()):
        read_manifest(uri)  # fails fast, naming the path, when it is not a dataset
    ensure_ray(use_gpu=recipe.train.use_gpu)
    result = run(recipe, args.tools, args.examples, args.out, scenarios_uri=args.scenarios)
    for stage in result["stages"]:
        dev = f", dev {stage['dev_metric']:.2f}" if stage.get("dev_metric") is not None else ""
        print(f"[train] {stage['stage']}: {stage['steps']} steps, stopped by {stage['stopped_by']}, "
              f"loss {stage['loss']:.4f}{dev}, {stage['tokens_per_s']:.0f} tokens/s, {stage['seconds']:.0f}s")
    print(f"model saved to {result['model_dir']}")
    return 0


def _pipeline(args) -> int:
    from toolfoundry.config import PipelineConfig, load_config, parse_overrides
    from train_jobs.pipeline import run

    config = args.config or os.path.join(CONFIGS_DIR, f"{args.name}.yaml")
    run(load_config(config, PipelineConfig, parse_overrides(args.set)))
    return 0


def _onboard_arguments(p) -> None:
    from train_jobs.onboard import add_arguments

    add_arguments(p)


def _onboard(args) -> int:
    from train_jobs.onboard import run_from_args

    return run_from_args(args)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train a recipe (toolgen, gentool, router…) on tool and example datasets",
        description="Run a training recipe on Ray Train + DeepSpeed: the initial model with one token per tool, "
                    "the stage datasets (`toolfoundry data stages`), then the recipe's stages in order.")
    p.add_argument("--recipe", "--config", dest="recipe", default="toolgen_retrieval",
                   help="recipe file or name in train_jobs/recipes (default toolgen_retrieval)")
    p.add_argument("--tools", required=True, help="tools dataset folder or URI (written by a data job)")
    p.add_argument("--examples", required=True, help="examples dataset folder or URI")
    p.add_argument("--scenarios", default=None, help="scenario examples (GenTool stages)")
    p.add_argument("--out", required=True, help="where to write the trained model directory")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a recipe field, e.g. train.zero_stage=3")
    p.set_defaults(func=_train)

    p = subparsers.add_parser(
        "onboard", help="a catalog file to a served router: ingest, queries, dedupe, train, eval, report",
        description="Onboard a catalog without queries (OpenAI tools list, MCP tools/list, ToolBench…): synthesize "
                    "training queries, train ToolGen retrieval, evaluate beside BM25 and MiniLM, write report.md and "
                    "a model directory for `toolfoundry serve`. A rerun skips finished steps and resumes the others.")
    _onboard_arguments(p)
    p.set_defaults(func=_onboard)

    p = subparsers.add_parser("pipeline", help="run an end-to-end pipeline (synthesize, train, evaluate, serve)")
    p.add_argument("name", choices=["demo"], help="which pipeline")
    p.add_argument("--config", default=None, help="YAML config (default: train_jobs/configs/<name>.yaml)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field, e.g. train.zero_stage=3")
    p.set_defaults(func=_pipeline)
