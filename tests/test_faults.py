"""arXiv misbehaving, end to end: the real CLI (a few cases) and the whole run in-process.

Each case: a first run stores papers for two keywords; arXiv then has new
papers for both, and misbehaves for one keyword (or all). A keyword that
finally fails keeps its stored papers and README section exactly; the others
are updated; the exit code is 1 and the summary names the keyword and the
cause. Every fault class on its own, with its exact cause, is tested once
in-process in ``test_arxiv_api.py``; here are the ones whose point is the
whole run: the files, the exit code, the lines printed, the time taken.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.conftest import Project, entry
from tests.fake_arxiv import FakeArxiv, Fault
from tests.test_arxiv_api import Clock
from tracker.api import RunReport, Tracker
from tracker.sources.arxiv_api import ArxivSource
from tracker.sources.http import PoliteSession
from tracker.sources.query import build_query

ALPHA, BETA = build_query("Alpha"), build_query("Beta")
CONFIG = """\
keywords: [Alpha, Beta]
repository: me/papers
note_after_days: 2
arxiv: {{delay: 0, backoff: 0.05, retries: 2, timeout: {timeout}, max_retry_after: 2,
        run_budget: {budget}, first_page: 5}}
"""


def papers(prefix: str, day: int, count: int) -> list[dict[str, object]]:
    return [entry(f"2608.{prefix}{day:02d}{i:02d}v1", f"2026-08-{day:02d}T{20 - i // 60:02d}:"
                  f"{59 - i % 60:02d}:00Z") for i in range(count)]


def first_day(project: Project, fake: FakeArxiv, *, timeout: float = 2, budget: float = 60,
              beta_news: int = 3) -> None:
    """Store papers for both keywords, then give both news for the next day."""
    project.write_config(CONFIG.format(timeout=timeout, budget=budget))
    fake.feeds = {ALPHA: papers("1", 19, 3), BETA: papers("2", 19, 3)}
    assert project.tracker("run", "--today", "2026-08-20").code == 0
    fake.feeds[ALPHA] = papers("1", 20, 2) + fake.feeds[ALPHA]
    fake.feeds[BETA] = papers("2", 20, beta_news) + fake.feeds[BETA]
    fake.requests.clear()


def section(readme: str, name: str) -> str:
    start = readme.index(f"## {name}\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:] if end == -1 else readme[start:end]


def stored(project: Project, name: str) -> list[dict]:
    return project.store()["keywords"][name]["papers"]


def closed_port_url() -> str:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api/query"


# --- through the real CLI ---------------------------------------------------------------


def test_a_keyword_that_finally_fails_keeps_its_papers_and_section(project: Project,
                                                                   fake_arxiv):
    first_day(project, fake_arxiv, timeout=1)
    readme_before, beta_before = project.read("README.md"), stored(project, "Beta")
    fake_arxiv.fail(*[Fault("status", status=503)] * 3, query=BETA)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1, result.err
    cause = "HTTP 503 (after 3 tries)"
    lines = result.err.splitlines()
    assert lines[1].startswith(f"Beta: FAILED: {cause}") and "kept its 3 stored papers" in lines[1]
    assert lines[0].startswith("Alpha: 5 received, 2 new, 5 kept")
    assert f"1 fetched, 1 failed: Beta ({cause})" in lines[2]
    assert stored(project, "Beta") == beta_before
    readme = project.read("README.md")
    assert section(readme, "Beta") == section(readme_before, "Beta")
    assert len(stored(project, "Alpha")) == 5 and section(readme, "Alpha") != section(
        readme_before, "Alpha")
    record = project.store()["keywords"]["Beta"]
    assert record["failing_since"] == "2026-08-21" and record["last_error"] == cause
    assert "Traceback" not in result.err


def test_a_failure_on_a_later_page_merges_none_of_the_pages(project: Project, fake_arxiv):
    first_day(project, fake_arxiv, beta_news=8)  # first page 5: Beta needs a second page
    beta_before = stored(project, "Beta")
    fake_arxiv.fail(Fault("ok"), *[Fault("truncate")] * 3, query=BETA)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1, result.err
    assert [r.start for r in fake_arxiv.requests if r.query == BETA] == [0, 5, 5, 5]
    assert stored(project, "Beta") == beta_before


@pytest.mark.parametrize("count", [4])
def test_with_the_network_down_the_run_says_so_once_and_ends_fast(project: Project,
                                                                  fake_arxiv, count):
    names = [f"K{number}" for number in range(count)]
    project.write_config(f"keywords: [{', '.join(names)}]\n"
                         "arxiv: {delay: 0, retries: 4, backoff: 0.2}\n")
    started = time.monotonic()
    result = project.tracker("run", "-v", "--today", "2026-08-21",
                             env={"TRACKER_ARXIV_URL": closed_port_url()})
    assert time.monotonic() - started < 10
    assert result.code == 1, result.err
    lines = result.err.splitlines()
    tries = [line for line in lines if line.startswith("try ")]
    assert tries == [f"try {n} of 5 failed: 127.0.0.1 refused the connection" for n in (1, 2, 3)]
    assert sum("arXiv is unreachable" in line for line in lines) == 1
    failed = [line for line in lines if ": FAILED: " in line]
    assert failed[0].startswith("K0: FAILED: 127.0.0.1 refused the connection (after 3 tries)")
    assert all(line.startswith(f"{name}: FAILED: not tried: 127.0.0.1 refused the connection")
               for name, line in zip(names[1:], failed[1:], strict=True))


def test_the_run_budget_ends_a_bad_day(project: Project, fake_arxiv):
    first_day(project, fake_arxiv, timeout=1.5, budget=3)
    fake_arxiv.fail(*[Fault("trickle", seconds=0.05)] * 20)
    started = time.monotonic()
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1
    assert time.monotonic() - started < 3 + 5  # the budget, plus start-up and writing
    assert "time budget" in result.err


def test_skipped_entries_are_reported_and_never_printed_raw(project: Project, fake_arxiv):
    first_day(project, fake_arxiv)
    bad = [entry("2608.21999v1", "2026-08-20T25:00:00Z"),  # sorts first: on the first page
           entry("2608.21998v1\n::error::pwned", "2026-08-20T12:00:00Z")]
    fake_arxiv.feeds[BETA] = [*bad, *fake_arxiv.feeds[BETA]]
    result = project.tracker("run", "-v", "--today", "2026-08-21")
    assert result.code == 0, result.err
    (beta,) = [line for line in result.err.splitlines() if line.startswith("Beta:")]
    assert beta.startswith("Beta: 6 received, 3 new, 6 kept; 2 entries skipped: "
                           "1 impossible date, 1 not an arXiv id (")
    assert not any(line.lstrip().startswith("::") for line in result.err.splitlines())


# --- the whole run in-process, with a fake clock ----------------------------------------


def run_in_process(project: Project, fake: FakeArxiv, today: str) -> RunReport:
    tracker = Tracker.from_config(project.root / "config" / "keywords.yaml",
                                  env={"TRACKER_ARXIV_URL": fake.url})
    clock = Clock()
    session = PoliteSession(tracker.config.arxiv, clock=clock, sleep=clock.sleep)
    return tracker.run(today, source=ArxivSource(fake.url, session))


@pytest.fixture
def in_project(project: Project, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project.root)  # the config's paths are relative to the repository
    return project.root


def test_every_keyword_failing_leaves_everything_as_it_was(project: Project, fake_arxiv,
                                                           in_project):
    first_day(project, fake_arxiv)
    readme = project.read("README.md")
    papers_before = {name: stored(project, name) for name in ("Alpha", "Beta")}
    fake_arxiv.fail(*[Fault("status", status=503)] * 6)
    report = run_in_process(project, fake_arxiv, "2026-08-21")
    assert [outcome.error for outcome in report.failed] == ["HTTP 503 (after 3 tries)"] * 2
    assert {name: stored(project, name) for name in papers_before} == papers_before
    assert project.read("README.md") == readme


def test_a_keyword_failing_for_days_shows_a_note_until_it_recovers(project: Project,
                                                                   fake_arxiv, in_project):
    first_day(project, fake_arxiv)
    note = "> **Note:** fetching this keyword from arXiv has failed since 2026-08-21 (HTTP 503"
    for day, shown in ((21, False), (22, False), (23, False), (24, True)):
        fake_arxiv.fail(*[Fault("status", status=503)] * 3, query=BETA)
        assert run_in_process(project, fake_arxiv, f"2026-08-{day}").failed
        readme = project.read("README.md")
        assert (note in section(readme, "Beta")) is shown, day
        assert note not in section(readme, "Alpha")
    assert not run_in_process(project, fake_arxiv, "2026-08-25").failed
    assert "**Note:**" not in project.read("README.md")
    record = project.store()["keywords"]["Beta"]
    assert record["failing_since"] is None and record["last_error"] is None


def test_filtered_out_papers_newer_than_the_store_are_not_paged_past_daily(project: Project,
                                                                            fake_arxiv,
                                                                            in_project):
    project.write_config(CONFIG.format(timeout=2, budget=60))
    math = [dict(e, categories=["math.PR"]) for e in papers("3", 19, 8)]  # the newest results
    fake_arxiv.feeds = {ALPHA: math + papers("1", 18, 3), BETA: papers("2", 19, 3)}
    assert not run_in_process(project, fake_arxiv, "2026-08-20").failed
    assert len(stored(project, "Alpha")) == 3
    for day in ("2026-08-21", "2026-08-22"):
        fake_arxiv.requests.clear()
        assert not run_in_process(project, fake_arxiv, day).failed
        assert [r.query for r in fake_arxiv.requests] == [ALPHA, BETA]  # one request each
