"""Ask arXiv for a keyword's newest papers.

One search per keyword, sorted by ``lastUpdatedDate``, newest first (arXiv
API User's Manual, "Query Interface": ``search_query``, ``start``,
``max_results``, ``sortBy``, ``sortOrder``), paged with ``start`` and read
by ``feed``. The requests go through ``http.PoliteSession``.

Incremental fetch: when the store already holds papers for the keyword, the
first page is small, and a further page is asked for only while every paper
on the page is newer than the newest stored one. The first page that reaches
back to what is stored is the last. A first fetch (empty store, or a changed
query) asks for the newest ``limit`` papers in one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from tracker import __version__
from tracker.errors import FetchError
from tracker.logsafe import printable
from tracker.models import Paper
from tracker.sources.feed import EARLIEST, parse_page, skipped_note
from tracker.sources.http import PoliteSession, RequestFailed

MAX_PAGE = 2000
"""The API's limit on results per request (arXiv API User's Manual, "max_results")."""


class _EmptyPage(Exception):
    """arXiv sent a page without entries in the middle of the results."""


@dataclass(frozen=True)
class FetchPlan:
    """What to ask arXiv for one keyword."""

    query: str
    limit: int
    """At most this many results in all."""
    page_size: int
    """Results per request."""
    stored_newest: str | None = None
    """``updated`` of the newest stored paper; paging stops at the first page reaching it."""


@dataclass(frozen=True)
class FetchResult:
    papers: tuple[Paper, ...]
    """Everything arXiv returned that parsed, before category filtering."""
    requests: int
    bytes: int
    pages: int
    skipped: tuple[str, ...] = ()
    """Why each entry that could not be a paper was left out."""
    shortened: int = 0
    """Over-long fields cut to their limit."""

    @property
    def note(self) -> str:
        """``2 entries skipped: ...`` for the progress line, or ``""``."""
        parts = [skipped_note(self.skipped)] if self.skipped else []
        if self.shortened:
            parts.append(f"{self.shortened} over-long field{'s' if self.shortened > 1 else ''} "
                         "shortened")
        return "; ".join(parts)


def plan_fetch(query: str, limit: int, stored: Sequence[Paper], *, incremental: bool,
               first_page: int, typical_new: int = 0, seen_newest: str | None = None,
               latest: datetime | None = None) -> FetchPlan:
    """Choose page size and stop point for one keyword (pure).

    ``typical_new`` is how many papers a recent day brought; the first page
    holds twice that (at least ``first_page``), so that a normal day takes
    one request. Paging stops at the newest stored paper, or at
    ``seen_newest`` (the newest result seen, kept or not) when that is newer.
    A stored date after ``latest`` (``feed.latest_believable``) or before
    arXiv began is not believed: it would stop every later fetch at its first
    page.
    """
    if not incremental or not stored:
        return FetchPlan(query=query, limit=limit, page_size=min(limit, MAX_PAGE))
    page = min(limit, max(first_page, 2 * typical_new))
    low = EARLIEST.strftime("%Y-%m-%dT%H:%M:%SZ")
    high = latest.strftime("%Y-%m-%dT%H:%M:%SZ") if latest else "9999"
    candidates = (*(paper.updated for paper in stored), seen_newest or "")
    dates = [day for day in candidates if low <= day <= high]
    newest = max(dates, default=None)
    return FetchPlan(query=query, limit=limit, page_size=page, stored_newest=newest)


def user_agent(contact: str | None, repository: str | None) -> str:
    """``arxiv-daily-tracker/VERSION (+REPOSITORY; CONTACT)``, as the arXiv API asks clients
    to identify (the distribution's name: ``tracker`` on PyPI is another project)."""
    details = [part for part in (repository, contact) if part]
    suffix = f" (+{'; '.join(details)})" if details else ""
    return f"arxiv-daily-tracker/{__version__}{suffix}"


def search_url(endpoint: str, query: str, start: int, size: int) -> str:
    """The API request for one page of a search, newest update first."""
    return endpoint + "?" + urlencode({
        "search_query": query, "sortBy": "lastUpdatedDate", "sortOrder": "descending",
        "start": start, "max_results": size,
    })


class ArxivSource:
    """Fetches keywords from one endpoint; one instance (one pacing clock) per run."""

    def __init__(self, endpoint: str, session: PoliteSession):
        self.endpoint = endpoint
        self.session = session

    def fetch(self, plan: FetchPlan, today: str) -> FetchResult:
        """Run the plan; raise ``FetchError`` with a short cause when it fails for good.

        An empty answer while papers are stored counts as a failure (see
        ``_search``), and so does an answer whose every entry was skipped.
        """
        requests_before = self.session.requests_sent
        bytes_before = self.session.bytes_received
        try:
            result = self._search(plan, today)
        except FetchError as error:
            raise FetchError(str(error), self.session.requests_sent - requests_before,
                             self.session.bytes_received - bytes_before) from None
        return FetchResult(
            papers=result.papers,
            requests=self.session.requests_sent - requests_before,
            bytes=self.session.bytes_received - bytes_before,
            pages=result.pages,
            skipped=result.skipped,
            shortened=result.shortened,
        )

    def _search(self, plan: FetchPlan, today: str) -> FetchResult:
        """Run the search, repeating it (with backoff) when arXiv's answer is wrongly empty.

        arXiv sometimes answers a page with no entries although there are
        results: the first page while papers are stored, or a later page in
        the middle of the results. Both are retried like a throttled request.
        """
        retries = self.session.settings.retries
        try:
            for attempt in range(retries + 1):
                try:
                    result = self._collect(plan, today)
                except _EmptyPage:
                    cause = "arXiv sent an empty page in the middle of the results"
                else:
                    if result.skipped and not result.papers:
                        raise FetchError(f"every entry arXiv sent was unusable "
                                         f"({skipped_note(result.skipped)})")
                    if result.papers or plan.stored_newest is None:
                        return result
                    cause = "arXiv answered with no results although papers are stored"
                if attempt == retries:
                    raise FetchError(f"{cause} (after {retries + 1} tries)")
                self.session.pause_before_retry(attempt, cause)
        except RequestFailed as error:
            raise FetchError(str(error)) from None
        raise AssertionError("unreachable")

    def _collect(self, plan: FetchPlan, today: str) -> FetchResult:
        """Page through the results until ``limit``, the end, or a page reaching the store."""
        papers: list[Paper] = []
        skipped: list[str] = []
        shortened = pages = start = 0
        while start < plan.limit:
            body = self.session.get_feed(search_url(self.endpoint, plan.query, start,
                                                    plan.page_size))
            try:
                page = parse_page(body, today)
            except (ValueError, OverflowError, TypeError, LookupError) as error:
                # Entries are checked one by one in ``feed``; this is the net under the page.
                raise FetchError("arXiv's answer could not be read "
                                 f"({type(error).__name__}: {printable(error, 120)})") from None
            pages += 1
            if not page.entries:
                if start:
                    raise _EmptyPage
                break
            papers += page.papers
            skipped += page.skipped
            shortened += page.shortened
            start += page.entries
            if start >= page.total or (plan.stored_newest is not None and any(
                    paper.updated <= plan.stored_newest for paper in page.papers)):
                break  # the end of the results, or this page reaches back to what is stored
        return FetchResult(tuple(papers[:plan.limit]), 0, 0, pages, tuple(skipped), shortened)


def typical_new(papers: Sequence[Paper]) -> int:
    """Papers first seen on the busiest of the last five days that brought any (pure).

    The earliest day is left out: it is the keyword's first, full fetch,
    when everything was "first seen".
    """
    counts: dict[str, int] = {}
    for paper in papers:
        counts[paper.first_seen] = counts.get(paper.first_seen, 0) + 1
    recent = sorted(counts)[1:][-5:]
    return max((counts[day] for day in recent), default=0)
