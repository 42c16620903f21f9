"""Datasets on disk: Parquet shards plus a manifest, through pyarrow filesystems.

A dataset is a folder (local path or ``s3://``/``gs://`` URI) holding ``*.parquet`` shards and one
``manifest.json``: schema version, row counts, per-shard content hashes, the generator parameters and
seed that produced it, and the datasets it was derived from. Going through ``pyarrow.fs`` means the
same code reads a local folder here and a bucket on a cluster.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from toolfoundry.errors import InputError
from toolfoundry.schema import SCHEMA_VERSION

MANIFEST = "manifest.json"


def resolve(uri: str) -> tuple[pafs.FileSystem, str]:
    """(filesystem, path) for a local path or a URI such as ``s3://bucket/prefix``."""
    if not uri:
        raise InputError("path", "empty", "a local folder or a URI such as s3://bucket/prefix")
    if "://" in uri:
        return pafs.FileSystem.from_uri(uri)
    return pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(uri))


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


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
    """Describe the shards now in ``uri`` and write ``manifest.json`` beside them."""
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
    with fs.open_output_stream(join(path, MANIFEST)) as out:
        out.write(json.dumps(manifest, indent=2, sort_keys=True).encode())
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
