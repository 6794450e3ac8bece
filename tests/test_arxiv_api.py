"""The fetch layer (tracker.sources.arxiv_api, tracker.sources.http) against recorded arXiv
answers, with ``responses`` standing in for the network and a fake clock standing in for time."""

from __future__ import annotations

import random
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from tests.conftest import FIXTURES, entry, make_paper
from tests.fake_arxiv import FakeArxiv, Fault, feed_xml
from tracker.config import ArxivSettings
from tracker.errors import FetchError
from tracker.sources.arxiv_api import ArxivSource, FetchPlan, plan_fetch, typical_new, user_agent
from tracker.sources.feed import feed_problem
from tracker.sources.http import PoliteSession, pacing_delay, retry_after_seconds

ARXIV = "https://export.arxiv.org/api/query"
LOCAL = "http://127.0.0.1:9/api/query"
TEN_RESULTS = (FIXTURES / "arxiv" / "query-testing-10-results.xml").read_bytes()
NO_RESULTS = (FIXTURES / "arxiv" / "id-list-unknown-id.xml").read_bytes()


class Clock:
    """Time that passes only when the code under test sleeps (or a request takes time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def source(endpoint: str = LOCAL, clock: Clock | None = None, user_agent: str = "tracker",
           **settings: object) -> ArxivSource:
    clock = clock or Clock()
    values = ArxivSettings(**{"delay": 0.0, "backoff": 1.0, "retries": 2, **settings})
    session = PoliteSession(values, user_agent, clock=clock, sleep=clock.sleep,
                            rng=random.Random(1))
    return ArxivSource(endpoint, session)


def params(call: responses.Call) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def full_plan(query: str = 'ti:"x" AND abs:"x"', limit: int = 10) -> FetchPlan:
    # The recorded answer holds 10 of 214,881 results: a larger limit would page on.
    return plan_fetch(query, limit, (), incremental=True, first_page=10)


@responses.activate
def test_query_shape_and_parsing_of_a_recorded_answer():
    responses.get(ARXIV, body=TEN_RESULTS)
    plan = full_plan('ti:"Time Series" OR abs:"Time Series"', limit=10)
    result = source(ARXIV).fetch(plan, "2026-08-21")
    (call,) = responses.calls
    assert urlsplit(call.request.url).netloc == "export.arxiv.org"
    assert params(call) == {"search_query": 'ti:"Time Series" OR abs:"Time Series"',
                            "sortBy": "lastUpdatedDate", "sortOrder": "descending",
                            "start": "0", "max_results": "10"}
    assert len(result.papers) == 10 and result.requests == 1
    assert result.bytes == len(TEN_RESULTS)
    first = result.papers[0]
    assert (first.id, first.version) == ("2202.12139", 1)
    assert first.title.startswith("Testing Deep Learning Models: A First Comparative Study")
    assert first.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert first.categories == ("cs.SE", "cs.LG") and first.primary_category == "cs.SE"
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert (first.published, first.updated) == ("2022-02-24T15:05:19Z", "2022-02-24T15:05:19Z")
    assert first.first_seen == "2026-08-21"
    # The link arXiv gives for this version, scheme as given (this feed is from before https).
    assert first.abs_url == "http://arxiv.org/abs/2202.12139v1"


@responses.activate
def test_user_agent_names_the_tracker_and_its_repository():
    responses.get(LOCAL, body=TEN_RESULTS)
    agent = user_agent("me@example.org", "https://github.com/me/papers")
    source(user_agent=agent).fetch(full_plan(), "2026-08-21")
    assert responses.calls[0].request.headers["User-Agent"] == (
        "arxiv-daily-tracker/0.1.0 (+https://github.com/me/papers; me@example.org)")
    assert user_agent(None, None) == "arxiv-daily-tracker/0.1.0"


def test_pacing_floor_is_three_seconds_for_arxiv_whatever_the_config():
    assert pacing_delay("https://export.arxiv.org/api/query", 0.0) == 3.0
    assert pacing_delay("http://arxiv.org/api/query", 1.0) == 3.0
    assert pacing_delay("https://export.arxiv.org/api/query", 5.0) == 5.0
    assert pacing_delay("http://127.0.0.1:8080/api/query", 0.1) == 0.1
    assert pacing_delay("https://notarxiv.org.example/api", 0.0) == 0.0


@responses.activate
def test_requests_to_arxiv_are_three_seconds_apart_and_none_after_the_last():
    responses.get(ARXIV, body=TEN_RESULTS)
    clock = Clock()
    arxiv_source = source(ARXIV, clock, delay=0.5)
    for _ in range(3):
        arxiv_source.fetch(full_plan(), "2026-08-21")
    assert clock.sleeps == [3.0, 3.0]


@responses.activate
def test_local_hosts_may_use_a_shorter_delay():
    responses.get(LOCAL, body=TEN_RESULTS)
    clock = Clock()
    local = source(LOCAL, clock, delay=0.25)
    local.fetch(full_plan(), "2026-08-21")
    local.fetch(full_plan(), "2026-08-21")
    assert clock.sleeps == [0.25]


@responses.activate
def test_throttling_is_retried_with_backoff_and_retry_after():
    responses.get(LOCAL, status=503)
    responses.get(LOCAL, status=429, headers={"Retry-After": "7"})
    responses.get(LOCAL, body=TEN_RESULTS)
    clock = Clock()
    result = source(LOCAL, clock, backoff=2.0).fetch(full_plan(), "2026-08-21")
    assert len(result.papers) == 10 and result.requests == 3
    first, second = clock.sleeps
    assert 1.0 <= first <= 2.0  # 2 s backoff with jitter in [0.5, 1]
    assert second >= 7.0  # Retry-After is honoured


@responses.activate
def test_retry_after_beyond_the_cap_gives_up_at_once():
    responses.get(LOCAL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="asked to wait 3600 s, more than the 120 s cap"):
        source(max_retry_after=120).fetch(full_plan(), "2026-08-21")
    assert len(responses.calls) == 1


@pytest.mark.parametrize(("answer", "cause"), [
    ({"status": 503}, "HTTP 503 (after 3 tries)"),
    ({"status": 500}, "HTTP 500 (after 3 tries)"),
    ({"status": 406}, "HTTP 406 (after 3 tries)"),
    ({"body": requests.exceptions.ConnectionError("refused")}, "cannot connect to arXiv"),
    ({"body": requests.exceptions.ReadTimeout("slow")}, "did not answer in time"),
    ({"body": requests.exceptions.ChunkedEncodingError("reset")}, "broke off during the answer"),
    ({"body": b"<!DOCTYPE html><html><body>Rate exceeded</body></html>"},
     "arXiv sent an HTML page instead of an Atom feed"),
    ({"body": TEN_RESULTS[: len(TEN_RESULTS) // 2]}, "arXiv sent broken XML"),
    ({"body": b""}, "arXiv sent an empty body"),
])
@responses.activate
def test_failures_retry_then_raise_one_short_cause(answer, cause):
    for _ in range(3):
        responses.get(LOCAL, **answer)
    with pytest.raises(FetchError, match=cause.replace("(", r"\(").replace(")", r"\)")) as caught:
        source(retries=2).fetch(full_plan(), "2026-08-21")
    assert len(responses.calls) == 3 and caught.value.requests == 3


@responses.activate
def test_a_rejected_query_is_not_retried_and_arxiv_says_why():
    error_feed = (b"<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                  b"<entry><id>http://arxiv.org/api/errors#incorrect_query</id><title>Error</title>"
                  b"<summary>malformed query string</summary></entry></feed>")
    responses.get(LOCAL, status=400, body=error_feed)
    with pytest.raises(FetchError, match="arXiv rejected the query: malformed query string"):
        source().fetch(full_plan(), "2026-08-21")
    assert len(responses.calls) == 1


@responses.activate
def test_the_run_budget_ends_a_bad_day():
    responses.get(LOCAL, status=503)
    clock = Clock()
    with pytest.raises(FetchError, match="time budget"):
        source(LOCAL, clock, retries=10, backoff=60.0, run_budget=200.0).fetch(full_plan(),
                                                                                "2026-08-21")
    assert clock.now - 1000.0 < 200.0


def entries(count: int, newest_day: int = 20) -> list[dict[str, object]]:
    return [{"id": f"2608.{i:05d}v1", "title": f"T{i}", "summary": "S",
             "updated": f"2026-08-{newest_day:02d}T{23 - i // 60:02d}:{59 - i % 60:02d}:00Z"}
            for i in range(count)]


def page_callback(all_entries: list[dict[str, object]]):
    def answer(request: requests.PreparedRequest):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        start, size = int(query["start"]), int(query["max_results"])
        return 200, {}, feed_xml(all_entries[start:start + size], len(all_entries), start, "q")
    return answer


@responses.activate
def test_incremental_fetch_stops_at_the_first_page_reaching_the_store():
    feed = entries(100)
    responses.add_callback(responses.GET, LOCAL, callback=page_callback(feed))
    stored = [make_paper(str(e["id"])[:-2], updated=str(e["updated"])) for e in feed[3:]]
    plan = plan_fetch("q", 100, stored, incremental=True, first_page=10)
    assert (plan.page_size, plan.stored_newest) == (10, feed[3]["updated"])
    result = source().fetch(plan, "2026-08-21")
    assert result.requests == 1 and len(result.papers) == 10
    assert params(responses.calls[0])["max_results"] == "10"


@responses.activate
def test_incremental_fetch_pages_on_while_everything_is_new():
    feed = entries(100)
    responses.add_callback(responses.GET, LOCAL, callback=page_callback(feed))
    stored = [make_paper(str(e["id"])[:-2], updated=str(e["updated"])) for e in feed[25:]]
    plan = plan_fetch("q", 100, stored, incremental=True, first_page=10)
    result = source().fetch(plan, "2026-08-21")
    assert [params(c)["start"] for c in responses.calls] == ["0", "10", "20"]
    assert len(result.papers) == 30


def test_first_page_grows_with_a_busy_keyword():
    busy = [make_paper(f"2608.{i:05d}", first_seen="2026-08-01") for i in range(50)]
    busy += [make_paper(f"2608.{i:05d}", first_seen="2026-08-20") for i in range(50, 70)]
    assert typical_new(busy) == 20
    plan = plan_fetch("q", 100, busy, incremental=True, first_page=10, typical_new=20)
    assert plan.page_size == 40
    assert plan_fetch("q", 100, busy, incremental=False, first_page=10).page_size == 100


@responses.activate
def test_empty_answer_while_papers_are_stored_is_a_failure():
    responses.get(LOCAL, body=NO_RESULTS)
    plan = plan_fetch("q", 100, [make_paper()], incremental=True, first_page=10)
    with pytest.raises(FetchError, match="no results although papers are stored"):
        source(retries=1).fetch(plan, "2026-08-21")
    assert len(responses.calls) == 2


@responses.activate
def test_empty_answer_for_a_new_keyword_is_just_empty():
    responses.get(LOCAL, body=NO_RESULTS)
    assert source().fetch(full_plan(), "2026-08-21").papers == ()


@responses.activate
def test_an_empty_later_page_fails_the_keyword():
    feed = entries(30)

    def answer(request: requests.PreparedRequest):
        start = int(parse_qs(urlsplit(request.url).query)["start"][0])
        page = feed[start:start + 10] if start == 0 else []
        return 200, {}, feed_xml(page, len(feed), start, "q")

    responses.add_callback(responses.GET, LOCAL, callback=answer)
    stored = [make_paper("2501.00001", updated="2026-01-01T00:00:00Z")]
    with pytest.raises(FetchError, match="empty page in the middle"):
        source().fetch(plan_fetch("q", 100, stored, incremental=True, first_page=10),
                       "2026-08-21")


def test_retry_after_forms():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0) == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:29:00 GMT", now=1445412480.0) == 60.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_feed_check_accepts_the_recorded_answers():
    for path in sorted(Path(FIXTURES / "arxiv").glob("*.xml")):
        assert feed_problem(path.read_bytes()) is None, path.name
    assert "unexpected document <rss>" in feed_problem(b"<rss/>")


# --- every fault class once, in-process: the real HTTP stack against the fake arXiv -----

STORED = [make_paper("2608.01901", updated="2026-08-19T20:59:00Z")]


def news(count: int) -> list[dict[str, object]]:
    return [entry(f"2608.020{i:02d}v1", f"2026-08-20T20:{59 - i:02d}:00Z") for i in range(count)]


def fetch_from(fake: FakeArxiv, clock: Clock | None = None, **settings: object):
    fake.feeds = {"q": [*news(8), entry("2608.01901v1", "2026-08-19T20:59:00Z")]}
    plan = plan_fetch("q", 100, STORED, incremental=True, first_page=5)
    values = {"timeout": 0.3, "max_retry_after": 2.0, **settings}
    return source(fake.url, clock, **values).fetch(plan, "2026-08-21")


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
    pytest.param([Fault("hang", seconds=0.6)] * 3, "arXiv did not answer in time (after 3 tries)",
                 id="hang"),
    pytest.param([Fault("html")] * 3,
                 "arXiv sent an HTML page instead of an Atom feed (after 3 tries)", id="html-200"),
    pytest.param([Fault("truncate")] * 3, "arXiv sent broken XML (", id="truncated-xml"),
    pytest.param([Fault("empty")] * 3,
                 "arXiv answered with no results although papers are stored (after 3 tries)",
                 id="empty-first-page"),
    pytest.param([Fault("ok"), *[Fault("empty"), Fault("ok")] * 3],
                 "arXiv sent an empty page in the middle of the results (after 3 tries)",
                 id="empty-page-2"),
    pytest.param([Fault("ok"), *[Fault("truncate")] * 3], "arXiv sent broken XML (",
                 id="truncated-page-2"),
]


@pytest.mark.parametrize(("faults", "cause"), FAILURES)
def test_each_fault_fails_the_keyword_with_its_exact_cause(fake_arxiv, faults, cause):
    fake_arxiv.fail(*faults)
    clock = Clock()
    with pytest.raises(FetchError) as caught:
        fetch_from(fake_arxiv, clock)
    assert str(caught.value).startswith(cause)
    assert caught.value.requests >= max(1, len(fake_arxiv.requests))  # a hang goes unrecorded
    if "retry_after" in str(faults[0]) and faults[0].retry_after == "1":
        assert all(wait >= 1.0 for wait in clock.sleeps)


RECOVERIES = [
    pytest.param([Fault("status", status=503)] * 2, id="503-twice"),
    pytest.param([Fault("status", status=429, retry_after="1")], id="429-retry-after-once"),
    pytest.param([Fault("reset"), Fault("truncate")], id="reset-then-truncated"),
    pytest.param([Fault("html"), Fault("empty")], id="html-then-empty"),
    pytest.param([Fault("hang", seconds=0.6)], id="hang-once"),
    pytest.param([Fault("ok"), Fault("status", status=503)], id="503-on-page-2"),
]


@pytest.mark.parametrize("faults", RECOVERIES)
def test_a_fault_that_clears_within_the_retries_costs_only_time(fake_arxiv, faults):
    fake_arxiv.fail(*faults)
    clock = Clock()
    result = fetch_from(fake_arxiv, clock)
    assert len(result.papers) == 9 and result.pages == 2  # pages of 5: the second reaches back
    if faults[0].retry_after:
        assert clock.sleeps[0] >= 1.0


def test_a_redirect_is_not_followed_and_its_target_is_printed_harmlessly(fake_arxiv):
    with FakeArxiv(feeds={"q": news(3)}) as elsewhere:
        target = f"{elsewhere.url}\x1b[2J\x1b[31m"
        fake_arxiv.fail(Fault("redirect", location=target))
        with pytest.raises(FetchError) as caught:
            fetch_from(fake_arxiv)
        assert elsewhere.requests == []
        url = elsewhere.url
    assert str(caught.value) == (f"the endpoint redirects to {url}\\x1b[2J\\x1b[31m "
                                 "(HTTP 302); not followed: set arxiv.endpoint to the address "
                                 "you trust")


def test_external_entities_in_a_feed_load_nothing(fake_arxiv):
    with FakeArxiv() as bystander:
        fake_arxiv.doctype = f'<!DOCTYPE feed [<!ENTITY ext SYSTEM "{bystander.url}/e">]>'
        fake_arxiv.feeds = {"q": [entry("2608.09999v1", "2026-08-21T10:00:00Z",
                                        title="Entity &ext; here")]}
        result = source(fake_arxiv.url).fetch(full_plan("q"), "2026-08-21")
        assert bystander.requests == []
    assert result.papers[0].title == "Entity &ext; here"  # text, never resolved
