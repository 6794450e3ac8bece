"""Checks of ``paths:`` at validation time: every output inside the repository, none on another.

A run replaces the README and the store and empties the issue folder of
``issue-*.md`` files. Two outputs on one path (``readme: data/papers.json``),
an output inside the issue folder, or an output outside the repository
(``issues: ../outside``) would destroy files the user keeps, so such a config
is refused before anything runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from tracker.config.settings import Config
from tracker.store.file import backup_path, lock_path


@dataclass(frozen=True)
class _Place:
    """A path a run reads or writes; ``key`` is its ``paths.*`` key, if it has one."""

    label: str
    path: Path
    kind: str
    """``file``; ``folder`` (the issue folder: its files are deleted); ``templates`` (read);
    ``pattern`` (the folders of the keyword pages, the digest, the feeds and the site:
    checked only to be inside the repository; their writers check their own files)."""
    key: tuple[str, ...] | None = None


def _inside(path: Path, folder: Path) -> bool:
    return path != folder and path.is_relative_to(folder)


def _conflict(subject: _Place, other: _Place, shown: dict[Path, str]) -> str | None:
    """What is wrong with ``subject``'s path given ``other``'s, or ``None``."""
    here, there = shown[subject.path], f"{other.label} ({shown[other.path]})"
    if "pattern" in (subject.kind, other.kind):
        # A folder of output files may not be, or lie inside, a file the tracker keeps.
        folder, file = (subject, other) if subject.kind == "pattern" else (other, subject)
        if file.kind == "file" and (folder.path == file.path
                                    or _inside(folder.path, file.path)):
            return (f"{here} and {there}: a folder of output files cannot be where a file "
                    "is kept")
        return None
    if subject.path == other.path:
        return f"{here} is also {other.label}; each output needs a path of its own"
    if subject.kind == "folder" and _inside(other.path, subject.path):
        return (f"the issue folder {here} would hold {there}; a run empties that folder "
                "of issue files")
    if other.kind == "folder" and _inside(subject.path, other.path):
        return f"{here} is inside {there}; a run empties that folder of issue files"
    if other.kind == "file" and _inside(subject.path, other.path):
        return f"{here} is inside {there}, a file"
    if subject.kind == "file" and _inside(other.path, subject.path):
        return f"{here} is a file, but {there} is inside it"
    return None


def path_problems(config: Config, config_file: Path,
                  given: Collection[tuple[str, ...]] = ()) -> list[tuple[tuple[str, ...], str]]:
    """``(key path, problem)`` for each output path outside the repository or overlapping.

    ``config.paths`` are absolute (resolved against ``config.root``);
    ``config_file`` is the absolute path of the config being loaded. An
    overlap is reported at the key of the two that the file ``given``, if any.
    """
    paths, root = config.paths, config.root
    places = [
        _Place("the config file", config_file, "file"),
        _Place("paths.store", paths.store, "file", ("paths", "store")),
        _Place("the store's backup", backup_path(paths.store), "file"),
        _Place("the store's lock file", lock_path(paths.store), "file"),
        _Place("paths.templates", paths.templates, "templates", ("paths", "templates")),
        _Place("paths.issues", paths.issues, "folder", ("paths", "issues")),
        _Place("paths.readme", paths.readme, "file", ("paths", "readme")),
        # The pages remove only files they wrote (marked on their first line).
        _Place("paths.papers", paths.papers, "pattern", ("paths", "papers")),
    ]
    if config.digest is not None:
        places.append(_Place("digest.path", config.digest.written_under,
                             "pattern" if config.digest.dated else "file", ("digest", "path")))
    for name in ("feeds", "site"):
        settings = getattr(config, name)
        if settings is not None:
            places.append(_Place(f"{name}.path", settings.path, "pattern", (name, "path")))
    shown = {place.path: config.shown(place.path) for place in places}
    problems: list[tuple[tuple[str, ...], str]] = []
    outside = set()
    for place in places:
        if place.key and not place.path.is_relative_to(root):
            outside.add(place.key)
            problems.append((place.key, f"{place.path} is outside the repository ({root}); "
                             "paths are relative to the repository root"))
    for index, second in enumerate(places):
        for first in places[:index]:
            # Reported at the later key, or at the one the file gives if only one is given.
            pair = [place for place in (second, first) if place.key]
            if not pair:
                continue
            subject = next((place for place in pair if place.key in given), pair[0])
            if subject.key in outside:
                continue
            problem = _conflict(subject, first if subject is second else second, shown)
            if problem:
                problems.append((subject.key, problem))
    return problems
