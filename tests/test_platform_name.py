"""`platform/` holds the core library but must never shadow the standard library's `platform`."""

from __future__ import annotations

import os
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
    assert out[1] == "Linux" or out[1]  # the real module answers, a namespace package would not


def test_import_platform_inside_a_ray_worker_with_the_repo_as_working_dir(ray_session):
    ray = ray_session

    @ray.remote(runtime_env={"working_dir": REPO_ROOT, "excludes": [".venv/", "runs/", ".git/"]})
    def probe():
        import os
        import platform

        import toolfoundry.schema

        return platform.__file__, platform.python_version(), os.getcwd(), toolfoundry.schema.SCHEMA_VERSION

    path, version, cwd, schema_version = ray.get(probe.remote())
    assert _is_stdlib(path), path
    assert version == ".".join(map(str, sys.version_info[:3]))
    assert os.path.isdir(os.path.join(cwd, "platform", "toolfoundry")), "the worker did not run in the working_dir"
    assert schema_version
