"""`platform/` holds the core library but must never shadow the standard library's `platform`."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import sysconfig

from conftest import REPO_ROOT

STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])


def _is_stdlib(path: str) -> bool:
    return os.path.realpath(path).startswith(STDLIB)


def test_import_platform_from_the_repository_root_is_the_standard_library():
    out = subprocess.run(
        [sys.executable, "-c", "import platform, toolfoundry; print(platform.__file__); print(platform.system())"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert _is_stdlib(out[0]), out
    # the real module answers, and says what the standard library says in this process
    assert out[1] == platform.system() and out[1], out


PROBE = """
import json, sys
import ray
from toolfoundry.cli import job_runtime_env

# The runtime env `toolfoundry submit` gives a cluster job: the checkout as working_dir.
ray.init(num_cpus=1, include_dashboard=False, runtime_env=job_runtime_env(sys.argv[1]))

@ray.remote
def probe():
    import os, platform
    import toolfoundry.schema
    return [platform.__file__, platform.python_version(), os.getcwd(), toolfoundry.schema.SCHEMA_VERSION]

print(json.dumps(ray.get(probe.remote())))
ray.shutdown()
"""


def test_import_platform_inside_a_ray_worker_with_the_repo_as_working_dir(tmp_path):
    # A Ray job of its own: a local working_dir can only be given when a job starts.
    out = subprocess.run(
        [sys.executable, "-c", PROBE, REPO_ROOT], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    path, version, cwd, schema_version = json.loads(out.stdout.strip().splitlines()[-1])
    assert _is_stdlib(path), path
    assert version == ".".join(map(str, sys.version_info[:3]))
    assert os.path.isdir(os.path.join(cwd, "platform", "toolfoundry")), "the worker did not run in the working_dir"
    assert schema_version
