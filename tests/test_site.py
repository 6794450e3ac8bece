"""The Daily Papers site (``tracker.outputs.site``), in-process: pages, escaping, files.

Pages are read back with ``html.parser`` (``tests.site_html``): a reader must
see a paper's text exactly as ``clean`` leaves it, and nothing from the data
may become markup or script.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import make_paper
from tests.site_html import executable, parse
from tests.test_properties import HOSTILE, bounded
from tracker.config import (
    Config,
    EmailSettings,
    FeedSettings,
    Keyword,
    Paths,
    SiteSettings,
    load_config,
)
from tracker.errors import ConfigError, OutputError
from tracker.markdown import clean
from tracker.models import Announcement, Digest, KeywordRecord, Paper, Store
from tracker.outputs import RunNews
from tracker.outputs.site import build as build_site
from tracker.outputs.site import site_files, write, write_site
from tracker.outputs.site_model import INDEX_LIMIT, split_abstract

SERIES, GRAPHS = Keyword("Time Series"), Keyword("Graph Networks")
HOSTILE_CASES = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</a></h3><script src=//evil.example/x.js></script>",
    "&lt;b&gt; &amp; &#60;i&#62; &copy",
    "<!-- ]]> --> <![CDATA[ x ]]>",
    "javascript:alert(1)",
    "$\\frac{a}{b} < \\sqrt{x}$ & $O(n \\log n)$",
    "{{ 7 * 7 }} {% raw %} ${x}",
)


def config_of(tmp_path: Path, *keywords: Keyword, repository: str | None = None,
              templates: Path | None = None) -> Config:
    return Config(keywords=keywords or (SERIES, GRAPHS), repository=repository,
                  paths=Paths(templates=templates or tmp_path / "no-templates"),
                  site=SiteSettings(path=tmp_path / "site"))


def store_of(**papers: tuple[Paper, ...]) -> Store:
    names = {"series": SERIES.name, "graphs": GRAPHS.name}
    return Store(keywords={names[key]: KeywordRecord(papers=value)
                           for key, value in papers.items()})


def build(config: Config, store: Store) -> dict[str, str]:
    assert config.site is not None
    return site_files(config, config.site, store)


def cards(page: str) -> dict[str, dict[str, str]]:
    """The paper cards of a page: arXiv link -> what a reader sees in each part."""
    found = {}
    for card in parse(page).find_all("li", "paper"):
        link = card.find("h3", "title").find("a")
        found[link.attrs["href"] or ""] = {
            "title": link.text,
            "authors": card.find("p", "authors").text,
            "abstract": " ".join(p.text for p in card.find("div", "abstract").find_all("p")),
            "tags": ",".join(a.text for a in card.find_all("a") if a is not link),
        }
    return found


def test_index_shows_the_latest_day_and_each_page_its_papers(tmp_path):
    old = make_paper("2608.00001", first_seen="2026-08-20", updated="2026-08-19T10:00:00Z")
    both = make_paper("2608.00002", first_seen="2026-08-21", title="Shared paper")
    new = make_paper("2608.00003", first_seen="2026-08-21", updated="2026-08-20T10:00:00Z")
    files = build(config_of(tmp_path), store_of(series=(new, both, old), graphs=(both,)))

    assert sorted(files) == ["days/2026-08-20.html", "days/2026-08-21.html", "index.html",
                             "keywords/graph-networks.html", "keywords/time-series.html",
                             "search.js", "search.json", "style.css"]
    index = cards(files["index.html"])
    assert list(index) == [new.abs_url, both.abs_url]  # the latest day, newest version first
    assert index[both.abs_url]["tags"] == "Time Series,Graph Networks"
    assert list(cards(files["days/2026-08-20.html"])) == [old.abs_url]
    assert list(cards(files["keywords/time-series.html"])) == [p.abs_url for p in (new, both, old)]
    assert list(cards(files["keywords/graph-networks.html"])) == [both.abs_url]
    page = parse(files["keywords/graph-networks.html"])
    tag_links = {a.attrs["href"] for a in page.find("li", "paper").find("ul", "tags").find_all("a")}
    assert tag_links == {"../keywords/time-series.html", "../keywords/graph-networks.html"}
    days = [a.attrs["href"] for a in parse(files["index.html"]).find("ul", "days").find_all("a")]
    assert days == ["days/2026-08-21.html", "days/2026-08-20.html"]
    pagers = {name: [(a.attrs["rel"], a.attrs["href"]) for a in parse(files[name])
                     .find("nav", "pager").find_all("a")]
              for name in ("days/2026-08-20.html", "days/2026-08-21.html")}
    assert pagers == {"days/2026-08-20.html": [("next", "2026-08-21.html")],
                      "days/2026-08-21.html": [("prev", "2026-08-20.html")]}


def test_long_abstracts_fold_under_more_and_read_back_whole():
    text = " ".join(f"word{i}" for i in range(200))
    lead, rest = split_abstract(text)
    assert rest and len(lead) <= 300 and f"{lead} {rest}" == text
    assert split_abstract("short abstract") == ("short abstract", "")
    assert split_abstract("x" * 2000) == ("x" * 2000, "")


@pytest.mark.parametrize("hostile", HOSTILE_CASES)
def test_hostile_text_shows_as_text_on_every_page(tmp_path, hostile):
    paper = make_paper(title=f"T {hostile}", authors=(hostile, "B. Author"),
                       abstract=f"A {hostile} " + "filler " * 80 + hostile)
    files = build(config_of(tmp_path), store_of(series=(paper,)))
    for name in ("index.html", "days/2026-08-21.html", "keywords/time-series.html"):
        root = parse(files[name])
        assert executable(root) == [], name
        card = cards(files[name])[paper.abs_url]
        assert card["title"] == clean(paper.title)
        assert card["authors"] == ", ".join(clean(a) for a in paper.authors)
        assert card["abstract"] == clean(paper.abstract)
    indexed = json.loads(files["search.json"])["papers"][0]
    assert (indexed["t"], indexed["s"]) == (clean(paper.title), clean(paper.abstract))


@bounded(40)
@given(title=HOSTILE, abstract=HOSTILE, author=HOSTILE)
def test_any_text_from_arxiv_stays_text(tmp_path_factory, title, abstract, author):
    tmp_path = tmp_path_factory.mktemp("site")
    paper = make_paper(title=title, abstract=abstract, authors=(author,))
    files = build(config_of(tmp_path), store_of(series=(paper,)))
    page = files["keywords/time-series.html"]
    assert executable(parse(page)) == []
    card = cards(page)[paper.abs_url]
    assert card["title"] == clean(title)
    assert card["authors"] == clean(author)
    assert card["abstract"] == clean(abstract)
    json.loads(files["search.json"])


def test_hostile_keyword_name_is_text_and_a_safe_file_name(tmp_path):
    keyword = Keyword('"><script>alert(1)</script>')
    paper = make_paper()
    config = config_of(tmp_path, keyword)
    files = build(config, Store(keywords={keyword.name: KeywordRecord(papers=(paper,))}))
    assert f"keywords/{keyword.slug}.html" in files and keyword.slug == "script-alert-1-script"
    root = parse(files["index.html"])
    assert executable(root) == []
    assert root.find("ul", "keywords").find("a").text == keyword.name
    assert cards(files["index.html"])[paper.abs_url]["tags"] == keyword.name


def test_same_store_gives_the_same_bytes_and_a_quiet_day_writes_nothing(tmp_path):
    config = config_of(tmp_path)
    store = store_of(series=(make_paper("2608.00001"), make_paper("2608.00002")))
    folder = tmp_path / "site"
    first = write_site(folder, build(config, store))
    assert {path.relative_to(folder).as_posix() for path in first} >= {"index.html",
                                                                       "search.json"}
    snapshot = {path: (path.read_bytes(), path.stat().st_mtime_ns)
                for path in folder.rglob("*") if path.is_file()}
    assert write_site(folder, build(config, store)) == []
    assert snapshot == {path: (path.read_bytes(), path.stat().st_mtime_ns)
                        for path in folder.rglob("*") if path.is_file()}


def test_pages_of_removed_keywords_and_days_are_removed(tmp_path):
    folder = tmp_path / "site"
    early = make_paper("2608.00001", first_seen="2026-08-20")
    late = make_paper("2608.00002", first_seen="2026-08-21")
    write_site(folder, build(config_of(tmp_path), store_of(series=(late,), graphs=(early,))))
    (folder / "CNAME").write_text("papers.example.org\n", encoding="utf-8")
    assert (folder / "days" / "2026-08-20.html").exists()

    changed = write_site(folder, build(config_of(tmp_path, SERIES), store_of(series=(late,))))
    assert folder / "keywords" / "graph-networks.html" in changed
    assert folder / "days" / "2026-08-20.html" in changed
    assert sorted(path.name for path in (folder / "keywords").iterdir()) == ["time-series.html"]
    assert sorted(path.name for path in (folder / "days").iterdir()) == ["2026-08-21.html"]
    assert (folder / "CNAME").exists()  # only the site's own pages are managed


def test_search_index_holds_every_paper_once_with_its_keywords(tmp_path):
    shared = make_paper("2608.00002")
    store = store_of(series=(make_paper("2608.00001"), shared),
                     graphs=(shared, make_paper("math/0601001")))
    data = json.loads(build(config_of(tmp_path), store)["search.json"])
    assert data["keywords"] == [["Time Series", "time-series"],
                                ["Graph Networks", "graph-networks"]]
    by_id = {paper["id"]: paper["k"] for paper in data["papers"]}
    assert by_id == {"2608.00001": [0], "2608.00002": [0, 1], "math/0601001": [1]}


def test_subscribe_box_offers_only_what_is_configured(tmp_path):
    store = store_of(series=(make_paper(),))
    bare = parse(build(config_of(tmp_path), store)["index.html"]).find("section", "subscribe")
    assert "Watch" not in bare.text and "feed" not in bare.text.lower()
    assert "cannot take your e-mail address" in bare.text
    config = config_of(tmp_path, repository="https://github.com/me/papers")
    box = parse(build(config, store)["index.html"]).find("section", "subscribe")
    assert "Watch" in box.text
    assert [a.attrs["href"] for a in box.find_all("a")] == ["https://github.com/me/papers"]


def test_user_templates_override_the_shipped_site_files(tmp_path):
    own = tmp_path / "templates" / "site"
    own.mkdir(parents=True)
    (own / "style.css").write_text("body { color: green; }\n", encoding="utf-8")
    files = build(config_of(tmp_path, templates=tmp_path / "templates"), store_of())
    assert files["style.css"] == "body { color: green; }\n"
    assert "No papers yet" in files["index.html"]


def test_broken_site_template_names_file_and_line(tmp_path):
    own = tmp_path / "templates" / "site"
    own.mkdir(parents=True)
    (own / "day.html.j2").write_text("line one\n{% if %}\n", encoding="utf-8")
    config = config_of(tmp_path, templates=tmp_path / "templates")
    with pytest.raises(OutputError, match=r"day\.html\.j2:2: template error"):
        build(config, store_of(series=(make_paper(),)))


@pytest.mark.parametrize(("section", "expected"), [
    ("", None),
    ("site:\n", SiteSettings()),
    ("site:\n  path: public\n  title: My Papers\n", SiteSettings(Path("public"), "My Papers")),
])
def test_site_section_is_optional(tmp_path, section, expected):
    path = tmp_path / "keywords.yaml"
    path.write_text(f"keywords: [Time Series]\n{section}", encoding="utf-8")
    if expected is not None:  # the folder is relative to the repository root
        expected = SiteSettings(tmp_path / expected.path, expected.title)
    assert load_config(path, env={}).site == expected


@pytest.mark.parametrize(("section", "message"), [
    ("site:\n  title: ''\n", r"keywords\.yaml:3: site\.title: expected non-empty text"),
    ("site:\n  folder: x\n", r"keywords\.yaml:3: site\.folder: unknown key"),
    ("site: [x]\n", r"keywords\.yaml:2: site: expected a mapping"),
])
def test_bad_site_section_names_file_line_and_key(tmp_path, section, message):
    path = tmp_path / "keywords.yaml"
    path.write_text(f"keywords: [Time Series]\n{section}", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path, env={})


@bounded(10)
@given(st.lists(st.sampled_from(["2026-08-19", "2026-08-20", "2026-08-21"]), min_size=1,
                max_size=6))
def test_every_paper_is_on_exactly_one_day_page(tmp_path_factory, days):
    tmp_path = tmp_path_factory.mktemp("days")
    papers = tuple(make_paper(f"2608.{n:05d}", first_seen=day) for n, day in enumerate(days))
    files = build(config_of(tmp_path), store_of(series=papers))
    listed = [url for name, page in files.items() if name.startswith("days/")
              for url in cards(page)]
    assert sorted(listed) == sorted(paper.abs_url for paper in papers)


def announcement(id: str, *keywords: str, title: str = "Announced") -> Announcement:
    return Announcement(id=id, version=1, title=title, authors=("C. Author",),
                        abstract="Announced\n  today.", categories=("cs.LG",),
                        announce_type="new", link=f"https://arxiv.org/abs/{id}",
                        keywords=keywords)


def test_digest_papers_on_a_keyword_join_their_announcement_day(tmp_path):
    stored = make_paper("2608.00001", first_seen="2026-08-20")
    digest = Digest(date="2026-08-21", papers=(
        announcement("2608.00001", SERIES.name, title="Already stored"),
        announcement("2608.00009", SERIES.name, GRAPHS.name, title="Only in the digest"),
        announcement("2608.00010", title="On no keyword"),
    ))
    config = config_of(tmp_path)
    written = write(config, store_of(series=(stored,)), RunNews("2026-08-21",
                                                                recent_digests=(digest,)))
    folder = tmp_path / "site"
    assert folder / "days" / "2026-08-21.html" in written
    day = cards((folder / "days" / "2026-08-21.html").read_text(encoding="utf-8"))
    assert list(day) == ["https://arxiv.org/abs/2608.00009v1"]
    assert day["https://arxiv.org/abs/2608.00009v1"] == {
        "title": "Only in the digest", "authors": "C. Author", "abstract": "Announced today.",
        "tags": "Time Series,Graph Networks"}
    assert list(cards((folder / "index.html").read_text(encoding="utf-8"))) == list(day)
    earlier = cards((folder / "days" / "2026-08-20.html").read_text(encoding="utf-8"))
    assert earlier[stored.abs_url]["title"] == stored.title  # the store's own copy wins
    search = json.loads((folder / "search.json").read_text(encoding="utf-8"))
    assert sorted(paper["id"] for paper in search["papers"]) == ["2608.00001", "2608.00009"]


def test_subscribe_box_links_the_feeds_copied_into_the_site_and_the_mailing_list(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "digest.xml").write_text("<feed>digest</feed>\n", encoding="utf-8")
    (feeds / "time-series.xml").write_text("<feed>series</feed>\n", encoding="utf-8")
    (feeds / "unrelated.xml").write_text("<feed/>\n", encoding="utf-8")
    config = Config(keywords=(SERIES, GRAPHS), paths=Paths(templates=tmp_path / "x"),
                    site=SiteSettings(path=tmp_path / "site"), feeds=FeedSettings(feeds),
                    email=EmailSettings(host="smtp.example.org", sender="p@example.org",
                                        to=("me@example.org",)))
    files = build(config, store_of(series=(make_paper(),)))
    assert files["feeds/digest.xml"] == "<feed>digest</feed>\n"
    assert files["feeds/time-series.xml"] == "<feed>series</feed>\n"
    assert not any(name.endswith(("graph-networks.xml", "unrelated.xml")) for name in files)
    index = parse(files["index.html"])
    box = index.find("section", "subscribe")
    assert [a.attrs["href"] for a in box.find_all("a")] == ["feeds/digest.xml",
                                                            "feeds/time-series.xml"]
    assert "ask the maintainer" in box.text and "@" not in box.text
    alternates = [link.attrs["href"] for link in index.find_all("link")
                  if link.attrs.get("rel") == "alternate"]
    assert alternates == ["feeds/digest.xml", "feeds/time-series.xml"]
    day = parse(files["days/2026-08-21.html"])
    assert [link.attrs["href"] for link in day.find_all("link")
            if link.attrs.get("rel") == "alternate"] == ["../feeds/digest.xml",
                                                         "../feeds/time-series.xml"]


def test_a_site_whose_feeds_folder_is_the_feeds_output_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "keep.xml").write_text("<feed/>\n", encoding="utf-8")
    config = Config(keywords=(SERIES,), paths=Paths(templates=tmp_path / "x"),
                    site=SiteSettings(path=Path(".")), feeds=FeedSettings(Path("feeds")))
    with pytest.raises(OutputError, match=r"site\.path \.: its feeds/ folder is the feeds"):
        build_site(config, Store())
    assert (tmp_path / "feeds" / "keep.xml").exists()
    assert not (tmp_path / "index.html").exists()


def test_a_long_day_shows_its_newest_papers_on_the_index_and_all_on_its_page(tmp_path):
    papers = tuple(make_paper(f"2608.{n:05d}", updated=f"2026-08-{1 + n // 24:02d}T"
                              f"{n % 24:02d}:00:00Z") for n in range(INDEX_LIMIT + 5))
    files = build(config_of(tmp_path), store_of(series=papers))
    newest_first = sorted(papers, key=lambda paper: paper.updated, reverse=True)
    assert list(cards(files["index.html"])) == [p.abs_url for p in newest_first[:INDEX_LIMIT]]
    assert len(cards(files["days/2026-08-21.html"])) == INDEX_LIMIT + 5
    (latest,) = [e for e in parse(files["index.html"]).iter() if e.attrs.get("id") == "latest"]
    more = latest.find_all("a")
    assert ("days/2026-08-21.html", f"All {INDEX_LIMIT + 5} papers of 2026-08-21") in [
        (a.attrs["href"], a.text) for a in more]


def test_a_damaged_date_never_becomes_a_page_or_a_file_name(tmp_path):
    paper = make_paper(first_seen="../../index")
    files = build(config_of(tmp_path), store_of(series=(paper,)))
    assert not any(name.startswith("days/") for name in files)
    assert list(cards(files["keywords/time-series.html"])) == [paper.abs_url]
    assert "No papers yet" in parse(files["index.html"]).find("main").text
