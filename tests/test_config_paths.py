"""Paths in the config: relative to the repository root, inside it, and never on each other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Project, entry
from tracker.config import load_config, repository_root
from tracker.errors import ConfigError


def config_file(root: Path, paths: str = "", folder: str = "config") -> Path:
    path = root / folder / "keywords.yaml" if folder else root / "keywords.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("keywords: [a]\n" + (f"paths:\n{paths}" if paths else ""), encoding="utf-8")
    return path


def test_the_root_is_above_a_config_folder_else_the_files_folder(tmp_path):
    assert repository_root(tmp_path / "config" / "keywords.yaml") == tmp_path
    assert repository_root(tmp_path / "settings" / "mine.yaml") == tmp_path / "settings"


def test_paths_are_resolved_against_the_root_not_the_current_folder(tmp_path, monkeypatch):
    path = config_file(tmp_path, "  issues: out/issues\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = load_config(Path("../config/keywords.yaml"), {})
    assert config.root == tmp_path
    assert config.paths.store == tmp_path / "data" / "papers.json"
    assert config.paths.readme == tmp_path / "README.md"
    assert config.paths.issues == tmp_path / "out" / "issues"
    assert config.paths.templates == tmp_path / "templates"
    assert config.shown(config.paths.store) == "data/papers.json"
    assert load_config(path, {}).paths == config.paths


def test_paths_may_name_files_inside_the_repository_in_any_way(tmp_path):
    config = load_config(config_file(tmp_path, "  readme: docs/../docs/README.md\n"
                                     f"  store: {tmp_path}/state/papers.json\n"), {})
    assert config.paths.readme == tmp_path / "docs" / "README.md"
    assert config.paths.store == tmp_path / "state" / "papers.json"


@pytest.mark.parametrize(("paths", "message"), [
    ("  readme: data/papers.json\n",
     "paths.readme: data/papers.json is also paths.store; each output needs a path of its own"),
    ("  readme: data/papers.json.bak\n", "paths.readme: data/papers.json.bak is also the store's"),
    ("  store: README.md\n", "paths.store: README.md is also paths.readme"),
    ("  readme: config/keywords.yaml\n",
     "paths.readme: config/keywords.yaml is also the config file"),
    ("  issues: data\n", "paths.issues: the issue folder data would hold paths.store"),
    ("  issues: .\n", "paths.issues: the issue folder . would hold the config file"),
    ("  readme: build/issues/README.md\n",
     "paths.readme: build/issues/README.md is inside paths.issues (build/issues)"),
    ("  issues: README.md/issues\n", "is inside paths.readme (README.md), a file"),
    ("  issues: templates\n", "paths.issues: templates is also paths.templates"),
    ("  issues: ../outside\n", "paths.issues: {parent}/outside is outside the repository"),
    ("  store: /etc/papers.json\n", "paths.store: /etc/papers.json is outside the repository"),
    ("  templates: ../../elsewhere\n", "paths.templates: "),
])
def test_outputs_that_overlap_or_leave_the_repository_are_refused(tmp_path, paths, message):
    root = tmp_path / "repo"
    path = config_file(root, paths)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert message.format(parent=tmp_path) in str(caught.value)
    assert str(caught.value).startswith(f"{path}:")


def test_the_line_of_the_wrong_path_is_named(tmp_path):
    path = config_file(tmp_path, "  store: data/papers.json\n  readme: data/papers.json\n")
    with pytest.raises(ConfigError, match=r"keywords\.yaml:4: paths\.readme: "):
        load_config(path, {})


def test_a_run_from_a_sub_folder_writes_into_the_repository(project: Project, fake_arxiv):
    fake_arxiv.feeds = {'ti:"Time Series" OR abs:"Time Series"': [
        entry("2608.00001v1", "2026-08-20T10:00:00Z")]}
    project.write_config("keywords: [Time Series]\n")
    sub = project.root / "sub"
    sub.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER_"))}
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "run", "--config", "../config/keywords.yaml",
         "--today", "2026-08-21"],
        cwd=sub, capture_output=True, text=True, timeout=120,
        env={**environment, "TRACKER_ARXIV_URL": project.endpoint})
    assert done.returncode == 0, done.stderr
    assert list(sub.iterdir()) == []  # no stray data/, build/ or README.md
    assert "2608.00001" in project.read("README.md")
    assert project.store()["keywords"]["Time Series"]["papers"][0]["id"] == "2608.00001"
    assert (project.root / "build" / "issues" / "issue-1.md").is_file()


def test_path_problems_are_listed_with_the_other_problems(tmp_path):
    path = config_file(tmp_path, "  readme: data/papers.json\n")
    path.write_text(path.read_text(encoding="utf-8") + "max_papers: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert "max_papers: expected a whole number" in lines[0]
    assert "paths.readme: data/papers.json is also paths.store" in lines[1]


@pytest.mark.parametrize(("digest_path", "message"), [
    ("../elsewhere/{date}.md", "digest.path: {parent}/elsewhere is outside the repository"),
    ("README.md", "digest.path: README.md is also paths.readme"),
])
def test_the_digest_file_is_placed_like_the_other_outputs(tmp_path, digest_path, message):
    root = tmp_path / "repo"
    path = config_file(root)
    path.write_text(f"keywords: [a]\ndigest:\n  categories: [cs.CV]\n  path: {digest_path}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert f"keywords.yaml:4: {message.format(parent=tmp_path)}" in str(caught.value)


def test_the_digest_files_are_written_under_the_root(tmp_path):
    path = config_file(tmp_path)
    path.write_text("keywords: [a]\ndigest: {categories: [cs.CV]}\n", encoding="utf-8")
    assert load_config(path, {}).digest.path == str(tmp_path / "digests" / "{date}.md")


@pytest.mark.parametrize("section", ["feeds", "site"])
def test_the_feeds_and_site_folders_are_under_the_root(tmp_path, section):
    path = config_file(tmp_path / "repo")
    path.write_text(f"keywords: [a]\n{section}: {{path: out}}\n", encoding="utf-8")
    assert getattr(load_config(path, {}), section).path == tmp_path / "repo" / "out"
    path.write_text(f"keywords: [a]\n{section}:\n  path: ../../away\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"keywords\.yaml:3: {section}\.path: .*away is "
                                          "outside the repository"):
        load_config(path, {})


@pytest.mark.parametrize(("section", "folder"), [("feeds", "README.md"),
                                                 ("site", "data/papers.json"),
                                                 ("feeds", "README.md/feeds")])
def test_a_folder_of_outputs_cannot_be_where_a_file_is_kept(tmp_path, section, folder):
    path = config_file(tmp_path / "repo")
    path.write_text(f"keywords: [a]\n{section}:\n  path: {folder}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"keywords\.yaml:3: {section}\.path: .*a folder of "
                                          "output files cannot be where a file is kept"):
        load_config(path, {})
