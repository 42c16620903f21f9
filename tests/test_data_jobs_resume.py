"""Kill and resume, for every job on the runner: a run SIGKILLed part-way (a subprocess in a session
of its own, with its own Ray: driver, raylet and workers all die) and started again writes only what
is missing, and its outputs are byte-identical to an uninterrupted run's — same shard files, same
manifests' content hashes — with no duplicate rows and no temporary file left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from toolfoundry.config import DataConfig
from toolfoundry.storage import read_manifest, read_table

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------------------ the shared helper
def shards(folder) -> set[str]:
    return {f for f in os.listdir(folder) if f.endswith(".parquet")} if os.path.isdir(folder) else set()


def _session_members(sid: int) -> list[int]:
    """Live processes of session ``sid`` (Linux /proc; elsewhere: none found, the group kill stands)."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                state, _ppid, _pgrp, session = f.read().rsplit(")", 1)[1].split()[:4]
        except OSError:
            continue
        if int(session) == sid and state != "Z":
            pids.append(int(entry))
    return pids


def kill_session(sid: int) -> None:
    """SIGKILL a job and everything it started: its process group, and Ray's workers, which run in
    process groups of their own but stay in the job's session (killing the group alone leaves them
    running: they would finish shards after the "kill")."""
    os.killpg(sid, signal.SIGKILL)
    deadline = time.time() + 10
    while (left := _session_members(sid)) and time.time() < deadline:
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)
    assert not _session_members(sid), "processes of the killed job are still alive"


def kill_when(cmd: list[str], ready, *, out, finished=None, attempts: int = 3, timeout: float = 300) -> None:
    """Run ``cmd`` in a new session (the job starts its own Ray there) and SIGKILL all of it as soon
    as ``ready()`` holds. If the job got to the end first (it exited, or ``finished()`` holds: a
    loaded machine can be slow to deliver the kill), ``out`` is removed and the run tried again."""
    env = {**os.environ, "RAY_ADDRESS": "local", "RAY_DATA_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": REPO}
    for _ in range(attempts):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                                env=env, cwd=REPO)
        deadline, hit = time.time() + timeout, False
        try:
            while time.time() < deadline and proc.poll() is None and not (hit := ready()):
                time.sleep(0.005)
        finally:
            ended_alone = proc.poll() is not None
            kill_session(proc.pid)
            proc.wait()
        assert hit or ended_alone, f"{cmd[2]}: nothing to kill it at after {timeout} s"
        if not ended_alone and not (finished and finished()):
            return
        shutil.rmtree(out, ignore_errors=True)
    raise AssertionError(f"{cmd[2]} finished before each of {attempts} kills")


def all_written(root, outputs: list[str], num_shards: int) -> bool:
    return all(len(shards(os.path.join(root, o))) == num_shards for o in outputs)


def interrupted(root, outputs: list[str], num_shards: int) -> dict[str, set[str]]:
    """The finished shards of each output after the kill; checks that the kill landed mid-run."""
    done = {o: shards(os.path.join(root, o)) for o in outputs}
    assert any(done.values()), "killed before any shard was written"
    assert any(len(d) < num_shards for d in done.values()), "killed after every shard was written"
    assert not any(os.path.exists(os.path.join(root, o, "manifest.json")) for o in outputs)
    return done


def stamps(root, done: dict[str, set[str]]) -> dict[str, int]:
    """Modification times of the shards finished in every output: the rerun must leave them alone
    (a shard written in some outputs only is unfinished, and is written again, with the same bytes)."""
    complete = set.intersection(*done.values())
    return {os.path.join(o, f): os.stat(os.path.join(root, o, f)).st_mtime_ns for o in done for f in complete}


