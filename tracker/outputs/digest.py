"""The daily digest output: today's markdown file and a machine-readable copy of recent digests.

The markdown comes from ``templates/digest.md.j2`` (the format is described
in the reference ``FORMAT.md``: one block a paper, no header, no escaping).
``data/digests.json`` (beside the store) keeps the digests of the last
``RECENT_DAYS`` days, newest first, so that other outputs (feeds, site,
e-mail) get ``RunNews.recent_digests`` without reading markdown back.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import OutputError
from tracker.models import Announcement, Digest
from tracker.outputs.files import read_text, write_if_changed
from tracker.outputs.readme import environment, render

if TYPE_CHECKING:
    import jinja2

    from tracker.config import Config
    from tracker.models import Store
    from tracker.outputs import RunNews

DIGEST_TEMPLATE = "digest.md.j2"
RECENT_DAYS = 30
DIGESTS_SCHEMA = 1


def digest_path(pattern: str, day: str) -> Path:
    """The digest file of ``day``: ``digests/{date}.md`` -> ``digests/2025-04-09.md``."""
    return Path(pattern.replace("{date}", day))


def recent_path(store_path: Path) -> Path:
    return store_path.with_name("digests.json")


def render_digest(env: jinja2.Environment, digest: Digest) -> str:
    """The digest's markdown; the same digest always gives the same bytes."""
    label = (digest.language or "").upper()
    return render(env, DIGEST_TEMPLATE, papers=digest.papers, label=label)


def _announcement(data: dict[str, Any]) -> Announcement:
    fields = dict(data)
    for name in ("authors", "categories", "keywords"):
        fields[name] = tuple(fields.get(name, ()))
    return Announcement(**fields)


def digests_from_json(text: str | None) -> tuple[Digest, ...]:
    """The digests kept in ``digests.json``; ``OutputError`` when the file is damaged."""
    if text is None:
        return ()
    try:
        data = json.loads(text)
        return tuple(
            Digest(date=item["date"], language=item.get("language"),
                   papers=tuple(_announcement(paper) for paper in item["papers"]))
            for item in data["digests"]
        )
    except (ValueError, KeyError, TypeError) as error:
        raise OutputError(f"digests.json is damaged ({error}); delete it to start afresh") from None


def digests_to_json(digests: tuple[Digest, ...]) -> str:
    """Deterministic JSON: fixed key order, UTF-8 text as is, one trailing newline."""
    data = {"schema": DIGESTS_SCHEMA,
            "digests": [{"date": d.date, "language": d.language,
                         "papers": [asdict(paper) for paper in d.papers]} for d in digests]}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def recent(kept: tuple[Digest, ...], today: Digest | None, day: str) -> tuple[Digest, ...]:
    """The digests of the last ``RECENT_DAYS`` days up to ``day``, newest first.

    Today's digest replaces a kept one of the same date (a second run the
    same day); older ones drop out.
    """
    oldest = (date.fromisoformat(day) - timedelta(days=RECENT_DAYS - 1)).isoformat()
    by_date = {digest.date: digest for digest in kept}
    if today is not None:
        by_date[today.date] = today
    return tuple(by_date[d] for d in sorted(by_date, reverse=True) if oldest <= d <= day)


def load_recent(store_path: Path) -> tuple[Digest, ...]:
    return digests_from_json(read_text(recent_path(store_path)))


def write(config: Config, store: Store, news: RunNews) -> list[Path]:
    """Write today's digest file and ``digests.json``; only what changed is written."""
    settings = config.digest
    if settings is None:
        return []
    written: list[Path] = []
    if news.digest is not None:
        env = environment(config.paths.templates)
        path = digest_path(settings.path, news.digest.date)
        if write_if_changed(path, render_digest(env, news.digest)):
            written.append(path)
    kept = recent_path(config.paths.store)
    keep = news.recent_digests or kept.exists()
    if keep and write_if_changed(kept, digests_to_json(news.recent_digests)):
        written.append(kept)
    return written
