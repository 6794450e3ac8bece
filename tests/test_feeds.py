"""The Atom feeds (tracker.outputs.feeds): parsed back with feedparser, ids, links, dates,
counts, hostile text, determinism, and the README's links to them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import feedparser
import pytest

from tests.conftest import make_paper
from tracker.config import Config, FeedSettings, Keyword, Paths, load_config
from tracker.errors import ConfigError
from tracker.models import Announcement, Digest, KeywordRecord, Store
from tracker.outputs import RunNews, feeds
from tracker.outputs import readme as readme_output

QUIET = RunNews(today="2026-08-21", new_papers={})


def config_for(tmp_path: Path, *names: str, repository: str | None = None) -> Config:
    return Config(keywords=tuple(Keyword(name) for name in names),
                  feeds=FeedSettings(path=tmp_path / "feeds"),
                  paths=Paths(readme=tmp_path / "README.md"), repository=repository)


def papers(count: int, prefix: str = "2608") -> tuple:
    """``count`` papers, newest first, one a day back from 2026-08-28, version 2 each."""
    return tuple(make_paper(f"{prefix}.{index:05d}", version=2,
                            updated=f"2026-{8 - index // 28:02d}-{28 - index % 28:02d}T10:00:00Z",
                            published="2026-01-05T09:00:00Z",
                            authors=("Ada Lovelace", "Alan Turing"),
                            categories=("cs.LG", "stat.ML"))
                 for index in range(count))


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def announcement(id: str, version: int = 1, **fields: object) -> Announcement:
    values: dict[str, object] = {
        "id": id, "version": version, "title": f"Announced {id}", "authors": ("B. Author",),
        "abstract": f"Abstract {id}.", "categories": ("cs.CL",), "announce_type": "new",
        "link": f"https://arxiv.org/abs/{id}v{version}",
    }
    values.update(fields)
    return Announcement(**values)  # type: ignore[arg-type]


def test_keyword_feed_has_the_newest_100_papers_with_ids_links_dates(tmp_path):
    config = config_for(tmp_path, "Graph Neural Networks")
    store = Store(keywords={"Graph Neural Networks": KeywordRecord(papers=papers(120))},
                  last_change="2026-08-28")
    written = feeds.write(config, store, QUIET)
    path = tmp_path / "feeds" / "graph-neural-networks.xml"
    assert written == [path]
    parsed = parse(path)
    assert parsed.feed.title == "arXiv: Graph Neural Networks"
    assert parsed.feed.id.startswith("urn:uuid:")
    assert parsed.feed.updated == "2026-08-28T10:00:00+00:00"  # the newest entry, not the clock
    assert len(parsed.entries) == 100
    first, last = parsed.entries[0], parsed.entries[-1]
    assert first.id == "https://arxiv.org/abs/2608.00000v2"
    assert first.link == "https://arxiv.org/abs/2608.00000v2"
    assert first.title == "Title of 2608.00000"
    assert first.summary == "Abstract of 2608.00000."
    assert [author.name for author in first.authors] == ["Ada Lovelace", "Alan Turing"]
    assert [tag.term for tag in first.tags] == ["cs.LG", "stat.ML"]
    assert first.updated == "2026-08-28T10:00:00+00:00"
    assert first.published == "2026-01-05T09:00:00+00:00"
    assert last.id == "https://arxiv.org/abs/2608.00099v2"
    assert [entry.updated for entry in parsed.entries] == sorted(
        (entry.updated for entry in parsed.entries), reverse=True)


def test_same_store_gives_the_same_bytes_and_writes_nothing(tmp_path):
    config = config_for(tmp_path, "A", "B")
    store = Store(keywords={"A": KeywordRecord(papers=papers(5))}, last_change="2026-08-28")
    assert len(feeds.write(config, store, QUIET)) == 2
    before = {path: path.read_bytes() for path in (tmp_path / "feeds").iterdir()}
    stamps = {path: path.stat().st_mtime_ns for path in before}
    assert feeds.write(config, store, RunNews(today="2026-09-30", new_papers={})) == []
    assert {path: path.read_bytes() for path in before} == before
    assert {path: path.stat().st_mtime_ns for path in before} == stamps
    newer = Store(keywords={"A": KeywordRecord(papers=(make_paper("2609.00001",
                  updated="2026-09-01T00:00:00Z"), *papers(5)))}, last_change="2026-09-01")
    assert feeds.write(config, newer, QUIET) == [tmp_path / "feeds" / "a.xml"]


def test_keyword_without_papers_gets_a_valid_empty_feed(tmp_path):
    config = config_for(tmp_path, "Nothing Yet")
    feeds.write(config, Store(), QUIET)
    parsed = parse(tmp_path / "feeds" / "nothing-yet.xml")
    assert parsed.entries == []
    assert parsed.feed.updated == "1970-01-01T00:00:00+00:00"


HOSTILE = "<script>alert(1)</script> ]]> &amp; & \x00\x01\x0b\x1b\ufffe end"
SHOWN = "<script>alert(1)</script> ]]> &amp; &  end"  # the control characters dropped


def test_hostile_text_stays_text(tmp_path):
    config = config_for(tmp_path, "K")
    paper = make_paper(title=HOSTILE, abstract=HOSTILE, authors=(HOSTILE,),
                       categories=("cs.LG",))
    feeds.write(config, Store(keywords={"K": KeywordRecord(papers=(paper,))}), QUIET)
    raw = (tmp_path / "feeds" / "k.xml").read_text(encoding="utf-8")
    assert "<script>" not in raw and "]]>" not in raw
    entry = parse(tmp_path / "feeds" / "k.xml").entries[0]
    assert entry.title == SHOWN
    assert entry.title_detail.type == "text/plain"
    assert entry.summary == SHOWN
    assert entry.authors[0].name == SHOWN


def test_digest_feed_has_one_entry_per_paper_of_the_last_digests(tmp_path):
    config = config_for(tmp_path, "K")
    today = Digest("2026-08-21", (announcement("2608.10001"),
                                  announcement("2608.10002", 3, announce_type="replace"),
                                  announcement("2608.10003", link="javascript:alert(1)")))
    before = Digest("2026-08-20", (announcement("2608.20001"), announcement("2608.10001")))
    news = RunNews(today="2026-08-21", new_papers={}, digest=today,
                   recent_digests=(today, before))
    written = feeds.write(config, Store(), news)
    assert tmp_path / "feeds" / "digest.xml" in written
    parsed = parse(tmp_path / "feeds" / "digest.xml")
    assert parsed.feed.updated == "2026-08-21T00:00:00+00:00"
    assert [entry.id for entry in parsed.entries] == [
        "https://arxiv.org/abs/2608.10001v1", "https://arxiv.org/abs/2608.10002v3",
        "https://arxiv.org/abs/2608.10003v1", "https://arxiv.org/abs/2608.20001v1"]
    assert [entry.updated[:10] for entry in parsed.entries] == [
        "2026-08-21", "2026-08-21", "2026-08-21", "2026-08-20"]
    assert parsed.entries[2].link == "https://arxiv.org/abs/2608.10003v1"  # never javascript:
    assert parsed.entries[0].summary == "Abstract 2608.10001."
    assert [tag.term for tag in parsed.entries[0].tags] == ["cs.CL"]


def test_no_digest_no_digest_feed(tmp_path):
    feeds.write(config_for(tmp_path, "K"), Store(), QUIET)
    assert not (tmp_path / "feeds" / "digest.xml").exists()


def test_feed_ids_differ_between_repositories_and_stay_put(tmp_path):
    one = feeds.feed_id(config_for(tmp_path, "K", repository="https://github.com/a/b"), "k.xml")
    two = feeds.feed_id(config_for(tmp_path, "K", repository="https://github.com/c/d"), "k.xml")
    assert one != two
    assert one == feeds.feed_id(config_for(tmp_path, "K", repository="https://github.com/a/b"),
                                "k.xml")


MARKED = "# My papers\n\n<!-- tracker:start -->\nold\n<!-- tracker:end -->\nfooter\n"


def readme_of(config: Config, existing: str | None) -> str:
    env = readme_output.environment(None)
    values = readme_output.readme_values(config, Store(), "2026-08-21")
    return readme_output.framed_readme(env, values, readme_output.readme_frame(existing))


def test_readme_with_markers_links_each_keywords_feed(tmp_path):
    text = readme_of(config_for(tmp_path, "Time Series", "Graph Neural Networks"), MARKED)
    assert ("## Time Series\n[Atom feed](feeds/time-series.xml)\n\n| **Title** |") in text
    assert "## Graph Neural Networks\n[Atom feed](feeds/graph-neural-networks.xml)\n\n" in text


def test_feed_links_are_relative_to_the_readme_and_quoted(tmp_path):
    config = replace(config_for(tmp_path, "Time Series"),
                     feeds=FeedSettings(tmp_path / "my feeds (daily)"),
                     paths=Paths(readme=tmp_path / "docs" / "README.md"))
    assert feeds.feed_links(config) == {
        "Time Series": "../my%20feeds%20%28daily%29/time-series.xml"}


def test_full_readme_and_readme_without_feeds_have_no_links(tmp_path):
    config = config_for(tmp_path, "Time Series")
    assert "Atom feed" not in readme_of(config, None)
    assert "Atom feed" not in readme_of(Config(keywords=(Keyword("Time Series"),)), MARKED)


def test_a_keyword_named_like_the_digest_feed_is_a_config_error(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text("keywords: [Digest, Other]\nfeeds:\n  path: out\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"keywords.yaml:2: feeds: keyword 'Digest' would"):
        load_config(path, {})
    path.write_text("keywords: [Digest]\n", encoding="utf-8")
    assert load_config(path, {}).feeds is None


def test_feeds_section_defaults_and_path(tmp_path):
    path = tmp_path / "keywords.yaml"
    path.write_text("keywords: [a]\nfeeds:\n", encoding="utf-8")
    assert load_config(path, {}).feeds == FeedSettings(tmp_path / "feeds")  # under the root
    path.write_text("keywords: [a]\nfeeds:\n  path: 3\n  colour: red\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path, {})
    assert f"{path}:3: feeds.path: expected non-empty text" in str(error.value)
    assert f"{path}:4: feeds.colour: unknown key" in str(error.value)


def test_a_feed_built_from_the_same_values_is_not_built_again(tmp_path):
    config = config_for(tmp_path, "A")
    store = Store(keywords={"A": KeywordRecord(papers=papers(3))})
    feeds.write(config, store, QUIET)
    path = tmp_path / "feeds" / "a.xml"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("-->\n") and "<!-- tracker-inputs: " in text.splitlines()[-1]
    # The trailer vouches for the inputs: a file that still ends with it is left alone ...
    path.write_text(text.replace("Title of 2608.00000", "Edited"), encoding="utf-8")
    assert feeds.write(config, store, QUIET) == []
    # ... and one without it (damaged, or written by hand) is rebuilt.
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    assert feeds.write(config, store, QUIET) == [path]
    assert path.read_text(encoding="utf-8") == text


def test_a_removed_keyword_loses_its_feed_and_other_files_stay(tmp_path):
    folder = tmp_path / "feeds"
    two = Config(keywords=(Keyword("Alpha"), Keyword("Beta")),
                 feeds=FeedSettings(folder), repository="https://github.com/me/papers")
    store = Store(keywords={"Alpha": KeywordRecord(papers=(make_paper("2608.00001"),)),
                            "Beta": KeywordRecord(papers=(make_paper("2608.00002"),))})
    feeds.write(two, store, RunNews("2026-08-21"))
    (folder / "mine.xml").write_text("<feed/>\n", encoding="utf-8")
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.xml", "beta.xml", "mine.xml"]
    one = Config(keywords=(Keyword("Alpha"),), feeds=FeedSettings(folder),
                 repository="https://github.com/me/papers")
    feeds.write(one, store, RunNews("2026-08-21"))
    assert sorted(p.name for p in folder.iterdir()) == ["alpha.xml", "mine.xml"]
