"""`toolfoundry submit / status / logs / stop` against a real Ray head started by this module.

The head is `ray start --head --block` in a session of its own, with its own ports and temp dir, so
it never meets the in-process Ray of the other tests nor another engineer's cluster; it is torn down
by signalling the processes of that session only (`ray stop` would stop every Ray on the machine).
The CLI runs in subprocesses with RAY_ADDRESS unset, exactly as a user runs it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
import yaml

from conftest import REPO_ROOT, free_port

VENV_BIN = os.path.dirname(sys.executable)
JOB_ID = re.compile(r"^raysubmit_\w+$")


def tiny_pipeline_yaml(run_dir: str) -> dict:
    """The smallest `toolfoundry pipeline demo` config, as YAML data: conftest's tiny config, so it
    follows the training-recipe config as that changes (one place to update, not two)."""
    from conftest import tiny_pipeline_config

    return tiny_pipeline_config(run_dir).model_dump(mode="json")


def _session_pids(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RAY_ADDRESS", "RAY_API_SERVER_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")  # `python` in an entrypoint is this venv's
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def head():
    """A one-node Ray cluster with its dashboard (job server) on 127.0.0.1: (url, env for clients).

    A token file of its own is given through RAY_AUTH_TOKEN_PATH, so the head starts with Ray 2.60's
    token authentication on (as it does on any machine with ~/.ray/auth_token) whatever the machine.
    """
    root = tempfile.mkdtemp(prefix="tfh", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    token = os.path.join(root, "token")
    with open(token, "w") as handle:
        handle.write("0123456789abcdef0123456789abcdef")
    env = _clean_env(RAY_AUTH_TOKEN_PATH=token, RAY_USAGE_STATS_ENABLED="0")
    dash = free_port()
    cmd = [os.path.join(VENV_BIN, "ray"), "start", "--head", "--block", f"--port={free_port()}",
           f"--dashboard-port={dash}", "--dashboard-host=127.0.0.1", "--num-cpus=2", "--include-dashboard=true",
           f"--ray-client-server-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}",
           f"--temp-dir={root}/ray", "--disable-usage-stats"]
    log = open(os.path.join(root, "head.log"), "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{dash}"
    try:
        deadline = time.time() + 180  # the dashboard can take over 90 s to come up on busy CI cores
        while True:
            try:
                urllib.request.urlopen(url + "/api/version", timeout=2)
                break
            except urllib.error.HTTPError:  # 401 without the token: the server is up
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the Ray head did not start:\n" + open(log.name).read()[-3000:])
                time.sleep(0.5)
        yield url, env
    finally:
        proc.send_signal(signal.SIGTERM)  # the head drains for up to 30 s; give it a moment, then kill
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for _ in range(20):
            pids = _session_pids(proc.pid)  # everything that runs in the session the head started
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.5)
        proc.wait(timeout=10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def cli(env: dict, *args: str, timeout: int = 150) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolfoundry.cli", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_entrypoint_is_shell_quoted_and_only_the_leading_separator_dropped():
    from toolfoundry.cli import job_entrypoint

    command = ["--", "toolfoundry", "data", "synth", "out dir", "--x", "--", "a;touch /tmp/pwned", "$HOME", "it's"]
    line = job_entrypoint(command)
    assert shlex.split(line) == ["python", "-m", "toolfoundry.cli", "data", "synth", "out dir", "--x", "--",
                                 "a;touch /tmp/pwned", "$HOME", "it's"]
    assert job_entrypoint(["python", "x.py"]) == "python x.py"


def test_explicit_address_wins_over_the_environment(monkeypatch):
    from toolfoundry.cli import DEFAULT_JOB_ADDRESS, job_address

    monkeypatch.delenv("RAY_API_SERVER_ADDRESS", raising=False)
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert job_address(None) == DEFAULT_JOB_ADDRESS
    monkeypatch.setenv("RAY_ADDRESS", "http://from-env:8265/")
    assert job_address(None) == "http://from-env:8265"
    assert job_address("head:8265") == "http://head:8265"


def test_a_toolfoundry_job_runs_to_completion_and_its_logs_come_back(head, tmp_path):
    url, env = head
    out = tmp_path / "synth out"  # a space: the entrypoint must be quoted to reach the job intact
    done = cli(env, "submit", "--wait", "--address", url, "--", "toolfoundry", "data", "synth", str(out),
               "--num-tools", "20", "--queries-per-tool", "3", "--num-shards", "2")
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    job_id = done.stdout.splitlines()[0]
    assert JOB_ID.match(job_id), done.stdout[:500]
    assert '"num_examples": 60' in done.stdout  # streamed by --wait
    from toolfoundry.storage import read_manifest

    assert read_manifest(str(out / "examples"))["rows"] == 60 and read_manifest(str(out / "tools"))["rows"] == 20

    status = cli(env, "status", job_id, "--address", url)
    assert status.returncode == 0 and status.stdout.startswith(f"{job_id} SUCCEEDED exit_code=0"), status
    logs = cli(env, "logs", job_id, "--address", url)
    assert logs.returncode == 0 and '"num_tools": 20' in logs.stdout, logs.stderr[-2000:]
    assert f"Running entrypoint for job {job_id}: python -m toolfoundry.cli data synth '{out}'" in logs.stdout


def test_wait_returns_the_jobs_exit_code(head):
    url, env = head
    done = cli(env, "submit", "--wait", "--address", url, "--", "python", "-c",
               "import sys; print('leaving with 3'); sys.exit(3)")
    assert done.returncode == 3, done.stderr[-2000:]
    assert "leaving with 3" in done.stdout and "FAILED (exit code 3)" in done.stderr


@pytest.mark.slow  # ~25 s of a real head
def test_stop_ends_a_running_job_and_follow_returns(head):
    url, env = head
    sub = cli(env, "submit", "--address", url, "--", "python", "-c",
              "import time; print('started', flush=True); time.sleep(600)")
    assert sub.returncode == 0, sub.stderr[-2000:]
    job_id = sub.stdout.strip()
    assert JOB_ID.match(job_id) and "toolfoundry logs" in sub.stderr
    stop = cli(env, "stop", job_id, "--wait", "--address", url)
    assert stop.returncode == 0 and f"{job_id} STOPPED" in stop.stdout, stop
    follow = cli(env, "logs", job_id, "--follow", "--address", url, timeout=60)
    assert follow.returncode == 0, follow.stderr[-2000:]
    assert cli(env, "status", job_id, "--address", url).stdout.startswith(f"{job_id} STOPPED")


@pytest.mark.slow  # ~33 s: five CLI processes against a real head, each importing Ray
def test_unknown_job_unreachable_address_and_missing_token_are_one_line_errors(head):
    url, env = head
    for command in (["status", "raysubmit_doesnotexist"], ["logs", "raysubmit_doesnotexist"],
                    ["stop", "raysubmit_doesnotexist"]):
        res = cli(env, *command, "--address", url)
        assert res.returncode == 2 and res.stderr.strip().splitlines() == [
            f"error: job 'raysubmit_doesnotexist': no such job on {url} (expected an id printed by "
            "`toolfoundry submit`, e.g. raysubmit_…)"], res.stderr
    closed = f"http://127.0.0.1:{free_port()}"
    res = cli(env, "submit", "--address", closed, "--", "toolfoundry", "data", "synth", "x")
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith(f"error: --address {closed}: no Ray dashboard reachable")
    res = cli({**env, "RAY_AUTH_MODE": "disabled"}, "status", "raysubmit_x", "--address", url)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "requires a Ray auth token" in res.stderr


@pytest.mark.slow
def test_the_tiny_demo_pipeline_runs_as_a_cluster_job(head, tmp_path):
    url, env = head
    config = tmp_path / "config dir" / "tiny.yaml"
    config.parent.mkdir()
    config.write_text(yaml.safe_dump(tiny_pipeline_yaml(str(tmp_path / "run"))))
    done = cli(env, "submit", "--wait", "--address", url, "--", "toolfoundry", "pipeline", "demo",
               "--config", str(config), timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    job_id = done.stdout.splitlines()[0]
    logs = cli(env, "logs", job_id, "--address", url)
    assert "4/4 serve the model" in logs.stdout and "done in" in logs.stdout
    assert (tmp_path / "run" / "report" / "report.json").is_file()
