"""The JSON store: reading, checking, migrating and writing ``data/papers.json``.

The file is committed by the GitHub Action, so it is written to diff well:
keywords in name order, papers newest first, each paper's fields together in
a fixed order, two-space indentation, UTF-8 text (not ``\\u`` escapes) and a
final newline. Serialising the same store twice gives the same bytes.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from tracker.errors import LockBusyError, StoreError
from tracker.models import STORE_SCHEMA, KeywordRecord, Paper, Store

_PAPER_FIELDS = (
    "id", "version", "title", "authors", "abstract", "comment", "categories",
    "primary_category", "published", "updated", "abs_url", "pdf_url", "first_seen",
    "notified_version",
)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


# --- serialising ---


def paper_to_json(paper: Paper) -> dict[str, Any]:
    return {
        "id": paper.id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "comment": paper.comment,
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "published": paper.published,
        "updated": paper.updated,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "first_seen": paper.first_seen,
        "notified_version": paper.notified_version,
    }


def store_to_json(store: Store) -> dict[str, Any]:
    keywords = {}
    for name in sorted(store.keywords):
        record = store.keywords[name]
        keywords[name] = {
            "query": record.query,
            "categories": None if record.categories is None else list(record.categories),
            "last_success": record.last_success,
            "last_error": record.last_error,
            "failing_since": record.failing_since,
            "papers": [paper_to_json(paper) for paper in record.papers],
        }
    return {"schema": STORE_SCHEMA, "last_change": store.last_change, "keywords": keywords}


def dumps(store: Store) -> str:
    return json.dumps(store_to_json(store), indent=2, ensure_ascii=False) + "\n"


# --- parsing ---


class _Malformed(Exception):
    pass


class _TooNew(Exception):
    pass


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Malformed(f"{where}: unexpected value {value!r}")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _expect(value, str, where)


def _text_tuple(value: Any, where: str) -> tuple[str, ...]:
    items = _expect(value, list, where)
    return tuple(_expect(item, str, where) for item in items)


def paper_from_json(data: Any, where: str) -> Paper:
    data = _expect(data, dict, where)
    missing = [name for name in _PAPER_FIELDS if name not in data]
    if missing:
        raise _Malformed(f"{where}: missing {', '.join(missing)}")
    return Paper(
        id=_expect(data["id"], str, f"{where}.id"),
        version=_expect(data["version"], int, f"{where}.version"),
        title=_expect(data["title"], str, f"{where}.title"),
        authors=_text_tuple(data["authors"], f"{where}.authors"),
        abstract=_expect(data["abstract"], str, f"{where}.abstract"),
        comment=_optional_text(data["comment"], f"{where}.comment"),
        categories=_text_tuple(data["categories"], f"{where}.categories"),
        primary_category=_expect(data["primary_category"], str, f"{where}.primary_category"),
        published=_expect(data["published"], str, f"{where}.published"),
        updated=_expect(data["updated"], str, f"{where}.updated"),
        first_seen=_expect(data["first_seen"], str, f"{where}.first_seen"),
        notified_version=(None if data["notified_version"] is None else
                          _expect(data["notified_version"], int, f"{where}.notified_version")),
    )


def record_from_json(data: Any, where: str) -> KeywordRecord:
    data = _expect(data, dict, where)
    papers = _expect(data.get("papers", []), list, f"{where}.papers")
    categories = data.get("categories")
    return KeywordRecord(
        papers=tuple(paper_from_json(p, f"{where}.papers[{i}]") for i, p in enumerate(papers)),
        query=_optional_text(data.get("query"), f"{where}.query"),
        categories=None if categories is None else _text_tuple(categories, f"{where}.categories"),
        last_success=_optional_text(data.get("last_success"), f"{where}.last_success"),
        last_error=_optional_text(data.get("last_error"), f"{where}.last_error"),
        failing_since=_optional_text(data.get("failing_since"), f"{where}.failing_since"),
    )


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 records which version of each paper was last notified.

    Schema 1 trackers wrote the newest papers into the issue file on every
    run, so every stored paper counts as announced.
    """
    for record in data.get("keywords", {}).values():
        for paper in record.get("papers", []) if isinstance(record, dict) else []:
            if isinstance(paper, dict):
                paper.setdefault("notified_version", paper.get("version"))
    return {**data, "schema": 2}


# Upgrades from older layouts, keyed by the version they upgrade from; each
# returns the layout of the next version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def store_from_json(data: Any) -> Store:
    """Build a ``Store`` from parsed JSON, migrating older layouts; raises ``_Malformed``."""
    data = _expect(data, dict, "top level")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise _Malformed(f"no valid schema version (found {schema!r})")
    if schema > STORE_SCHEMA:
        raise _TooNew(f"store schema {schema} is newer than this tracker understands "
                      f"({STORE_SCHEMA})")
    while schema < STORE_SCHEMA:
        data = MIGRATIONS[schema](data)
        schema += 1
    keywords = _expect(data.get("keywords", {}), dict, "keywords")
    return Store(
        keywords={
            name: record_from_json(record, f"keywords.{name}") for name, record in keywords.items()
        },
        last_change=_optional_text(data.get("last_change"), "last_change"),
    )


# --- files ---


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
        return store_from_json(json.loads(text))
    except json.JSONDecodeError as error:
        problem = f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except _Malformed as error:
        problem = f"not a tracker store: {error}"
    except _TooNew as error:
        raise StoreError(
            f"{path}: {error}; upgrade the tracker (pip install -U) so that an older one "
            "never rewrites it"
        ) from None
    raise StoreError(
        f"{path} is damaged, {problem}. The tracker will not overwrite it; "
        + _recovery_hint(path)
    )


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
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
    atomic_write(path, dumps(replace(store, schema=STORE_SCHEMA)))


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
