"""Read arXiv's Atom answers: is it a whole feed, what it says, and which entries are papers.

Layout from the arXiv API User's Manual, "Details of Atom Results Returned":
the ``opensearch:totalResults`` of the search, then one ``<entry>`` per
result with ``<id>`` (``http://arxiv.org/abs/ID vVERSION``), ``<updated>``,
``<published>``, ``<title>``, ``<summary>``, ``<author><name>``,
``<category term>``, ``<arxiv:primary_category term>`` and an optional
``<arxiv:comment>``. An error is a feed with one entry whose id holds
``/api/errors``, sent with status 400.

The parsers resolve no entity and load nothing from the network. One entry
that cannot be a paper (no arXiv id, an impossible or absurd date) is skipped
and counted, never the page; over-long fields are shortened and counted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from lxml import etree

from tracker.models import Paper

_NS = {"a": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_ENTRY_ID = re.compile(
    r"https?://arxiv\.org/abs/(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]{0,30}/\d{7})v(?P<version>\d{1,4})",
    re.ASCII,
)
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)", re.ASCII)
_COUNT = re.compile(r"\d{1,9}", re.ASCII)

# Limits on what one entry may bring. arXiv caps an abstract at 1,920 characters and
# titles run to a few hundred; the largest author lists (particle physics collaborations)
# hold about 3,000 names, of which a table row shows a handful.
MAX_TITLE = 1_000
MAX_ABSTRACT = 10_000
MAX_COMMENT = 2_000
MAX_AUTHORS = 500
MAX_AUTHOR_NAME = 300
EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)
"""arXiv began in August 1991: an earlier date is not a real one."""
FUTURE_SLACK = timedelta(days=2)
"""A date later than the run's day plus this is not a real one (time zones, clock skew)."""


def safe_parser() -> Any:
    """A strict lxml parser that resolves no entity and loads nothing from the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def feed_problem(body: bytes) -> str | None:
    """Why ``body`` is not a complete Atom feed, or ``None`` when it is one.

    The strict parse turns a truncated answer into a failure that is retried,
    rather than a short list of papers.
    """
    if not body.strip():
        return "an empty body"
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        head = body.lstrip()[:200].lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return "an HTML page instead of an Atom feed"
        return f"broken XML ({error.msg})"
    if root.tag != _ATOM_FEED:
        name = etree.QName(root).localname
        if name.lower() == "html":
            return "an HTML page instead of an Atom feed"
        return f"an unexpected document <{name}> instead of an Atom feed"
    return None


def api_error_message(body: bytes) -> str | None:
    """The explanation in an arXiv API error feed (sent with status 400), if there is one."""
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError:
        return None
    for entry in root.iterfind("a:entry", _NS):
        if "/api/errors" in entry.findtext("a:id", default="", namespaces=_NS):
            summary = entry.findtext("a:summary", default="", namespaces=_NS)
            return " ".join(summary.split()) or None
    return None


@dataclass(frozen=True)
class FeedPage:
    """One page of search results, read."""

    total: int
    """``opensearch:totalResults``: how many results the whole search has."""
    entries: int
    """Entries on the page, skipped ones included (the next page starts after them)."""
    papers: tuple[Paper, ...]
    skipped: tuple[str, ...] = ()
    """Why each skipped entry was skipped."""
    shortened: int = 0
    """Fields cut to their limit."""


def latest_believable(today: str, now: datetime | None = None) -> datetime:
    """The latest date an entry may carry: the end of the later of the run's day (``--today``
    may be in the past or the future) and the real one, plus ``FUTURE_SLACK``."""
    real = (now or datetime.now(UTC)).date()
    day = max(date.fromisoformat(today), real)
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1) + FUTURE_SLACK


def parse_page(body: bytes, today: str, latest: datetime | None = None) -> FeedPage:
    """Read a page that passed ``feed_problem``; ``latest``: see ``latest_believable``."""
    root = etree.fromstring(body, parser=safe_parser())
    total_text = (root.findtext("opensearch:totalResults", default="", namespaces=_NS)).strip()
    total = int(total_text) if _COUNT.fullmatch(total_text) else 0
    latest = latest or latest_believable(today)
    papers: list[Paper] = []
    skipped: list[str] = []
    shortened = 0
    entries = root.findall("a:entry", _NS)
    for entry in entries:
        paper, problem, cut = _paper(entry, today, latest)
        shortened += cut
        if paper is None:
            skipped.append(problem)
        else:
            papers.append(paper)
    return FeedPage(total, len(entries), tuple(papers), tuple(skipped), shortened)


def skipped_note(skipped: tuple[str, ...] | list[str]) -> str:
    """``3 entries skipped: 2 not an arXiv id, 1 impossible date`` (most common first)."""
    counts = Counter(skipped).most_common()
    reasons = ", ".join(f"{count} {reason}" for reason, count in counts)
    return f"{len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} skipped: {reasons}"


def _text(entry: Any, path: str) -> str | None:
    found = entry.find(path, _NS)
    return None if found is None else (found.text or "")


def _timestamp(text: str | None, latest: datetime) -> tuple[str | None, str]:
    """``(YYYY-MM-DDTHH:MM:SSZ, "")`` or ``(None, why not)``."""
    if text is None:
        return None, "no date"
    text = text.strip()
    if not _TIMESTAMP.fullmatch(text):
        return None, "unreadable date"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        return None, "impossible date"
    if moment < EARLIEST:
        return None, "dated before 1991"
    if moment > latest:
        return None, "dated in the future"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ"), ""


def _cut(text: str, limit: int) -> tuple[str, int]:
    return (text, 0) if len(text) <= limit else (text[:limit] + "...", 1)


def _paper(entry: Any, today: str, latest: datetime) -> tuple[Paper | None, str, int]:
    """``(paper, "", fields shortened)`` or ``(None, why skipped, 0)``."""
    match = _ENTRY_ID.fullmatch((_text(entry, "a:id") or "").strip())
    if match is None:
        return None, "not an arXiv id", 0
    updated, problem = _timestamp(_text(entry, "a:updated"), latest)
    published, published_problem = _timestamp(_text(entry, "a:published"), latest)
    if updated is None or published is None:
        return None, problem or published_problem, 0
    title, cut_title = _cut(re.sub(r"\s+", " ", _text(entry, "a:title") or ""), MAX_TITLE)
    abstract, cut_abstract = _cut(_text(entry, "a:summary") or "", MAX_ABSTRACT)
    comment, cut_comment = _cut(_text(entry, "arxiv:comment") or "", MAX_COMMENT)
    names = [_cut(author.findtext("a:name", default="", namespaces=_NS), MAX_AUTHOR_NAME)
             for author in entry.iterfind("a:author", _NS)]
    primary = entry.find("arxiv:primary_category", _NS)
    paper = Paper(
        id=match.group("id"),
        version=int(match.group("version")),
        title=title,
        authors=tuple(name for name, _ in names[:MAX_AUTHORS]),
        abstract=abstract,
        comment=comment or None,
        categories=tuple(c.get("term") for c in entry.iterfind("a:category", _NS)
                         if c.get("term") is not None),
        primary_category=(primary.get("term") or "") if primary is not None else "",
        published=published,
        updated=updated,
        first_seen=today,
        abs_url=match.group(0),  # this version's abstract page, scheme as arXiv gives it
    )
    cut = (cut_title + cut_abstract + cut_comment + sum(c for _, c in names[:MAX_AUTHORS])
           + (len(names) > MAX_AUTHORS))
    return paper, "", cut
