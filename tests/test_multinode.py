"""Storage that spans nodes: a two-node cluster, processes in other directories than the driver, every
artefact of the run under one storage URI (``file://`` here; ``s3://`` goes through the same pyarrow
filesystems)."""

import json
import os
import subprocess
import sys

import pytest

from conftest import REPO_ROOT


@pytest.mark.slow  # two Ray nodes started in one process: ~3 min on 2 cores; run by `make test-slow`
def test_training_on_two_nodes_keeps_every_artefact_under_the_storage_uri(tmp_path):
    root = str(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS",)}
    proc = subprocess.run([sys.executable, os.path.join(REPO_ROOT, "tests", "scripts", "multinode_train.py"), root],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert result, proc.stdout[-4000:]
    out = json.loads(result[-1][len("RESULT "):])
    assert out["worker_node"] != out["head_node"]
    assert out["worker_cwd"] != out["driver_cwd"]
    assert out["stages"] == ["memorization", "retrieval"]
    assert os.path.isfile(os.path.join(out["model_dir"], "catalog.json"))
    assert out["model_dir"].startswith(os.path.join(root, "driver"))
    storage = os.path.join(root, "storage")
    for part in ("data/tools/manifest.json", "run/init_model/toolfoundry_init.json",
                 "run/stages/tokens/retrieval/manifest.json", "run/ray_results"):
        assert os.path.exists(os.path.join(storage, part)), part
    assert not os.path.exists(os.path.join(root, "driver", "run"))  # nothing landed beside the driver
