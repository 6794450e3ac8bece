"""The JSON store file ``data/papers.json``: reading, writing, and the lock of a run.

Its layout, checks and migrations are in ``schema``.

Writes are atomic: the new text goes to a new temporary file of a random
name in the same folder, is flushed and fsynced, and then renamed over the
old file, so a reader (or a run killed at any moment) sees either the old
store or the new one. Before that, the previous store is kept as
``papers.json.bak``: the last good store, for recovery by hand.
"""

from __future__ import annotations

import glob
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from tracker.errors import LockBusyError, StoreError
from tracker.models import STORE_SCHEMA, Store
from tracker.store.schema import MalformedStore, StoreTooNew, dumps, loads

__all__ = ["LinkRefused", "atomic_write", "backup_path", "dumps", "load_store", "lock_path",
           "remove_stale_temporaries", "remove_temporaries_of", "save_store", "shown",
           "store_lock"]


def shown(path: Path) -> str:
    """``path`` for messages: relative to the current folder when inside it, as typed."""
    absolute = Path(os.path.abspath(path))
    here = Path.cwd()
    return str(absolute.relative_to(here)) if absolute.is_relative_to(here) else str(absolute)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _recovery_hint(path: Path) -> str:
    backup = backup_path(path)
    hints = []
    if backup.exists():
        hints.append(f"copy the last good store back with `cp {shown(backup)} {shown(path)}`")
    hints.append(f"restore it from git with `git checkout -- {shown(path)}`")
    return "; or ".join(hints)


def load_store(path: Path) -> Store:
    """Read the store; a missing file is an empty store, a broken one a ``StoreError``.

    A broken store is never overwritten: the error names the file and says
    how to recover it. A store that is a symbolic link is refused: saving
    would replace the link by a plain file.
    """
    if path.is_symlink():
        raise StoreError(f"{shown(path)} is a symbolic link; the tracker reads and replaces only a "
                         "plain file. Point paths.store at the real file.")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if backup_path(path).exists():
            backup = shown(backup_path(path))
            raise StoreError(
                f"{shown(path)} is missing but its backup {backup} exists; restore it with "
                f"`cp {backup} {shown(path)}` (or delete the backup to start from an empty store)"
            ) from None
        return Store()
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"{shown(path)}: cannot read the store: {error}") from None
    try:
        return loads(text)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except MalformedStore as error:
        problem = f"not a tracker store: {error}"
    except StoreTooNew as error:
        raise StoreError(
            f"{shown(path)}: {error}; upgrade the tracker (reinstall the arxiv-daily-tracker "
            "package at a newer version) so that an older one never rewrites it"
        ) from None
    raise StoreError(
        f"{shown(path)} is damaged, {problem}. The tracker will not overwrite it; "
        + _recovery_hint(path)
    )


TEMPORARY_SUFFIX = ".tmp"
"""Temporary files are ``.NAME.RANDOM.tmp`` beside the file they replace."""


class LinkRefused(OSError):
    """The file to replace is a symbolic link; replacing it would drop the link silently."""


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise LinkRefused(f"{shown(path)} is a symbolic link; the tracker replaces only "
                          "plain files (point the config at the real file)")


def atomic_write(path: Path, data: str | bytes, newline: str = "\n") -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never a mix.

    Text is written as UTF-8 with ``newline`` ending each line. The temporary
    file is made by ``tempfile.mkstemp`` (``O_EXCL``, a random name, mode
    0600) in the same folder, so that a file or link planted there cannot
    redirect the write; it gets the mode of the file it replaces (a new file
    the umask's mode). A ``path`` that is a symbolic link is refused
    (``LinkRefused``).
    """
    refuse_link(path)
    if isinstance(data, str):
        data = (data if newline == "\n" else data.replace("\n", newline)).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX,
                                        dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), _mode_for(path))
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _mode_for(path: Path) -> int:
    """The permission bits of the file being replaced, else those a new file would get."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


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


def save_store(path: Path, store: Store) -> None:
    """Write the store; the current file (already read and checked) becomes ``.bak`` first.

    The new text is read back with the same checks first, so the tracker
    never writes a store that it would refuse to read.
    """
    text = dumps(replace(store, schema=STORE_SCHEMA))
    try:
        loads(text)
    except MalformedStore as error:
        raise StoreError(f"{shown(path)} was not saved: the new store would not be valid "
                         f"({error})") from None
    try:
        if path.exists():
            atomic_write(backup_path(path), path.read_bytes())
        atomic_write(path, text)
    except OSError as error:
        raise StoreError(f"{shown(path)}: cannot write the store: {error}") from None


def remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files that a killed run left beside ``path`` and its backup.

    Call it under the store's lock: a running writer's temporary looks the same.
    """
    for target in (path, backup_path(path)):
        remove_temporaries_of(target)


def remove_temporaries_of(path: Path) -> None:
    """Delete leftover ``.NAME.*.tmp`` files of ``atomic_write`` beside ``path``."""
    if path.parent.is_dir():
        for leftover in path.parent.glob(f".{glob.escape(path.name)}.*{TEMPORARY_SUFFIX}"):
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
            f"another tracker run is using {shown(path)} (lock file {shown(lock_path(path))}); "
            f"waited {wait:g} s. Let it finish, or raise --wait."
        ) from None
    try:
        yield
    finally:
        lock.release()
