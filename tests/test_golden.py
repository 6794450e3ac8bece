"""Byte-exact output against the Daily Papers format, through the real CLI and a fake arXiv.

``fixtures/golden/README.md`` and ``issue-6-rows.md`` are real files of the
original tracker; ``feeds.json`` holds the same papers as arXiv would send
them (built by ``fixtures/golden/build_feeds.py``).
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import GOLDEN, Project
from tests.fake_arxiv import FakeArxiv


def setup(project: Project, fake: FakeArxiv, feeds: dict, rows: int | None = None) -> None:
    fake.feeds = feeds
    if rows is not None:  # serve only the newest `rows` cs/stat papers of each keyword
        fake.feeds = {query: [e for e in entries if e["categories"] != ["math.PR"]][:rows]
                      for query, entries in feeds.items()}
    (project.root / "config").mkdir()
    shutil.copy(GOLDEN / "keywords.yaml", project.root / "config" / "keywords.yaml")


def issue_sections(readme: str) -> str:
    """The sections the original's issue file has for a README: the rows without abstracts."""
    body = []
    for line in readme[readme.index("\n## ") + 1 :].split("\n"):
        if line.startswith("| **["):
            line = re.sub(r" <details><summary>Show</summary><p>.*?</p></details> \|", "", line,
                          count=1)
        elif line.startswith("| **Title**"):
            line = "| **Title** | **Date** | **Comment** |"
        elif line.startswith("| --- |"):
            line = "| --- | --- | --- |"
        body.append(line)
    return "\n".join(body)


def test_readme_and_issue_are_byte_identical(project, fake_arxiv, golden_feeds):
    setup(project, fake_arxiv, golden_feeds)
    result = project.tracker("run", "--today", "2026-08-21")
    assert result.code == 0, result.err
    expected = (GOLDEN / "README.md").read_bytes()
    assert (project.root / "README.md").read_bytes() == expected
    issue = (project.root / "build" / "issues" / "issue-1.md").read_text(encoding="utf-8")
    header = (GOLDEN / "issue-6-rows.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert issue == header + "\n" + issue_sections(expected.decode())
    # The filter dropped the one math.PR paper of each keyword and nothing else.
    assert all(len(k["papers"]) == 12 for k in project.store()["keywords"].values())


def test_issue_matches_the_original_issue_file(project, fake_arxiv, golden_feeds):
    setup(project, fake_arxiv, golden_feeds, rows=6)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    issue = (project.root / "build" / "issues" / "issue-1.md").read_bytes()
    assert issue == (GOLDEN / "issue-6-rows.md").read_bytes()


def test_another_day_changes_only_the_dates(project, fake_arxiv, golden_feeds):
    setup(project, fake_arxiv, golden_feeds)
    assert project.tracker("run", "--today", "2025-05-14").code == 0
    expected = (GOLDEN / "README.md").read_text(encoding="utf-8").replace(
        "Last update: 2026-08-21", "Last update: 2025-05-14")
    assert project.read("README.md") == expected
    assert "title: Latest 15 Papers - May 14, 2025\n" in project.read("build/issues/issue-1.md")


@pytest.mark.parametrize("command", ["render", "run"])
def test_second_run_with_nothing_new_changes_nothing(project, fake_arxiv, golden_feeds, command):
    setup(project, fake_arxiv, golden_feeds)
    assert project.tracker("run", "--today", "2026-08-21").code == 0
    before = {p: p.read_bytes() for p in (project.root / "data").iterdir() if p.is_file()}
    readme = project.read("README.md")
    result = project.tracker(command, "--today", "2026-08-22")
    assert result.code == 0, result.err
    assert project.read("README.md") == readme  # "Last update" is the day data last changed
    assert (project.root / "data" / "papers.json").read_bytes() == before[
        project.root / "data" / "papers.json"]
