"""A synthesis run killed part-way and started again writes only the missing shards, no duplicates."""

import os
import signal
import subprocess
import sys
import time


from toolfoundry.config import DataConfig
from toolfoundry.storage import read_manifest, read_table

N_SHARDS = 32
CFG = DataConfig(num_tools=8000, queries_per_tool=8, test_fraction=0.2, num_shards=N_SHARDS)


def _done(folder):
    if not os.path.isdir(folder):
        return set()
    return {f for f in os.listdir(folder) if f.endswith(".parquet")}


def test_killed_run_resumes_with_only_missing_shards(ray_session, tmp_path):
    from data_jobs.synthesize import run

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "data_jobs.synthesize", str(out), "--num-tools", str(CFG.num_tools),
           "--queries-per-tool", str(CFG.queries_per_tool), "--num-shards", str(N_SHARDS), "--seed", "5"]
    env = {**os.environ, "RAY_ADDRESS": "local", "RAY_DATA_DISABLE_PROGRESS_BARS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    deadline = time.time() + 240
    try:
        while time.time() < deadline and proc.poll() is None:
            if len(_done(out / "tools")) >= 3:
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    tools_before = _done(out / "tools")
    complete = tools_before & _done(out / "examples")
    assert 1 <= len(complete) < N_SHARDS, f"kill landed outside the run ({len(complete)} shards done)"
    stamps = {f: os.stat(out / "examples" / f).st_mtime_ns for f in complete}

    resumed = run(CFG, str(out), seed=5)
    assert resumed["shards_written"] == N_SHARDS - len(complete)
    assert resumed["shards_skipped"] == len(complete)
    assert all(os.stat(out / "examples" / f).st_mtime_ns == t for f, t in stamps.items())  # untouched
    assert not [f for f in os.listdir(out / "examples") if f.endswith(".tmp")]
    examples = read_table(resumed["examples"])
    assert examples.num_rows == CFG.num_tools * CFG.queries_per_tool
    assert len(set(examples["id"].to_pylist())) == examples.num_rows  # no duplicates

    clean = run(CFG, str(tmp_path / "clean"), seed=5)
    assert read_manifest(clean["examples"])["content_hash"] == read_manifest(resumed["examples"])["content_hash"]
    assert read_manifest(clean["tools"])["content_hash"] == read_manifest(resumed["tools"])["content_hash"]
