"""Write the outputs: the README and the issue files. Only this module writes them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tracker.errors import OutputError
from tracker.store import atomic_write, slices

ISSUE_PATTERN = "issue-*.md"


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(f"{path}: cannot read: {error}") from None


def _holds(path: Path, text: str) -> bool:
    """True when the file reads as ``text`` (as ``read_text`` would read it).

    Compared a slice at a time, so that a large README is never in memory
    twice; the file is read in text mode, as ``read_text`` reads it.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            for piece in slices(text):
                if handle.read(len(piece)) != piece:
                    return False
            return handle.read(1) == ""
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(f"{path}: cannot read: {error}") from None


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it; report whether it changed."""
    if _holds(path, text):
        return False
    try:
        atomic_write(path, text)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error}") from None
    return True


def write_issues(folder: Path, documents: Sequence[str]) -> list[Path]:
    """Replace the issue files in ``folder`` with ``documents`` (``issue-1.md``, ...).

    Old issue files are removed first, so the folder never holds a stale
    notification; an empty list leaves it empty.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(ISSUE_PATTERN):
            old.unlink()
        paths = []
        for number, document in enumerate(documents, start=1):
            path = folder / f"issue-{number}.md"
            atomic_write(path, document)
            paths.append(path)
    except OSError as error:
        raise OutputError(f"{folder}: cannot write the issue files: {error}") from None
    return paths
