"""Daily runs of the real ``tracker run`` against the fake arXiv, day after day.

One scenario is K keywords in a fresh project folder, run on three days:

1. the store is empty: every keyword gets its newest N papers;
2. nothing new on arXiv;
3. a few new papers for every keyword, and new versions of some stored ones.

It runs once with incremental fetch (the default) and once with
``arxiv.incremental: false``, the full refetch of N papers a keyword that the
original tracker does every day. Requests and bytes come from the fake
server's log (and must agree with the tracker's own summary line).

Against loopback the runs use a short ``arxiv.delay``; what the same run would
take against arXiv, whose terms ask for 3 s between requests, is computed from
the log: every gap between the end of one answer and the next request that was
shorter than 3 s would have been stretched to 3 s (the tracker counts its
delay from the end of the previous answer, so work done in a gap overlaps the
wait). A run with the real 3 s delay (``paced``) checks that computation.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.data import Corpus, keyword_names, run_day
from bench.proc import BenchError, checked, run_measured, tracker_command, tracker_env
from tests.fake_arxiv import FakeArxiv, Request
from tracker.sources.query import build_query

ARXIV_DELAY = 3.0
"""Seconds between requests that arXiv's API terms of use ask for."""
DAY_NAMES = {1: "empty store", 2: "no news", 3: "a few new"}


@dataclass(frozen=True)
class Settings:
    papers: int = 100
    """N: ``max_papers``, and what a full fetch asks for."""
    latency: float = 0.25
    """Seconds the fake arXiv waits before answering each request."""
    delay: float = 0.05
    """``arxiv.delay`` of the loopback runs."""
    new_per_keyword: tuple[int, int] = (1, 5)
    revise: float = 0.3
    """Chance that a keyword also gets a new version of one of its stored papers on day 3."""
    seed: int = 1


@dataclass(frozen=True)
class DayRun:
    """One ``tracker run`` and what the fake arXiv saw of it."""

    keywords: int
    day: int
    incremental: bool
    delay: float
    requests: int
    bytes: int
    wall: float
    peak_rss: int | None
    answering: float
    """Seconds the server spent on the requests (its latency included)."""
    gaps: tuple[float, ...]
    """Seconds from the end of each answer to the next request."""
    head: float
    """Seconds from starting the process to its first request."""
    tail: float
    """Seconds from the end of the last answer to the end of the process."""

    def floor_at(self, delay: float) -> float:
        """The least the run could take with ``delay`` between requests: pacing plus answering."""
        return delay * max(self.requests - 1, 0) + self.answering

    def wall_at(self, delay: float) -> float:
        """The wall time of the same run with ``delay`` between requests: each gap shorter
        than ``delay`` stretched to it."""
        return self.wall + sum(max(0.0, delay - gap) for gap in self.gaps)

    @property
    def floor(self) -> float:
        return self.floor_at(self.delay)

    @property
    def own_work(self) -> float:
        """Seconds of the run's own work: its wall time less the answers and the pacing
        waits (start-up, parsing, merging, writing; work done during a pacing wait is
        hidden by it, as it would be against arXiv)."""
        return max(0.0, self.wall - self.floor)

    @property
    def arxiv_floor(self) -> float:
        return self.floor_at(ARXIV_DELAY)

    @property
    def arxiv_wall(self) -> float:
        return self.wall_at(ARXIV_DELAY)


def write_project(root: Path, names: Sequence[str], settings: Settings, *, incremental: bool,
                  delay: float) -> None:
    """A tracker repository with a generated config (the shipped templates are used)."""
    lines = ["keywords:", *(f"  - {name}" for name in names),
             f"max_papers: {settings.papers}",
             "repository: bench/tracker",  # no `git remote` lookup in the timed runs
             "arxiv:",
             f"  delay: {delay}",
             f"  incremental: {'true' if incremental else 'false'}"]
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "keywords.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


_SUMMARY = re.compile(r"; (\d+) requests, ")


def _reported_requests(stderr: str) -> int:
    match = _SUMMARY.search(stderr)
    if match is None:
        raise BenchError(f"no summary line in the tracker's output:\n{stderr.strip()}")
    return int(match.group(1))


def _settled_log(fake: FakeArxiv, before: int, reported: int, what: str) -> list[Request]:
    """The server's log of one run, once it holds as many requests as the tracker reported.

    The server logs a request just after sending the answer, so the last entry
    can lag the tracker's exit by a moment.
    """
    give_up = time.monotonic() + 2.0
    while len(fake.requests) - before < reported and time.monotonic() < give_up:
        time.sleep(0.01)
    log = fake.requests[before:]
    if len(log) != reported:
        raise BenchError(f"{what}: the tracker counted {reported} requests, "
                         f"the server {len(log)}")
    return log


def _day_run(keywords: int, day: int, incremental: bool, delay: float, measured_start: float,
             measured_end: float, log: Sequence[Request], wall: float,
             peak_rss: int | None) -> DayRun:
    if not log:
        raise BenchError(f"day {day}: the tracker sent no request")
    gaps = tuple(log[i + 1].started - log[i].finished for i in range(len(log) - 1))
    return DayRun(
        keywords=keywords, day=day, incremental=incremental, delay=delay,
        requests=len(log), bytes=sum(r.bytes for r in log), wall=wall, peak_rss=peak_rss,
        answering=sum(r.finished - r.started for r in log), gaps=gaps,
        head=log[0].started - measured_start, tail=measured_end - log[-1].finished,
    )


def run_days(keywords: int, settings: Settings, *, incremental: bool,
             delay: float | None = None) -> list[DayRun]:
    """Run ``tracker run`` on days 1, 2 and 3 in one fresh project; one ``DayRun`` a day."""
    delay = settings.delay if delay is None else delay
    names = keyword_names(keywords, settings.seed)
    corpus = Corpus(settings.seed)
    for name in names:
        corpus.add_keyword(name, settings.papers + 20)  # more on arXiv than N
    queries = {name: build_query(name) for name in names}
    runs = []
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder, \
            FakeArxiv(latency=settings.latency) as fake:
        root = Path(folder)
        write_project(root, names, settings, incremental=incremental, delay=delay)
        env = tracker_env(fake.url)
        for day in (1, 2, 3):
            if day == 3:
                corpus.add_news(day, settings.new_per_keyword, settings.revise)
            fake.feeds = corpus.served(queries)
            before = len(fake.requests)
            what = f"tracker run (K={keywords}, day {day})"
            measured = checked(run_measured(tracker_command("run", "--today", run_day(day)),
                                            root, env), what)
            log = _settled_log(fake, before, _reported_requests(measured.err), what)
            runs.append(_day_run(keywords, day, incremental, delay, measured.started,
                                 measured.ended, log, measured.wall, measured.peak_rss))
    return runs
