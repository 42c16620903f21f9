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
gives none of the three. The atomic writer is the core library's (:mod:`toolfoundry.storage`); this
module names shards and adds the intermediate-file helpers. The runner (:mod:`data_jobs.runner`)
decides which shards to write.
"""

from __future__ import annotations

import contextlib
import os

import pyarrow as pa
import pyarrow.fs as pafs

from toolfoundry import storage
from toolfoundry.storage import clean_temporaries, join, resolve, shard_name  # noqa: F401 (re-exported)

# The writer itself lives in the core library (toolfoundry.storage): one atomic writer for every job.
_PARQUET_OPTS = storage.PARQUET_OPTIONS
_SCRATCH_OPTS = storage.SCRATCH_OPTIONS


def ensure_dir(uri: str) -> None:
    fs, path = resolve(uri)
    fs.create_dir(path, recursive=True)


def shard_exists(uri: str, name: str) -> bool:
    return storage.file_exists(uri, name)


@contextlib.contextmanager
def atomic_file(uri: str, name: str):
    """Yield (filesystem, temporary path); on success the file becomes ``uri/name``, else it is removed.

    Readers never see a half-written shard: it appears under its final name only by a rename
    (:func:`toolfoundry.storage.atomic_path`).
    """
    with storage.atomic_path(uri, name) as handle:
        yield handle


def write_shard(table: pa.Table, uri: str, name: str, *, scratch: bool = False) -> None:
    """Write ``table`` as ``uri/name`` atomically: temporary file in the same folder, then rename.

    ``scratch`` files (a job's intermediate hash partitions, mostly random 64-bit keys) skip
    compression: it would cost CPU and save nothing.
    """
    storage.write_parquet(table, uri, name, scratch=scratch)


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
