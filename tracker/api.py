"""One run of the tracker: config -> fetch -> merge -> store -> render -> publish.

Only the edges do I/O: the arXiv source, the store file, the output files.
``run`` holds the store's lock for the whole run, so two runs never mix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tracker.config import Config, Keyword
from tracker.errors import FetchError, Interrupted
from tracker.merge import record_after_failure, record_after_fetch, same_selection
from tracker.models import KeywordRecord, Store
from tracker.outputs import budget, pages, readme
from tracker.outputs.files import read_text, write_if_changed, write_issues
from tracker.outputs.issues import (
    IssueSettingsView,
    issue_documents,
    mark_notified,
    pending_sections,
)
from tracker.store import load_store, remove_stale_temporaries, save_store, store_lock

if TYPE_CHECKING:  # the HTTP stack is imported only by runs that fetch
    from tracker.sources.arxiv_api import FetchPlan, FetchResult


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


@dataclass
class RunReport:
    outcomes: list[KeywordOutcome] = field(default_factory=list)
    store_changed: bool = False
    readme_changed: bool = False
    issue_files: list[Path] = field(default_factory=list)
    readme_cut: int | None = None
    """Rows per keyword when the README was cut to stay within ``readme_budget``."""
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> list[KeywordOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error]

    @property
    def requests(self) -> int:
        return sum(outcome.requests for outcome in self.outcomes)

    @property
    def bytes(self) -> int:
        return sum(outcome.bytes for outcome in self.outcomes)


class Source(Protocol):
    """What the pipeline needs from an arXiv source (``fetch.ArxivSource`` is the real one)."""

    def fetch(self, plan: FetchPlan, today: str) -> FetchResult: ...


Progress = Callable[[KeywordOutcome], None]


def make_source(config: Config, sleep: Callable[[float], None] | None = None) -> Source:
    """The arXiv source for one run; imports the HTTP stack only when a run fetches."""
    from tracker.sources.arxiv_api import ArxivSource, user_agent
    from tracker.sources.http import PoliteSession, RequestPolicy

    settings = config.arxiv
    policy = RequestPolicy(
        delay=settings.delay,
        timeout=settings.timeout,
        retries=settings.retries,
        backoff=settings.backoff,
        max_retry_after=settings.max_retry_after,
        run_budget=settings.run_budget,
        user_agent=user_agent(settings.contact, config.repository),
    )
    session = PoliteSession(policy) if sleep is None else PoliteSession(policy, sleep=sleep)
    return ArxivSource(settings.endpoint, policy, session=session)


def fetch_keyword(config: Config, keyword: Keyword, record: KeywordRecord, source: Source,
                  today: str) -> tuple[KeywordRecord, KeywordOutcome]:
    """Fetch one keyword and merge it into its record; a failure leaves the papers untouched."""
    from tracker.sources.arxiv_api import plan_fetch, typical_new

    query = keyword.search_query
    categories = config.categories_for(keyword)
    same = same_selection(record, query, categories)
    stored = record.papers if same else ()
    plan = plan_fetch(query, config.max_papers, stored, incremental=config.arxiv.incremental,
                      first_page=config.arxiv.first_page, typical_new=typical_new(stored),
                      seen_newest=record.seen_newest if same else None)
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
    )


def fetch_all(config: Config, store: Store, source: Source, today: str,
              progress: Progress = lambda outcome: None,
              report: RunReport | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> Store:
    """Fetch every configured keyword in turn; returns the updated store.

    A stop (Ctrl-C, or ``should_stop`` turning true) ends the loop between or
    inside keywords: the keywords already merged are kept, the one in
    progress is left as it was.
    """
    report = report if report is not None else RunReport()
    keywords = dict(store.keywords)
    try:
        for keyword in config.keywords:
            if should_stop():
                raise Interrupted("stop requested")
            record = keywords.get(keyword.name, KeywordRecord())
            updated, outcome = fetch_keyword(config, keyword, record, source, today)
            keywords[keyword.name] = updated
            report.outcomes.append(outcome)
            progress(outcome)
    except (KeyboardInterrupt, Interrupted):
        report.interrupted = True
    if keywords == store.keywords:
        return store
    papers_changed = any(
        record.papers != (store.keywords[name].papers if name in store.keywords else ())
        for name, record in keywords.items()
    )
    # "Last update" tells readers when the papers last changed, not when a fetch failed.
    return replace(store, keywords=keywords,
                   last_change=today if papers_changed else store.last_change)


@dataclass(frozen=True)
class Outputs:
    """Everything a run writes besides the store, rendered before anything is written."""

    readme: str
    issues: list[str]
    pages: dict[Path, str] = field(default_factory=dict)
    """The full lists of the keywords the README shows in part."""
    readme_cut: int | None = None


def render_outputs(config: Config, store: Store, today: str) -> Outputs:
    """Render the README and the issue files from the store alone (no writes)."""
    env = readme.environment(config.paths.templates)
    frame = readme.readme_frame(read_text(config.paths.readme))
    shown = budget.budgeted_readme(env, config, store, today, frame)
    names = [keyword.name for keyword in config.keywords]
    sections = pending_sections(store, names, config.issue.max_per_keyword)
    view = IssueSettingsView(day=today, repository=config.repository_url,
                             labels=config.issue.labels,
                             max_per_keyword=config.issue.max_per_keyword)
    issues = issue_documents(env, view, sections, per_keyword=config.issue.per_keyword)
    full_lists = pages.keyword_pages(env, config, store, today, shown.linked)
    return Outputs(shown.text, issues, full_lists, shown.cut)


def run(config: Config, today: str, *, fetch: bool = True, publish: bool = True,
        notify: bool | None = None, source: Source | None = None,
        progress: Progress = lambda outcome: None, lock_wait: float = 30.0,
        should_stop: Callable[[], bool] = lambda: False) -> RunReport:
    """The whole job under the store's lock. Raises ``TrackerError`` for whole-run problems.

    ``notify`` (default: when both fetching and publishing) counts the papers
    in the issue files as announced, so the next issue lists only what is new
    after them. The order of writes keeps every crash safe: issue files first
    (a crash after them repeats the notification rather than losing it), then
    the store, then the README, each file replaced atomically.
    """
    started = time.monotonic()
    report = RunReport()
    notify = (fetch and publish) if notify is None else notify
    path = config.paths.store
    with store_lock(path, lock_wait):
        remove_stale_temporaries(path)
        before = load_store(path)
        store = before
        if fetch:
            source = source if source is not None else make_source(config)
            store = fetch_all(config, store, source, today, progress, report, should_stop)
        outputs = render_outputs(config, store, today) if publish else None
        if outputs is not None:
            report.issue_files = write_issues(config.paths.issues, outputs.issues)
            if notify and outputs.issues:
                store = mark_notified(store, [keyword.name for keyword in config.keywords])
        if store != before:
            save_store(path, store)
            report.store_changed = True
        if outputs is not None:  # the pages before the README that links them
            pages.write_pages(outputs.pages)
            report.readme_changed = write_if_changed(config.paths.readme, outputs.readme)
            pages.remove_stale_pages(config.paths.papers, outputs.pages)
            report.readme_cut = outputs.readme_cut
    report.seconds = time.monotonic() - started
    return report