def assert_same_as_clean(resumed_root, clean_root, outputs: list[str], before: dict[str, int]) -> None:
    """Resumed outputs == the uninterrupted run's, file for file and byte for byte; finished shards
    untouched; no duplicate ids; no temporary file anywhere (work folders included)."""
    for o in outputs:
        a, b = os.path.join(resumed_root, o), os.path.join(clean_root, o)
        assert shards(a) == shards(b), o
        for f in shards(a):
            with open(os.path.join(a, f), "rb") as fa, open(os.path.join(b, f), "rb") as fb:
                assert fa.read() == fb.read(), f"{o}/{f} differs from the uninterrupted run's"
        assert read_manifest(a)["content_hash"] == read_manifest(b)["content_hash"], o
        table = read_table(a)
        if "id" in table.column_names and table.num_rows:
            assert len(set(table["id"].to_pylist())) == table.num_rows, f"duplicate rows in {o}"
    for path, t in before.items():
        assert os.stat(os.path.join(resumed_root, path)).st_mtime_ns == t, f"{path} was rewritten"
    left = [f for _, _, files in os.walk(resumed_root) for f in files if f.endswith(".tmp")]
    assert not left, left


def _py(module, *args) -> list[str]:
    return [sys.executable, "-m", module, *map(str, args)]


# -------------------------------------------------------------------------------------- the jobs
SYNTH = DataConfig(num_tools=800, queries_per_tool=4, test_fraction=0.2, num_shards=16)


def test_synthesize_killed_and_resumed(ray_session, tmp_path):
    from data_jobs.synthesize import run

    out, outputs = tmp_path / "run", ["tools", "examples", "quarantine"]
    kill_when(_py("data_jobs.synthesize", out, "--num-tools", SYNTH.num_tools, "--queries-per-tool",
                  SYNTH.queries_per_tool, "--num-shards", SYNTH.num_shards, "--seed", 5),
              lambda: len(shards(out / "quarantine")) >= 1, out=out,
              finished=lambda: all_written(out, outputs, SYNTH.num_shards))
    done = interrupted(out, outputs, SYNTH.num_shards)
    before = stamps(out, done)
    complete = set.intersection(*done.values())
    resumed = run(SYNTH, str(out), seed=5)
    assert resumed["shards_written"] == SYNTH.num_shards - len(complete)
    assert resumed["shards_skipped"] == len(complete) and resumed["num_examples"] == 800 * 4
    run(SYNTH, str(tmp_path / "clean"), seed=5)
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)


def test_dedupe_killed_and_resumed(ray_session, tmp_path):
    from data_jobs.dedupe import run
    from data_jobs.synthesize import run as synth

    src = synth(DataConfig(num_tools=400, queries_per_tool=4, num_shards=16), str(tmp_path / "data"), seed=2)
    out, outputs = tmp_path / "run", ["kept", "kept_dropped"]
    kill_when(_py("data_jobs.dedupe", src["examples"], out / "kept", "--num-partitions", 4),
              lambda: len(shards(out / "kept_dropped")) >= 1, out=out,
              finished=lambda: all_written(out, outputs, 16))
    done = interrupted(out, outputs, 16)
    before = stamps(out, done)
    resumed = run(src["examples"], str(out / "kept"), num_partitions=4)
    assert resumed["shards_written"] == 16 - len(set.intersection(*done.values()))
    assert resumed["input_rows"] == 400 * 4
    clean = run(src["examples"], str(tmp_path / "clean" / "kept"), num_partitions=4)
    assert clean["dropped_counts"] == resumed["dropped_counts"]
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)


def _catalog(path, n):
    """An OpenAI tool list of ``n`` tools, every 50th without a description (the reader reports it)."""
    tools = [{"type": "function", "function": {
        "name": f"tool_{i}", "description": "" if i % 50 == 7 else f"Tool number {i} looks up record {i * 7}",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}, "n": {"type": "integer"}},
                       "required": ["q"]}}} for i in range(n)]
    path.write_text(json.dumps(tools))


