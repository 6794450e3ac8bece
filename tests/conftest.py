"""Shared fixtures: papers, the fake arXiv server, and running the real ``tracker`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_arxiv import FakeArxiv
from tracker.models import Paper

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = FIXTURES / "golden"
REPO = Path(__file__).resolve().parents[1]


def make_paper(id: str = "2608.00001", version: int = 1, updated: str = "2026-08-19T12:00:00Z",
               **fields: object) -> Paper:
    """A paper with plausible defaults; override any field."""
    values: dict[str, object] = {
        "id": id,
        "version": version,
        "title": f"Title of {id}",
        "authors": ("A. Author",),
        "abstract": f"Abstract of {id}.",
        "comment": None,
        "categories": ("cs.LG",),
        "primary_category": "cs.LG",
        "published": updated,
        "updated": updated,
        "first_seen": "2026-08-21",
    }
    values.update(fields)
    return Paper(**values)  # type: ignore[arg-type]


def entry(id: str, updated: str, **fields: object) -> dict[str, object]:
    """An entry for the fake arXiv (``id`` with version, e.g. ``2608.00001v1``)."""
    values: dict[str, object] = {"id": id, "title": f"Title {id}", "summary": f"About {id}.",
                                 "updated": updated, "categories": ["cs.LG"], "comment": None}
    values.update(fields)
    return values


@pytest.fixture
def golden_feeds() -> dict[str, list[dict[str, object]]]:
    return json.loads((GOLDEN / "feeds.json").read_text(encoding="utf-8"))


@pytest.fixture
def fake_arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Project:
    """A tracker repository in a temporary folder, driven through the real CLI."""

    root: Path
    endpoint: str

    def write_config(self, text: str) -> Path:
        path = self.root / "config" / "keywords.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def tracker(self, *args: str, env: dict[str, str] | None = None,
                timeout: float = 120) -> Result:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("GITHUB_", "TRACKER_"))}
        environment["TRACKER_ARXIV_URL"] = self.endpoint
        environment.update(env or {})
        done = subprocess.run([sys.executable, "-m", "tracker", *args], cwd=self.root,
                              capture_output=True, text=True, env=environment, timeout=timeout)
        return Result(done.returncode, done.stdout, done.stderr)

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def store(self) -> dict:
        return json.loads(self.read("data/papers.json"))


@pytest.fixture
def project(tmp_path: Path, fake_arxiv: FakeArxiv) -> Project:
    return Project(tmp_path, fake_arxiv.url)
