"""The wheel carries the templates and the sample files, so a plain install works anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_carries_the_files_a_new_user_needs(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("tracker-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"tracker/_bundled/templates/{path.relative_to(REPO / 'templates')}"
                for path in (REPO / "templates").rglob("*") if path.is_file()}
    expected |= {"tracker/_bundled/config/keywords.yaml",
                 "tracker/_bundled/config/keywords.schema.json",
                 "tracker/_bundled/workflows/daily.yml", "tracker/cli.py"}
    assert expected <= names, sorted(expected - names)
    assert not [name for name in names if name.startswith("tests/")]
