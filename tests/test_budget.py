"""The README budget (tracker.outputs.budget) and the keyword pages (outputs.pages)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests import markdown_model as md
from tests.conftest import Project, entry, make_paper
from tracker.config import Config, FeedSettings, Keyword, Paths, load_config
from tracker.errors import ConfigError
from tracker.models import KeywordRecord, Paper, Store
from tracker.outputs import budget, pages
from tracker.outputs import readme as readme_output
from tracker.outputs.budget import BudgetTooSmall, SectionSize, choose_rows
from tracker.sources.query import build_query
from tracker.store import load_store

TODAY = "2026-08-21"
LINK_LINE = re.compile(r"^\[All (\d+) papers? of (.+)\]\((\S+)\)$")


# --- choose_rows: pure ---


def size(rows: int, row: int = 10, base: int = 5, link: int = 3,
         stored: int | None = None) -> SectionSize:
    return SectionSize(base=base, rows=(row,) * rows, link=link,
                       stored=rows if stored is None else stored)


def test_a_readme_within_the_budget_is_not_cut():
    sizes = [size(10), size(10)]  # 2 * (5 + 100) + 20 = 230 bytes
    assert choose_rows(20, sizes, 230) is None
    assert choose_rows(20, sizes, 10_000) is None


def test_every_keyword_gets_the_same_largest_number_of_rows():
    sizes = [size(10), size(10), size(10)]
    # cap N costs 20 + 3 * (5 + 10 N + 3): N = 7 is 254 bytes, N = 8 is 284
    assert choose_rows(20, sizes, 283) == 7
    assert choose_rows(20, sizes, 284) == 8
    assert choose_rows(20, sizes, 254) == 7
    assert choose_rows(20, sizes, 253) == 6


def test_a_short_section_shows_all_its_rows_and_needs_no_link():
    sizes = [size(2), size(50)]
    # N = 20: 0 + (5 + 20) + (5 + 200 + 3) = 233; the short keyword adds no link
    assert choose_rows(0, sizes, 233) == 20
    assert choose_rows(0, sizes, 232) == 19


def test_rows_beyond_readme_rows_still_count_as_cut():
    # The first keyword may show 5 rows (readme_rows) of the 100 it keeps.
    sizes = [size(5, stored=100), size(50)]
    assert choose_rows(0, sizes, 5 + 50 + 5 + 500) is None  # fits: no cut, no link
    # N = 49: (5 + 50 + 3) + (5 + 490 + 3) = 556; once cut, the first section links too
    assert choose_rows(0, sizes, 559) == 49
    assert choose_rows(0, sizes, 555) == 48


def test_a_heavy_link_can_make_more_rows_the_smaller_readme():
    # A keyword of 3 one-byte rows whose link takes 50 bytes.
    sizes = [size(3, row=1, link=50), size(10, row=1, link=0)]
    assert choose_rows(0, sizes, 16) == 3  # (5 + 3) + (5 + 3) = 16
    with pytest.raises(BudgetTooSmall) as caught:  # N < 3 brings the link: 60 bytes and more
        choose_rows(0, sizes, 15)
    assert caught.value.smallest == 5 + 50 + 5


def test_a_budget_too_small_for_the_headings_is_refused():
    with pytest.raises(BudgetTooSmall) as caught:
        choose_rows(100, [size(10), size(10)], 115)
    assert caught.value.smallest == 100 + 2 * (5 + 3)
    assert choose_rows(100, [size(10), size(10)], 116) == 0


def test_no_sections_and_no_rows():
    assert choose_rows(50, [], 50) is None
    with pytest.raises(BudgetTooSmall):
        choose_rows(50, [], 49)
    with pytest.raises(BudgetTooSmall):
        choose_rows(50, [size(0)], 54)


# --- rendering ---


def big_paper(keyword: int, index: int) -> Paper:
    day = 28 - index // 10
    return make_paper(f"2608.{keyword}{index:04d}",
                      updated=f"2026-07-{day:02d}T{index % 10:02d}:00:00Z",
                      title=f"Paper {index} of keyword {keyword}: “naïve” résumé",
                      abstract=f"Étude {index}. " + "Ünïcode abstract words. " * (10 + index % 7),
                      comment="12 pages, 3 figures" if index % 2 else None)


def big_store(keywords: int, papers: int) -> Store:
    return Store(keywords={f"Keyword {k}": KeywordRecord(papers=tuple(big_paper(k, i)
                                                                        for i in range(papers)))
                           for k in range(keywords)},
                 last_change="2026-08-20")


def big_config(keywords: int, tmp_path: Path, **settings: object) -> Config:
    paths = Paths(readme=tmp_path / "README.md", papers=tmp_path / "papers",
                  store=tmp_path / "data" / "papers.json")
    return Config(keywords=tuple(Keyword(f"Keyword {k}") for k in range(keywords)),
                  paths=paths, **settings)  # type: ignore[arg-type]


def budgeted(config: Config, store: Store, existing: str | None = None
             ) -> budget.BudgetedReadme:
    env = readme_output.environment(None)
    return budget.budgeted_readme(env, config, store, TODAY,
                                         readme_output.readme_frame(existing))


def uncut(config: Config, store: Store, existing: str | None = None) -> str:
    env = readme_output.environment(None)
    values = readme_output.readme_values(config, store, TODAY)
    return readme_output.framed_readme(env, values, readme_output.readme_frame(existing))


def table_rows(section: str) -> list[str]:
    return [line for line in section.split("\n") if line.startswith("| **[")]


def sections_of(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_under_the_budget_the_readme_is_what_it_always_was(tmp_path):
    config, store = big_config(3, tmp_path), big_store(3, 20)
    result = budgeted(config, store)
    assert result.text == uncut(config, store)
    assert result.cut is None and result.linked == ()


def test_over_the_budget_every_section_shows_the_same_newest_rows_and_a_link(tmp_path):
    store = big_store(4, 60)
    config = big_config(4, tmp_path, readme_budget=60_000)
    full = uncut(config, store)
    assert len(full.encode()) > 60_000
    result = budgeted(config, store)
    size = len(result.text.encode())
    assert size <= 60_000
    assert result.cut is not None and 0 < result.cut < 60
    assert result.linked == tuple(f"Keyword {k}" for k in range(4))
    full_sections = sections_of(full)
    for name, section in sections_of(result.text).items():
        rows = table_rows(section)
        assert rows == table_rows(full_sections[name])[: result.cut]  # same rows, newest first
        slug = name.lower().replace(" ", "-")
        assert section.endswith(f"\n\n[All 60 papers of {name}](papers/{slug}.md)\n\n")
    # The largest such number: one more row per keyword does not fit.
    values = readme_output.readme_values(config, store, TODAY)
    env = readme_output.environment(None)
    more = budget.cut_sections(config, store, values["sections"], result.cut + 1)
    assert len(readme_output.full_readme(env, {**values, "sections": more}).encode()) > 60_000


def test_the_link_line_leaves_the_table_whole(tmp_path):
    store = big_store(2, 30)
    result = budgeted(big_config(2, tmp_path, readme_budget=20_000), store)
    blocks = md.parse(result.text).children
    kinds = [node.type for node in blocks]
    header = kinds.index("heading", 1)  # after "# Daily Papers"
    assert kinds[header:] == ["heading", "table", "paragraph"] * 2
    for table in (node for node in blocks if node.type == "table"):
        _, body = table.children
        assert len(body.children) == result.cut
    link = md.inline(blocks[-1])[0]
    assert link.type == "link" and link.attrs["href"] == "papers/keyword-1.md"


def test_the_budget_counts_the_text_around_the_markers(tmp_path):
    store = big_store(3, 40)
    config = big_config(3, tmp_path, readme_budget=40_000)
    plain = budgeted(config, store)
    existing = ("# Mine\n\n" + "Hand-written text. " * 500 + "\n\n<!-- tracker:start -->\n"
                "<!-- tracker:end -->\n")
    framed = budgeted(config, store, existing)
    assert len(framed.text.encode()) <= 40_000
    assert framed.text.startswith(existing.split("<!-- tracker:start -->")[0])
    assert framed.cut is not None and plain.cut is not None and framed.cut < plain.cut


def test_readme_rows_apply_first_and_a_cut_links_what_they_hid(tmp_path):
    store = big_store(3, 50)
    fits = big_config(3, tmp_path, readme_rows=5, readme_budget=450_000)
    assert budgeted(fits, store).text == uncut(fits, store)  # no cut, no link
    config = replace(fits, readme_rows=30, readme_budget=30_000)
    result = budgeted(config, store)
    assert result.cut is not None and result.cut < 30
    assert all(len(table_rows(section)) == result.cut
               for section in sections_of(result.text).values())


def test_a_keyword_with_few_papers_shows_them_all_without_a_link(tmp_path):
    store = big_store(2, 60)
    store = replace(store, keywords={**store.keywords, "Few": KeywordRecord(
        papers=tuple(big_paper(9, i) for i in range(2)))})
    config = big_config(2, tmp_path, readme_budget=30_000)
    config = replace(config, keywords=(*config.keywords, Keyword("Few"), Keyword("None yet")))
    result = budgeted(config, store)
    assert result.linked == ("Keyword 0", "Keyword 1")
    sections = sections_of(result.text)
    assert len(table_rows(sections["Few"])) == 2 and "[All" not in sections["Few"]
    assert table_rows(sections["None yet"]) == [] and "[All" not in sections["None yet"]


def test_a_budget_too_small_for_the_headings_is_a_config_error(tmp_path):
    names = tuple(Keyword(f"A rather long keyword heading number {k}") for k in range(400))
    config = Config(keywords=names, readme_budget=10_000,
                    paths=Paths(readme=tmp_path / "README.md"))
    store = Store(keywords={names[0].name: KeywordRecord(papers=(make_paper(),))})
    with pytest.raises(ConfigError, match=r"readme_budget: 10,000 bytes cannot hold the README "
                       r"even without papers \(\d{2},\d{3} bytes: header, headings, links\)"):
        budgeted(config, store)


def test_the_link_is_relative_to_the_readme_and_percent_encoded(tmp_path):
    config = replace(big_config(1, tmp_path, readme_budget=10_000),
                     keywords=(Keyword("Réseaux de neurones"),),
                     paths=Paths(readme=tmp_path / "docs" / "README.md",
                                 papers=tmp_path / "full lists"))
    store = Store(keywords={"Réseaux de neurones": big_store(1, 40).keywords["Keyword 0"]})
    result = budgeted(config, store)
    (line,) = [line for line in result.text.split("\n") if LINK_LINE.match(line)]
    assert line.endswith("(../full%20lists/r%C3%A9seaux-de-neurones.md)")


# --- the keyword pages ---


def test_a_page_holds_every_stored_paper_in_the_readme_row_format(tmp_path):
    store = big_store(2, 40)
    config = big_config(2, tmp_path, readme_budget=20_000)
    result = budgeted(config, store)
    env = readme_output.environment(None)
    written = pages.keyword_pages(env, config, store, TODAY, result.linked)
    assert set(written) == {tmp_path / "papers" / "keyword-0.md", tmp_path / "papers" /
                            "keyword-1.md"}
    page = written[tmp_path / "papers" / "keyword-0.md"]
    assert page.startswith(pages.PAGE_MARK + "\n# Keyword 0\n")
    assert "[Back to the README](../README.md)" in page
    rows = table_rows(page)
    assert len(rows) == 40
    assert rows[: result.cut] == table_rows(sections_of(result.text)["Keyword 0"])
    assert rows == table_rows(uncut(config, store).split("## Keyword 1")[0])
    assert [block.type for block in md.parse(page).children][-1] == "table"


def test_stale_pages_go_and_the_users_files_stay(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    keep, stale, own = folder / "a.md", folder / "b.md", folder / "notes.md"
    for path in (keep, stale):
        path.write_text(pages.PAGE_MARK + "\n# A\n", encoding="utf-8")
    own.write_text("# My notes\n", encoding="utf-8")
    assert pages.remove_stale_pages(folder, [keep]) == [stale]
    assert keep.exists() and own.exists() and not stale.exists()
    own.unlink()
    assert pages.remove_stale_pages(folder, []) == [keep]
    assert list(folder.iterdir()) == []
    assert pages.remove_stale_pages(folder, []) == []
    assert pages.remove_stale_pages(tmp_path / "none", []) == []


def test_pages_are_written_only_when_they_change(tmp_path):
    page = {tmp_path / "papers" / "k.md": pages.PAGE_MARK + "\nx\n"}
    assert pages.write_pages(page) == list(page)
    assert pages.write_pages(page) == []


# --- end to end: the real ``tracker`` command against the fake arXiv ---

E2E_KEYWORDS = [f"Topic {name}" for name in "ABCDEFGHIJ"]


def e2e_entries(keyword: int) -> list[dict[str, object]]:
    """100 papers of about 2 kB each: ten keywords make a 2 MB README uncut."""
    return [entry(f"2607.{keyword:02d}{index:03d}v1",
                  f"2026-07-{28 - index // 10:02d}T{index % 10:02d}:00:00Z",
                  title=f"Paper {index} of topic {keyword}: “naïve” estimators",
                  summary=f"Étude {index}. " + "We study résumé-style abstracts at length. " * 46,
                  comment="12 pages, 3 figures, accepted at a venue of some note")
            for index in range(100)]


def test_a_2_mb_readme_is_kept_under_the_budget_with_working_pages(project: Project, fake_arxiv):
    config_text = ("keywords:\n" + "".join(f"  - {name}\n" for name in E2E_KEYWORDS)
                   + "arxiv: {delay: 0, backoff: 0, retries: 1}\nrepository: me/papers\n")
    project.write_config(config_text)
    fake_arxiv.feeds = {build_query(name): e2e_entries(number)
                        for number, name in enumerate(E2E_KEYWORDS)}
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 0, result.err
    summary = result.err.splitlines()[-1]
    cut = int(re.search(r"README cut to (\d+) papers a keyword to stay under 450,000 bytes; "
                        r"full lists in papers/", summary).group(1))
    readme_bytes = (project.root / "README.md").read_bytes()
    assert len(readme_bytes) <= 450_000

    stored = {name: [paper["id"] for paper in record["papers"]]
              for name, record in project.store()["keywords"].items()}
    config = load_config(project.root / "config" / "keywords.yaml", {})
    values = readme_output.readme_values(config, load_store(project.root / "data/papers.json"),
                                         "2026-08-21")
    whole = readme_output.full_readme(readme_output.environment(None), values)
    assert len(whole.encode()) > 2_000_000  # what GitHub would refuse to show
    whole_sections = sections_of(whole)

    sections = sections_of(readme_bytes.decode())
    assert list(sections) == E2E_KEYWORDS
    for name, section in sections.items():
        rows = table_rows(section)
        assert len(rows) == cut and rows == table_rows(whole_sections[name])[:cut]
        match = LINK_LINE.match(section.rstrip("\n").rsplit("\n", 1)[1])
        assert match and match.group(1) == "100" and match.group(2) == name
        page_file = project.root / unquote(match.group(3))
        assert page_file.is_file()
        page_rows = table_rows(page_file.read_text(encoding="utf-8"))
        assert page_rows == table_rows(whole_sections[name])  # every stored paper, same rows
        linked_ids = [re.search(r"\(https://arxiv\.org/abs/([^)v]+)v\d+\)", row).group(1)
                      for row in page_rows]
        assert linked_ids == stored[name] and len(linked_ids) == 100
    assert sorted(path.name for path in (project.root / "papers").iterdir()) == sorted(
        f"topic-{letter.lower()}.md" for letter in "ABCDEFGHIJ")

    # A day without news changes nothing, pages included.
    before = {path: path.stat().st_mtime_ns for path in (project.root / "papers").iterdir()}
    again = project.tracker("run", "--today", "2026-08-21")
    assert again.code == 0 and "README.md unchanged" in again.err
    assert {path: path.stat().st_mtime_ns for path in before} == before

    # One keyword left: the README fits again, uncut, and the tracker's pages go.
    project.write_config(config_text.replace("".join(f"  - {name}\n"
                                                     for name in E2E_KEYWORDS[1:]), ""))
    rendered = project.tracker("render", "--today", "2026-08-21")
    assert rendered.code == 0 and "README cut" not in rendered.err
    text = project.read("README.md")
    assert len(table_rows(text)) == 100 and "[All " not in text
    assert list((project.root / "papers").iterdir()) == []


def test_a_user_template_of_other_sizes_still_stays_within_the_budget(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    shipped = (Path(__file__).resolve().parents[1] / "templates" / "papers.md.j2").read_text()
    padded = shipped.replace("{{ paper_row(paper) }}\n",
                             "{{ paper_row(paper) }}\n<!-- " + "padding " * 60 + "-->\n")
    assert padded != shipped
    (templates / "papers.md.j2").write_text(padded, encoding="utf-8")
    store = big_store(3, 40)
    config = big_config(3, tmp_path, readme_budget=30_000)
    env = readme_output.environment(templates)
    result = budget.budgeted_readme(env, config, store, TODAY, None)
    assert len(result.text.encode()) <= 30_000
    measured = budgeted(config, store)  # the shipped template's rows are smaller: more fit
    assert result.cut is not None and measured.cut is not None and result.cut < measured.cut
    assert all(len(table_rows(section)) == result.cut
               for section in sections_of(result.text).values())


def test_render_within_stops_past_the_limit():
    env = readme_output.environment(None)
    values = readme_output.readme_values(big_config(2, Path("x")), big_store(2, 30), TODAY)
    whole = readme_output.paper_list(env, values)
    assert readme_output.render_within(env, "papers.md.j2", len(whole), **values) == whole
    assert readme_output.render_within(env, "papers.md.j2", len(whole) - 1, **values) is None


def test_rows_too_deep_to_fit_are_not_measured(tmp_path):
    store = big_store(4, 60)
    config = big_config(4, tmp_path, readme_budget=30_000)
    values = readme_output.readme_values(config, store, TODAY)
    env = readme_output.environment(None)
    fixed = len(readme_output.full_readme(env, {**values, "sections": []}).encode())
    sizes = budget.section_sizes(env, config, store, values, fixed, 30_000)
    depth = len(sizes[0].rows)
    assert all(len(size.rows) == depth for size in sizes) and depth < 60
    shallower = fixed + sum(size.base + sum(size.rows[:-1]) for size in sizes)
    assert shallower <= 30_000 < fixed + sum(size.base + sum(size.rows) for size in sizes)
    whole = budget.section_sizes(env, config, store, values, fixed, 10**9)
    assert [size.rows[:depth] for size in whole] == [size.rows for size in sizes]
    assert choose_rows(fixed, sizes, 30_000) == choose_rows(fixed, whole, 30_000)


def test_a_budget_too_small_stops_the_run_with_one_message(project: Project, fake_arxiv):
    names = [f"Keyword number {number} with a heading long enough to need many bytes"
             for number in range(40)]
    project.write_config("keywords:\n" + "".join(f"  - {name}\n" for name in names)
                         + "readme_budget: 10000\narxiv: {delay: 0, backoff: 0, retries: 1}\n"
                         "repository: me/papers\n")
    fake_arxiv.feeds = {build_query(name): [entry(f"2608.{number:05d}v1", "2026-08-20T10:00:00Z")]
                        for number, name in enumerate(names)}
    assert project.tracker("fetch", "--today", "2026-08-21").code == 0  # papers are stored
    fake_arxiv.requests.clear()
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 2, result.err
    assert fake_arxiv.requests == []  # refused before asking arXiv anything
    assert re.search(r"config/keywords\.yaml: readme_budget: 10,000 bytes cannot hold the README "
                     r"even without papers \(\d\d,\d{3} bytes: header, headings, links\); "
                     r"raise readme_budget", result.err)
    assert "Traceback" not in result.err
    assert not (project.root / "README.md").exists() and not (project.root / "papers").exists()


@pytest.mark.parametrize("markers", [False, True])
def test_feed_links_count_only_where_the_readme_shows_them(tmp_path, markers):
    store = big_store(3, 40)
    existing = "# Mine\n\n<!-- tracker:start -->\n<!-- tracker:end -->\n" if markers else None
    fits = replace(big_config(3, tmp_path), feeds=FeedSettings(path=tmp_path / "feeds"))
    assert budgeted(fits, store, existing).text == uncut(fits, store, existing)
    assert ("[Atom feed](feeds/keyword-0.xml)" in uncut(fits, store, existing)) is markers
    config = replace(fits, readme_budget=30_000)
    result = budgeted(config, store, existing)
    assert len(result.text.encode()) <= 30_000 and result.cut is not None
    # The largest number of rows: the feed links were counted where shown, and only there.
    values = readme_output.readme_values(config, store, TODAY)
    more = budget.cut_sections(config, store, values["sections"], result.cut + 1)
    frame = readme_output.readme_frame(existing)
    bigger = readme_output.framed_readme(readme_output.environment(None),
                                         {**values, "sections": more}, frame)
    assert len(bigger.encode()) > 30_000
