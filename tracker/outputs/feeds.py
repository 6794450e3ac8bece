"""Atom feeds (RFC 4287): one per keyword, and one for the daily digest.

``feeds/<slug>.xml`` holds a keyword's newest ``KEYWORD_ENTRIES`` papers from
the store; ``feeds/digest.xml`` one entry per paper of the digests of the last
30 days (``RunNews.recent_digests``). The XML is built by ``feedgen``.

Identifiers:
- an entry's ``id`` is the abstract page of the version it shows,
  ``https://arxiv.org/abs/2505.02393v2`` (``Paper.abs_url``): a revision is a
  new entry, and the id is also a working link;
- a feed's ``id`` is a ``urn:uuid:`` (RFC 4122, version 5) made from the
  repository URL and the feed's file name, so it stays the same from run to
  run and differs between trackers.

The output is deterministic: a feed's ``updated`` is its newest entry's date,
never the clock, so the same store gives the same bytes and a quiet day
rewrites no file. Each file ends with a comment holding a digest of the
values it was built from (``<!-- tracker-inputs: SHA-256 -->``, after the
root element, where XML allows comments); a feed whose values have the same
digest is not built again, so a day that changes a few keywords builds only
their feeds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.config import Config, Keyword
from tracker.config.output_settings import DIGEST_SLUG
from tracker.errors import OutputError
from tracker.models import Announcement, Digest, Paper, Store
from tracker.outputs.files import relative_link, write_if_changed

if TYPE_CHECKING:
    from tracker.outputs import RunNews

KEYWORD_ENTRIES = 100
DIGEST_FEED = f"{DIGEST_SLUG}.xml"
GENERATOR = "tracker"
FORMAT = "1"
"""Part of every feed's input digest: raise it when the XML changes for the same values."""
_INPUTS_MARK = "<!-- tracker-inputs: "
EPOCH = "1970-01-01T00:00:00Z"
"""The ``updated`` of a feed without entries: fixed, so it changes only with its entries."""

# Characters XML 1.0 cannot hold at all (section 2.2): most C0 controls,
# surrogates, U+FFFE and U+FFFF. They are dropped; everything else is text.
_NOT_XML = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def xml_text(value: str) -> str:
    if value.isprintable():  # the usual case, checked in C; no printable character is dropped
        return value
    return re.sub(_NOT_XML, "", value)  # compiled once, on first use, by re's cache


@dataclass(frozen=True)
class FeedEntry:
    """One entry, as plain values (what ``feedgen`` is given)."""

    id: str
    title: str
    link: str
    summary: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    updated: str
    published: str | None = None


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: str
    entries: tuple[FeedEntry, ...]
    link: str | None = None


def feed_path(config: Config, keyword: Keyword) -> Path:
    assert config.feeds is not None
    return config.feeds.path / f"{keyword.slug}.xml"


def feed_links(config: Config) -> dict[str, str]:
    """Keyword name -> its feed's path relative to the README, URL-quoted (the README's link)."""
    if config.feeds is None:
        return {}
    base = config.paths.readme.parent
    return {keyword.name: relative_link(feed_path(config, keyword), base)
            for keyword in config.keywords}


def feed_id(config: Config, name: str) -> str:
    import uuid  # loaded only by runs that write feeds, as are hashlib and feedgen

    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{config.repository_url}/feeds/{name}')}"


def paper_entry(paper: Paper) -> FeedEntry:
    return FeedEntry(id=paper.abs_url, title=paper.title, link=paper.abs_url,
                     summary=paper.abstract, authors=paper.authors,
                     categories=paper.categories, updated=paper.updated,
                     published=paper.published)


def announcement_link(announcement: Announcement) -> str:
    """The feed's link when it is an arXiv page; else one built from the id."""
    if re.fullmatch(r"https?://(export\.)?arxiv\.org/abs/\S+", announcement.link):
        return announcement.link
    return f"https://arxiv.org/abs/{announcement.id}v{announcement.version}"


def announcement_entry(announcement: Announcement, day: str) -> FeedEntry:
    return FeedEntry(id=f"https://arxiv.org/abs/{announcement.id}v{announcement.version}",
                     title=announcement.title, link=announcement_link(announcement),
                     summary=announcement.abstract, authors=announcement.authors,
                     categories=announcement.categories, updated=f"{day}T00:00:00Z")


def keyword_feed(config: Config, store: Store, keyword: Keyword) -> Feed:
    record = store.keywords.get(keyword.name)
    papers = record.papers[:KEYWORD_ENTRIES] if record else ()
    entries = tuple(paper_entry(paper) for paper in papers)
    return Feed(id=feed_id(config, f"{keyword.slug}.xml"), title=f"arXiv: {keyword.name}",
                subtitle=f"The newest arXiv papers on {keyword.name}",
                updated=_newest(entries), entries=entries,
                link=config.repository)