def test_ingest_killed_and_resumed(ray_session, tmp_path):
    from data_jobs.ingest import run

    src = tmp_path / "tools.json"
    _catalog(src, 400)
    out, outputs = tmp_path / "run", ["tools", "quarantine"]
    kill_when(_py("data_jobs.ingest", out, "--format", "openai", "--data", src, "--num-shards", 8),
              lambda: len(shards(out / "quarantine")) >= 1, out=out, finished=lambda: all_written(out, outputs, 8))
    done = interrupted(out, outputs, 8)
    before = stamps(out, done)
    resumed = run("openai", [str(src)], str(out), num_shards=8)
    assert resumed["shards_written"] == 8 - len(set.intersection(*done.values()))
    assert resumed["num_tools"] == 400 - 8 and resumed["quarantined"] == 8
    assert resumed["quarantine_reasons"] == {"malformed": 8}
    run("openai", [str(src)], str(tmp_path / "clean"), num_shards=8)
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)


def tiny_model_dir(path) -> str:
    """A tiny random causal LM of SmolLM2's architecture with a small word-level ChatML tokenizer,
    saved as a Hugging Face directory: loads in milliseconds (the embedded GGUF tokenizer takes
    seconds per actor)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaForCausalLM, PreTrainedTokenizerFast

    from toolfoundry.modeling import tiny_config

    special = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]  # bos 1, eos 2 as in tiny_config
    words = [chr(97 + i) * k for i in range(26) for k in (1, 2, 3)] + list("0123456789:?.-")
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(special + words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="</s>", additional_special_tokens=special[3:])
    torch.manual_seed(0)
    fast.save_pretrained(str(path))
    LlamaForCausalLM(tiny_config(len(special) + len(words))).save_pretrained(str(path))
    return str(path)


def test_paraphrase_killed_and_resumed(ray_session, tmp_path):
    from data_jobs.paraphrase import run
    from data_jobs.synthesize import run as synth

    src = synth(DataConfig(num_tools=8, queries_per_tool=3, test_fraction=0.3, num_shards=2), str(tmp_path / "data"),
                seed=5)["examples"]
    opts = dict(model=tiny_model_dir(tmp_path / "model"), temperature=1.0, seed=3, chunk_rows=3, batch_size=3,
                max_new_tokens=4, concurrency=1)
    out, outputs = tmp_path / "run", ["para", "para_rewrites", "para_quarantine"]
    kill_when(_py("data_jobs.paraphrase", src, out / "para", *[a for k, v in opts.items()
                                                                for a in (f"--{k.replace('_', '-')}", v)]),
              lambda: len(shards(out / "para" / "_work")) >= 2, out=out,  # the unit of resume: chunks
              finished=lambda: len(shards(out / "para" / "_work")) == 8)
    chunks = shards(out / "para" / "_work")
    assert 2 <= len(chunks) < 8 and not shards(out / "para")
    before = {os.path.join("para", "_work", c): os.stat(out / "para" / "_work" / c).st_mtime_ns for c in chunks}
    resumed = run(src, str(out / "para"), **opts)
    assert resumed["shards_written"] == 2 and resumed["rows"] == 24
    run(src, str(tmp_path / "clean" / "para"), **opts)
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)


def _beir(root, n_tools, n_queries):
    (root / "qrels").mkdir(parents=True)
    with open(root / "corpus.jsonl", "w") as f:
        for i in range(n_tools):
            f.write(json.dumps({"_id": f"t{i}", "title": f"tool {i}", "text": f"looks up record kind {i}"}) + "\n")
        f.write("not json\n")  # a malformed record: quarantined
    with open(root / "queries.jsonl", "w") as f:
        for q in range(n_queries):
            f.write(json.dumps({"_id": f"q{q}", "text": f"find record kind {q % n_tools} please"}) + "\n")
    for split in ("train", "test"):
        with open(root / "qrels" / f"{split}.tsv", "w") as f:
            f.write("query-id\tcorpus-id\tscore\n")
            for q in range(n_queries):
                if (q % 5 == 0) == (split == "test"):
                    f.write(f"q{q}\tt{q % n_tools}\t1\n")


def test_ingest_benchmark_killed_and_resumed(tmp_path):
    """``toolfoundry ingest-benchmark`` (the core library's writer, no Ray): killed once its catalog
    is written, the rerun keeps that shard and finishes the rest."""
    from toolfoundry.evaluation.ingest import ingest_benchmark
    from toolfoundry.formats import read_beir

    _beir(tmp_path / "beir", 300, 30000)
    out, outputs = tmp_path / "run", ["tools", "examples", "quarantine"]
    kill_when(_py("toolfoundry.cli", "ingest-benchmark", "--format", "beir", "--data", tmp_path / "beir",
                  "--out", out, "--max-train-per-tool", 50), lambda: len(shards(out / "tools")) >= 1,
              out=out, finished=lambda: all_written(out, outputs, 1))
    done = interrupted(out, outputs, 1)
    before = stamps(out, done)
    bench = read_beir(str(tmp_path / "beir"))
    resumed = ingest_benchmark(bench, str(out), max_train_per_tool=50)
    assert resumed["tools"] == 300 and resumed["quarantined"] == 1
    ingest_benchmark(bench, str(tmp_path / "clean"), max_train_per_tool=50)
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)
    m = read_manifest(str(out / "examples"))
    assert m["rows"] == len(bench.examples) - m["capped_train_examples"] and m["capped_train_examples"] > 0


def test_scenarios_killed_and_resumed(ray_session, tmp_path):
    """GenTool's scenario job: killed once part of its example shards are written, the rerun keeps the
    catalog, the cached neighbours and the finished shards, and writes the rest."""
    from data_jobs.scenarios import run

    opts = dict(family="functions", num_functions=160, k=4, weak_fraction=0.4, test_fraction=0.2,
                query_test_fraction=0.2, num_shards=12, seed=4)
    out = tmp_path / "run"
    kill_when(_py("data_jobs.scenarios", out, *[a for k, v in opts.items() for a in (f"--{k.replace('_', '-')}", v)]),
              lambda: len(shards(out / "examples")) >= 1, out=out, finished=lambda: all_written(out, ["examples"], 12))
    done = interrupted(out, ["examples"], 12)
    before = stamps(out, done) | {os.path.join(o, f): os.stat(out / o / f).st_mtime_ns
                                  for o in ("tools", "_neighbours") for f in shards(out / o)}
    resumed = run(None, str(out), **opts)
    assert resumed["shards_written"] == 12 - len(done["examples"])
    clean = run(None, str(tmp_path / "clean"), **opts)
    assert resumed["split_counts"] == clean["split_counts"] and resumed["num_examples"] == clean["num_examples"]
    assert_same_as_clean(out, tmp_path / "clean", ["tools", "examples", "quarantine"], before)


def test_stages_killed_and_resumed(ray_session, tmp_path):
    """``toolfoundry data stages`` (the only producer of training rows): killed part-way through its
    text shards, the rerun writes only the missing ones; rows are the uninterrupted run's, byte for byte."""
    from data_jobs.stages import run
    from data_jobs.synthesize import run as synth

    src = synth(DataConfig(num_tools=240, queries_per_tool=4, num_shards=16), str(tmp_path / "data"), seed=6)
    out = tmp_path / "run"
    outputs = [f"text/{s}{q}" for s in ("memorization", "retrieval", "agent") for q in ("", "_quarantine")]
    kill_when(_py("data_jobs.stages", src["tools"], src["examples"], out, "--model-dir", "none", "--max-len", 128),
              lambda: len(shards(out / "text" / "retrieval")) >= 1, out=out,
              finished=lambda: all_written(out, outputs, 16))
    done = interrupted(out, outputs, 16)
    before = stamps(out, done)
    resumed = run(src["tools"], src["examples"], str(out), model_dir=None, max_len=128)
    clean = run(src["tools"], src["examples"], str(tmp_path / "clean"), model_dir=None, max_len=128)
    assert resumed["text"] == {s: {**v, "uri": str(out / "text" / s)} for s, v in clean["text"].items()}
    assert resumed["text"]["retrieval"]["rows"] > 0
    assert_same_as_clean(out, tmp_path / "clean", outputs, before)
