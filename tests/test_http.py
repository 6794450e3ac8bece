"""The HTTP session's limits (tracker.sources.http, tracker.sources.deadline): the network
down, a trickling server, a stop request, huge and zip-bomb answers, hostile headers.

Real sockets on 127.0.0.1 where the behaviour depends on them; a fake clock for the waits.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
import tracemalloc

import pytest
import responses

from tests.conftest import FIXTURES
from tests.fake_arxiv import FakeArxiv, Fault
from tests.test_arxiv_api import Clock, full_plan, source
from tracker.config import ArxivSettings
from tracker.errors import FetchError, Interrupted
from tracker.sources.arxiv_api import ArxivSource
from tracker.sources.http import MAX_ANSWER_BYTES, PoliteSession, retry_after_seconds

TEN_RESULTS = (FIXTURES / "arxiv" / "query-testing-10-results.xml").read_bytes()


def closed_port_url() -> str:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/api/query"


@pytest.mark.parametrize(("url", "cause"), [
    (None, "127.0.0.1 refused the connection"),
    ("http://nonexistent.invalid/api/query", "cannot resolve nonexistent.invalid"),
])
def test_with_the_network_down_only_the_first_keyword_retries(url, cause, caplog):
    clock = Clock()
    arxiv = source(url or closed_port_url(), clock, retries=4, backoff=5.0)
    caplog.set_level(logging.DEBUG, logger="tracker")
    with pytest.raises(FetchError) as first:
        arxiv.fetch(full_plan(), "2026-08-21")
    assert str(first.value) == f"{cause} (after 3 tries)" and first.value.requests == 3
    waited = clock.now
    for _ in range(19):  # 20 keywords in all: the others fail at once, without a request
        with pytest.raises(FetchError) as later:
            arxiv.fetch(full_plan(), "2026-08-21")
        assert str(later.value) == f"not tried: {cause} (the network seems down)"
        assert later.value.requests == 0
    assert clock.now == waited and len(clock.sleeps) == 2 and clock.now - 1000 <= 15.0
    tries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("try ")]
    assert tries == [f"try {n} of 5 failed: {cause}" for n in (1, 2, 3)]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and cause in warnings[0].getMessage()  # said once


def test_a_server_error_does_not_count_as_the_network_down():
    with FakeArxiv(feeds={"q": []}) as fake:
        fake.fail(*[Fault("status", status=503)] * 3)
        arxiv = source(fake.url)
        with pytest.raises(FetchError, match="HTTP 503"):
            arxiv.fetch(full_plan("q"), "2026-08-21")
        assert arxiv.fetch(full_plan("q"), "2026-08-21").papers == ()
    assert arxiv.session.network_down is None


def test_a_trickling_server_is_cut_off_at_the_deadline(fake_arxiv):
    fake_arxiv.feeds = {"q": []}
    fake_arxiv.fail(Fault("trickle", seconds=0.02))  # the headers alone take about 2 s
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^arXiv did not answer in time \(after 1 try\)$"):
        source(fake_arxiv.url, timeout=0.4, retries=0).fetch(full_plan("q"), "2026-08-21")
    assert time.monotonic() - started < 1.6  # well before the 2 s the trickle needs


def test_a_stop_request_ends_a_request_in_progress(fake_arxiv):
    fake_arxiv.feeds = {"q": []}
    fake_arxiv.fail(Fault("trickle", seconds=0.02))
    stop = threading.Event()
    session = PoliteSession(ArxivSettings(timeout=30.0, retries=0), should_stop=stop.is_set)
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        ArxivSource(fake_arxiv.url, session).fetch(full_plan("q"), "2026-08-21")
    assert time.monotonic() - started < 1.6  # not the 30 s timeout, nor the 2 s trickle


@responses.activate
def test_the_sleep_between_retries_can_stop_the_run():
    responses.get("http://127.0.0.1:9/api/query", status=503)

    def stopping_sleep(seconds: float) -> None:
        raise Interrupted("stop requested")

    session = PoliteSession(ArxivSettings(), sleep=stopping_sleep, rng=random.Random(1))
    with pytest.raises(Interrupted):  # not turned into a failed keyword
        ArxivSource("http://127.0.0.1:9/api/query", session).fetch(full_plan(), "2026-08-21")
    assert len(responses.calls) == 1


@pytest.mark.parametrize("fault", [
    Fault("huge", size=60_000_000),
    Fault("gzip", size=200 * 1_048_576),  # about 200 kB on the wire
], ids=["huge", "gzip-bomb"])
def test_an_answer_over_the_cap_is_refused_while_it_is_read(fake_arxiv, fault):
    fake_arxiv.feeds = {"q": []}
    fake_arxiv.fail(fault)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match=r"^arXiv sent an answer over 20 MB; not read$") \
                as caught:
            source(fake_arxiv.url, timeout=10.0).fetch(full_plan("q"), "2026-08-21")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.requests == 1  # not retried: it would be as large again
    assert peak < 2 * MAX_ANSWER_BYTES + 10_000_000


def test_retry_after_takes_ascii_digits_or_a_date_only():
    assert retry_after_seconds("\u0661\u0662\u0660") is None  # Arabic-Indic 120
    assert retry_after_seconds("\u00b2") is None  # isdigit() is true for a superscript two
    assert retry_after_seconds("9" * 5000) is None
    assert retry_after_seconds("Fri, 31 Dec 9999 23:59:59 +1400") is not None
    assert retry_after_seconds("Mon, 99 Foo 0000 99:99:99 GMT") is None


@responses.activate
def test_an_unreadable_retry_after_falls_back_to_the_backoff():
    url = "http://127.0.0.1:9/api/query"
    responses.get(url, status=429, headers={"Retry-After": "\u0661\u0662\u0660"})
    responses.get(url, body=TEN_RESULTS)
    clock = Clock()
    assert len(source(url, clock, backoff=2.0).fetch(full_plan(), "2026-08-21").papers) == 10
    assert 1.0 <= clock.sleeps[0] <= 2.0
