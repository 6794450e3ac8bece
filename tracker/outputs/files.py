"""Write the outputs: the README and the issue files. Only this module writes them.

A README keeps its line endings: one checked out on Windows with CRLF line
endings is read with them folded to ``\n`` (so the markers and the text are
found as usual) and written back with CRLF, the user's text and the
generated list alike.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from tracker.errors import OutputError
from tracker.store import atomic_write, remove_temporaries_of, shown

ISSUE_PATTERN = "issue-*.md"


def _read(path: Path) -> tuple[str, str] | None:
    """The file's text with its line endings folded to ``\\n``, and its line ending."""
    if path.is_symlink():
        raise OutputError(f"{shown(path)} is a symbolic link; the tracker replaces only a "
                          "plain file (point the config at the real file)")
    try:
        with open(path, encoding="utf-8", newline="") as handle:  # line endings as they are
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(f"{shown(path)}: cannot read: {error}") from None
    first_end = text.find("\n")
    newline = "\r\n" if first_end > 0 and text[first_end - 1] == "\r" else "\n"
    if "\r" in text:  # as Python's universal newlines read it: CRLF and a lone CR end a line
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, newline


def read_text(path: Path) -> str | None:
    """The file's text (lines ending in ``\\n``), ``None`` when there is no file."""
    found = _read(path)
    return None if found is None else found[0]


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it; report whether it changed.

    The file keeps its line endings (``\\n`` for a new file); line endings
    alone are no change.
    """
    found = _read(path)
    if found is not None and found[0] == text:
        return False
    try:
        remove_temporaries_of(path)  # a killed run's leftovers (runs hold the store's lock)
        atomic_write(path, text, newline="\n" if found is None else found[1])
    except OSError as error:
        raise OutputError(f"{shown(path)}: cannot write: {error}") from None
    return True


def write_issues(folder: Path, documents: Sequence[str]) -> list[Path]:
    """Replace the issue files in ``folder`` with ``documents`` (``issue-1.md``, ...).

    Old issue files (and temporaries a killed run left) are removed first, so
    the folder never holds a stale notification; an empty list leaves it empty.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in [*folder.glob(ISSUE_PATTERN), *folder.glob(f".{ISSUE_PATTERN}.*.tmp")]:
            old.unlink()
        paths = []
        for number, document in enumerate(documents, start=1):
            path = folder / f"issue-{number}.md"
            atomic_write(path, document)
            paths.append(path)
    except OSError as error:
        raise OutputError(f"{shown(folder)}: cannot write the issue files: {error}") from None
    return paths


def relative_link(target: Path, start: Path) -> str:
    """A markdown link from a file in ``start`` to ``target``: relative, ``/``, percent-encoded
    (a folder name with spaces or parentheses would otherwise break the link)."""
    return quote(Path(os.path.relpath(target, start)).as_posix(), safe="/")
