"""Pure bookkeeping of papers: filter, merge, dedupe, trim, and keyword records.

Nothing here does I/O; every function takes plain data and returns new data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from tracker.models import KeywordRecord, Paper


def newest_first(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """Sort by ``updated``, newest first; ties by id so the order never depends on input order."""
    return tuple(sorted(papers, key=lambda p: (p.updated, p.id), reverse=True))


def in_categories(paper: Paper, allowed: Sequence[str]) -> bool:
    """True when some category of the paper is allowed; an empty filter allows everything.

    An entry with a dot (``cs.LG``) is one category; one without (``cs``) is a
    whole archive, as in the original tracker's ``cs``/``stat`` filter.
    """
    if not allowed:
        return True
    return any(
        category == entry or ("." not in entry and category.startswith(entry + "."))
        for category in paper.categories
        for entry in allowed
    )


@lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as whole words, any whitespace between them, case-insensitive."""
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def mentions(paper: Paper, phrase: str) -> bool:
    """True when the phrase appears as whole words in the title or abstract."""
    pattern = phrase_pattern(phrase)
    return bool(pattern.search(paper.title) or pattern.search(paper.abstract))


def select(papers: Iterable[Paper], categories: Sequence[str],
           exclude: Sequence[str]) -> tuple[Paper, ...]:
    """The papers that pass the category filter and mention no excluded phrase."""
    return tuple(
        paper for paper in papers
        if in_categories(paper, categories) and not any(mentions(paper, p) for p in exclude)
    )


@dataclass(frozen=True)
class MergeResult:
    papers: tuple[Paper, ...]
    """The merged list, newest first, at most ``limit`` long."""
    new: tuple[Paper, ...] = ()
    """Kept papers that were not stored before."""
    revised: tuple[Paper, ...] = ()
    """Kept papers whose version is newer than the stored one."""


def merge(stored: Sequence[Paper], fetched: Sequence[Paper], limit: int) -> MergeResult:
    """Merge fetched papers into stored ones.

    Papers are the same paper when their ids (without version) are equal. A
    newer version replaces the stored one but keeps its ``first_seen`` and
    what was notified of it (so it counts as revised); the same version
    refreshes the metadata (arXiv corrects it at times); an older version
    than stored is ignored. The result is sorted newest first and trimmed to
    ``limit``.
    """
    by_id = {paper.id: paper for paper in stored}
    revised_ids: set[str] = set()
    for paper in fetched:
        old = by_id.get(paper.id)
        if old is None:
            by_id[paper.id] = paper
        elif paper.version >= old.version:
            by_id[paper.id] = replace(paper, first_seen=old.first_seen,
                                      notified_version=old.notified_version)
            if paper.version > old.version:
                revised_ids.add(paper.id)
    kept = newest_first(by_id.values())[:limit]
    stored_ids = {paper.id for paper in stored}
    return MergeResult(
        papers=kept,
        new=tuple(p for p in kept if p.id not in stored_ids),
        revised=tuple(p for p in kept if p.id in revised_ids),
    )


def same_selection(record: KeywordRecord, query: str, categories: Sequence[str]) -> bool:
    """True when the stored papers were selected with this query and category filter."""
    return record.query == query and record.categories == tuple(categories)


def record_after_fetch(
    record: KeywordRecord,
    fetched: Sequence[Paper],
    *,
    query: str,
    categories: Sequence[str],
    exclude: Sequence[str],
    limit: int,
    today: str,
) -> tuple[KeywordRecord, MergeResult]:
    """The keyword's record after a successful fetch, and what the merge found.

    When the query or the category filter changed since the papers were
    stored, the fetch was a full one and replaces them: papers it no longer
    returns are dropped, papers it returns again keep their ``first_seen``.
    ``last_success`` and ``seen_newest`` move only when the record changes
    otherwise, so a day with nothing new leaves the store byte-identical.
    """
    fetched_ids = {paper.id for paper in fetched}
    same = same_selection(record, query, categories)
    base = record.papers if same else tuple(
        paper for paper in record.papers if paper.id in fetched_ids
    )
    result = merge(select(base, categories, exclude), select(fetched, categories, exclude), limit)
    updated = replace(
        record,
        papers=result.papers,
        query=query,
        categories=tuple(categories),
        last_error=None,
        failing_since=None,
    )
    if updated != record:
        newest = max((paper.updated for paper in fetched), default=None)
        previous = record.seen_newest if same else None  # another query saw other papers
        seen = max(filter(None, (newest, previous)), default=None)
        updated = replace(updated, last_success=today, seen_newest=seen)
    return updated, result


def record_after_failure(record: KeywordRecord, cause: str, today: str) -> KeywordRecord:
    """The keyword's record after a failed fetch: papers untouched, the failure noted."""
    return replace(record, last_error=cause, failing_since=record.failing_since or today)
