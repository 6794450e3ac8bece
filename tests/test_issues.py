"""Notification issues (tracker.outputs.issues): only what is new, marked, split to fit GitHub."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import Project, entry, make_paper
from tracker.models import KeywordRecord, Store
from tracker.outputs import readme
from tracker.outputs.issues import (
    GITHUB_BODY_LIMIT,
    IssueRow,
    IssueSection,
    IssueSettingsView,
    body_of,
    issue_documents,
    mark_notified,
    pending_sections,
)
from tracker.sources.query import build_query

VIEW = IssueSettingsView(day="2026-08-21", repository="https://github.com/me/papers",
                         labels=("papers", "daily"), max_per_keyword=15)


def documents(sections, **options):
    return issue_documents(readme.environment(None), VIEW, sections, **options)


def test_only_unannounced_papers_are_pending_and_revisions_are_marked():
    announced = make_paper("2608.00001", notified_version=1)
    revised = make_paper("2608.00002", version=3, notified_version=2)
    new = make_paper("2608.00003")
    store = Store(keywords={"K": KeywordRecord(papers=(new, revised, announced))})
    (section,) = pending_sections(store, ["K"], per_keyword=15)
    assert section.rows == (IssueRow(new, revised=False), IssueRow(revised, revised=True))
    (document,) = documents([section])
    assert document.startswith("---\ntitle: Latest 15 Papers - August 21, 2026\n"
                               "labels: papers, daily\n---\n**Please check the "
                               "[Github](https://github.com/me/papers) page")
    rows = [line for line in document.splitlines() if line.startswith("| **[")]
    assert rows == [
        "| **[Title of 2608.00003](https://arxiv.org/abs/2608.00003v1)** | 2026-08-19 |  |",
        "| **[Title of 2608.00002](https://arxiv.org/abs/2608.00002v3)** (revised: v3) "
        "| 2026-08-19 |  |",
    ]


def test_marking_counts_every_paper_as_announced():
    store = Store(keywords={"K": KeywordRecord(papers=(
        make_paper("2608.00001"), make_paper("2608.00002", version=2, notified_version=1)))})
    marked = mark_notified(store, ["K"])
    assert pending_sections(marked, ["K"], 15)[0].rows == ()
    assert [p.notified_version for p in marked.keywords["K"].papers] == [1, 2]
    assert mark_notified(marked, ["K"]) == marked


def test_a_day_with_nothing_new_has_no_issue():
    store = Store(keywords={"K": KeywordRecord(papers=(make_paper(notified_version=1),))})
    assert documents(pending_sections(store, ["K", "Missing"], 15)) == []


def test_rows_are_capped_per_keyword_newest_first():
    papers = tuple(make_paper(f"2608.{i:05d}", updated=f"2026-08-19T{23 - i:02d}:00:00Z")
                   for i in range(20))
    (section,) = pending_sections(Store(keywords={"K": KeywordRecord(papers=papers)}), ["K"], 15)
    assert [row.paper.id for row in section.rows] == [f"2608.{i:05d}" for i in range(15)]


def big_section(name: str, rows: int, comment_size: int = 2000) -> IssueSection:
    first = 1000 * (ord(name[0]) - ord("A"))  # distinct ids per section
    return IssueSection(name, tuple(IssueRow(make_paper(f"2608.{first + i:05d}",
                                                        comment="c" * comment_size))
                                    for i in range(rows)))


def test_one_issue_when_it_fits():
    (document,) = documents([big_section("A", 10), big_section("B", 10)])
    assert len(body_of(document)) < GITHUB_BODY_LIMIT
    assert "\n## A\n" in document and "\n## B\n" in document


def test_too_long_an_issue_is_split_per_keyword_then_continued():
    sections = [big_section("A", 10), big_section("B", 40)]  # about 21 kB and 84 kB
    docs = documents(sections)
    titles = [doc.splitlines()[1] for doc in docs]
    assert titles == ["title: Latest 15 Papers - August 21, 2026 - A",
                      "title: Latest 15 Papers - August 21, 2026 - B (1/2)",
                      "title: Latest 15 Papers - August 21, 2026 - B (2/2)"]
    assert all(len(body_of(doc)) <= GITHUB_BODY_LIMIT for doc in docs)
    listed = [line.split("](")[1].split(")")[0] for doc in docs for line in doc.splitlines()
              if line.startswith("| **[")]
    assert len(listed) == 50 and len(set(listed)) == 50  # nothing dropped, nothing twice
    assert all(doc.startswith("---\n") and doc.splitlines()[3] == "---" for doc in docs)


def test_per_keyword_option_gives_one_issue_each():
    docs = documents([big_section("A", 1), big_section("B", 1), IssueSection("C", ())],
                     per_keyword=True)
    assert [doc.splitlines()[1].rsplit(" - ", 1)[1] for doc in docs] == ["A", "B"]


def test_a_single_row_too_long_for_any_issue_is_cut_visibly():
    section = IssueSection("A", (IssueRow(make_paper(comment="x" * 200_000)),))
    (document,) = documents([section], limit=GITHUB_BODY_LIMIT)
    assert len(body_of(document)) <= GITHUB_BODY_LIMIT
    assert "[cut: too long for one issue]" in document


def test_keyword_names_cannot_break_the_front_matter():
    section = replace(big_section("A", 1), name="Odd <b>|name")
    (document,) = documents([section], per_keyword=True)
    assert document.splitlines()[1] == "title: Latest 15 Papers - August 21, 2026 - Odd <b>|name"
    assert "\n## Odd &lt;b>\\|name\n" in document


CONFIG = "keywords: [Alpha]\narxiv: {delay: 0}\nrepository: me/papers\n"


def issue_rows(project: Project) -> list[list[str]]:
    folder = project.root / "build" / "issues"
    return [[line for line in path.read_text().splitlines() if line.startswith("| **[")]
            for path in sorted(folder.glob("issue-*.md"))]


def test_runs_announce_each_paper_once(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    query = build_query("Alpha")
    fake_arxiv.feeds = {query: [entry("2608.00001v1", "2026-08-19T10:00:00Z"),
                                entry("2608.00002v1", "2026-08-19T09:00:00Z")]}
    assert project.tracker("run", "--today", "2026-08-20").code == 0
    assert [len(rows) for rows in issue_rows(project)] == [2]

    assert project.tracker("run", "--today", "2026-08-21").code == 0
    assert issue_rows(project) == []  # nothing new: no issue file at all

    fake_arxiv.feeds[query] = [entry("2608.00003v1", "2026-08-21T10:00:00Z"),
                               entry("2608.00002v2", "2026-08-21T09:00:00Z"),
                               entry("2608.00001v1", "2026-08-19T10:00:00Z")]
    assert project.tracker("run", "--today", "2026-08-22").code == 0
    (rows,) = issue_rows(project)
    assert rows == [
        "| **[Title 2608.00003v1](https://arxiv.org/abs/2608.00003v1)** | 2026-08-21 |  |",
        "| **[Title 2608.00002v2](https://arxiv.org/abs/2608.00002v2)** (revised: v2) "
        "| 2026-08-21 |  |",
    ]


def test_render_shows_pending_papers_without_counting_them_announced(project: Project,
                                                                     fake_arxiv):
    project.write_config(CONFIG)
    fake_arxiv.feeds = {build_query("Alpha"): [entry("2608.00001v1", "2026-08-19T10:00:00Z")]}
    assert project.tracker("fetch", "--today", "2026-08-20").code == 0
    for _ in range(2):
        assert project.tracker("render", "--today", "2026-08-20").code == 0
        assert [len(rows) for rows in issue_rows(project)] == [1]
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    assert [len(rows) for rows in issue_rows(project)] == [1]
    assert project.tracker("run", "--today", "2026-08-22").code == 0
    assert issue_rows(project) == []
