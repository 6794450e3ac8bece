"""Every library the tracker imports is declared in pyproject.toml, and temporaries are ignored."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def imported_top_level_names() -> set[str]:
    names: set[str] = set()
    for source in (REPO / "tracker").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_every_imported_library_is_a_declared_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {re.split(r"[<>=!~;\[ ]", requirement)[0].lower().replace("_", "-")
                for requirement in project["dependencies"]}
    distributions = packages_distributions()
    third_party = {name for name in imported_top_level_names()
                   if name not in sys.stdlib_module_names and name != "tracker"}
    assert "lxml" in third_party
    for name in sorted(third_party):
        owners = {owner.lower().replace("_", "-") for owner in distributions.get(name, [name])}
        assert owners & declared, f"{name} is imported but not declared in pyproject.toml"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("ignore_file", [REPO / ".gitignore",
                                         REPO / "templates" / "scaffold" / "gitignore.j2"])
def test_leftover_temporaries_are_ignored_by_git(tmp_path, ignore_file):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(ignore_file, tmp_path / ".gitignore")
    names = ["data/.papers.json.k2_9x1ab.tmp", ".README.md.abcd1234.tmp",
             "build/issues/.issue-1.md.z9y8x7w6.tmp", "README.md", "data/papers.json"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.stdout.split() == names[:3]
