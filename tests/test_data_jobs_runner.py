"""The runner (data_jobs.runner): steps alone (no Ray), and a toy job end to end on Ray Data —
outputs and quarantine per shard, reject counts by reason, resume, replace, stages."""

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data_jobs import runner
from toolfoundry import storage
from toolfoundry.errors import InputError
from toolfoundry.schema import QUARANTINE_SCHEMA

ROWS = pa.schema([("id", pa.string()), ("text", pa.string()), ("tags", pa.list_(pa.string()))])


def _rows(texts, tags=None):
    tags = tags or [["a"]] * len(texts)
    return pa.Table.from_pylist([{"id": f"r{i}", "text": t, "tags": g} for i, (t, g) in enumerate(zip(texts, tags))],
                                schema=ROWS)


# ------------------------------------------------------------------------------------------ steps
def test_by_reason_keeps_order_and_names_each_rejected_row():
    kept, rejected = runner.by_reason(_rows(["a", "b", "c"]), [None, "text: bad", None])
    assert kept["id"].to_pylist() == ["r0", "r2"]
    assert [(r["id"], why) for r, why in rejected] == [("r1", "text: bad")]
    table = _rows(["a"])
    assert runner.by_reason(table, [None])[0] is table  # nothing rejected: the table itself
    with pytest.raises(ValueError, match="2 reasons for 1 rows"):
        runner.by_reason(table, [None, None])


def test_a_step_alone_gives_kept_rows_and_quarantine_rows():
    check = runner.non_empty("text", "tags")
    kept, rejected = check(_rows(["fine", "  ", None, "ok"], [["a"], ["a"], ["b"], []]), "rows/part-0")
    assert kept["id"].to_pylist() == ["r0"]
    assert rejected.schema.equals(QUARANTINE_SCHEMA)
    assert rejected["reason"].to_pylist() == ["text: empty", "text: empty", "tags: empty"]
    assert set(rejected["source"].to_pylist()) == {"rows/part-0:non_empty_text_tags"}
    assert json.loads(rejected["record"][2].as_py()) == {"id": "r3", "text": "ok", "tags": []}
    assert [runner.reason_code(r) for r in rejected["reason"].to_pylist()] == ["text", "text", "tags"]
    with pytest.raises(InputError, match="query"):
        runner.non_empty("query")(_rows(["x"]))


def test_steps_chain_and_rejections_need_reasons():
    upper = runner.Step("upper", lambda t: (t.set_column(1, "text", pa.array([s.upper() for s in
                                                                            t["text"].to_pylist()])), []))
    kept, rejected = runner.apply_steps([runner.non_empty("text"), upper], _rows(["a", "", "b"]))
    assert kept["text"].to_pylist() == ["A", "B"] and len(rejected) == 1 and rejected[0].num_rows == 1
    with pytest.raises(ValueError, match="without a reason"):
        runner.Step("bad", lambda t: (t, [({"id": 1}, "")]))(_rows(["a"]))
    with pytest.raises(ValueError, match="no 'reason' column"):
        runner.Step("bad", lambda t: (t, pa.table({"id": ["x"]})))(_rows(["a"]))
    # the writer's conform: added columns dropped, a missing one named
    assert runner.conform(kept.append_column("_x", pa.array([1, 2])), ROWS, "o").schema.equals(ROWS)
    with pytest.raises(ValueError, match=r"no column \['tags'\]"):
        runner.conform(kept.drop_columns(["tags"]), ROWS, "o")


# ------------------------------------------------------------------------------------ a toy job
def toy_job(root, *, seed=0, num_shards=4, quarantine=True, stage_calls=None):
    """Shard k: 6 rows, every third blank (seeded); a task stage writes one work file per shard that
    the reader needs; a second, driver-side stage (run_many) writes a marker per shard."""
    out, work = os.path.join(root, "out"), os.path.join(root, "out", "_work")

    def stage_task(t):
        storage.write_parquet(pa.table({"t": [t * 10 + seed]}), work, f"w{t}.parquet")

    def many(todo):
        if stage_calls is not None:
            stage_calls.append(list(todo))
        for t in todo:
            storage.write_bytes(work, f"m{t}", b"done")

    def read(k):
        base = pq.read_table(os.path.join(work, f"w{k}.parquet"))["t"][0].as_py()
        rows = [{"id": f"s{k}-{i}", "text": "" if (i + seed) % 3 == 0 else f"text {base} {i}", "tags": ["a"]}
                for i in range(6)]
        return {"rows": pa.Table.from_pylist(rows, schema=ROWS)}  # (no module-level helper: Ray pickles this)

    return runner.Job(
        plan=runner.Plan("toy", params={"rows": 6}, seed=seed),
        outputs={"rows": runner.Output(out, "toy.rows", ROWS)},
        quarantine=runner.Output(out + "_quarantine", "toy.quarantine") if quarantine else None,
        num_shards=num_shards, read=read, steps={"rows": [runner.non_empty("text")]},
        stages=[runner.Stage("work", num_shards, run=stage_task, files=lambda t: [(work, f"w{t}.parquet")]),
                runner.Stage("markers", num_shards, run_many=many, files=lambda t: [(work, f"m{t}")])],
        work=work, extra=lambda counts: {"rows": {"toy": {"blank": counts["reasons"].get("text", 0)}}})


