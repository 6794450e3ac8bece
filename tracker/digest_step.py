"""The digest step of a run: read the announcement feed once, select, translate.

It returns plain values (``DigestOutcome``); writing the digest file is the
``outputs.digest`` output's job. The translation cache
(``data/translations.json`` beside the store) is the one file written here:
translations are costly, so they are kept even when a later output fails.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import FetchError, OutputError, TrackerError
from tracker.keyword_step import polite_session
from tracker.matching import select_announcements
from tracker.models import Announcement, Digest
from tracker.outputs.files import read_text, write_if_changed
from tracker.translate import (
    GIVE_UP_AFTER,
    TranslationStats,
    Translator,
    TranslatorDown,
    translation_problem,
)

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.config.digest import TranslateSettings
    from tracker.outputs import RunNews
    from tracker.sources.http import PoliteSession

log = logging.getLogger("tracker")
CACHE_DAYS = 30
NOTHING_ANNOUNCED = "arXiv announced nothing today (weekend or holiday)"


@dataclass
class DigestOutcome:
    """What the digest step did: the digest (``None`` on an empty feed) and its costs."""

    digest: Digest | None = None
    received: int = 0
    requests: int = 0
    bytes: int = 0
    translation: TranslationStats = field(default_factory=TranslationStats)

    @property
    def troubled(self) -> bool:
        """Some translations failed or were skipped: worth a warning, not a failure."""
        return bool(self.translation.failed or self.translation.skipped)

    @property
    def message(self) -> str:
        if self.digest is None:
            return NOTHING_ANNOUNCED
        line = (f"digest {self.digest.date}: {len(self.digest.papers)} of {self.received} "
                f"announced papers, {self.requests} feed request(s)")
        stats = self.translation
        if self.digest.language:
            line += (f"; translations: {stats.translated} new, {stats.cached} cached, "
                     f"{stats.rejected} rejected, {stats.failed} failed, {stats.skipped} skipped, "
                     f"{stats.requests} request(s)")
            if stats.causes:
                line += f" ({'; '.join(dict.fromkeys(stats.causes))})"
        return line


def cache_path(store_path: Path) -> Path:
    return store_path.with_name("translations.json")


def cache_key(paper: Announcement, part: str, text: str, language: str) -> str:
    """Paper id, version, language, which text, and the SHA-256 of the source text."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{paper.id}v{paper.version} {language} {part} {digest}"


class TranslationCache:
    """``translations.json``: key -> ``{"date", "text"}`` (``text`` null: rejected)."""

    def __init__(self, path: Path):
        self.path = path
        text = read_text(path)
        try:
            self.entries: dict[str, dict[str, Any]] = (
                json.loads(text)["translations"] if text else {})
        except (ValueError, KeyError, TypeError):
            raise OutputError(f"{path}: damaged; delete it to translate afresh") from None
        self._loaded = dict(self.entries)

    def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, day: str, text: str | None, problem: str | None = None) -> None:
        entry: dict[str, Any] = {"date": day, "text": text}
        if problem:
            entry["rejected"] = problem
        self.entries[key] = entry

    def save(self, today: str) -> bool:
        """Write the entries of the last ``CACHE_DAYS`` days, sorted; only when changed."""
        oldest = (date.fromisoformat(today) - timedelta(days=CACHE_DAYS)).isoformat()
        kept = {k: v for k, v in sorted(self.entries.items()) if v.get("date", "") >= oldest}
        if kept == self._loaded and self.path.exists():
            return False
        text = json.dumps({"schema": 1, "translations": kept}, ensure_ascii=False, indent=1)
        return write_if_changed(self.path, text + "\n")


def translate_papers(papers: tuple[Announcement, ...], translator: Translator,
                     cache: TranslationCache, language: str, day: str,
                     stats: TranslationStats) -> tuple[Announcement, ...]:
    """Each paper with the translations that pass the checks; the rest stay English only."""
    down: str | None = None
    failures_in_a_row = 0
    out = []
    for paper in papers:
        found: dict[str, str | None] = {}
        for part, source in (("title", paper.title), ("abstract", paper.abstract)):
            key = cache_key(paper, part, source, language)
            entry = cache.get(key)
            if entry is not None:
                stats.cached += 1
                found[part] = entry.get("text")
                continue
            if down is not None or failures_in_a_row >= GIVE_UP_AFTER:
                stats.skipped += 1
                continue
            try:
                answer = translator.translate(source)
            except TranslatorDown as error:
                down = str(error)
                stats.failed += 1
                stats.note(down)
                continue
            except RuntimeError as error:
                failures_in_a_row += 1
                stats.failed += 1
                stats.note(str(error))
                continue
            failures_in_a_row = 0
            problem = translation_problem(source, answer, language)
            if problem:
                stats.rejected += 1
                stats.note(f"{paper.id} {part} rejected: {problem}")
                cache.put(key, day, None, problem)
                continue
            stats.translated += 1
            cache.put(key, day, answer)
            found[part] = answer
        out.append(replace(paper, title_translated=found.get("title"),
                           abstract_translated=found.get("abstract")))
    stats.requests = translator.requests
    return tuple(out)


