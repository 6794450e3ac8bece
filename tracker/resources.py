"""Where the files shipped with the tracker are: templates, the sample config, the workflow.

An installed wheel carries copies under ``tracker/_bundled`` (see
``pyproject.toml``); an editable install or a source checkout uses the
repository's own files, which are the originals.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"
_SOURCE = _PACKAGE.parent

# name inside _bundled -> path in the repository
_ORIGINALS = {
    "templates": "templates",
    "config/keywords.yaml": "config/keywords.yaml",
    "config/keywords.schema.json": "config/keywords.schema.json",
    "workflows/daily.yml": ".github/workflows/daily.yml",
}


def shipped(name: str) -> Path:
    """The shipped copy of ``name`` (a key of ``_ORIGINALS``)."""
    packaged = _BUNDLED / name
    if packaged.exists():
        return packaged
    return _SOURCE / _ORIGINALS[name]


def templates_dir() -> Path:
    return shipped("templates")
