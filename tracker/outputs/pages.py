"""Each keyword's full list, ``papers/<slug>.md``, for a README the budget cut short.

GitHub shows no README over 512,000 bytes, so a README over ``readme_budget``
shows each keyword's newest papers only (``budget.budgeted_readme``) and links
every section it cut to a page holding the keyword's whole table, rendered
from ``templates/keyword.md.j2`` with the README's row macro. A page starts
with ``PAGE_MARK``; only files that start with it are ever removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import jinja2

from tracker.config import Config
from tracker.errors import OutputError
from tracker.models import Store
from tracker.outputs.budget import page_path
from tracker.outputs.files import relative_link, write_if_changed
from tracker.outputs.readme import failing_note, render

PAGE_TEMPLATE = "keyword.md.j2"
PAGE_MARK = "<!-- tracker: one keyword's full list; rewritten by every run -->"


def keyword_pages(env: jinja2.Environment, config: Config, store: Store, today: str,
                  names: Iterable[str]) -> dict[Path, str]:
    """The page of each keyword in ``names`` (the ones the README links), by file path."""
    wanted = set(names)
    pages = {}
    for keyword in config.keywords:
        if keyword.name not in wanted:
            continue
        record = store.keywords[keyword.name]
        path = page_path(config, keyword)
        text = render(env, PAGE_TEMPLATE, keyword=keyword.name, papers=record.papers,
                      last_update=store.last_change or today,
                      readme_link=relative_link(config.paths.readme, path.parent),
                      note=failing_note(record.failing_since, record.last_error, today,
                                        config.note_after_days))
        pages[path] = f"{PAGE_MARK}\n{text}"
    return pages


def write_pages(pages: dict[Path, str]) -> list[Path]:
    """Write the pages whose text changed; the ones written."""
    return [path for path, text in pages.items() if write_if_changed(path, text)]


def _written_by_tracker(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == PAGE_MARK
    except (OSError, UnicodeDecodeError):
        return False


def remove_stale_pages(folder: Path, keep: Iterable[Path]) -> list[Path]:
    """Remove the pages in ``folder`` this tracker wrote that the README no longer links.

    A removed keyword's page, or every page once the README fits uncut. Files
    without ``PAGE_MARK`` on their first line are the user's and stay. The
    folder itself stays (git keeps no empty folder), so that committing it
    records the removals.
    """
    if not folder.is_dir():
        return []
    kept = {path.resolve() for path in keep}
    removed = []
    try:
        for path in sorted(folder.glob("*.md")):
            if path.resolve() not in kept and _written_by_tracker(path):
                path.unlink()
                removed.append(path)
    except OSError as error:
        raise OutputError(f"{folder}: cannot remove an old keyword page: {error}") from None
    return removed
