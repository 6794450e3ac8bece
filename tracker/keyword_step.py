"""The keyword tables' step of a run: each keyword asked of arXiv and merged into the store.

A failed keyword keeps its papers and records why; the others go on. The
HTTP stack is imported only when a run fetches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from tracker.config import Config, Keyword
from tracker.errors import FetchError, Interrupted
from tracker.merge import record_after_failure, record_after_fetch, same_selection
from tracker.models import KeywordRecord, Store

if TYPE_CHECKING:
    from tracker.sources.arxiv_api import FetchPlan, FetchResult
    from tracker.sources.http import PoliteSession


@dataclass(frozen=True)
class KeywordOutcome:
    """What happened to one keyword in a run (one progress line)."""

    name: str
    received: int = 0
    new: int = 0
    revised: int = 0
    kept: int = 0
    seconds: float = 0.0
    requests: int = 0
    bytes: int = 0
    error: str | None = None
    note: str = ""
    """Entries arXiv sent that were skipped or shortened (``2 entries skipped: ...``)."""


class Source(Protocol):
    """What a run needs from an arXiv source (``sources.arxiv_api.ArxivSource`` is the real one)."""

    def fetch(self, plan: FetchPlan, today: str) -> FetchResult: ...


Progress = Callable[[KeywordOutcome], None]


def polite_session(config: Config, sleep: Callable[[float], None] | None = None,
                   should_stop: Callable[[], bool] = lambda: False) -> PoliteSession:
    """The run's one polite session (pacing, retries, budget) for every request to arXiv;
    imports the HTTP stack only when a run fetches."""
    from tracker.sources.arxiv_api import user_agent
    from tracker.sources.http import PoliteSession

    settings = config.arxiv
    agent = user_agent(settings.contact, config.repository)
    if sleep is None:
        return PoliteSession(settings, agent, should_stop=should_stop)
    return PoliteSession(settings, agent, sleep=sleep, should_stop=should_stop)


def make_source(config: Config, sleep: Callable[[float], None] | None = None,
                should_stop: Callable[[], bool] = lambda: False) -> Source:
    """The arXiv source for one run, over ``polite_session``."""
    from tracker.sources.arxiv_api import ArxivSource

    return ArxivSource(config.arxiv.endpoint, polite_session(config, sleep, should_stop))


def fetch_keyword(config: Config, keyword: Keyword, record: KeywordRecord, source: Source,
                  today: str) -> tuple[KeywordRecord, KeywordOutcome]:
    """Fetch one keyword and merge it into its record; a failure leaves the papers untouched."""
    from tracker.sources.arxiv_api import plan_fetch, typical_new
    from tracker.sources.feed import latest_believable

    query = keyword.search_query
    categories = config.categories_for(keyword)
    same = same_selection(record, query, categories)
    stored = record.papers if same else ()
    plan = plan_fetch(query, config.max_papers, stored, incremental=config.arxiv.incremental,
                      first_page=config.arxiv.first_page, typical_new=typical_new(stored),
                      seen_newest=record.seen_newest if same else None,
                      latest=latest_believable(today))
    started = time.monotonic()
    try:
        result = source.fetch(plan, today)
    except FetchError as error:
        failed = record_after_failure(record, str(error), today)
        return failed, KeywordOutcome(keyword.name, kept=len(record.papers),
                                      seconds=time.monotonic() - started,
                                      requests=error.requests, bytes=error.bytes,
                                      error=str(error))
    updated, merged = record_after_fetch(
        record, result.papers, query=query, categories=categories,
        exclude=keyword.exclude, limit=config.max_papers, today=today,
    )
    return updated, KeywordOutcome(
        keyword.name,
        received=len(result.papers),
        new=len(merged.new),
        revised=len(merged.revised),
        kept=len(updated.papers),
        seconds=time.monotonic() - started,
        requests=result.requests,
        bytes=result.bytes,
        note=result.note,
    )


def fetch_all(config: Config, store: Store, source: Source, today: str,
              outcomes: list[KeywordOutcome],
              progress: Progress = lambda outcome: None,
              should_stop: Callable[[], bool] = lambda: False) -> tuple[Store, bool]:
    """Fetch every configured keyword in turn, appending to ``outcomes``; returns the updated
    store and whether the loop was stopped.

    A stop (Ctrl-C, or ``should_stop`` turning true) ends the loop between or
    inside keywords: the keywords already merged are kept, the one in
    progress is left as it was.
    """
    keywords = dict(store.keywords)
    stopped = False
    try:
        for keyword in config.keywords:
            if should_stop():
                raise Interrupted("stop requested")
            record = keywords.get(keyword.name, KeywordRecord())
            updated, outcome = fetch_keyword(config, keyword, record, source, today)
            keywords[keyword.name] = updated
            outcomes.append(outcome)
            progress(outcome)
    except (KeyboardInterrupt, Interrupted):
        stopped = True
    if keywords == store.keywords:
        return store, stopped
    papers_changed = any(
        record.papers != (store.keywords[name].papers if name in store.keywords else ())
        for name, record in keywords.items()
    )
    # The first successful fetch dates the README even when it found no paper.
    papers_changed = papers_changed or (store.last_change is None and any(
        outcome.error is None for outcome in outcomes))
    # "Last update" tells readers when the papers last changed, not when a fetch failed.
    return replace(store, keywords=keywords,
                   last_change=today if papers_changed else store.last_change), stopped
