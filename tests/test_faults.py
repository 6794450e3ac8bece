"""arXiv misbehaving, through the real CLI against the fake arXiv on 127.0.0.1.

Each case: a first run stores papers for two keywords; arXiv then has new
papers for both, and misbehaves for one keyword (or all), on the first
request or on a later page. A keyword that finally fails keeps its stored
papers and README section exactly; the others are updated; the exit code is 1
and the summary names the keyword and the cause. A fault that clears before
the retries run out costs nothing but time.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.conftest import Project, entry
from tests.fake_arxiv import FakeArxiv, Fault
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


FAILURES = [
    pytest.param([Fault("status", status=429)] * 3, "HTTP 429 (after 3 tries)", id="429"),
    pytest.param([Fault("status", status=429, retry_after="1")] * 3, "HTTP 429 (after 3 tries)",
                 id="429-retry-after"),
    pytest.param([Fault("status", status=429, retry_after="3600")],
                 "HTTP 429; arXiv asked to wait 3600 s, more than the 2 s cap",
                 id="429-retry-after-too-long"),
    pytest.param([Fault("status", status=503)] * 3, "HTTP 503 (after 3 tries)", id="503"),
    pytest.param([Fault("status", status=500)] * 3, "HTTP 500 (after 3 tries)", id="500"),
    pytest.param([Fault("status", status=406)] * 3, "HTTP 406 (after 3 tries)", id="406"),
    pytest.param([Fault("refuse")] * 3, "cannot connect to arXiv (after 3 tries)",
                 id="connection-dropped"),
    pytest.param([Fault("reset")] * 3,
                 "the connection broke off during the answer (after 3 tries)", id="reset"),
    pytest.param([Fault("hang", seconds=2.5)] * 3, "arXiv did not answer in time (after 3 tries)",
                 id="hang"),
    pytest.param([Fault("html")] * 3,
                 "arXiv sent an HTML page instead of an Atom feed (after 3 tries)", id="html-200"),
    pytest.param([Fault("truncate")] * 3, "arXiv sent broken XML (", id="truncated-xml"),
    pytest.param([Fault("empty")] * 3,
                 "arXiv answered with no results although papers are stored (after 3 tries)",
                 id="empty-first-page"),
]


@pytest.mark.parametrize(("faults", "cause"), FAILURES)
def test_a_keyword_that_finally_fails_keeps_its_papers_and_section(project: Project,
                                                                   fake_arxiv, faults, cause):
    first_day(project, fake_arxiv, timeout=1)
    readme_before, beta_before = project.read("README.md"), stored(project, "Beta")
    fake_arxiv.fail(*faults, query=BETA)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1, result.err
    lines = result.err.splitlines()
    assert lines[1].startswith(f"Beta: FAILED: {cause}") and "kept its 3 stored papers" in lines[1]
    assert lines[0].startswith("Alpha: 5 received, 2 new, 5 kept")
    assert f"1 fetched, 1 failed: Beta ({cause}" in lines[2]
    assert stored(project, "Beta") == beta_before
    readme = project.read("README.md")
    assert section(readme, "Beta") == section(readme_before, "Beta")
    assert len(stored(project, "Alpha")) == 5 and section(readme, "Alpha") != section(
        readme_before, "Alpha")
    record = project.store()["keywords"]["Beta"]
    assert record["failing_since"] == "2026-08-21" and record["last_error"].startswith(cause)
    assert "Traceback" not in result.err


def test_retry_after_is_honoured(project: Project, fake_arxiv):
    first_day(project, fake_arxiv)
    fake_arxiv.fail(Fault("status", status=429, retry_after="1"), query=BETA)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    beta = [r for r in fake_arxiv.requests if r.query == BETA]
    assert [r.status for r in beta] == [429, 200]
    assert beta[1].started - beta[0].finished >= 1.0
    assert len(stored(project, "Beta")) == 6


RECOVERIES = [
    pytest.param([Fault("status", status=503)] * 2, id="503-twice"),
    pytest.param([Fault("status", status=429)], id="429-once"),
    pytest.param([Fault("reset"), Fault("truncate")], id="reset-then-truncated"),
    pytest.param([Fault("html"), Fault("empty")], id="html-then-empty"),
    pytest.param([Fault("hang", seconds=2.5)], id="hang-once"),
]


@pytest.mark.parametrize("faults", RECOVERIES)
def test_a_fault_that_clears_within_the_retries_costs_only_time(project: Project, fake_arxiv,
                                                                faults):
    first_day(project, fake_arxiv, timeout=1)
    fake_arxiv.fail(*faults)  # every keyword's first requests
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 0, result.err
    assert len(stored(project, "Alpha")) == 5 and len(stored(project, "Beta")) == 6


LATER_PAGE = [
    pytest.param([Fault("ok"), Fault("status", status=503)], 0, id="503-on-page-2-recovers"),
    pytest.param([Fault("ok"), *[Fault("empty"), Fault("ok")] * 3], 1,
                 id="empty-page-2-fails"),
    pytest.param([Fault("ok"), Fault("truncate"), Fault("truncate"), Fault("truncate")], 1,
                 id="truncated-page-2-fails"),
]


@pytest.mark.parametrize(("faults", "code"), LATER_PAGE)
def test_faults_on_a_later_page(project: Project, fake_arxiv, faults, code):
    first_day(project, fake_arxiv, beta_news=8)  # first page 5: Beta needs a second page
    beta_before = stored(project, "Beta")
    fake_arxiv.fail(*faults, query=BETA)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == code, result.err
    starts = [r.start for r in fake_arxiv.requests if r.query == BETA]
    assert 5 in starts
    if code:
        assert stored(project, "Beta") == beta_before  # no half-merged pages
    else:
        assert len(stored(project, "Beta")) == 11


def test_every_keyword_failing_leaves_everything_as_it_was(project: Project, fake_arxiv):
    first_day(project, fake_arxiv)
    readme = project.read("README.md")
    papers_before = {name: stored(project, name) for name in ("Alpha", "Beta")}
    fake_arxiv.fail(*[Fault("status", status=503)] * 6)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1
    assert "2 keywords: 0 fetched, 2 failed: Alpha (HTTP 503" in result.err
    assert {name: stored(project, name) for name in papers_before} == papers_before
    assert project.read("README.md") == readme


def test_connection_refused_everywhere(project: Project, fake_arxiv):
    first_day(project, fake_arxiv)
    readme = project.read("README.md")
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/api/query"
    result = project.tracker("run", "--today", "2026-08-21", env={"TRACKER_ARXIV_URL": closed})
    assert result.code == 1
    assert "Alpha: FAILED: cannot connect to arXiv (after 3 tries)" in result.err
    assert project.read("README.md") == readme


def test_the_run_budget_ends_a_bad_day(project: Project, fake_arxiv):
    first_day(project, fake_arxiv, timeout=1.5, budget=3)
    fake_arxiv.fail(*[Fault("hang", seconds=2)] * 20)
    started = time.monotonic()
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 1
    assert time.monotonic() - started < 3 + 5  # the budget, plus start-up and writing
    assert "time budget" in result.err


def test_a_keyword_failing_for_days_shows_a_note_until_it_recovers(project: Project,
                                                                   fake_arxiv):
    first_day(project, fake_arxiv)
    note = "> **Note:** fetching this keyword from arXiv has failed since 2026-08-21 (HTTP 503"
    for day, shown in ((21, False), (22, False), (23, False), (24, True)):
        fake_arxiv.fail(*[Fault("status", status=503)] * 3, query=BETA)
        assert project.tracker("run", "--today", f"2026-08-{day}").code == 1
        readme = project.read("README.md")
        assert (note in section(readme, "Beta")) is shown, day
        assert note not in section(readme, "Alpha")
    assert project.tracker("run", "--today", "2026-08-25").code == 0
    assert "**Note:**" not in project.read("README.md")
    record = project.store()["keywords"]["Beta"]
    assert record["failing_since"] is None and record["last_error"] is None


def test_redirects_are_not_followed(project: Project, fake_arxiv):
    first_day(project, fake_arxiv)
    with FakeArxiv(feeds=dict(fake_arxiv.feeds)) as elsewhere:
        fake_arxiv.fail(Fault("redirect", location=elsewhere.url), query=BETA)
        result = project.tracker("run", "--today", "2026-08-21")
        assert elsewhere.requests == []
        assert f"Beta: FAILED: the endpoint redirects to {elsewhere.url} (HTTP 302)" in result.err
    assert result.code == 1


def test_external_entities_and_links_in_a_feed_load_nothing(project: Project, fake_arxiv):
    with FakeArxiv() as bystander:
        hostile = {"id": "2608.99999v1", "title": "Entity &ext; here", "updated":
                   "2026-08-21T10:00:00Z", "summary": f"See {bystander.url}/x",
                   "categories": ["cs.LG"], "comment": None}
        first_day(project, fake_arxiv)
        fake_arxiv.doctype = (f'<!DOCTYPE feed [<!ENTITY ext SYSTEM "{bystander.url}/entity">]>')
        fake_arxiv.feeds[BETA] = [hostile, *fake_arxiv.feeds[BETA]]
        result = project.tracker("run", "--today", "2026-08-21")
        assert bystander.requests == []
        assert json.dumps(project.store()).count(bystander.url) == 1  # as text, never fetched
    assert result.code == 0, result.err
    (title,) = [p["title"] for p in stored(project, "Beta") if p["id"] == "2608.99999"]
    assert title == "Entity &ext; here"  # kept as text, never resolved


def test_filtered_out_papers_newer_than_the_store_are_not_paged_past_daily(project: Project,
                                                                            fake_arxiv):
    project.write_config(CONFIG.format(timeout=2, budget=60))
    math = [dict(e, categories=["math.PR"]) for e in papers("3", 19, 8)]  # the newest results
    fake_arxiv.feeds = {ALPHA: math + papers("1", 18, 3), BETA: papers("2", 19, 3)}
    assert project.tracker("run", "--today", "2026-08-20").code == 0
    assert len(stored(project, "Alpha")) == 3
    for day in ("2026-08-21", "2026-08-22"):
        fake_arxiv.requests.clear()
        assert project.tracker("run", "--today", day).code == 0
        assert [r.query for r in fake_arxiv.requests] == [ALPHA, BETA]  # one request each
