"""Ask arXiv for a keyword's newest papers, through the ``arxiv`` package.

One search per keyword, sorted by ``lastUpdatedDate``, newest first (arXiv
API User's Manual, "sortBy, sortOrder"). ``arxiv.Client`` pages through the
results, parses the Atom feed and sends its requests through
``transport.PoliteSession``.

Incremental fetch: when the store already holds papers for the keyword, the
first page is small, and a further page is asked for only while every paper
on the page is newer than the newest stored one. The first page that reaches
back to what is stored is the last. A first fetch (empty store, or a changed
query) asks for the newest ``limit`` papers in one page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import arxiv

from tracker import __version__
from tracker.errors import FetchError
from tracker.models import Paper
from tracker.sources.http import PoliteSession, RequestFailed, RequestPolicy

_ENTRY_ID = re.compile(
    r"arxiv\.org/abs/(?P<id>(\d{4}\.\d{4,5})|([a-z][a-z.-]*/\d{7}))v(?P<version>\d+)$"
)
MAX_PAGE = 2000
"""The API's limit on results per request (arxiv package: ``Client.page_size``)."""


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


def plan_fetch(query: str, limit: int, stored: Sequence[Paper], *, incremental: bool,
               first_page: int, typical_new: int = 0, seen_newest: str | None = None) -> FetchPlan:
    """Choose page size and stop point for one keyword (pure).

    ``typical_new`` is how many papers a recent day brought; the first page
    holds twice that (at least ``first_page``), so that a normal day takes
    one request. Paging stops at the newest stored paper, or at
    ``seen_newest`` (the newest result seen, kept or not) when that is newer.
    """
    if not incremental or not stored:
        return FetchPlan(query=query, limit=limit, page_size=min(limit, MAX_PAGE))
    page = min(limit, max(first_page, 2 * typical_new))
    newest = max(max(paper.updated for paper in stored), seen_newest or "")
    return FetchPlan(query=query, limit=limit, page_size=page, stored_newest=newest)


def user_agent(contact: str | None, repository: str | None) -> str:
    """``arxiv-daily-tracker/VERSION (+REPOSITORY; CONTACT)``, as the arXiv API asks clients
    to identify (the distribution's name: ``tracker`` on PyPI is another project)."""
    details = [part for part in (repository, contact) if part]
    suffix = f" (+{'; '.join(details)})" if details else ""
    return f"arxiv-daily-tracker/{__version__}{suffix}"


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_paper(result: arxiv.Result, today: str) -> Paper | None:
    """Convert a parsed arXiv entry; ``None`` for an entry without a valid arXiv id."""
    match = _ENTRY_ID.search(result.entry_id or "")
    if match is None:
        return None
    return Paper(
        id=match.group("id"),
        version=int(match.group("version")),
        title=result.title,
        authors=tuple(author.name for author in result.authors),
        abstract=result.summary,
        comment=result.comment or None,
        categories=tuple(result.categories),
        primary_category=result.primary_category,
        published=_timestamp(result.published),
        updated=_timestamp(result.updated),
        first_seen=today,
    )


class ArxivSource:
    """Fetches keywords from one endpoint; one instance (one pacing clock) per run."""

    def __init__(self, endpoint: str, policy: RequestPolicy, *,
                 session: PoliteSession | None = None):
        self.endpoint = endpoint
        self.session = session or PoliteSession(policy)

    def _client(self, page_size: int) -> arxiv.Client:
        # Retries and pacing live in the session; the client's own would stack on them.
        client = arxiv.Client(page_size=page_size, delay_seconds=0.0, num_retries=0)
        client.query_url_format = self.endpoint + "?{}"
        client._session = self.session  # the client has no public hook for its session
        return client

    def fetch(self, plan: FetchPlan, today: str) -> FetchResult:
        """Run the plan; raise ``FetchError`` with a short cause when it fails for good.

        An empty answer while papers are stored counts as a failure (see
        ``_search``).
        """
        requests_before = self.session.requests_sent
        bytes_before = self.session.bytes_received
        try:
            papers, pages = self._search(plan, today)
        except FetchError as error:
            raise FetchError(str(error), self.session.requests_sent - requests_before,
                             self.session.bytes_received - bytes_before) from None
        return FetchResult(
            papers=tuple(papers),
            requests=self.session.requests_sent - requests_before,
            bytes=self.session.bytes_received - bytes_before,
            pages=pages,
        )

    def _search(self, plan: FetchPlan, today: str) -> tuple[list[Paper], int]:
        """Run the search, repeating it (with backoff) when arXiv's answer is wrongly empty.

        arXiv sometimes answers a page with no entries although there are
        results: the first page while papers are stored, or a later page in
        the middle of the results. Both are retried like a throttled request.
        """
        retries = self.session.policy.retries
        try:
            for attempt in range(retries + 1):
                try:
                    papers, pages = self._collect(plan, today)
                except arxiv.UnexpectedEmptyPageError:
                    cause = "arXiv sent an empty page in the middle of the results"
                else:
                    if papers or plan.stored_newest is None:
                        return papers, pages
                    cause = "arXiv answered with no results although papers are stored"
                if attempt == retries:
                    raise FetchError(f"{cause} (after {retries + 1} tries)")
                self.session.pause_before_retry(attempt, cause)
        except RequestFailed as error:
            raise FetchError(str(error)) from None
        except arxiv.HTTPError as error:
            raise FetchError(f"HTTP {error.status}") from None
        raise AssertionError("unreachable")

    def _collect(self, plan: FetchPlan, today: str) -> tuple[list[Paper], int]:
        search = arxiv.Search(
            query=plan.query,
            max_results=plan.limit,
            sort_by=arxiv.SortCriterion.LastUpdatedDate,
            sort_order=arxiv.SortOrder.Descending,
        )
        papers: list[Paper] = []
        pages = 0
        for page in _pages(self._client(plan.page_size).results(search), plan.page_size):
            pages += 1
            converted = [p for p in (to_paper(r, today) for r in page) if p is not None]
            papers.extend(converted)
            if plan.stored_newest is not None and any(
                paper.updated <= plan.stored_newest for paper in converted
            ):
                break  # this page reaches back to what is stored
        return papers, pages


def _pages(results: Iterator[arxiv.Result], size: int) -> Iterator[list[arxiv.Result]]:
    """Group results into the pages they arrived in, without asking for a page early.

    The client requests the next page only when the first result on it is
    needed, so stopping between pages saves the request.
    """
    page: list[arxiv.Result] = []
    for result in results:
        page.append(result)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


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