def test_toy_job_writes_outputs_quarantine_counts_and_resumes(ray_session, tmp_path):
    calls = []
    first = runner.run(toy_job(str(tmp_path), stage_calls=calls))
    assert first["rows"] == {"rows": 16} and first["quarantined"] == 8 and first["reasons"] == {"text": 8}
    assert first["shards_written"] == 4 and calls == [[0, 1, 2, 3]]
    rows = storage.read_table(str(tmp_path / "out"))
    assert rows.num_rows == 16 and "" not in rows["text"].to_pylist()
    q = storage.read_table(str(tmp_path / "out_quarantine"))
    assert q.schema.equals(QUARANTINE_SCHEMA) and q["reason"].to_pylist() == ["text: empty"] * 8
    assert q["source"][0].as_py() == "rows/part-00000-of-00004.parquet:non_empty_text"
    m = storage.read_manifest(str(tmp_path / "out"))
    assert m["quarantined"] == 8 and m["quarantine_reasons"] == {"text": 8} and m["toy"] == {"blank": 8}
    assert m["kind"] == "toy.rows" and m["seed"] == 0 and m["num_shards"] == 4
    assert storage.read_json(str(tmp_path / "out"), storage.PLAN)["job"] == "toy"

    # same plan: every shard and stage task is done, nothing is rewritten
    stamps = {f: os.stat(tmp_path / "out" / f).st_mtime_ns for f in os.listdir(tmp_path / "out")
              if f.endswith(".parquet")}
    again = runner.run(toy_job(str(tmp_path), stage_calls=calls))
    assert again["shards_written"] == 0 and again["shards_skipped"] == 4 and calls == [[0, 1, 2, 3]]
    assert again["reasons"] == first["reasons"]  # counted from the files
    assert all(os.stat(tmp_path / "out" / f).st_mtime_ns == t for f, t in stamps.items())

    # a lost shard is the only one written again, with the same bytes
    lost = tmp_path / "out" / "part-00002-of-00004.parquet"
    before = lost.read_bytes()
    lost.unlink()
    assert runner.run(toy_job(str(tmp_path)))["shards_written"] == 1 and lost.read_bytes() == before

    # another plan (seed): outputs and work replaced, a different shard count leaves no stale shard
    other = runner.run(toy_job(str(tmp_path), seed=1, num_shards=2))
    assert other["shards_written"] == 2 and other["rows"] == {"rows": 8}
    assert sorted(f for f in os.listdir(tmp_path / "out") if f.endswith(".parquet")) == [
        "part-00000-of-00002.parquet", "part-00001-of-00002.parquet"]
    assert not [f for _, _, files in os.walk(tmp_path) for f in files if f.endswith(".tmp")]


def test_runner_refuses_silent_loss_and_unfinished_stages(ray_session, tmp_path):
    job = toy_job(str(tmp_path), quarantine=False)
    job.stages = job.stages[:1]
    job.stages[0].run(0)
    with pytest.raises(ValueError, match="no quarantine"):  # one shard, in-process: rejected rows need a home
        runner.shard_task(job)(0)

    broken = toy_job(str(tmp_path / "b"))
    broken.stages = [broken.stages[0], runner.Stage("markers", 4, run_many=lambda todo: None,
                                                    files=broken.stages[1].files)]
    with pytest.raises(RuntimeError, match="left 4 of 4 tasks unfinished"):
        runner.run(broken)
    with pytest.raises(ValueError, match="not outputs"):
        runner.validate(runner.Job(plan=runner.Plan("x"), outputs={}, num_shards=1, read=dict,
                                   steps={"rows": []}))
