"""The library API: ``Tracker.from_config(path).run(today=...) -> RunReport``.

One run is config -> sources (arXiv search) -> merge -> store -> outputs (README,
notification issues, then ``EXTRA_OUTPUTS``). Only the edges do I/O: the
sources, the store file, the output files. A run holds the store's lock from
start to end, so two runs never mix. ``tracker run``, ``tracker schedule`` and
the tests all go through ``Tracker``: the config with its repository fallback,
the run's date, the lock, the log lines and the exit status are decided here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from tracker.config import DEFAULT_CONFIG, Config, load_config
from tracker.errors import OutputError, TrackerError
from tracker.gitinfo import origin_url
from tracker.keyword_step import KeywordOutcome, Source, fetch_all, make_source
from tracker.models import Digest, Store
from tracker.outputs import RunNews, budget, email, feeds, pages, readme, site
from tracker.outputs import digest as digest_output
from tracker.outputs.files import read_text, write_if_changed, write_issues
from tracker.outputs.issues import (
    IssueSettingsView,
    digest_issue_documents,
    issue_documents,
    mark_notified,
    pending_sections,
)
from tracker.store import load_store, remove_stale_temporaries, save_store, store_lock

log = logging.getLogger("tracker")


EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_STOPPED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
"""Exit codes: 0 every keyword fetched and every output written; 1 some keywords or outputs
failed, the rest was written; 2 usage or configuration error; 3 the run could not proceed
(damaged or newer store, lock held, broken README markers, unwritable output) and wrote
nothing; 130 interrupted (143 for SIGTERM in the CLI)."""


@dataclass
class RunReport:
    outcomes: list[KeywordOutcome] = field(default_factory=list)
    store_changed: bool = False
    readme_changed: bool = False
    issue_files: list[Path] = field(default_factory=list)
    readme_cut: int | None = None
    """Rows per keyword when the README was cut to stay within ``readme_budget``."""
    interrupted: bool = False
    """The run was stopped (Ctrl-C, SIGTERM, a scheduler stop); what was fetched is saved."""
    seconds: float = 0.0
    output_errors: dict[str, str] = field(default_factory=dict)
    """Output name -> why it failed; a failed output never stops the others."""
    written: dict[str, list[Path]] = field(default_factory=dict)
    """Output name -> the files it wrote or changed."""
    today: str = ""
    """The run's date."""

    @property
    def failed(self) -> list[KeywordOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error]

    @property
    def requests(self) -> int:
        return sum(outcome.requests for outcome in self.outcomes)

    @property
    def bytes(self) -> int:
        return sum(outcome.bytes for outcome in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all done; 1 some keyword or output failed (the rest is written); 130 interrupted."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if self.failed or self.output_errors else EXIT_OK


@dataclass(frozen=True)
class Outputs:
    """The README and the issue files, rendered before anything is written."""

    readme: str
    issues: list[str]
    news: RunNews
    pages: dict[Path, str] = field(default_factory=dict)
    """The full lists of the keywords the README shows in part."""
    readme_cut: int | None = None


def render_outputs(config: Config, store: Store, today: str,
                   frame: readme.Frame | None, digest: Digest | None = None,
                   env: jinja2.Environment | None = None) -> Outputs:
    """Render the README (set into ``frame`` when the README has markers) and the issue files.

    With ``issue.body: digest`` and a digest today, the issue carries the digest. ``env``:
    the run's template environment, so that its templates are compiled once.
    """
    env = env or readme.environment(config.paths.templates)
    shown = budget.budgeted_readme(env, config, store, today, frame)
    names = [keyword.name for keyword in config.keywords]
    sections = pending_sections(store, names, config.issue.max_per_keyword)
    view = IssueSettingsView(day=today, repository=config.repository_url,
                             labels=config.issue.labels,
                             max_per_keyword=config.issue.max_per_keyword)
    if config.issue.body == "digest" and digest is not None and digest.papers:
        issues = digest_issue_documents(env, view, digest)
    else:
        issues = issue_documents(env, view, sections, per_keyword=config.issue.per_keyword)
    news = RunNews(today, {section.name: tuple(row.paper for row in section.rows)
                           for section in sections if section.rows})
    full_lists = pages.keyword_pages(env, config, store, today, shown.linked)
    return Outputs(shown.text, issues, news, full_lists, shown.cut)


Output = Callable[[Config, Store, RunNews], list[Path]]
EXTRA_OUTPUTS: list[tuple[str, Output]] = [
    ("digest", digest_output.write),
    ("feeds", feeds.write),
    ("site", site.write),  # after feeds: it publishes copies of them
    ("email", email.write),  # last: it reports what the others published
]
"""``(name, write)`` of the outputs written after the store and the README are safe, each
when ``config.<name>`` is set; see ``tracker.outputs``."""


def _readme_frame(config: Config, env: jinja2.Environment) -> readme.Frame | None:
    """The frame of the existing README; refuses a README the tracker did not write.

    Checked before anything is fetched, so a README the tracker must not
    touch costs no request.
    """
    existing = read_text(config.paths.readme)
    frame = readme.readme_frame(existing)
    if (frame is None and existing and existing.strip()
            and not readme.written_by_tracker(env, existing, config.max_papers)):
        raise OutputError(
            f"{config.paths.readme} was not written by the tracker and has no "
            f"{readme.START_MARKER} and {readme.END_MARKER} lines; add those two lines, "
            "each on its own line, where the list of papers should go. Nothing was written."
        )
    return frame


ANNOUNCING_OUTPUTS = frozenset({"email"})
"""Outputs that tell people about the news: written only by runs that announce (``tracker
run``), never by ``tracker render`` or ``tracker fetch``, so that nobody is told twice."""


def _write_extra_outputs(config: Config, store: Store, news: RunNews, report: RunReport,
                         announcing: bool) -> None:
    for name, write in EXTRA_OUTPUTS:
        if getattr(config, name, None) is None or (
                name in ANNOUNCING_OUTPUTS and not announcing):
            continue
        try:
            report.written[name] = write(config, store, news)
        except TrackerError as error:
            report.output_errors[name] = str(error)
        except Exception as error:  # one broken output never costs the others
            log.debug("output %s failed", name, exc_info=True)
            report.output_errors[name] = f"unexpected error: {type(error).__name__}: {error}"
        if name in report.output_errors:
            log.warning(f"{name}: FAILED: {report.output_errors[name]}")


class Tracker:
    """A configured tracker: what ``tracker run``, ``tracker schedule`` and the tests call.

    >>> tracker = Tracker.from_config(Path("config/keywords.yaml"))   # doctest: +SKIP
    >>> report = tracker.run(today="2026-08-21")                      # doctest: +SKIP
    >>> report.exit_code                                              # doctest: +SKIP
    0
    """

    def __init__(self, config: Config):
        self.config = config

    @classmethod
    def from_config(cls, path: Path = DEFAULT_CONFIG,
                    env: Mapping[str, str] | None = None) -> Tracker:
        """Load and check the config (``ConfigError`` lists every problem).

        The repository the issues link to (and the User-Agent names) is the
        config's ``repository``, else ``$GITHUB_REPOSITORY``, else the git
        remote ``origin`` of the repository holding the config.
        """
        config = load_config(path, env)
        if config.repository is None:
            remote = origin_url(config.root)
            if remote:
                config = replace(config, repository=remote)
        return cls(config)

    def today(self, given: str | None = None) -> str:
        """The run's date: ``given``, else today in the configured timezone."""
        if given:
            return given
        return datetime.now(ZoneInfo(self.config.timezone)).date().isoformat()

    def output_paths(self) -> list[Path]:
        """The files and folders a run writes that belong in git (the scheduler commits them)."""
        paths = [self.config.paths.readme, self.config.paths.store, self.config.paths.papers]
        for name, _ in EXTRA_OUTPUTS:
            if name == "site":  # published by GitHub Pages, not kept in git
                continue
            settings = getattr(self.config, name, None)
            target = getattr(settings, "written_under", None) or getattr(settings, "path", None)
            if target is not None:
                paths.append(Path(target))
        if self.config.digest is not None:  # the digest's data files beside the store
            from tracker.digest_step import cache_path

            store = self.config.paths.store
            paths += [digest_output.recent_path(store), cache_path(store)]
        return paths

    def run(self, today: str | None = None, *, fetch: bool = True, publish: bool = True,
            notify: bool | None = None, lock_wait: float = 30.0,
            should_stop: Callable[[], bool] = lambda: False,
            sleep: Callable[[float], None] | None = None,
            source: Source | None = None) -> RunReport:
        """The whole job under the store's lock; logs a line per keyword and a summary.

        Raises ``TrackerError`` (exit code 3) when the run cannot proceed:
        damaged or newer store, lock held past ``lock_wait``, a README it must
        not overwrite, an output it cannot write. ``notify`` (default: when
        both fetching and publishing) counts the papers in the issue files as
        announced, so the next issue lists only what is new after them.

        The order of writes keeps every crash safe: issue files first (a crash
        after them repeats the notification rather than losing it), then the
        store, then the README, each replaced atomically, then the other outputs.
        A run that fetched nothing on a tracker that never fetched anything
        writes nothing.
        """
        from tracker.logs import progress_line, summary_line

        config = self.config
        day = self.today(today)
        started = time.monotonic()
        report = RunReport(today=day)
        notify = (fetch and publish) if notify is None else notify
        path = config.paths.store

        def progress(outcome: KeywordOutcome) -> None:
            (log.warning if outcome.error else log.info)(progress_line(outcome))

        with store_lock(path, lock_wait):
            remove_stale_temporaries(path)
            before = load_store(path)
            env = readme.environment(config.paths.templates) if publish else None
            frame = _readme_frame(config, env) if env is not None else None
            if env is not None and fetch:
                # A README budget too small for what is stored stops the run before it asks
                # arXiv anything (ConfigError), rather than after, losing the day's papers.
                budget.budgeted_readme(env, config, before, day, frame)
            store = before
            digest: Digest | None = None
            if fetch:
                source = source if source is not None else make_source(
                    config, sleep=sleep, should_stop=should_stop)
                store, stopped = fetch_all(config, store, source, day, report.outcomes,
                                           progress, should_stop)
                report.interrupted = stopped
                digest = _digest_of_the_day(config, source, day, report)
                if store.last_change is None and digest is None and not any(
                        outcome.error is None for outcome in report.outcomes):
                    publish = False  # nothing was ever fetched: no file to write yet
                    store = before
            outputs = (render_outputs(config, store, day, frame, digest, env) if publish
                       else None)
            if outputs is not None and (notify or outputs.issues):
                # `tracker render` with nothing pending keeps the issue files of the last run.
                report.issue_files = write_issues(config.paths.issues, outputs.issues)
                if notify and outputs.issues:
                    store = mark_notified(store, [keyword.name for keyword in config.keywords])
            if store != before:
                save_store(path, store)
                report.store_changed = True
            if outputs is not None:  # the keyword pages before the README that links them
                pages.write_pages(outputs.pages)
                report.readme_changed = write_if_changed(config.paths.readme, outputs.readme)
                pages.remove_stale_pages(config.paths.papers, outputs.pages)
                report.readme_cut = outputs.readme_cut
                news = _news_with_digest(config, outputs.news, digest, day, report)
                _write_extra_outputs(config, store, news, report, announcing=notify)
        report.seconds = time.monotonic() - started
        summary = summary_line(report, config, fetch, publish)
        (log.warning if report.failed or report.output_errors else log.info)(summary)
        return report


def _digest_of_the_day(config: Config, source: Source, day: str,
                       report: RunReport) -> Digest | None:
    """The digest step (``tracker.digest_step``); a failure is the digest output's error."""
    if config.digest is None or report.interrupted:
        return None
    from tracker.digest_step import digest_for_run

    return digest_for_run(config, getattr(source, "session", None), day, report.output_errors)


def _news_with_digest(config: Config, news: RunNews, digest: Digest | None, day: str,
                      report: RunReport) -> RunNews:
    if config.digest is None:
        return news
    from tracker.digest_step import with_digest

    return with_digest(config, news, digest, day, report.output_errors)
