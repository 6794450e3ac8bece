"""Plain data the pipeline passes around: papers, per-keyword records, the store.

Timestamps are ISO 8601 UTC strings of one fixed shape
(``2026-08-19T17:59:46Z``), so that comparing them as strings compares them in
time, and dates are ``YYYY-MM-DD`` strings. Everything here is immutable; the
functions in ``merge`` return new objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STORE_SCHEMA = 2
"""Version of the JSON store layout written by this release (see ``store``)."""


@dataclass(frozen=True)
class Paper:
    """One arXiv paper as the tracker keeps it.

    Field meanings follow the arXiv API manual, "Details of Atom Results
    Returned": ``updated`` is the date of the version shown, ``published`` the
    date of version 1.
    """

    id: str
    """arXiv identifier without version: ``2505.02393`` or ``math/0601001``."""
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    comment: str | None
    categories: tuple[str, ...]
    primary_category: str
    published: str
    updated: str
    first_seen: str
    """The run date (``YYYY-MM-DD``) on which the tracker first stored any version."""
    notified_version: int | None = None
    """The version last announced in a notification issue; ``None``: never announced."""
    abs_url: str = ""
    """The abstract page of this version, as arXiv's feed links it (``<id>`` of the entry).

    The scheme is kept as given: arXiv's feed gave ``http://`` until late
    2025 and ``https://`` since. A link of another shape, or none, is
    replaced by ``https://arxiv.org/abs/IDvN`` (see ``abs_link``).
    """

    def __post_init__(self) -> None:
        # The dataclass is frozen; this is the one place the link is settled.
        object.__setattr__(self, "abs_url", abs_link(self.id, self.version, self.abs_url))

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.id}v{self.version}"

    @property
    def updated_date(self) -> str:
        return self.updated[:10]

    @property
    def pending(self) -> bool:
        """True when this paper, or this version of it, has not been announced yet."""
        return self.notified_version is None or self.notified_version < self.version

    @property
    def revised(self) -> bool:
        """True when an earlier version was announced and this one was not."""
        return self.notified_version is not None and self.notified_version < self.version


def is_abs_link(link: str, id: str, version: int) -> bool:
    """True for ``http(s)://arxiv.org/abs/IDvN`` of exactly this id and version."""
    page = f"arxiv.org/abs/{id}v{version}"
    return link in (f"https://{page}", f"http://{page}")


def abs_link(id: str, version: int, given: str | None = None) -> str:
    """``given`` when it is this version's abstract page, else the page built from the id."""
    if given and is_abs_link(given, id, version):
        return given
    return f"https://arxiv.org/abs/{id}v{version}"


@dataclass(frozen=True)
class KeywordRecord:
    """What the store holds for one keyword."""

    papers: tuple[Paper, ...] = ()
    """Newest first by ``updated``."""
    query: str | None = None
    """The arXiv query the papers were selected with; a change means a full refetch."""
    categories: tuple[str, ...] | None = None
    """The category filter the papers were selected with (``None``: not yet fetched)."""
    last_success: str | None = None
    """Date of the last successful fetch that changed this record."""
    last_error: str | None = None
    """Cause of the last failed fetch; cleared by a success."""
    failing_since: str | None = None
    """Date of the first failure in the current run of failures; cleared by a success."""
    seen_newest: str | None = None
    """The newest ``updated`` arXiv returned for the query, papers filtered out included.

    An incremental fetch stops at it as well as at the newest stored paper,
    so that filtered-out papers newer than everything stored are not paged
    past every day. It is recorded only together with another change to the
    record, so it never changes the store on its own.
    """


@dataclass(frozen=True)
class Store:
    """The whole JSON store: one record per keyword name."""

    keywords: dict[str, KeywordRecord] = field(default_factory=dict)
    last_change: str | None = None
    """Date of the last run that changed any keyword's papers; the README's "Last update"."""
    schema: int = STORE_SCHEMA


@dataclass(frozen=True)
class Announcement:
    """One paper of arXiv's daily announcement feed (RSS), as the digest shows it.

    Fields follow arXiv's "RSS feed specifications": the item's title, link,
    ``dc:creator`` authors, categories and ``arxiv:announce_type``.
    """

    id: str
    """arXiv identifier without version."""
    version: int
    title: str
    """Whitespace-collapsed."""
    authors: tuple[str, ...]
    abstract: str
    """The feed's text after ``Abstract:``, trailing whitespace removed, line breaks kept."""
    categories: tuple[str, ...]
    announce_type: str
    """``new``, ``cross``, ``replace`` or ``replace-cross``."""
    link: str
    """The abstract page, as the feed gives it."""
    title_translated: str | None = None
    abstract_translated: str | None = None
    keywords: tuple[str, ...] = ()
    """Names of the configured keywords the paper matched."""

    @property
    def pdf_url(self) -> str:
        """The PDF of the newest version (no version in the link, as the digest format has it)."""
        return f"https://arxiv.org/pdf/{self.id}"


@dataclass(frozen=True)
class Digest:
    """The papers arXiv announced on one day, in feed order."""

    date: str
    """The announcement date, ``YYYY-MM-DD`` (the feed channel's ``pubDate``)."""
    papers: tuple[Announcement, ...]
    language: str | None = None
    """The translation language, when the digest is translated."""
