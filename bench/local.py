"""The tracker's local work: rendering a large store, start-up, and the store's read and write.

``tracker render`` and start-up run the real command in a subprocess (wall
time from start to exit, the interpreter's own start included). The steps of
a render and the store's read, merge and write are timed in a fresh process
of their own (``bench/steps.py``), with the same functions a run uses.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.data import build_store, run_day
from bench.fetching import Settings, write_project
from bench.proc import (
    REPO,
    checked,
    largest,
    median,
    run_measured,
    tracker_command,
    tracker_env,
)
from tracker.store import save_store

STARTUP_TARGET = 0.2
"""Seconds the median start-up of the CLI may take. Render and store timings are reported
without a target: at any size they are a small share of a run paced by arXiv (see the
own-work column of the wall-time table)."""


@dataclass(frozen=True)
class Timing:
    """Repeated measurements of one thing."""

    label: str
    walls: tuple[float, ...]
    peak_rss: int | None = None
    parts: tuple[tuple[str, float], ...] = ()
    """Median seconds of its steps, where they are timed."""
    target: float | None = None
    """The issue's target for the median, in seconds."""

    @property
    def wall(self) -> float:
        return median(self.walls)


def _steps(args: list[str], folder: Path) -> dict[str, Any]:
    """What ``python -m bench.steps ARGS`` measured in ``folder``."""
    measured = checked(run_measured([sys.executable, "-m", "bench.steps", *args], folder,
                                    tracker_env()), "bench.steps " + args[0])
    return json.loads(measured.out)


def render_timing(keywords: int, papers: int, settings: Settings, repeat: int) -> Timing:
    """``tracker render`` of a ``keywords`` x ``papers`` store: the README and the issue files.

    The first run writes the README and is not counted; the counted runs find
    it unchanged, as a render after a template edit on an unchanged store would
    after its first write.
    """
    names, store = build_store(keywords, papers, settings.seed)
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        root = Path(folder)
        write_project(root, names, settings, incremental=True, delay=settings.delay)
        save_store(root / "data" / "papers.json", store)
        del store
        command = tracker_command("render", "--today", run_day(2))
        env = tracker_env()
        checked(run_measured(command, root, env), "tracker render")
        runs = [checked(run_measured(command, root, env), "tracker render")
                for _ in range(repeat)]
        steps = _steps(["render", str(repeat), run_day(2)], root)
    return Timing(f"`tracker render`, {keywords} keywords x {papers} papers",
                  tuple(run.wall for run in runs), largest([run.peak_rss for run in runs]),
                  tuple(steps["steps"].items()))


def startup_timings(repeat: int) -> list[Timing]:
    """``tracker --help``, ``tracker validate`` (the shipped config), what ``tracker render``
    imports, and the bare interpreter."""
    config = str(REPO / "config" / "keywords.yaml")
    commands = [
        ("`tracker --help`", tracker_command("--help"), STARTUP_TARGET),
        ("`tracker validate` (shipped config)",
         tracker_command("validate", "--config", config), STARTUP_TARGET),
        ("imports of `tracker render` (interpreter included)",
         [sys.executable, "-c", "import tracker.cli, tracker.api"], None),
        ("`python -c pass` (the interpreter alone)", [sys.executable, "-c", "pass"], None),
    ]
    env = tracker_env()
    timings = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        for label, command, target in commands:
            checked(run_measured(command, Path(folder), env), label)  # warm the file cache
            runs = [checked(run_measured(command, Path(folder), env), label)
                    for _ in range(repeat)]
            timings.append(Timing(label, tuple(run.wall for run in runs),
                                  largest([run.peak_rss for run in runs]), target=target))
    return timings


def store_timing(keywords: int, papers: int, settings: Settings, repeat: int) -> Timing:
    """Read a store of ``keywords x papers``, merge a day's news into every keyword, write it.

    With the functions a run uses: ``load_store``, ``record_after_fetch`` and
    ``save_store`` (which keeps the backup and fsyncs).
    """
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        steps = _steps(["store", str(repeat), str(keywords), str(papers), str(settings.seed)],
                       Path(folder))
    return Timing(f"store read + merge + write, {keywords * papers:,} papers, in one process",
                  tuple(steps["walls"]), parts=tuple(steps["steps"].items()))
