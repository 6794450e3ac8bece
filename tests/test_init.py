"""``tracker init``: a new tracker repository that works as this one does."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Project
from tracker.errors import ConfigError
from tracker.scaffold import Source, checkout_warnings, resolve_source, source_from_install

REPO = Path(__file__).resolve().parents[1]
SOURCE = ("arxiv-daily-tracker @ "
          "git+https://github.com/someone/tracker@0123456789abcdef0123456789abcdef01234567")


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
    assert "Next steps:\n  1. cd new\n  2. Edit config/keywords.yaml" in result.err
    assert "tracker validate" in result.err and "warning" not in result.err
    ignored = (new / ".gitignore").read_text().splitlines()
    assert ".*.tmp" in ignored and "site/" in ignored

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
    assert found == Source("arxiv-daily-tracker @ git+https://github.com/o/tracker.git@abc123",
                           "https://github.com/o/tracker")


def test_source_of_a_local_checkout_is_traced_to_its_remote():
    answers = {("remote", "get-url", "origin"): "git@github.com:o/tracker.git",
               ("rev-parse", "HEAD"): "f" * 40,
               ("branch", "-r", "--list", "origin/*", "--contains", "f" * 40): "origin/main"}
    found = source_from_install({"url": "file:///home/me/tracker", "dir_info": {"editable": True}},
                                git=lambda folder, *args: answers.get(args))
    assert found == Source(f"arxiv-daily-tracker @ git+https://github.com/o/tracker@{'f' * 40}",
                           "https://github.com/o/tracker")
    assert source_from_install({"url": "file:///x", "dir_info": {}}, git=lambda *a: None) is None
    assert source_from_install(None) is None


def test_given_source_is_used_as_it_is():
    assert resolve_source(SOURCE) == Source(SOURCE, "https://github.com/someone/tracker")
    assert resolve_source("arxiv-daily-tracker==1.0") == Source("arxiv-daily-tracker==1.0", None)
    tagged = "arxiv_daily_tracker @ git+https://github.com/o/t.git@v0.2.0"
    assert resolve_source(tagged) == Source(tagged, "https://github.com/o/t")
    local = resolve_source("arxiv-daily-tracker @ file:///home/me/tracker")
    assert local.warnings and "cannot install it" in local.warnings[0]


@pytest.mark.parametrize("given", ["not a requirement!!", "", "arxiv-daily-tracker @ ",
                                   "arxiv-daily-tracker >= = 1"])
def test_a_source_that_is_not_a_requirement_is_one_line_and_exit_2(project: Project, given):
    with pytest.raises(ConfigError, match="is not a pip requirement"):
        resolve_source(given)
    result = project.tracker("init", "new", "--source", given)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "is not a pip requirement" in result.err
    assert not (project.root / "new").exists()


def test_a_source_for_another_package_is_refused(project: Project):
    result = project.tracker("init", "new", "--source", "tracker==0.1.1")
    assert result.code == 2
    assert "installs 'tracker', not the tracker" in result.err
    assert not (project.root / "new").exists()


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=x", "-c", "user.email=x@example.org", *args],
                   cwd=folder, check=True, capture_output=True)


def test_an_unpushed_commit_or_a_dirty_checkout_is_warned_about(tmp_path: Path):
    git(tmp_path, "init", "--quiet", "-b", "main")
    git(tmp_path, "remote", "add", "origin", "https://github.com/o/tracker.git")
    (tmp_path / "file.txt").write_text("one\n")
    git(tmp_path, "add", "file.txt")
    git(tmp_path, "commit", "--quiet", "-m", "one")
    install = {"url": tmp_path.as_uri(), "dir_info": {"editable": True}}
    found = source_from_install(install)
    assert found is not None and found.url == "https://github.com/o/tracker"
    (warning,) = found.warnings
    assert "is not pushed to its origin" in warning

    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")  # as after a push
    assert source_from_install(install) == Source(found.requirement, found.url)

    (tmp_path / "file.txt").write_text("two\n")
    commit = found.requirement.rsplit("@", 1)[1]
    (warning,) = checkout_warnings(tmp_path, commit)
    assert "has uncommitted changes" in warning
