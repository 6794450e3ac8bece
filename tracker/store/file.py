"""The JSON store file ``data/papers.json``: reading, writing, and the lock of a run.

Its layout, checks and migrations are in ``schema``.

Writes are atomic: the new text goes to a temporary file in the same folder,
is flushed and fsynced, and then renamed over the old file, so a reader (or a
run killed at any moment) sees either the old store or the new one. Before
the rename, the previous store is kept as ``papers.json.bak``: the last good
store, for recovery by hand.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from tracker.errors import LockBusyError, StoreError
from tracker.models import STORE_SCHEMA, Store
from tracker.store.schema import MalformedStore, StoreTooNew, dump_chunks, dumps, loads

__all__ = ["atomic_write", "backup_path", "dumps", "load_store", "lock_path",
           "remove_stale_temporaries", "save_store", "slices", "store_lock"]


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _recovery_hint(path: Path) -> str:
    backup = backup_path(path)
    hints = []
    if backup.exists():
        hints.append(f"copy the last good store back with `cp {backup} {path}`")
    hints.append(f"or restore it from git with `git checkout -- {path}`")
    return "; ".join(hints)


def load_store(path: Path) -> Store:
    """Read the store; a missing file is an empty store, a broken one a ``StoreError``.

    A broken store is never overwritten: the error names the file and says
    how to recover it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if backup_path(path).exists():
            raise StoreError(
                f"{path} is missing but its backup {backup_path(path)} exists; "
                f"restore it with `cp {backup_path(path)} {path}` (or delete the backup "
                "to start from an empty store)"
            ) from None
        return Store()
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"{path}: cannot read the store: {error}") from None
    try:
        return loads(text)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except MalformedStore as error:
        problem = f"not a tracker store: {error}"
    except StoreTooNew as error:
        raise StoreError(
            f"{path}: {error}; upgrade the tracker (reinstall the arxiv-daily-tracker "
            "package at a newer version) so that an older one never rewrites it"
        ) from None
    raise StoreError(
        f"{path} is damaged, {problem}. The tracker will not overwrite it; "
        + _recovery_hint(path)
    )


_SLICE = 1 << 20
"""Characters encoded at a time when a long text is written."""


def slices(text: str) -> Iterator[str]:
    """``text`` in pieces of ``_SLICE`` characters, so no piece copies all of a long text."""
    for start in range(0, len(text), _SLICE):
        yield text[start : start + _SLICE]


def atomic_write(path: Path, text: str | Iterable[str]) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix.

    ``text`` is a string or an iterable of strings (written as they come). A
    long string is written a slice at a time: the file object would otherwise
    encode all of it at once, a second copy of a 20 MB README in memory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            for chunk in slices(text) if isinstance(text, str) else text:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _keep_backup(path: Path) -> None:
    """Keep the current (already validated) store as ``.bak`` before it is replaced."""
    if not path.exists():
        return
    backup = backup_path(path)
    temporary = backup.with_name(f".{backup.name}.{os.getpid()}.tmp")
    try:
        try:
            os.link(path, temporary)  # the old file's inode survives the rename below
        except OSError:
            shutil.copyfile(path, temporary)
        os.replace(temporary, backup)
    finally:
        temporary.unlink(missing_ok=True)


def save_store(path: Path, store: Store) -> None:
    _keep_backup(path)
    atomic_write(path, dump_chunks(replace(store, schema=STORE_SCHEMA)))


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files that a killed run left beside ``path`` (call under the lock)."""
    if path.parent.is_dir():
        for name in (path.name, backup_path(path).name):
            for leftover in path.parent.glob(f".{name}.*.tmp"):
                leftover.unlink(missing_ok=True)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextmanager
def store_lock(path: Path, wait: float) -> Iterator[None]:
    """Hold the store's lock file for a whole run; two runs never interleave.

    The operating system releases the lock when the process dies, even by
    SIGKILL, so a killed run never leaves the store locked.
    """
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise LockBusyError(
            f"another tracker run is using {path} (lock file {lock_path(path)}); "
            f"waited {wait:g} s. Let it finish, or raise --wait."
        ) from None
    try:
        yield
    finally:
        lock.release()
