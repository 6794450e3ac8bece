"""Shared fixtures: papers, the fake arXiv server, and running the real ``tracker`` command."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_arxiv import FakeArxiv
from tracker import cli
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

    def environment(self, env: dict[str, str] | None = None) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("GITHUB_", "TRACKER_"))}
        environment["TRACKER_ARXIV_URL"] = self.endpoint
        environment.update(env or {})
        return environment

    def tracker(self, *args: str, env: dict[str, str] | None = None,
                timeout: float = 120, subprocess: bool = False) -> Result:
        """Run ``tracker ARGS`` in the project folder: in-process through ``cli.main``
        (fast), or as a real ``python -m tracker`` process with ``subprocess=True``."""
        if subprocess:
            return run_subprocess([sys.executable, "-m", "tracker", *args], self.root,
                                  self.environment(env), timeout)
        return run_in_process(list(args), self.root, self.environment(env))

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def store(self) -> dict:
        return json.loads(self.read("data/papers.json"))


def run_subprocess(command: list[str], cwd: Path, env: dict[str, str],
                   timeout: float) -> Result:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)


def run_in_process(argv: list[str], cwd: Path, env: dict[str, str]) -> Result:
    """``tracker.cli.main(argv)`` as the command would run it: in ``cwd``, with ``env`` as the
    whole environment, stdout and stderr captured; everything is put back afterwards."""
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(argv)
            except SystemExit as stop:  # argparse's usage errors and --help
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:], root.level = saved_handlers, saved_level
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def project(tmp_path: Path, fake_arxiv: FakeArxiv) -> Project:
    return Project(tmp_path, fake_arxiv.url)
