"""The notification issues: which papers they list and how they are split.

GitHub refuses an issue body over 65,536 characters. A notification that
would be longer is split: one issue per keyword, and a keyword too long for
one issue continues in further issues, "(2/3)" in the title. Nothing is
dropped silently; only a single row too long for an issue on its own is cut,
with a visible mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import jinja2

from tracker.models import Digest, Paper, Store
from tracker.outputs.readme import ISSUE_TEMPLATE, long_date, render

GITHUB_BODY_LIMIT = 65_536
DIGEST_ISSUE_TEMPLATE = "issue-digest.md.j2"
_CUT_MARK = " [cut: too long for one issue]"


@dataclass(frozen=True)
class IssueRow:
    paper: Paper
    revised: bool = False


@dataclass(frozen=True)
class IssueSection:
    name: str
    rows: tuple[IssueRow, ...]


def pending_sections(store: Store, names: Sequence[str], per_keyword: int) -> list[IssueSection]:
    """Per keyword, the newest ``per_keyword`` papers not announced yet (new or revised)."""
    sections = []
    for name in names:
        record = store.keywords.get(name)
        papers = [paper for paper in record.papers if paper.pending] if record else []
        rows = tuple(IssueRow(paper, revised=paper.revised) for paper in papers[:per_keyword])
        sections.append(IssueSection(name, rows))
    return sections


def mark_notified(store: Store, names: Sequence[str]) -> Store:
    """The store with every paper of these keywords counted as announced."""
    keywords = dict(store.keywords)
    for name in names:
        record = keywords.get(name)
        if record is None or not any(paper.pending for paper in record.papers):
            continue
        papers = tuple(replace(paper, notified_version=paper.version) if paper.pending else paper
                       for paper in record.papers)
        keywords[name] = replace(record, papers=papers)
    return replace(store, keywords=keywords)


@dataclass(frozen=True)
class IssueSettingsView:
    """What the issue template needs besides the rows."""

    day: str
    repository: str
    labels: tuple[str, ...]
    max_per_keyword: int


def _document(env: jinja2.Environment, view: IssueSettingsView,
              sections: Sequence[IssueSection], part: str | None) -> str:
    return render(
        env, ISSUE_TEMPLATE,
        sections=list(sections),
        part=part,
        date_long=long_date(view.day),
        repository=view.repository,
        labels=view.labels,
        max_per_keyword=view.max_per_keyword,
    )


def body_of(document: str) -> str:
    """The issue body: everything after the four lines of front matter."""
    return document.split("\n", 4)[4] if document.count("\n") >= 4 else ""


def _fits(document: str, limit: int) -> bool:
    return len(body_of(document)) <= limit


def _cut(value: str | None, length: int) -> str | None:
    if value is None or len(value) <= length:
        return value
    return value[:length] + _CUT_MARK


def _chunks(env: jinja2.Environment, view: IssueSettingsView, section: IssueSection,
            limit: int) -> list[tuple[IssueRow, ...]]:
    """Consecutive runs of rows, each fitting in one issue body."""
    def fits(rows: list[IssueRow]) -> bool:
        return _fits(_document(env, view, [IssueSection(section.name, tuple(rows))], None), limit)

    chunks: list[tuple[IssueRow, ...]] = []
    current: list[IssueRow] = []
    for row in section.rows:
        if fits([*current, row]):
            current.append(row)
            continue
        if current:
            chunks.append(tuple(current))
        if not fits([row]):
            paper = row.paper
            row = replace(row, paper=replace(paper, title=_cut(paper.title, 1000) or "",
                                             comment=_cut(paper.comment, 10_000)))
        current = [row]
    if current:
        chunks.append(tuple(current))
    return chunks


def issue_documents(env: jinja2.Environment, view: IssueSettingsView,
                    sections: Sequence[IssueSection], *, per_keyword: bool = False,
                    limit: int = GITHUB_BODY_LIMIT) -> list[str]:
    """The issue files to open, front matter included; none when no section has rows."""
    sections = [section for section in sections if section.rows]
    if not sections:
        return []
    if not per_keyword:
        single = _document(env, view, sections, None)
        if _fits(single, limit):
            return [single]
    documents = []
    for section in sections:
        chunks = _chunks(env, view, section, limit)
        for index, rows in enumerate(chunks, start=1):
            part = section.name if len(chunks) == 1 else f"{section.name} ({index}/{len(chunks)})"
            documents.append(_document(env, view, [IssueSection(section.name, rows)], part))
    return documents


def digest_issue_documents(env: jinja2.Environment, view: IssueSettingsView, digest: Digest,
                           *, limit: int = GITHUB_BODY_LIMIT) -> list[str]:
    """The day's digest as notification issues (``issue.body: digest``), split by papers.

    Each issue holds as many whole papers as fit in GitHub's body limit; a
    single paper too long on its own gets an issue of its own (GitHub then
    refuses that one, the others go out).
    """
    from tracker.outputs.digest import render_digest

    blocks = [render_digest(env, replace(digest, papers=(paper,))) for paper in digest.papers]
    parts: list[list[str]] = [[]]
    size = 0
    for block in blocks:
        if parts[-1] and size + len(block) > limit - 200:  # room for the front matter
            parts.append([])
            size = 0
        parts[-1].append(block)
        size += len(block)
    return [
        render(env, DIGEST_ISSUE_TEMPLATE, date_long=long_date(digest.date), labels=view.labels,
               count=len(part), body="".join(part),
               part=f"{number}/{len(parts)}" if len(parts) > 1 else None)
        for number, part in enumerate(parts, start=1)
    ]
