"""The benchmark's tables, in markdown, and the checks of the issue's targets."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.fetching import DAY_NAMES, DayRun, Settings
from bench.local import Timing

BYTES_TARGET = {2: 0.15, 3: 0.30}
"""Most bytes an incremental day may take, as a share of the full refetch on the same day."""
PACING_TARGET = 1.10
"""Most wall time a run may take, as a multiple of its floor against arXiv."""
OWN_WORK_TARGET = 0.05
"""Most of a run's wall time against arXiv that its own work (everything but waiting on
arXiv's answers and pacing) may take."""
RENDER_MEMORY_TARGET = 100e6
"""Bytes of peak memory ``tracker render`` of the 100 x 100 store may use."""


@dataclass
class Results:
    settings: Settings
    keywords: Sequence[int]
    runs: list[DayRun] = field(default_factory=list)
    paced: list[tuple[DayRun, DayRun]] = field(default_factory=list)
    """(a run with the paced delay, the same day's run with the loopback delay)."""
    render: Timing | None = None
    startup: list[Timing] = field(default_factory=list)
    store: Timing | None = None

    def run(self, keywords: int, day: int, incremental: bool) -> DayRun:
        for run in self.runs:
            if (run.keywords, run.day, run.incremental) == (keywords, day, incremental):
                return run
        raise KeyError((keywords, day, incremental))


def _mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.0f}"


def _kb(value: int) -> str:
    return f"{value / 1000:,.0f} kB" if value >= 10_000 else f"{value:,} B"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def bytes_table(results: Results) -> list[str]:
    rows = []
    for k in results.keywords:
        for day in (1, 2, 3):
            incremental, full = results.run(k, day, True), results.run(k, day, False)
            share = incremental.bytes / full.bytes
            target = BYTES_TARGET.get(day)
            per_keyword = "yes" if incremental.requests <= k else "**no**"
            verdict = "" if target is None else (
                f"{_verdict(share <= target)} (at most {target:.0%})")
            rows.append([str(k), f"{day}: {DAY_NAMES[day]}", str(incremental.requests),
                         _kb(incremental.bytes), str(full.requests), _kb(full.bytes),
                         f"{share:.1%}", per_keyword, verdict])
    return _table(["K", "day", "requests", "bytes", "requests (full)", "bytes (full)",
                   "bytes / full", "<= 1 request a keyword", "bytes target"], rows)


def time_table(results: Results) -> list[str]:
    rows = []
    for run in results.runs:
        ratio = run.arxiv_wall / run.arxiv_floor
        own = run.own_work / run.arxiv_wall
        rows.append([str(run.keywords), str(run.day), "incremental" if run.incremental else "full",
                     str(run.requests), f"{run.wall:.2f}", f"{run.floor:.2f}",
                     f"{run.wall / run.floor:.2f}", f"{run.head:.2f}", f"{run.tail:.2f}",
                     f"{run.arxiv_wall:.1f}", f"{run.arxiv_floor:.1f}",
                     f"{ratio:.3f} {_verdict(ratio <= PACING_TARGET)}",
                     f"{run.own_work:.2f}", f"{own:.1%} {_verdict(own <= OWN_WORK_TARGET)}",
                     _mb(run.peak_rss)])
    return _table(["K", "day", "fetch", "requests", "wall (s)", "floor (s)", "wall / floor",
                   "start to 1st request (s)", "last answer to exit (s)", "arXiv-paced wall (s)",
                   "arXiv floor (s)", "arXiv-paced / floor", "own work (s)",
                   "own work / arXiv-paced wall", "peak RSS (MB)"], rows)


def paced_table(results: Results) -> list[str]:
    rows = []
    for paced, loopback in results.paced:
        computed = loopback.wall_at(paced.delay)
        floor = paced.floor
        rows.append([str(paced.keywords), str(paced.day), str(paced.requests),
                     f"{paced.wall:.2f}", f"{computed:.2f}", f"{paced.wall - computed:+.2f}",
                     f"{floor:.2f}", f"{paced.wall / floor:.3f}", _mb(paced.peak_rss)])
    return _table(["K", "day", "requests", "wall (s)", "computed from the loopback run (s)",
                   "difference (s)", "floor (s)", "wall / floor", "peak RSS (MB)"], rows)


def _local_row(timing: Timing, memory_target: float | None = None) -> list[str]:
    parts = ", ".join(f"{name} {seconds:.3f}" for name, seconds in timing.parts)
    verdicts = [] if timing.target is None else [
        f"{_verdict(timing.wall < timing.target)} (< {timing.target:g} s)"]
    if memory_target is not None and timing.peak_rss is not None:
        verdicts.append(f"{_verdict(timing.peak_rss < memory_target)} "
                        f"(< {memory_target / 1e6:.0f} MB)")
    return [f"{timing.label} (steps: {parts})" if parts else timing.label,
            f"{timing.wall:.3f}", f"{min(timing.walls):.3f}", _mb(timing.peak_rss),
            "; ".join(verdicts)]


def local_table(results: Results) -> list[str]:
    rows = []
    if results.render is not None:
        rows.append(_local_row(results.render, RENDER_MEMORY_TARGET))
    rows += [_local_row(timing) for timing in results.startup]
    if results.store is not None:
        rows.append(_local_row(results.store))
    return _table(["what", "median (s)", "fastest (s)", "peak RSS (MB)", "target"], rows)


def machine() -> str:
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {sys.version.split()[0]}")


def markdown(results: Results, command: str, repeat: int) -> str:
    s = results.settings
    lines = [
        f"Command: `{command}`",
        "",
        f"Machine: {machine()}. N = {s.papers} papers a keyword; the fake arXiv answers after "
        f"{s.latency:g} s; loopback runs use `arxiv.delay: {s.delay:g}`; day 3 brings "
        f"{s.new_per_keyword[0]}-{s.new_per_keyword[1]} new papers a keyword, and a new version "
        f"of a stored paper to {s.revise:.0%} of the keywords; seed {s.seed}.",
    ]
    if results.runs:
        lines += ["", "### What is asked of arXiv (incremental fetch, and the full refetch "
                  "side by side)", "", *bytes_table(results), "",
                  "### Wall time, floor and memory of each run", "", *time_table(results)]
    if results.paced:
        delay = results.paced[0][0].delay
        lines += ["", f"### Runs with {delay:g} s between requests (incremental), against the "
                  "wall time computed from the loopback runs", "",
                  *paced_table(results)]
    runs = f"{repeat} runs" if repeat != 1 else "1 run"
    lines += ["", f"### Local work (median of {runs})", "", *local_table(results)]
    return "\n".join(lines) + "\n"


def _run_json(run: DayRun) -> dict[str, Any]:
    return {**asdict(run), "floor": run.floor, "arxiv_wall": run.arxiv_wall,
            "arxiv_floor": run.arxiv_floor, "own_work": run.own_work,
            "own_work_share": run.own_work / run.arxiv_wall}


def _timing_json(timing: Timing | None) -> dict[str, Any] | None:
    return None if timing is None else {**asdict(timing), "median": timing.wall}


def as_json(results: Results) -> dict[str, Any]:
    """Every measurement, with the derived figures of the tables."""
    return {
        "machine": machine(),
        "settings": asdict(results.settings),
        "runs": [_run_json(run) for run in results.runs],
        "paced": [{"paced": _run_json(paced), "loopback": _run_json(loopback),
                   "computed": loopback.wall_at(paced.delay)}
                  for paced, loopback in results.paced],
        "render": _timing_json(results.render),
        "startup": [_timing_json(timing) for timing in results.startup],
        "store": _timing_json(results.store),
    }
