"""Reading arXiv's entries (tracker.sources.feed): one bad value skips one entry, counted,
and never reaches a log line as a command; and the log sanitising (tracker.logsafe)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import responses

from tests.conftest import entry, make_paper
from tests.fake_arxiv import feed_xml
from tests.test_arxiv_api import LOCAL, full_plan, source
from tracker.errors import FetchError
from tracker.logsafe import SafeLogFilter, printable, safe_message
from tracker.sources.arxiv_api import plan_fetch
from tracker.sources.feed import MAX_AUTHORS, MAX_TITLE, latest_believable, parse_page

GOOD = entry("2608.00001v2", "2026-08-20T10:00:00Z")
BAD = {
    "impossible date": entry("2608.00002v1", "2026-02-30T00:00:00Z"),
    "far-future date with an offset": entry("2608.00003v1", "9999-12-31T23:00:00-05:00"),
    "5,000-digit version": entry("2608.00004v" + "9" * 5000, "2026-08-20T10:00:00Z"),
    "not an arXiv id": entry("2608.00005v1", "2026-08-20T10:00:00Z"),
    "a command in the id": entry("2608.00006v1\n::error::pwned", "2026-08-20T10:00:00Z"),
    "dated in the future": entry("2608.00007v1", "2031-01-01T00:00:00Z"),
    "dated before arXiv": entry("2608.00008v1", "1970-01-01T00:00:00Z"),
}


def page(*entries: dict[str, object]) -> bytes:
    body = feed_xml(list(entries), len(entries), 0, "q")
    # The fake writes ids under arxiv.org/abs/; give one entry a foreign id.
    return body.replace(b"https://arxiv.org/abs/2608.00005v1", b"http://example.org/abs/5")


def test_each_bad_value_skips_its_entry_only_and_says_why():
    read = parse_page(page(GOOD, *BAD.values()), "2026-08-21")
    assert [(p.id, p.version) for p in read.papers] == [("2608.00001", 2)]
    assert read.entries == 8
    assert sorted(read.skipped) == sorted([
        "impossible date", "impossible date", "not an arXiv id", "not an arXiv id",
        "not an arXiv id", "dated in the future", "dated before 1991"])


@responses.activate
def test_skipped_entries_are_counted_in_the_result():
    responses.get(LOCAL, body=page(GOOD, BAD["impossible date"], BAD["not an arXiv id"]))
    result = source().fetch(full_plan(), "2026-08-21")
    assert len(result.papers) == 1
    assert result.note == "2 entries skipped: 1 impossible date, 1 not an arXiv id"


@responses.activate
def test_a_page_of_nothing_but_bad_entries_fails_the_keyword():
    responses.get(LOCAL, body=page(BAD["impossible date"], BAD["5,000-digit version"]))
    with pytest.raises(FetchError, match=r"^every entry arXiv sent was unusable \(2 entries "
                                         r"skipped: 1 impossible date, 1 not an arXiv id\)$"):
        source().fetch(full_plan(), "2026-08-21")


def test_the_run_day_or_the_real_day_bounds_the_future():
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert latest_believable("2025-05-14", now) == datetime(2026, 12, 5, tzinfo=UTC)
    assert latest_believable("2027-01-01", now) == datetime(2027, 1, 4, tzinfo=UTC)


def test_an_absurd_stored_date_does_not_stop_incremental_fetching():
    stored = [make_paper("2608.00001", updated="2026-08-19T12:00:00Z"),
              make_paper("2608.00002", updated="9999-12-31T23:59:59Z"),
              make_paper("2608.00003", updated="1970-01-01T00:00:00Z")]
    latest = latest_believable("2026-08-21", datetime(2026, 8, 21, tzinfo=UTC))
    plan = plan_fetch("q", 100, stored, incremental=True, first_page=10, latest=latest)
    assert plan.stored_newest == "2026-08-19T12:00:00Z"


def test_over_long_fields_are_shortened_and_counted():
    long = entry("2608.00001v1", "2026-08-20T10:00:00Z", title="T" * 5000,
                 authors=[f"Author {n}" for n in range(MAX_AUTHORS + 50)])
    read = parse_page(page(long), "2026-08-21")
    (paper,) = read.papers
    assert len(paper.title) == MAX_TITLE + 3 and paper.title.endswith("...")
    assert len(paper.authors) == MAX_AUTHORS and read.shortened == 2


@responses.activate
def test_nothing_from_a_feed_starts_a_workflow_command_in_the_log(caplog):
    responses.get(LOCAL, body=page(GOOD, BAD["a command in the id"]))
    caplog.set_level(logging.DEBUG)
    source().fetch(full_plan(), "2026-08-21")
    handler_filter = SafeLogFilter()
    for record in caplog.records:
        handler_filter.filter(record)
        assert not any(line.lstrip().startswith("::") for line in record.getMessage().split("\n"))


@pytest.mark.parametrize(("raw", "shown"), [
    ("id\n::error::pwned", "id\\x0a::error::pwned"),
    ("::add-mask::secret", ": :add-mask::secret"),
    ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
    ("a\u2028b\rc\x85d", "a\\u2028b\\x0dc\\x85d"),
    ("##[error]old form", "# #[error]old form"),
])
def test_printable_keeps_a_value_on_its_line_and_harmless(raw, shown):
    assert printable(raw) == shown


def test_the_log_filter_defuses_every_line_of_a_message():
    assert safe_message("Beta: FAILED\n  ::error::x\n\x1b[31m") == (
        "Beta: FAILED\n  : :error::x\n\\x1b[31m")
    record = logging.LogRecord("tracker", logging.INFO, __file__, 1, "%s", ("::warning::w",),
                               None)
    assert SafeLogFilter().filter(record) and record.getMessage() == ": :warning::w"
    assert safe_message("plain\tline") == "plain\tline"


@responses.activate
def test_an_answer_that_cannot_be_read_fails_its_keyword_only(monkeypatch):
    def broken(body: bytes, today: str) -> None:
        raise ValueError("day is out of range for month\n::error::x")

    monkeypatch.setattr("tracker.sources.arxiv_api.parse_page", broken)
    responses.get(LOCAL, body=page(GOOD))
    with pytest.raises(FetchError) as caught:
        source().fetch(full_plan(), "2026-08-21")
    assert str(caught.value) == ("arXiv's answer could not be read (ValueError: day is out of "
                                 "range for month\\x0a::error::x)")
