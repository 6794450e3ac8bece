"""What the Daily Papers site shows, as plain values: days, keywords, entries, the search index.

Pure functions over the store and the run's digests; ``site`` renders and
writes. A paper is one entry however many keywords hold it: the keywords
become its tags. A day is a date on which papers arrived: the store's
``first_seen`` date of each stored paper, and the announcement date of each
paper of a recent digest (``RunNews.recent_digests``) that matched a keyword
and is not in the store yet. Every list is
sorted, so the same store always gives the same site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tracker.config import Keyword
from tracker.markdown import clean
from tracker.models import Announcement, Digest, Paper, Store

LEAD_CHARS = 300
"""An abstract longer than this shows its first words and folds the rest under "more"."""
INDEX_LIMIT = 200
"""Most papers the front page lists; the day's page lists all of them."""


@dataclass(frozen=True)
class Tag:
    """A keyword as a link: its name and the slug of its page."""

    name: str
    slug: str


@dataclass(frozen=True)
class Entry:
    """One paper as a card on the site."""

    id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    day: str
    """The day it arrived: first seen by the tracker, or announced by arXiv."""
    updated: str
    """Date of the version shown (``YYYY-MM-DD``), for sorting and display."""
    url: str
    tags: tuple[Tag, ...] = ()

    @cached_property
    def lead(self) -> str:
        """The abstract's first words (all of it when short)."""
        return split_abstract(self.abstract)[0]

    @cached_property
    def rest(self) -> str:
        """The rest of the abstract, folded under "more"; empty when short."""
        return split_abstract(self.abstract)[1]


@dataclass(frozen=True)
class Day:
    date: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class KeywordPage:
    tag: Tag
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class SiteModel:
    """Everything the pages are made of."""

    days: tuple[Day, ...]
    """Newest first."""
    keywords: tuple[KeywordPage, ...]
    """Config order."""
    entries: tuple[Entry, ...] = field(default=())
    """Every paper on the site once, newest day first: what the search covers."""

    @property
    def latest(self) -> Day | None:
        return self.days[0] if self.days else None


def split_abstract(text: str, limit: int = LEAD_CHARS) -> tuple[str, str]:
    """Cut clean ``text`` at the last space before ``limit``; the parts join with a space."""
    if len(text) <= limit + 40:  # folding away a few words helps nobody
        return text, ""
    cut = text.rfind(" ", 0, limit)
    if cut <= 0:  # one very long word: nothing to fold at
        return text, ""
    return text[:cut], text[cut + 1:]


def _sort_key(entry: Entry) -> tuple[str, str, str]:
    # Newest day, then newest version, then the id, descending: fixed whatever the input order.
    return (entry.day, entry.updated, entry.id)


def _names(authors: Iterable[str]) -> tuple[str, ...]:
    return tuple(name for name in map(clean, authors) if name)


def _from_paper(paper: Paper, tags: tuple[Tag, ...]) -> Entry:
    return Entry(id=paper.id, version=paper.version, title=clean(paper.title),
                 authors=_names(paper.authors), abstract=clean(paper.abstract),
                 day=paper.first_seen, updated=paper.updated_date, url=paper.abs_url, tags=tags)


def _from_announcement(item: Announcement, day: str, tags: tuple[Tag, ...]) -> Entry:
    return Entry(id=item.id, version=item.version, title=clean(item.title),
                 authors=_names(item.authors), abstract=clean(item.abstract), day=day,
                 updated=day, url=f"https://arxiv.org/abs/{item.id}v{item.version}", tags=tags)


def build_model(keywords: Sequence[Keyword], store: Store,
                digests: Iterable[Digest] = ()) -> SiteModel:
    """The site of the configured ``keywords`` (config order) from the store and the digests."""
    tags = {keyword.name: Tag(keyword.name, keyword.slug) for keyword in keywords}
    holders: dict[str, list[Tag]] = {}
    newest: dict[str, Paper] = {}
    for keyword in keywords:
        record = store.keywords.get(keyword.name)
        for paper in record.papers if record else ():
            holders.setdefault(paper.id, []).append(tags[keyword.name])
            kept = newest.get(paper.id)
            if kept is None or (paper.version, paper.first_seen) > (kept.version,
                                                                    kept.first_seen):
                newest[paper.id] = paper
    entries = {pid: _from_paper(paper, tuple(holders[pid])) for pid, paper in newest.items()}
    for digest in digests:
        for item in digest.papers:
            if item.id in entries:
                continue
            matched = tuple(tags[name] for name in item.keywords if name in tags)
            if not matched:  # the site is about the keywords; the digest lists the rest
                continue
            entries[item.id] = _from_announcement(item, digest.date, matched)
    ordered = tuple(sorted(entries.values(), key=_sort_key, reverse=True))
    by_day: dict[str, list[Entry]] = {}
    for entry in ordered:
        by_day.setdefault(entry.day, []).append(entry)
    # A damaged date never becomes a page (nor a file name); its papers stay on their keywords.
    days = tuple(Day(day, tuple(items)) for day, items in by_day.items() if is_day(day))
    pages = []
    for keyword in keywords:
        record = store.keywords.get(keyword.name)
        ids = [paper.id for paper in record.papers] if record else []
        pages.append(KeywordPage(tags[keyword.name], tuple(entries[pid] for pid in ids)))
    return SiteModel(days=days, keywords=tuple(pages), entries=ordered)


def search_index(model: SiteModel) -> str:
    """``search.json``: every entry of the site as compact, sorted JSON for ``search.js``.

    ``keywords`` lists ``[name, slug]`` pairs; each paper holds ``id``,
    ``v`` (version), ``t`` (title), ``a`` (authors), ``s`` (abstract),
    ``d`` (day) and ``k`` (indexes into ``keywords``). The text is stored
    as written: ``search.js`` puts it into the page as text nodes only.
    """
    order = {page.tag.slug: number for number, page in enumerate(model.keywords)}
    papers = [{"id": entry.id, "v": entry.version, "t": entry.title,
               "a": ", ".join(entry.authors), "s": entry.abstract, "d": entry.day,
               "k": [order[tag.slug] for tag in entry.tags if tag.slug in order]}
              for entry in model.entries]
    data = {"keywords": [[page.tag.name, page.tag.slug] for page in model.keywords],
            "papers": papers}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_day(name: str) -> bool:
    """True for a ``YYYY-MM-DD`` page name: only such names are used as file names."""
    return _DAY.fullmatch(name) is not None
