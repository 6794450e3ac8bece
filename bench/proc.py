"""Running the real ``tracker`` command and measuring it: wall time and peak memory.

Each command is started by ``bench/launch.py``, which times it and reads the
child's own peak resident set size from ``os.wait4`` when it ends (see there
why the benchmark does not fork it itself). Where ``os.wait4`` is missing
(Windows) the peak is not reported.

The commands run with Python's bytecode cache in a temporary folder
(``PYTHONPYCACHEPREFIX``), filled by a first run, so that start-up is measured
as an installed tracker starts, even where ``PYTHONDONTWRITEBYTECODE`` is set
and the checkout has no ``__pycache__``.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAUNCHER = Path(__file__).resolve().with_name("launch.py")


class BenchError(Exception):
    """The benchmark could not measure what it set out to (a run failed, numbers disagree)."""


@dataclass(frozen=True)
class Measured:
    code: int
    started: float
    """``time.monotonic()`` just before the process was started."""
    ended: float
    """``time.monotonic()`` just after it was reaped."""
    peak_rss: int | None
    """Bytes; ``None`` where the platform cannot tell."""
    out: str
    err: str

    @property
    def wall(self) -> float:
        return self.ended - self.started


_CACHE: list[str] = []


def _bytecode_cache() -> str:
    """One bytecode cache folder for the whole benchmark, removed when it ends."""
    if not _CACHE:
        folder = tempfile.mkdtemp(prefix="tracker-bench-pycache-")
        atexit.register(shutil.rmtree, folder, True)
        _CACHE.append(folder)
    return _CACHE[0]


def tracker_env(endpoint: str | None = None) -> dict[str, str]:
    """The environment of a benchmarked run: this checkout's tracker, no CI settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "TRACKER_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONPYCACHEPREFIX"] = _bytecode_cache()
    if endpoint:
        env["TRACKER_ARXIV_URL"] = endpoint
    return env


def tracker_command(*args: str) -> list[str]:
    """``python -m tracker ARGS`` with the benchmark's own interpreter."""
    return [sys.executable, "-m", "tracker", *args]


def run_measured(command: Sequence[str], cwd: Path, env: dict[str, str],
                 timeout: float = 1800.0) -> Measured:
    """Run ``command`` to its end through the launcher; output goes to files."""
    with tempfile.TemporaryDirectory(prefix="tracker-bench-run-") as folder:
        result = Path(folder) / "result"
        out_path, err_path = Path(folder) / "out", Path(folder) / "err"
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            subprocess.run([sys.executable, str(LAUNCHER), str(result), "--", *command],
                           cwd=cwd, env=env, stdout=out, stderr=err, timeout=timeout,
                           check=False)
        try:
            code, started, ended, peak = result.read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            raise BenchError(f"the launcher did not report on {' '.join(command)}:\n"
                             + err_path.read_text(encoding="utf-8", errors="replace")) from None
        return Measured(int(code), float(started), float(ended),
                        None if int(peak) < 0 else int(peak),
                        out_path.read_text(encoding="utf-8", errors="replace"),
                        err_path.read_text(encoding="utf-8", errors="replace"))


def warm_up() -> None:
    """Compile the tracker and its dependencies into the bytecode cache, untimed."""
    modules = ("tracker.cli, tracker.api, tracker.sources.arxiv_api, tracker.outputs.readme, "
               "tracker.outputs.issues")
    checked(run_measured([sys.executable, "-c", f"import {modules}"], REPO, tracker_env()),
            "importing the tracker")


def checked(measured: Measured, what: str) -> Measured:
    """``measured``, or a ``BenchError`` with the tracker's messages when it failed."""
    if measured.code != 0:
        raise BenchError(f"{what} exited with {measured.code}:\n{measured.err.strip()}")
    return measured


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def largest(values: Sequence[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def store_size(value: str) -> tuple[int, int]:
    """``KxN`` on a command line: K keywords of N papers."""
    try:
        keywords, papers = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected KEYWORDSxPAPERS like 100x100, got {value!r}"
                                         ) from None
    return keywords, papers
