"""The core library's atomic writer: shards, manifests and plans appear whole or not at all, through
pyarrow filesystems only; prepare_output resumes the same plan and replaces another."""

import os

import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from toolfoundry import storage


def _table(n=5):
    return pa.table({"id": [f"r{i}" for i in range(n)], "x": list(range(n))})


def _files(folder):
    return sorted(os.listdir(folder))


def test_parquet_is_deterministic_and_atomic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    storage.write_parquet(_table(), str(a), "part.parquet")
    storage.write_parquet(_table(), str(b), "part.parquet")
    assert (a / "part.parquet").read_bytes() == (b / "part.parquet").read_bytes()

    # a writer that fails half-way leaves neither the file nor its temporary
    with pytest.raises(RuntimeError):
        with storage.atomic_path(str(a), "broken.parquet") as (fs, tmp):
            with fs.open_output_stream(tmp) as out:
                out.write(b"half a file")
            raise RuntimeError("killed")
    assert _files(a) == ["part.parquet"]

    # a killed process (no cleanup at all) leaves only a hidden .tmp, which readers ignore
    (a / ".part2.parquet.0123.tmp").write_bytes(b"half")
    assert storage.shard_paths(str(a)) == [str(a / "part.parquet")]
    assert storage.clean_temporaries(str(a)) == 1 and _files(a) == ["part.parquet"]


def test_manifest_and_plan_are_written_atomically(tmp_path, monkeypatch):
    folder = str(tmp_path / "ds")
    written = []
    real = storage.atomic_path

    def spy(uri, name):
        written.append(name)
        return real(uri, name)

    monkeypatch.setattr(storage, "atomic_path", spy)
    storage.prepare_output(folder, {"job": "t"})
    storage.write_parquet(_table(), folder, storage.shard_name(0, 1))
    m = storage.write_manifest(folder, kind="t", params={"a": 1}, seed=3)
    assert written == [storage.PLAN, storage.shard_name(0, 1), storage.MANIFEST]  # every file, atomically
    assert storage.read_manifest(folder)["content_hash"] == m["content_hash"] and m["rows"] == 5

    # a manifest being rewritten when the writer dies: the old one stays whole, no temporary is left
    with pytest.raises(RuntimeError):
        with storage.atomic_path(folder, storage.MANIFEST) as (fs, tmp):
            with fs.open_output_stream(tmp) as out:
                out.write(b'{"kind": "ha')
            raise RuntimeError("killed")
    assert storage.read_manifest(folder)["kind"] == "t"
    assert not [f for f in _files(folder) if f.endswith(".tmp")]


def test_prepare_output_resumes_the_same_plan_and_replaces_another(tmp_path):
    folder = str(tmp_path / "ds")
    plan = {"job": "x", "params": {"k": (1, 2)}, "seed": 0}  # tuples read back as lists: still the same plan
    keep = {storage.shard_name(i, 2) for i in range(2)}
    assert storage.prepare_output(folder, plan, keep) is False
    storage.write_parquet(_table(), folder, storage.shard_name(0, 2))
    storage.write_parquet(_table(), folder, storage.shard_name(0, 3))  # another shard count's leftover
    storage.write_manifest(folder, kind="x")
    (tmp_path / "ds" / ".part-00001-of-00002.parquet.ab.tmp").write_bytes(b"")

    assert storage.prepare_output(folder, plan, keep) is True  # resume: finished shard kept
    assert _files(folder) == ["_plan.json", "manifest.json", storage.shard_name(0, 2)]

    assert storage.prepare_output(folder, {**plan, "seed": 1}, keep) is False  # another plan: replaced
    assert _files(folder) == ["_plan.json"]
    assert storage.read_json(folder, storage.PLAN)["seed"] == 1


def test_every_write_goes_through_the_pyarrow_filesystem(monkeypatch):
    """What works on a local folder works on any pyarrow filesystem (s3://, gs://): here an in-memory one."""
    mock = pafs._MockFileSystem()
    monkeypatch.setattr(storage, "resolve", lambda uri: (mock, uri.split("://", 1)[-1]))
    uri = "mem://bucket/ds"
    assert storage.prepare_output(uri, {"job": "x"}, {storage.shard_name(0, 1)}) is False
    storage.write_parquet(_table(7), uri, storage.shard_name(0, 1))
    storage.write_manifest(uri, kind="x")
    names = sorted(i.base_name for i in mock.get_file_info(pafs.FileSelector("bucket/ds")))
    assert names == ["_plan.json", "manifest.json", storage.shard_name(0, 1)]
    assert storage.read_table(uri).num_rows == 7 and storage.read_manifest(uri)["rows"] == 7
    assert storage.prepare_output(uri, {"job": "x"}, {storage.shard_name(0, 1)}) is True