def digest_feed(config: Config, digests: Iterable[Digest]) -> Feed:
    """One entry per paper, newest digest first; a paper in two digests appears once."""
    entries, seen = [], set()
    for digest in digests:
        for announcement in digest.papers:
            entry = announcement_entry(announcement, digest.date)
            if entry.id not in seen:
                seen.add(entry.id)
                entries.append(entry)
    return Feed(id=feed_id(config, DIGEST_FEED), title="arXiv daily digest",
                subtitle="Every paper of arXiv's daily announcements, last 30 days",
                updated=_newest(entries), entries=tuple(entries), link=config.repository)


def _newest(entries: Iterable[FeedEntry]) -> str:
    return max((entry.updated for entry in entries), default=EPOCH)


def _when(stamp: str) -> datetime:
    value = datetime.fromisoformat(stamp)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def atom_xml(feed: Feed) -> str:
    """The feed as Atom XML text (UTF-8 declared), built with ``feedgen``."""
    from feedgen.feed import FeedGenerator  # lxml is loaded only by runs that write feeds

    generator = FeedGenerator()
    generator.id(feed.id)
    generator.title(xml_text(feed.title))
    generator.subtitle(xml_text(feed.subtitle))
    generator.updated(_when(feed.updated))
    generator.author({"name": GENERATOR})
    generator.generator(GENERATOR)  # no version: an upgrade alone changes no feed
    if feed.link:
        generator.link(href=feed.link, rel="alternate")
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.title(xml_text(entry.title) or "(untitled)")
        item.link(href=entry.link, rel="alternate", type="text/html")
        item.summary(xml_text(entry.summary))
        # One call for all authors and one for all categories: feedgen checks each call's input.
        item.author([{"name": xml_text(name) or "(unnamed)"} for name in entry.authors])
        item.category([{"term": xml_text(term)} for term in entry.categories])
        item.updated(_when(entry.updated))
        if entry.published:
            item.published(_when(entry.published))
    return generator.atom_str(pretty=True, encoding="UTF-8").decode("utf-8")


def inputs_digest(feed: Feed) -> str:
    """SHA-256 of everything the feed's XML is built from."""
    import hashlib

    return hashlib.sha256(f"{FORMAT} {GENERATOR} {feed!r}".encode()).hexdigest()


def _trailer(digest: str) -> str:
    return f"{_INPUTS_MARK}{digest} -->\n"


def _built_from(path: Path, digest: str) -> bool:
    """True when ``path`` exists and ends with the trailer of ``digest``."""
    trailer = _trailer(digest).encode()
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size < len(trailer):
                return False
            handle.seek(size - len(trailer))
            return handle.read() == trailer
    except FileNotFoundError:
        return False
    except OSError as error:
        raise OutputError(f"{path}: cannot read: {error}") from None


def feed_text(feed: Feed, digest: str | None = None) -> str:
    """The whole file: the Atom XML, then the comment with its inputs' digest (``digest``, when
    the caller has it already)."""
    return atom_xml(feed) + _trailer(digest or inputs_digest(feed))


def write(config: Config, store: Store, news: RunNews) -> list[Path]:
    """Write every keyword's feed, and the digest feed when there are digests.

    A feed built from the same values as the file holds is skipped; only files
    whose bytes change are written.
    """
    assert config.feeds is not None
    planned = [(feed_path(config, keyword), keyword_feed(config, store, keyword))
               for keyword in config.keywords]
    if news.recent_digests:
        planned.append((config.feeds.path / DIGEST_FEED,
                        digest_feed(config, news.recent_digests)))
    written = []
    for path, feed in planned:
        digest = inputs_digest(feed)
        if _built_from(path, digest):
            continue
        try:
            text = feed_text(feed, digest)
        except ValueError as error:  # feedgen's word for a value Atom cannot hold
            raise OutputError(f"{path}: cannot build the feed: {error}") from None
        if write_if_changed(path, text):
            written.append(path)
    _remove_stale(config.feeds.path, {path for path, _ in planned})
    return written


def _remove_stale(folder: Path, current: set[Path]) -> None:
    """Delete the feeds this output wrote earlier that no keyword has now (a keyword removed
    or renamed). Only files ending with the tracker's trailer are touched, never others."""
    for path in folder.glob("*.xml") if folder.is_dir() else ():
        if path in current or path.is_symlink():
            continue
        try:
            tail = path.read_bytes()[-200:]
        except OSError:
            continue
        if _INPUTS_MARK.encode() in tail:
            path.unlink(missing_ok=True)
