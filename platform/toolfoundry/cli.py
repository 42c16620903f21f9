"""The ``toolfoundry`` command.

This module is the composition root: it parses arguments and hands over to the jobs (``data_jobs``,
``train_jobs``, ``serve``), importing them only when their command runs — the rest of the core
library never imports a job. Bad input ends with one ``error:`` line naming what to fix, exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

import yaml

from toolfoundry.errors import ToolfoundryError

# Commands contributed by other packages: each module exposes register(subparsers).
_PLUGGED_COMMANDS = ("data_jobs.cli", "toolfoundry.evaluation.cli")


def default_config(name: str) -> str:
    import train_jobs

    return os.path.join(os.path.dirname(train_jobs.__file__), "configs", f"{name}.yaml")


def parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ToolfoundryError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set train.zero_stage=3")
        overrides[key] = yaml.safe_load(value)
    return overrides


def _load(args):
    from toolfoundry.config import load_config

    return load_config(args.config, overrides=parse_overrides(args.set))


def _pipeline(args) -> int:
    from train_jobs.pipeline import run

    run(_load(args))
    return 0


def _train(args) -> int:
    from train_jobs.pipeline import init_ray, initial_model
    from train_jobs.toolgen import run
    from toolfoundry.storage import read_manifest

    cfg = _load(args)
    for uri in (args.tools, args.examples):
        read_manifest(uri)  # fails fast, naming the path, when it is not a dataset
    init_ray(cfg.train.use_gpu)
    result = run(cfg, args.tools, args.examples, initial_model(cfg, args.tools), args.out)
    print(f"model saved to {result['model_dir']}")
    return 0


def _serve(args) -> int:
    import time

    import ray

    from serve.app import start
    from toolfoundry.catalog import Catalog
    from toolfoundry.config import ServeConfig

    Catalog.load(args.model_dir)  # a missing or foreign directory fails here, not inside a replica
    ray.init(include_dashboard=False)
    url = start(args.model_dir, ServeConfig(port=args.port, num_replicas=args.replicas))
    print(f"serving {args.model_dir} at {url}/v1/tools/retrieve (Ctrl-C stops)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


def job_runtime_env(working_dir: str) -> dict:
    """What a cluster job needs: the checkout as working dir, the core library as a py_module.

    Cluster nodes have the dependencies (cluster.yaml installs them) but not this checkout; Ray ships
    both. ``platform/`` itself is never put on the path as a package: ``toolfoundry`` is shipped as
    its own module, so ``import platform`` on the workers still gives the standard library.
    """
    root = os.path.abspath(working_dir)
    core = os.path.join(root, "platform", "toolfoundry")
    if not os.path.isdir(core):
        raise ToolfoundryError(f"--working-dir {working_dir!r}: no platform/toolfoundry; run from a toolfoundry checkout")
    return {
        "working_dir": root,
        "py_modules": [core],
        "excludes": [".venv/", "runs/", ".git/", "**/__pycache__/"],
        "env_vars": {"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"},
    }


def job_entrypoint(command: list[str]) -> str:
    command = [c for c in command if c != "--"] if command[:1] == ["--"] else list(command)
    if not command:
        raise ToolfoundryError("submit: no command given; e.g. toolfoundry submit -- toolfoundry pipeline demo")
    if command[0] == "toolfoundry":  # the console script is not installed on the cluster
        command = ["python", "-m", "toolfoundry.cli", *command[1:]]
    return " ".join(command)


def _submit(args) -> int:
    from ray.job_submission import JobSubmissionClient

    entrypoint = job_entrypoint(args.entrypoint)
    runtime_env = job_runtime_env(args.working_dir)
    job_id = JobSubmissionClient(args.address).submit_job(entrypoint=entrypoint, runtime_env=runtime_env)
    print(f"submitted {job_id}: {entrypoint}\nfollow it with: ray job logs --follow {job_id} --address {args.address}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="toolfoundry", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pipeline", help="run an end-to-end pipeline (synthesize, train, evaluate, serve)")
    p.add_argument("name", choices=["demo"], help="which pipeline")
    p.add_argument("--config", default=None, help="YAML config (default: train_jobs/configs/<name>.yaml)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field, e.g. train.zero_stage=3")
    p.set_defaults(func=_pipeline)

    p = sub.add_parser("train", help="run the ToolGen stages on existing tool and example datasets")
    p.add_argument("--config", default=default_config("demo"), help="YAML config (model, train sections are used)")
    p.add_argument("--tools", required=True, help="tools dataset folder or URI (written by a data job)")
    p.add_argument("--examples", required=True, help="examples dataset folder or URI")
    p.add_argument("--out", required=True, help="where to write the trained model directory")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config field")
    p.set_defaults(func=_train)

    p = sub.add_parser("serve", help="serve a trained model directory over HTTP with Ray Serve")
    p.add_argument("--model-dir", required=True)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--replicas", type=int, default=1)
    p.set_defaults(func=_serve)

    p = sub.add_parser("submit", help="submit a toolfoundry entry point to a Ray cluster as a job")
    p.add_argument("--address", default=os.environ.get("RAY_ADDRESS", "http://127.0.0.1:8265"))
    p.add_argument("--working-dir", default=".", help="the repository checkout to ship with the job")
    p.add_argument("entrypoint", nargs=argparse.REMAINDER, help="after --: the command, e.g. -- toolfoundry pipeline demo")
    p.set_defaults(func=_submit)

    for module in _PLUGGED_COMMANDS:
        try:
            importlib.import_module(module).register(sub)
        except ModuleNotFoundError as err:
            if err.name != module:  # the module exists but something it needs is missing
                raise
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) == "pipeline" and args.config is None:
        args.config = default_config(args.name)
    try:
        return args.func(args)
    except ToolfoundryError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
