"""Directories (model folders, checkpoints) moved between local disk and a storage URI.

A training run keeps its artifacts under one storage location — a local folder on one machine, a
shared filesystem or ``s3://…`` on a cluster. Workers on other nodes read a model folder through
:func:`local_dir`, which returns a local path: the folder itself when it is already local, else a
copy fetched once through pyarrow filesystems into a cache keyed by the URI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable

import pyarrow.fs as pafs

from toolfoundry.errors import InputError


def is_remote(uri: str) -> bool:
    """A URI (``s3://``, ``gs://``, ``file://`` — a shared filesystem named as a URI) rather than a path."""
    return "://" in uri


def storage_root(run_dir: str) -> str:
    """A run directory as every process can name it: URIs as they are, local paths made absolute
    (Ray Train runs workers in directories of its own, where a relative path means nothing)."""
    return run_dir if is_remote(run_dir) else os.path.abspath(run_dir)


def cache_root() -> str:
    """Where this host keeps folders built once (fetched models, converted tokenizers):
    ``$TOOLFOUNDRY_CACHE``, else ``toolfoundry-artifacts`` in the system's temporary directory."""
    return os.environ.get("TOOLFOUNDRY_CACHE") or os.path.join(tempfile.gettempdir(), "toolfoundry-artifacts")


def cached_dir(key: str, build: Callable[[str], None], root: str | None = None) -> str:
    """A local folder named by ``key`` under the cache, filled once per host by ``build(staging)``.

    ``build`` writes into a staging folder that becomes the cached one by a rename, marked complete
    only then: a process killed while building leaves no half folder to be read, and processes that
    build at the same time each rename theirs, the first one winning.
    """
    root = root or cache_root()
    dest = os.path.join(root, key)
    if os.path.isfile(os.path.join(dest, ".complete")):
        return dest
    staging = tempfile.mkdtemp(dir=os.makedirs(root, exist_ok=True) or root)
    try:
        build(staging)
        open(os.path.join(staging, ".complete"), "w").close()
        os.rename(staging, dest)
    except OSError:  # another process on this host finished first
        if not os.path.isfile(os.path.join(dest, ".complete")):
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def local_dir(uri: str, root: str | None = None) -> str:
    """A local path holding the folder ``uri`` (downloaded once per host when it is a URI)."""
    if not is_remote(uri):
        if not os.path.isdir(uri):
            raise InputError(uri, "no such directory", "a model folder or a storage URI")
        return uri

    def fetch(staging: str) -> None:
        fs, path = pafs.FileSystem.from_uri(uri)
        pafs.copy_files(path, staging, source_filesystem=fs, destination_filesystem=pafs.LocalFileSystem())

    return cached_dir(hashlib.sha1(uri.encode()).hexdigest()[:16], fetch, root)


def publish_dir(local: str, uri: str) -> str:
    """Copy a local folder to ``uri`` (no-op when ``uri`` is that same local folder); returns ``uri``."""
    if not is_remote(uri):
        if os.path.abspath(uri) != os.path.abspath(local):
            shutil.copytree(local, uri, dirs_exist_ok=True)
        return uri
    fs, path = pafs.FileSystem.from_uri(uri)
    fs.create_dir(path, recursive=True)
    pafs.copy_files(local, path, source_filesystem=pafs.LocalFileSystem(), destination_filesystem=fs)
    return uri