def make_translator(config: Config, settings: TranslateSettings, env: Mapping[str, str],
                    budget: float, sleep: Callable[[float], None] | None = None) -> Translator:
    """The translator of the config; backoff and the ``Retry-After`` cap are the API's."""
    key = env.get(settings.api_key_env, "").strip() if settings.api_key_env else ""
    extra: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    return Translator(settings.base_url, settings.model, settings.language,
                      api_key=key or None, timeout=settings.timeout, retries=settings.retries,
                      backoff=config.arxiv.backoff, max_retry_after=config.arxiv.max_retry_after,
                      budget=budget, **extra)


def build_digest(config: Config, session: PoliteSession, today: str, *,
                 env: Mapping[str, str] | None = None,
                 translator: Translator | None = None) -> DigestOutcome:
    """Fetch the feed once, select and translate; raises ``FetchError`` when the feed fails.

    An empty feed gives an outcome without digest. The announcement date is
    the channel's ``pubDate`` (the run's date when the feed has none).
    """
    from tracker.sources.announcements import fetch_feed

    settings = config.digest
    if settings is None:
        raise FetchError("no digest section in the configuration")
    env = os.environ if env is None else env
    feed = fetch_feed(session, settings.endpoint, settings.categories)
    outcome = DigestOutcome(received=len(feed.items), requests=feed.requests, bytes=feed.bytes)
    if not feed.items:
        return outcome
    day = feed.date or today
    papers = select_announcements(feed.items, config.keywords,
                                  announce_types=settings.announce_types,
                                  match_all=settings.match == "all")
    language = settings.translate.language if settings.translate else None
    if settings.translate is not None and papers:
        if translator is None:
            remaining = max(1.0, session.deadline - session.clock())
            translator = make_translator(config, settings.translate, env, remaining)
        cache = TranslationCache(cache_path(config.paths.store))
        papers = translate_papers(papers, translator, cache, settings.translate.language, day,
                                  outcome.translation)
        cache.save(day)
    outcome.digest = Digest(date=day, papers=papers, language=language)
    return outcome


def recent_digests(config: Config, digest: Digest | None, today: str) -> tuple[Digest, ...]:
    """``RunNews.recent_digests``: the kept digests of the last 30 days with today's."""
    from tracker.outputs.digest import load_recent, recent

    if config.digest is None:
        return ()
    return recent(load_recent(config.paths.store), digest, digest.date if digest else today)


@dataclass
class DigestRun:
    outcome: DigestOutcome
    written: list[Path] = field(default_factory=list)
    error: str | None = None


def run_digest(config: Config, today: str, *, lock_wait: float = 30.0,
               session: PoliteSession | None = None, env: Mapping[str, str] | None = None,
               translator: Translator | None = None) -> DigestRun:
    """``tracker digest``: fetch the feed, select, translate, write the digest, under the lock.

    A failed feed is reported in ``error`` (nothing is written); the keyword
    store is only read, never written.
    """
    from tracker.outputs import RunNews
    from tracker.outputs import digest as digest_output
    from tracker.store import load_store, store_lock

    with store_lock(config.paths.store, lock_wait):
        try:
            outcome = build_digest(config, session or polite_session(config), today, env=env,
                                   translator=translator)
        except FetchError as error:
            return DigestRun(DigestOutcome(requests=error.requests, bytes=error.bytes),
                             error=str(error))
        news = RunNews(today=today, new_papers={}, digest=outcome.digest,
                       recent_digests=recent_digests(config, outcome.digest, today))
        written = digest_output.write(config, load_store(config.paths.store), news)
    return DigestRun(outcome, written)


def digest_for_run(config: Config, session: PoliteSession | None, day: str,
                   errors: dict[str, str]) -> Digest | None:
    """The digest step of ``Tracker.run``, through the keywords' polite session when given.

    Same pacing and time budget as the keywords. A failure goes into
    ``errors["digest"]`` (the run's ``output_errors``: exit code 1); the
    keyword tables never depend on it. ``None`` also when arXiv announced nothing.
    """
    try:
        outcome = build_digest(config, session or polite_session(config), day)
    except TrackerError as error:
        errors["digest"] = str(error)
        return None
    (log.warning if outcome.troubled else log.info)(outcome.message)
    return outcome.digest


def with_digest(config: Config, news: RunNews, digest: Digest | None, day: str,
                errors: dict[str, str]) -> RunNews:
    """``news`` with today's digest and the recent ones kept in ``digests.json``."""
    try:
        recent = recent_digests(config, digest, day)
    except TrackerError as error:
        errors["digest"] = str(error)
        return news
    return replace(news, digest=digest, recent_digests=recent)
