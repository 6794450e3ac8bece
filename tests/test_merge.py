"""Pure bookkeeping (tracker.merge): no mocks, plain data in and out."""

from __future__ import annotations

from tests.conftest import make_paper
from tracker.merge import (
    in_categories,
    merge,
    newest_first,
    record_after_failure,
    record_after_fetch,
    select,
)
from tracker.models import KeywordRecord


def t(day: int, hour: int = 12) -> str:
    return f"2026-08-{day:02d}T{hour:02d}:00:00Z"


def test_merge_adds_new_papers_newest_first_and_trims():
    stored = [make_paper("2608.00001", updated=t(10)), make_paper("2608.00002", updated=t(9))]
    fetched = [make_paper("2608.00003", updated=t(12), first_seen="2026-08-22"),
               make_paper("2608.00004", updated=t(11), first_seen="2026-08-22")]
    result = merge(stored, fetched, limit=3)
    assert [p.id for p in result.papers] == ["2608.00003", "2608.00004", "2608.00001"]
    assert [p.id for p in result.new] == ["2608.00003", "2608.00004"]
    assert result.revised == ()


def test_new_version_replaces_old_and_keeps_first_seen():
    stored = [make_paper("2608.00001", version=1, updated=t(1), first_seen="2026-08-02")]
    fetched = [make_paper("2608.00001", version=2, updated=t(20), first_seen="2026-08-21",
                          title="Better title")]
    result = merge(stored, fetched, limit=100)
    (paper,) = result.papers
    assert (paper.version, paper.title, paper.first_seen) == (2, "Better title", "2026-08-02")
    assert result.revised == (paper,) and result.new == ()


def test_older_version_than_stored_is_ignored_and_duplicates_collapse():
    stored = [make_paper("2608.00001", version=3, updated=t(5))]
    fetched = [make_paper("2608.00001", version=2, updated=t(4)),
               make_paper("2608.00002", updated=t(6)), make_paper("2608.00002", updated=t(6))]
    result = merge(stored, fetched, limit=100)
    assert [(p.id, p.version) for p in result.papers] == [("2608.00002", 1), ("2608.00001", 3)]
    assert not result.revised


def test_same_version_refreshes_metadata_without_counting_as_news():
    stored = [make_paper("2608.00001", comment=None, first_seen="2026-08-01")]
    fetched = [make_paper("2608.00001", comment="Accepted at X", first_seen="2026-08-21")]
    result = merge(stored, fetched, limit=100)
    assert result.papers[0].comment == "Accepted at X"
    assert result.papers[0].first_seen == "2026-08-01"
    assert result.new == result.revised == ()


def test_a_new_paper_older_than_the_kept_window_is_not_news():
    stored = [make_paper(f"2608.0000{i}", updated=t(20 - i)) for i in range(3)]
    result = merge(stored, [make_paper("2501.00001", updated=t(1))], limit=3)
    assert "2501.00001" not in {p.id for p in result.papers} and not result.new


def test_order_is_deterministic_for_equal_timestamps():
    a, b = make_paper("2608.00001", updated=t(5)), make_paper("2608.00002", updated=t(5))
    assert newest_first([a, b]) == newest_first([b, a]) == (b, a)


def test_category_filter_by_archive_or_category():
    paper = make_paper(categories=("math.ST", "stat.ML"))
    assert in_categories(paper, ["cs", "stat"])
    assert in_categories(paper, ["stat.ML"])
    assert not in_categories(paper, ["cs", "stat.ME"])
    assert not in_categories(make_paper(categories=("statistics",)), ["stat"])
    assert in_categories(paper, [])


def test_exclusions_match_whole_words_in_title_or_abstract():
    kept = make_paper("2608.00001", title="An organ model")
    dropped = make_paper("2608.00002", abstract="We train a GAN\nmodel.")
    phrase = make_paper("2608.00003", abstract="A large  language model survey")
    result = select([kept, dropped, phrase], [], ["gan", "language model"])
    assert result == (kept,)


def test_record_after_fetch_updates_only_when_something_changed():
    paper = make_paper()
    record, result = record_after_fetch(KeywordRecord(), [paper], query="q", categories=["cs"],
                                        exclude=[], limit=100, today="2026-08-21")
    assert record.papers == (paper,) and record.last_success == "2026-08-21"
    assert record.query == "q" and record.categories == ("cs",) and result.new == (paper,)
    again, result = record_after_fetch(record, [paper], query="q", categories=["cs"],
                                       exclude=[], limit=100, today="2026-08-22")
    assert again == record and result.new == result.revised == ()


def test_changed_query_replaces_papers_but_keeps_first_seen():
    old = make_paper("2608.00001", first_seen="2026-08-01")
    gone = make_paper("2608.00002", first_seen="2026-08-01")
    record = KeywordRecord(papers=(old, gone), query="old", categories=("cs",))
    fetched = [make_paper("2608.00001", first_seen="2026-08-21"),
               make_paper("2608.00003", first_seen="2026-08-21")]
    updated, result = record_after_fetch(record, fetched, query="new", categories=["cs"],
                                         exclude=[], limit=100, today="2026-08-21")
    assert {p.id: p.first_seen for p in updated.papers} == {"2608.00001": "2026-08-01",
                                                            "2608.00003": "2026-08-21"}
    assert [p.id for p in result.new] == ["2608.00003"]


def test_failure_keeps_papers_and_records_when_failing_began():
    record = KeywordRecord(papers=(make_paper(),), last_success="2026-08-01")
    first = record_after_failure(record, "HTTP 503", "2026-08-21")
    second = record_after_failure(first, "HTTP 503", "2026-08-22")
    assert second.papers == record.papers
    assert (second.last_error, second.failing_since) == ("HTTP 503", "2026-08-21")
    assert second == first  # a failure that repeats changes nothing
    recovered, _ = record_after_fetch(second, [make_paper()], query="q", categories=[],
                                      exclude=[], limit=100, today="2026-08-23")
    assert recovered.last_error is None and recovered.failing_since is None
    assert recovered.last_success == "2026-08-23"


def test_newest_result_seen_is_recorded_only_with_another_change():
    kept = make_paper("2608.00001", updated=t(10))
    filtered = make_paper("2608.00002", updated=t(12), categories=("math.PR",))
    record, _ = record_after_fetch(KeywordRecord(), [filtered, kept], query="q",
                                   categories=["cs"], exclude=[], limit=100, today="2026-08-21")
    assert record.papers == (kept,) and record.seen_newest == t(12)
    newer_filtered = make_paper("2608.00003", updated=t(14), categories=("math.PR",))
    again, _ = record_after_fetch(record, [newer_filtered, filtered, kept], query="q",
                                  categories=["cs"], exclude=[], limit=100, today="2026-08-22")
    assert again == record  # nothing kept changed: the store stays byte-identical
    news = make_paper("2608.00004", updated=t(13))
    later, _ = record_after_fetch(record, [newer_filtered, news, kept], query="q",
                                  categories=["cs"], exclude=[], limit=100, today="2026-08-23")
    assert later.seen_newest == t(14) and later.last_success == "2026-08-23"
    other, _ = record_after_fetch(later, [kept], query="other", categories=["cs"], exclude=[],
                                  limit=100, today="2026-08-24")
    assert other.seen_newest == t(10)  # a new query starts afresh
