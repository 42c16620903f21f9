"""Datasets on disk: Parquet shards plus a manifest, through pyarrow filesystems.

A dataset is a folder (local path or ``s3://``/``gs://`` URI) holding ``*.parquet`` shards and one
``manifest.json``: schema version, row counts, per-shard content hashes, the generator parameters and
seed that produced it, and the datasets it was derived from. Going through ``pyarrow.fs`` means the
same code reads a local folder here and a bucket on a cluster.

Every file is written **atomically** (:func:`atomic_path`): under a hidden temporary name in the same
folder, then renamed. Shards, manifests and the ``_plan.json`` of a run all go through it, so a reader
(or a resumed run) never sees a half-written file, only finished files and ``.tmp`` leftovers, which
:func:`clean_temporaries` removes. :func:`prepare_output` makes a folder ready for a run: the same plan
keeps the finished shards (resume), another plan replaces them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Collection, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from toolfoundry.errors import InputError
from toolfoundry.schema import SCHEMA_VERSION

MANIFEST = "manifest.json"
PLAN = "_plan.json"
TMP_SUFFIX = ".tmp"

#: Parquet options fixed so that identical tables give identical bytes.
PARQUET_OPTIONS = dict(compression="zstd", compression_level=3, use_dictionary=True, write_statistics=True,
                       row_group_size=1 << 20)
#: For a job's intermediate files (mostly random 64-bit keys): compression would cost CPU and save nothing.
SCRATCH_OPTIONS = dict(compression="none", use_dictionary=False, write_statistics=False, row_group_size=1 << 20)


def resolve(uri: str) -> tuple[pafs.FileSystem, str]:
    """(filesystem, path) for a local path or a URI such as ``s3://bucket/prefix``."""
    if not uri:
        raise InputError("path", "empty", "a local folder or a URI such as s3://bucket/prefix")
    if "://" in uri:
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(uri))


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def shard_name(index: int, count: int) -> str:
    """``part-<index>-of-<count>.parquet``: shard ``index`` of a dataset written as ``count`` shards."""
    return f"part-{index:05d}-of-{count:05d}.parquet"


def file_exists(uri: str, name: str) -> bool:
    fs, path = resolve(uri)
    return fs.get_file_info(join(path, name)).type == pafs.FileType.File


@contextlib.contextmanager
def atomic_path(uri: str, name: str) -> Iterator[tuple[pafs.FileSystem, str]]:
    """Yield ``(filesystem, temporary path)``; on success the file becomes ``uri/name``, else it is removed.

    The temporary file is ``.<name>.<random>.tmp`` in the same folder (same filesystem, so the final
    rename is a rename, and a killed writer leaves only a ``.tmp`` file that no reader looks at).
    """
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)
    tmp = join(path, f".{name}.{uuid.uuid4().hex}{TMP_SUFFIX}")
    try:
        yield fs, tmp
        fs.move(tmp, join(path, name))
    except BaseException:
        try:
            fs.delete_file(tmp)
        except OSError:
            pass
        raise


def write_bytes(uri: str, name: str, data: bytes) -> None:
    """Write ``data`` as ``uri/name`` atomically."""
    with atomic_path(uri, name) as (fs, tmp):
        with fs.open_output_stream(tmp) as out:
            out.write(data)


def write_json(uri: str, name: str, obj: Any) -> None:
    """Write ``obj`` as indented, key-sorted JSON to ``uri/name`` atomically."""
    write_bytes(uri, name, json.dumps(obj, indent=2, sort_keys=True, default=str).encode())


def write_parquet(table: pa.Table, uri: str, name: str, *, scratch: bool = False) -> None:
    """Write ``table`` as ``uri/name`` atomically, with fixed options (same table → same bytes).

    ``scratch`` files (a job's intermediates) skip compression and statistics.
    """
    with atomic_path(uri, name) as (fs, tmp):
        pq.write_table(table, tmp, filesystem=fs, **(SCRATCH_OPTIONS if scratch else PARQUET_OPTIONS))


def read_json(uri: str, name: str) -> Any | None:
    """``uri/name`` parsed as JSON, or None when the file is missing or not valid JSON."""
    fs, path = resolve(uri)
    try:
        with fs.open_input_stream(join(path, name)) as f:
            return json.loads(f.read())
    except (OSError, json.JSONDecodeError):
        return None


