"""cluster.yaml: Ray's own launcher validation, a dashboard bound to loopback, pins that match the lock."""

from __future__ import annotations

import copy
import os
import re
import shlex

import pytest
import yaml

from conftest import REPO_ROOT

CLUSTER_YAML = os.path.join(REPO_ROOT, "cluster.yaml")


def _load() -> dict:
    with open(CLUSTER_YAML) as handle:
        return yaml.safe_load(handle)


def ray_validate(config: dict) -> dict:
    """What `ray up` does to the file before touching a cloud: fill defaults, then validate.

    ``prepare_config`` merges the provider's defaults and the setup commands; ``validate_config``
    checks the result against Ray's ray-schema.json and its cross-field rules (head type among the
    node types, sum of min_workers within max_workers, ...).
    """
    from ray.autoscaler._private.util import prepare_config, validate_config

    prepared = prepare_config(copy.deepcopy(config))
    validate_config(prepared)
    return prepared


def _ray_start(commands: list[str]) -> list[str]:
    """The arguments of the one `ray start` in a list of shell commands (`a; ray start ...` allowed)."""
    found = []
    for command in commands:
        for part in command.split(";"):
            words = shlex.split(part)
            if words[:2] == ["ray", "start"]:
                found.append(words[2:])
    assert len(found) == 1, commands
    return found[0]


def _flag(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
        if arg == name:
            return args[i + 1]
    return None


def test_ray_accepts_the_launcher_file():
    prepared = ray_validate(_load())
    types = prepared["available_node_types"]
    assert prepared["head_node_type"] == "head" and types["head"]["max_workers"] == 0
    assert types["gpu_train"]["resources"]["GPU"] == 8 and types["serve_worker"]["resources"]["GPU"] == 1
    # the global cap is what the per-type caps add up to, so no type is starved by another's scale-up
    assert sum(t["max_workers"] for name, t in types.items() if name != "head") == prepared["max_workers"]


@pytest.mark.parametrize("break_it, error", [
    (lambda c: c.update(head_node_type="missing"), "head_node_type"),
    (lambda c: c["available_node_types"]["gpu_train"].update(min_workrs=1), "min_workrs"),
    (lambda c: c["available_node_types"]["serve_worker"].update(min_workers=30), "max_workers"),
    (lambda c: c.update(idle_timeout_minutes="ten"), "ten"),
])
def test_ray_validation_rejects_a_broken_file(break_it, error):
    config = _load()
    break_it(config)
    with pytest.raises(Exception, match=error):
        ray_validate(config)


def test_dashboard_listens_on_loopback_and_workers_join_the_head_port():
    config = _load()
    head = _ray_start(config["head_start_ray_commands"])
    assert "--head" in head
    assert _flag(head, "--dashboard-host") == "127.0.0.1", "reach the dashboard with `ray dashboard cluster.yaml`"
    assert _flag(head, "--dashboard-port") == "8265"  # what `ray dashboard` forwards by default
    worker = _ray_start(config["worker_start_ray_commands"])
    assert _flag(worker, "--address") == f"$RAY_HEAD_IP:{_flag(head, '--port')}"
    assert _flag(worker, "--dashboard-host") is None


def test_nodes_install_what_a_laptop_installs():
    config = _load()
    import ray

    assert config["docker"]["image"].startswith(f"rayproject/ray:{ray.__version__}-"), "image and lock disagree on Ray"
    for remote, local in config["file_mounts"].items():
        assert os.path.exists(os.path.join(REPO_ROOT, local)), local
    setup = " ".join(config["setup_commands"])
    mounted = set(config["file_mounts"])
    assert all(path in mounted for path in re.findall(r"-r (\S+)", setup)), "every -r file must be mounted"
    with open(os.path.join(REPO_ROOT, "Makefile")) as handle:
        makefile = handle.read()
    pins = set(re.findall(r"[\w-]+==[\w.+-]+", setup))
    assert pins and pins <= set(re.findall(r"[\w-]+==[\w.+-]+", makefile)), pins  # torch and the model packages
