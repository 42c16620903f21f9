"""Deterministic, atomic, resumable Parquet shards for the data jobs.

Every job splits its work into numbered shards whose content depends only on the job's parameters
and seed. A shard is produced by one Ray Data task and written by that task: first under a hidden
temporary name, then renamed to ``part-<index>-of-<count>.parquet``. So

- the same seed and parameters give the same file names and the same bytes;
- a reader never sees a half-written shard (a killed task leaves only a ``.tmp`` file, ignored and
  cleaned up on the next run);
- a run started again after a kill skips the shards that already exist and writes only the missing
  ones, with no duplicates.

Ray Data's own ``write_parquet`` names files by write UUID and block order and writes in place, which
gives none of the three; hence this small writer.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from toolfoundry.storage import join, resolve

# Parquet options fixed so identical tables give identical bytes.
_PARQUET_OPTS = dict(compression="zstd", compression_level=3, use_dictionary=True, write_statistics=True,
                     row_group_size=1 << 20)
_SCRATCH_OPTS = dict(compression="none", use_dictionary=False, write_statistics=False, row_group_size=1 << 20)


def shard_name(index: int, count: int) -> str:
    return f"part-{index:05d}-of-{count:05d}.parquet"


def ensure_dir(uri: str) -> None:
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)


def shard_exists(uri: str, name: str) -> bool:
    fs, path = resolve(uri)
    return fs.get_file_info(join(path, name)).type == pafs.FileType.File


@contextlib.contextmanager
def atomic_file(uri: str, name: str):
    """Yield (filesystem, temporary path); on success the file becomes ``uri/name``, else it is removed.

    Readers never see a half-written shard: it appears under its final name only by a rename.
    """
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)
    tmp = join(path, f".{name}.{uuid.uuid4().hex}.tmp")
    try:
        yield fs, tmp
        fs.move(tmp, join(path, name))
    except BaseException:
        try:
            fs.delete_file(tmp)
        except OSError:
            pass
        raise


def write_shard(table: pa.Table, uri: str, name: str, *, scratch: bool = False) -> None:
    """Write ``table`` as ``uri/name`` atomically: temporary file in the same folder, then rename.

    ``scratch`` files (a job's intermediate hash partitions, mostly random 64-bit keys) skip
    compression: it would cost CPU and save nothing.
    """
    opts = _SCRATCH_OPTS if scratch else _PARQUET_OPTS
    with atomic_file(uri, name) as (fs, tmp):
        pq.write_table(table, tmp, filesystem=fs, **opts)


def clean_temporaries(uri: str) -> int:
    """Remove ``.tmp`` files a killed run left behind; returns how many."""
    fs, path = resolve(uri)
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return 0
    n = 0
    for info in fs.get_file_info(pafs.FileSelector(path)):
        if info.type == pafs.FileType.File and os.path.basename(info.path).endswith(".tmp"):
            fs.delete_file(info.path)
            n += 1
    return n


def stale_shards(uri: str, count: int) -> list[str]:
    """Shards in ``uri`` that do not belong to a run of ``count`` shards (a different plan)."""
    fs, path = resolve(uri)
    if fs.get_file_info(path).type != pafs.FileType.Directory:
        return []
    keep = {shard_name(i, count) for i in range(count)}
    return sorted(
        info.path
        for info in fs.get_file_info(pafs.FileSelector(path))
        if info.type == pafs.FileType.File and info.path.endswith(".parquet")
        and os.path.basename(info.path) not in keep
    )


def ranges(total: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ``[start, stop)`` ranges covering ``0..total``, sizes differing by ≤ 1."""
    parts = max(1, min(parts, total)) if total else 1
    return [(total * k // parts, total * (k + 1) // parts) for k in range(parts)]


def write_batches(parts: list[pa.Table], schema: pa.Schema, uri: str, name: str) -> None:
    """Write ``parts`` as the numbered record batches of one Arrow IPC file ``uri/name``, atomically.

    For a job's intermediate files: a reader takes part ``i`` alone (:func:`read_batch`) without
    decoding the others, so one file per producer replaces one file per (producer, consumer) pair;
    empty parts are kept, so numbering never shifts.
    """
    with atomic_file(uri, name) as (fs, tmp):
        with fs.open_output_stream(tmp) as sink, pa.ipc.new_file(sink, schema) as writer:
            for part in parts:
                part = part.cast(schema) if part.schema != schema else part
                writer.write_batch(part.combine_chunks().to_batches()[0] if part.num_rows else
                                   pa.RecordBatch.from_pylist([], schema=schema))


def read_batch(uri: str, name: str, index: int) -> pa.Table:
    """Part ``index`` of an IPC file written by :func:`write_batches`."""
    fs, path = resolve(uri)
    with fs.open_input_file(join(path, name)) as f:
        return pa.Table.from_batches([pa.ipc.open_file(f).get_batch(index)])