def clean_temporaries(uri: str, *, recursive: bool = False) -> int:
    """Remove the ``.tmp`` files killed writers left in ``uri`` (and below, if ``recursive``); returns how many."""
    fs, path = resolve(uri)
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return 0
    n = 0
    for info in fs.get_file_info(pafs.FileSelector(path, recursive=recursive)):
        if info.type == pafs.FileType.File and info.base_name.startswith(".") and info.base_name.endswith(TMP_SUFFIX):
            fs.delete_file(info.path)
            n += 1
    return n


def canonical_plan(plan: dict) -> dict:
    """``plan`` as it reads back from ``_plan.json`` (tuples become lists …), so plans compare equal."""
    return json.loads(json.dumps(plan, sort_keys=True, default=str))


def prepare_output(uri: str, plan: dict, keep: Collection[str] | None = None) -> bool:
    """Make the dataset folder ``uri`` ready for a run described by ``plan``; True when it resumes.

    Same plan as the folder's last run: its finished shards are kept (resume). Different plan (or
    none): its manifest is removed first — so no manifest ever describes shards that are going away —
    then its shards, then the new plan is written (atomically). Either way ``.tmp`` leftovers are
    removed, and so are the shards whose names are not in ``keep`` (when given: a run of another
    shard count left them).
    """
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)
    clean_temporaries(uri)
    plan = canonical_plan(plan)
    same = read_json(uri, PLAN) == plan
    files = [i for i in fs.get_file_info(pafs.FileSelector(path)) if i.type == pafs.FileType.File]
    if not same:
        for info in sorted(files, key=lambda i: i.base_name != MANIFEST):  # the manifest first
            if info.base_name == MANIFEST or info.base_name.endswith(".parquet"):
                fs.delete_file(info.path)
        write_json(uri, PLAN, plan)
    elif keep is not None:
        for info in files:
            if info.base_name.endswith(".parquet") and info.base_name not in keep:
                fs.delete_file(info.path)
    return same


def shard_paths(uri: str) -> list[str]:
    """The Parquet shards of a dataset, sorted by name so reads are deterministic."""
    fs, path = resolve(uri)
    info = fs.get_file_info(path)
    if info.type != pafs.FileType.Directory:
        raise InputError(uri, "no such dataset folder", "a folder written by a toolfoundry data job")
    files = fs.get_file_info(pafs.FileSelector(path, recursive=False))
    return sorted(f.path for f in files if f.type == pafs.FileType.File and f.path.endswith(".parquet"))


def read_table(uri: str, schema: pa.Schema | None = None) -> pa.Table:
    """All shards of a small dataset as one table (driver-side reads; jobs use Ray Data)."""
    fs, _ = resolve(uri)
    paths = shard_paths(uri)
    if not paths:
        raise InputError(uri, "the dataset folder holds no .parquet shards", "at least one shard")
    tables = [pq.read_table(p, filesystem=fs, schema=schema) for p in paths]
    return pa.concat_tables(tables)


def _sha256(fs: pafs.FileSystem, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open_input_stream(path) as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(
    uri: str,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    seed: int | None = None,
    parents: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Describe the shards now in ``uri`` and write ``manifest.json`` beside them (atomically)."""
    fs, path = resolve(uri)
    shards = []
    for shard in shard_paths(uri):
        rows = pq.read_metadata(shard, filesystem=fs).num_rows
        shards.append({"file": shard.rsplit("/", 1)[-1], "rows": rows, "sha256": _sha256(fs, shard)})
    content = hashlib.sha256("".join(s["sha256"] for s in shards).encode()).hexdigest()
    manifest = {
        "kind": kind,
        "schema_version": SCHEMA_VERSION,
        "rows": sum(s["rows"] for s in shards),
        "content_hash": content,
        "shards": shards,
        "params": params or {},
        "seed": seed,
        "parents": parents or [],
        "created_unix": int(time.time()),
        **(extra or {}),
    }
    write_json(uri, MANIFEST, manifest)
    return manifest


def read_manifest(uri: str) -> dict[str, Any]:
    fs, path = resolve(uri)
    target = join(path, MANIFEST)
    if fs.get_file_info(target).type != pafs.FileType.File:
        raise InputError(uri, f"no {MANIFEST}", "a dataset folder written by a toolfoundry data job")
    with fs.open_input_stream(target) as stream:
        try:
            manifest = json.loads(stream.read())
        except json.JSONDecodeError as err:
            raise InputError(target, f"not valid JSON ({err})", "a manifest written by toolfoundry") from None
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            target, f"schema_version {manifest.get('schema_version')!r}", f"{SCHEMA_VERSION!r}; regenerate the dataset"
        )
    return manifest
