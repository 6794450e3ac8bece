"""``tracker init``: a new tracker repository that works as this one does."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tests.conftest import Project
from tracker.scaffold import Source, resolve_source, source_from_install

REPO = Path(__file__).resolve().parents[1]
SOURCE = "tracker @ git+https://github.com/someone/tracker@0123456789abcdef0123456789abcdef01234567"


def test_init_writes_a_working_repository(project: Project):
    result = project.tracker("init", "new", "--source", SOURCE)
    assert result.code == 0, result.err
    new = project.root / "new"
    for name in ("config/keywords.yaml", "config/keywords.schema.json",
                 ".github/workflows/daily.yml", "README.md", "pyproject.toml", ".gitignore",
                 "data/.gitkeep"):
        assert (new / name).is_file(), name
    for name in ("config/keywords.yaml", "config/keywords.schema.json"):
        assert (new / name).read_bytes() == (REPO / name).read_bytes()
    assert (new / ".github/workflows/daily.yml").read_bytes() == (
        REPO / ".github/workflows/daily.yml").read_bytes()
    project_file = tomllib.loads((new / "pyproject.toml").read_text())
    assert project_file["project"]["dependencies"] == [SOURCE]
    readme = (new / "README.md").read_text()
    assert "[tracker](https://github.com/someone/tracker)" in readme
    assert "<!-- tracker:start -->\n<!-- tracker:end -->\n" in readme
    assert "Next steps:" in result.err and "tracker validate" in result.err

    inside = Project(new, project.endpoint)
    assert inside.tracker("validate").code == 0
    assert inside.tracker("render", "--today", "2026-08-21").code == 0
    rendered = inside.read("README.md")
    assert rendered.startswith(readme.split("<!-- tracker:start -->")[0])
    assert "<!-- tracker:start -->\nLast update: 2026-08-21\n\n## Time Series\n" in rendered


def test_init_refuses_to_overwrite_without_force(project: Project):
    (project.root / "README.md").write_text("mine\n")
    result = project.tracker("init", "--source", SOURCE)
    assert result.code == 3
    assert "already has README.md; nothing was written. Use --force" in result.err
    assert (project.root / "README.md").read_text() == "mine\n"
    assert not (project.root / "config").exists()
    assert project.tracker("init", "--source", SOURCE, "--force", "-q").code == 0
    assert "<!-- tracker:start -->" in (project.root / "README.md").read_text()


def test_source_of_a_git_install_is_its_repository_and_commit():
    found = source_from_install({"url": "https://github.com/o/tracker.git",
                                 "vcs_info": {"vcs": "git", "commit_id": "abc123"}})
    assert found == Source("tracker @ git+https://github.com/o/tracker.git@abc123",
                           "https://github.com/o/tracker")


def test_source_of_a_local_checkout_is_traced_to_its_remote():
    answers = {("remote", "get-url", "origin"): "git@github.com:o/tracker.git",
               ("rev-parse", "HEAD"): "f" * 40}
    found = source_from_install({"url": "file:///home/me/tracker", "dir_info": {"editable": True}},
                                git=lambda folder, *args: answers.get(args))
    assert found == Source(f"tracker @ git+https://github.com/o/tracker@{'f' * 40}",
                           "https://github.com/o/tracker")
    assert source_from_install({"url": "file:///x", "dir_info": {}}, git=lambda *a: None) is None
    assert source_from_install(None) is None


def test_given_source_is_used_as_it_is():
    assert resolve_source(SOURCE) == Source(SOURCE, "https://github.com/someone/tracker")
    assert resolve_source("tracker==1.0") == Source("tracker==1.0", None)
