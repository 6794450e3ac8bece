"""The announcement feed: parsing arXiv's RSS layout, the body check, one paced request."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import responses

from tests.fake_digest import rss_feed
from tests.test_arxiv_api import Clock
from tracker.config import ArxivSettings
from tracker.errors import FetchError
from tracker.sources.announcements import feed_url, fetch_feed, parse_feed, rss_problem
from tracker.sources.http import PoliteSession

FIXTURES = Path(__file__).parent / "fixtures" / "digest"
EIGHT = (FIXTURES / "announcements-8-items.xml").read_bytes()
WEEKEND = (FIXTURES / "announcements-weekend-empty.xml").read_bytes()
HOST = "http://127.0.0.1:8081"


def test_items_are_read_in_feed_order_with_every_field():
    feed = parse_feed(EIGHT)
    assert feed.date == "2025-04-09"  # the channel's pubDate, in its own time zone
    assert len(feed.items) == 8
    first = feed.items[0]
    assert (first.id, first.version, first.announce_type) == ("2504.05316", 1, "new")
    assert first.title == ("Scale Up Composed Image Retrieval Learning via Modification "
                           "Text Generation")
    assert first.authors[:2] == ("Yinan Zhou", "Yaxiong Wang") and len(first.authors) == 6
    assert first.categories == ("cs.IR", "cs.CV")
    assert first.link == "https://arxiv.org/abs/2504.05316"
    assert first.pdf_url == "https://arxiv.org/pdf/2504.05316"
    assert first.abstract.startswith("Composed Image Retrieval (CIR) aims")
    assert not first.abstract.endswith((" ", "\n"))
    assert [item.announce_type for item in feed.items].count("replace-cross") == 1


def test_weekend_feed_has_a_date_and_no_item():
    feed = parse_feed(WEEKEND)
    assert feed.date == "2025-04-12" and feed.items == ()


def test_titles_are_collapsed_and_abstract_line_breaks_kept():
    body = rss_feed([{"id": "2506.00001", "title": "A  long\n   title", "authors": ["A B"],
                      "abstract": "First line.\nSecond line.  \n "}])
    (item,) = parse_feed(body).items
    assert item.title == "A long title"
    assert item.abstract == "First line.\nSecond line."


def test_a_paper_listed_twice_is_kept_once_at_its_first_place():
    papers = [{"id": f"2506.0000{n}", "title": f"T{n}", "authors": ["A"], "abstract": "x"}
              for n in (1, 2, 1)]
    assert [item.id for item in parse_feed(rss_feed(papers)).items] == ["2506.00001",
                                                                        "2506.00002"]


def test_old_style_ids_and_versions():
    body = rss_feed([{"id": "math/0601001", "version": 3, "title": "T", "authors": ["A"],
                      "abstract": "x", "type": "replace"}])
    (item,) = parse_feed(body).items
    assert (item.id, item.version, item.announce_type) == ("math/0601001", 3, "replace")


@pytest.mark.parametrize(("body", "problem"), [
    (b"", "an empty body"),
    (b"<!DOCTYPE html><html><body>Busy</body></html>", "an HTML page instead of an RSS feed"),
    (b"<html><body>x</body></html>", "an HTML page instead of an RSS feed"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "an unexpected document <feed>"),
    (EIGHT[: len(EIGHT) // 2], "broken XML"),
    (b"<rss version='2.0'></rss>", "an RSS feed without a channel"),
])
def test_bodies_that_are_not_a_complete_feed(body, problem):
    assert problem in (rss_problem(body) or "")


def test_an_item_without_arxivs_description_is_refused():
    body = EIGHT.replace(b"arXiv:2504.05316v1 Announce Type: new", b"Something else")
    with pytest.raises(ValueError, match="does not start with arXiv:ID"):
        parse_feed(body)


def test_entities_are_not_resolved():
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<rss version='2.0'><channel><item><title>&x;</title><description>arXiv:2506.00001v1"
            b" Announce Type: new \nAbstract: a</description></item></channel></rss>")
    (item,) = parse_feed(body).items
    assert "root:" not in item.title


def test_feed_url_joins_categories_with_plus():
    assert feed_url("https://rss.arxiv.org/", ["cs.CV", "cs.MM"]) == (
        "https://rss.arxiv.org/rss/cs.CV+cs.MM")


def session(clock: Clock) -> PoliteSession:
    settings = ArxivSettings(delay=0.0, backoff=1.0, retries=2)
    return PoliteSession(settings, clock=clock, sleep=clock.sleep, rng=random.Random(1))


@responses.activate
def test_one_request_for_all_categories():
    responses.get(f"{HOST}/rss/cs.IR+cs.MM", body=EIGHT)
    feed = fetch_feed(session(Clock()), HOST, ["cs.IR", "cs.MM"])
    assert len(responses.calls) == 1 and feed.requests == 1 and len(feed.items) == 8
    assert feed.bytes == len(EIGHT)


@responses.activate
def test_html_page_and_throttling_are_retried_then_given_up():
    url = f"{HOST}/rss/cs.CV"
    responses.get(url, status=429, headers={"Retry-After": "7"})
    responses.get(url, body=b"<!DOCTYPE html><html>Busy</html>")
    responses.get(url, body=b"<!DOCTYPE html><html>Busy</html>")
    clock = Clock()
    with pytest.raises(FetchError, match="HTML page instead of an RSS feed") as caught:
        fetch_feed(session(clock), HOST, ["cs.CV"])
    assert caught.value.requests == 3
    assert clock.sleeps[0] >= 7  # Retry-After honoured


@responses.activate
def test_throttled_once_then_served():
    url = f"{HOST}/rss/cs.CV"
    responses.get(url, status=503)
    responses.get(url, body=WEEKEND)
    feed = fetch_feed(session(Clock()), HOST, ["cs.CV"])
    assert feed.items == () and feed.requests == 2
