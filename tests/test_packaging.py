"""The distribution: its name, the files its wheel carries, and the CI script."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tracker import __version__

REPO = Path(__file__).resolve().parents[1]


def test_wheel_is_arxiv_daily_tracker_and_carries_the_files_a_new_user_needs(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    # "tracker" on PyPI is another project: this one must never be published or
    # upgraded under that name.
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.startswith("arxiv_daily_tracker-"), wheel.name
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    expected = {f"tracker/_bundled/templates/{path.relative_to(REPO / 'templates')}"
                for path in (REPO / "templates").rglob("*") if path.is_file()}
    expected |= {"tracker/_bundled/config/keywords.yaml",
                 "tracker/_bundled/config/keywords.schema.json",
                 "tracker/_bundled/workflows/daily.yml", "tracker/cli.py"}
    assert expected <= names, sorted(expected - names)
    assert not [name for name in names if name.startswith("tests/")]
    info = next(name for name in names if name.endswith(".dist-info/METADATA"))
    fields = archive.read(info).decode()
    assert "\nName: arxiv-daily-tracker\n" in fields
    assert f"\nVersion: {__version__}\n" in fields  # the version the user agent sends
    points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "tracker = tracker.cli:main" in archive.read(points).decode()


def test_ci_runs_the_readme_test_command_and_installs_chromium():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.search(r"Install and run the tests:\n\n```\n(.+)\n```", readme).group(1)
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert script.rstrip("\n").splitlines()[-1] == command
    assert "if [ ! -e /usr/bin/chromedriver ]; then" in script
    update = script.index("apt-get update -qq")
    assert update < script.index("apt-get install -y -qq chromium chromium-driver")
