"""arXiv's daily announcement feed: one RSS request for all the digest's categories.

The feed is described in arXiv's help page "RSS feed Specifications"
(https://info.arxiv.org/help/rss_specifications.html): ``https://rss.arxiv.org/rss/``
followed by the categories joined by ``+``; one ``<item>`` per announced
paper with ``title``, ``link`` (the abstract page), ``description``
(``arXiv:ID vN Announce Type: TYPE`` then ``Abstract: TEXT``), ``category``
elements, ``dc:creator`` (the authors, comma-separated) and
``arxiv:announce_type``; the channel's ``pubDate`` is the announcement date.
On weekends and holidays the channel holds no item.

The request goes through ``PoliteSession`` (same pacing, retries, budget and
time limits as the API), with a body check for RSS instead of Atom.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from tracker.errors import FetchError
from tracker.models import Announcement

if TYPE_CHECKING:
    from tracker.sources.http import PoliteSession

_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_ANNOUNCE_TYPE = "{http://arxiv.org/schemas/atom}announce_type"
_DESCRIPTION = re.compile(
    r"\AarXiv:(?P<id>\S+?)v(?P<version>\d+)\s+Announce Type:\s*(?P<type>\S+)\s*?\n"
    r"Abstract: ?(?P<abstract>.*)\Z",
    re.DOTALL,
)


@dataclass(frozen=True)
class AnnouncementFeed:
    """One answer of the feed: its announcement date and its papers in feed order."""

    date: str | None
    """``YYYY-MM-DD`` from the channel's ``pubDate`` (its own time zone), if it has one."""
    items: tuple[Announcement, ...]
    requests: int = 0
    bytes: int = 0


def feed_url(base: str, categories: Sequence[str]) -> str:
    """``{base}/rss/CAT1+CAT2``: one URL for every category of the digest."""
    return f"{base.rstrip('/')}/rss/{'+'.join(categories)}"


def rss_problem(body: bytes) -> str | None:
    """Why ``body`` is not a complete RSS 2.0 feed with a channel, or ``None`` when it is."""
    from lxml import etree

    from tracker.sources.feed import safe_parser

    if not body.strip():
        return "an empty body"
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        if body.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html")):
            return "an HTML page instead of an RSS feed"
        return f"broken XML ({error.msg})"
    name = etree.QName(root).localname
    if name.lower() == "html":
        return "an HTML page instead of an RSS feed"
    if root.tag != "rss":
        return f"an unexpected document <{name}> instead of an RSS feed"
    if root.find("channel") is None:
        return "an RSS feed without a channel"
    return None


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value.strip()).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _text(element: object, path: str) -> str:
    found = element.find(path)  # type: ignore[attr-defined]
    return (found.text or "") if found is not None else ""


def parse_item(item: object) -> Announcement:
    """One ``<item>``; raises ``ValueError`` when its description is not arXiv's layout."""
    description = _text(item, "description")
    parsed = _DESCRIPTION.match(description.replace("\r\n", "\n").lstrip())
    if parsed is None:
        raise ValueError(f"an item whose description does not start with arXiv:ID: "
                         f"{description[:60]!r}")
    announce_type = _text(item, _ANNOUNCE_TYPE).strip() or parsed["type"]
    creators = _text(item, _DC_CREATOR)
    return Announcement(
        id=parsed["id"],
        version=int(parsed["version"]),
        title=" ".join(_text(item, "title").split()),
        authors=tuple(name.strip() for name in creators.split(",") if name.strip()),
        abstract=parsed["abstract"].rstrip(),
        categories=tuple(c.text.strip() for c in item.iterfind("category")  # type: ignore
                         if c.text and c.text.strip()),
        announce_type=announce_type,
        link=_text(item, "link").strip(),
    )


def parse_feed(body: bytes) -> AnnouncementFeed:
    """The feed's date and items; raises ``ValueError`` for a feed that is not arXiv's layout.

    An item listed twice (arXiv lists a paper once, but a feed of several
    categories is merged on their side) is kept at its first place.
    """
    from lxml import etree

    from tracker.sources.feed import safe_parser

    problem = rss_problem(body)
    if problem:
        raise ValueError(problem)
    channel = etree.fromstring(body, parser=safe_parser()).find("channel")
    date = _day(_text(channel, "pubDate")) or _day(_text(channel, "lastBuildDate"))
    items: list[Announcement] = []
    seen: set[str] = set()
    for element in channel.iterfind("item"):
        announcement = parse_item(element)
        if announcement.id not in seen:
            seen.add(announcement.id)
            items.append(announcement)
    return AnnouncementFeed(date=date, items=tuple(items))


def fetch_feed(session: PoliteSession, base: str, categories: Sequence[str]) -> AnnouncementFeed:
    """One request for the feed of ``categories``; raises ``FetchError`` with one short cause."""
    from tracker.sources.http import RequestFailed

    sent, received = session.requests_sent, session.bytes_received
    url = feed_url(base, categories)
    try:
        response = session.get(url, check=rss_problem)
    except RequestFailed as error:
        raise FetchError(f"announcement feed: {error}", session.requests_sent - sent,
                         session.bytes_received - received) from None
    requests = session.requests_sent - sent
    size = session.bytes_received - received
    try:
        feed = parse_feed(response.content)
    except ValueError as error:
        raise FetchError(f"announcement feed: {error}", requests, size) from None
    return AnnouncementFeed(feed.date, feed.items, requests=requests, bytes=size)
