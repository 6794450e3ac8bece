"""The Daily Papers site: static HTML pages, a style sheet and a search over every paper.

``site/`` holds ``index.html`` (the latest day's papers, the keywords, the
days, the Subscribe box), ``days/YYYY-MM-DD.html``, ``keywords/SLUG.html``,
``style.css``, ``search.js`` and ``search.json`` (the search index), and
``feeds/*.xml``, copies of the Atom feeds when ``feeds`` is configured, so
that they are published with the site. The pages come from the Jinja2
templates in ``templates/site/`` with autoescape on; the style sheet and the
script are static files from the same folder (a user's ``templates/site/``
overrides them file by file). The output is the same bytes for the same
store, and files are written only when they change; pages of removed
keywords and days are deleted. See docs/site.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from tracker.config import Config, SiteSettings
from tracker.errors import OutputError
from tracker.models import Digest, Store
from tracker.outputs.files import read_text, write_if_changed
from tracker.outputs.readme import render
from tracker.outputs.site_model import INDEX_LIMIT, SiteModel, build_model, search_index
from tracker.resources import templates_dir

if TYPE_CHECKING:
    from tracker.outputs import RunNews

STATIC_FILES = ("style.css", "search.js")
"""Copied from ``templates/site/`` as they are."""
MANAGED_FOLDERS = {"days": ".html", "keywords": ".html", "feeds": ".xml"}
"""Folders of the site whose files the build owns: a file not rebuilt there is removed."""


@dataclass(frozen=True)
class FeedLink:
    label: str
    href: str
    """Relative to the top of the site."""


@dataclass(frozen=True)
class Subscribe:
    """What the Subscribe box can honestly offer (see docs/site.md)."""

    feeds: tuple[FeedLink, ...] = ()
    repository: str | None = None
    """The GitHub repository, whose "Watch" mails each notification issue."""
    email: bool = False
    """True when the maintainer sends the e-mail digest."""


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """The site's templates: a user's copy first, then the shipped ones; autoescape always on."""
    folders = [str(user_templates)] if user_templates and user_templates.is_dir() else []
    folders.append(str(templates_dir()))
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _static(env: jinja2.Environment, name: str) -> str:
    try:
        source, _, _ = env.loader.get_source(env, f"site/{name}")  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        raise OutputError(f"site/{name} not found in the templates") from None
    return source


def _feed_files(config: Config) -> dict[str, tuple[str, str]]:
    """The feeds to publish: site path -> (label, text), from the feeds output's folder."""
    feeds = config.feeds
    if feeds is None:
        return {}
    folder = Path(feeds.path)
    wanted = [("digest.xml", "The daily digest")]
    wanted += [(f"{keyword.slug}.xml", keyword.name) for keyword in config.keywords]
    found = {}
    for name, label in wanted:
        text = read_text(folder / name)
        if text is not None:
            found[f"feeds/{name}"] = (label, text)
    return found


def subscribe_box(config: Config, feeds: dict[str, tuple[str, str]]) -> Subscribe:
    links = tuple(FeedLink(label, href) for href, (label, _) in feeds.items())
    return Subscribe(feeds=links, repository=config.repository,
                     email=config.email is not None)


def site_files(config: Config, settings: SiteSettings, store: Store,
               digests: tuple[Digest, ...] = ()) -> dict[str, str]:
    """Every file of the site: its path inside the site folder -> its text. No writes."""
    env = environment(config.paths.templates)
    model = build_model(config.keywords, store, digests)
    feeds = _feed_files(config)
    common: dict[str, Any] = {"site_title": settings.title,
                              "subscribe": subscribe_box(config, feeds),
                              "keywords": model.keywords, "days": model.days}
    files = {"index.html": _index(env, model, common)}
    # Each card once for the pages one folder down, however many pages list the paper.
    common["cards"] = _cards(env, model, "../")
    for number, day in enumerate(model.days):  # newest first
        newer = model.days[number - 1].date if number > 0 else None
        older = model.days[number + 1].date if number + 1 < len(model.days) else None
        files[f"days/{day.date}.html"] = render(
            env, "site/day.html.j2", **common, root="../", heading=f"Papers of {day.date}",
            day=day, newer=newer, older=older)
    for page in model.keywords:
        files[f"keywords/{page.tag.slug}.html"] = render(
            env, "site/keyword.html.j2", **common, root="../", heading=page.tag.name, page=page)
    files["search.json"] = search_index(model)
    for name in STATIC_FILES:
        files[name] = _static(env, name)
    files.update({path: text for path, (_, text) in feeds.items()})
    return files


def _cards(env: jinja2.Environment, model: SiteModel, root: str) -> dict[str, Markup]:
    try:
        macros = env.get_template("site/_macros.html.j2").make_module({})
        return {entry.id: macros.paper(entry, root) for entry in model.entries}
    except jinja2.TemplateError as error:
        raise OutputError(f"site/_macros.html.j2: template error: {error}") from None


def _index(env: jinja2.Environment, model: SiteModel, common: dict[str, Any]) -> str:
    latest = model.latest
    shown = latest.entries[:INDEX_LIMIT] if latest else ()
    heading = f"Papers of {latest.date}" if latest else common["site_title"]
    return render(env, "site/index.html.j2", **common, root="", heading=heading, latest=latest,
                  shown=shown)


def write_site(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write the changed files and remove stale ones; returns every path written or removed."""
    changed = [folder / name for name, text in sorted(files.items())
               if write_if_changed(folder / name, text)]
    for sub, suffix in MANAGED_FOLDERS.items():
        try:
            present = sorted((folder / sub).glob(f"*{suffix}"))
        except OSError as error:
            raise OutputError(f"{folder / sub}: cannot list: {error}") from None
        for path in present:
            if f"{sub}/{path.name}" not in files:
                try:
                    path.unlink()
                except OSError as error:
                    raise OutputError(f"{path}: cannot remove a stale page: {error}") from None
                changed.append(path)
    return changed


def write(config: Config, store: Store, news: RunNews) -> list[Path]:
    """The output's entry point for a run (``EXTRA_OUTPUTS``): build the site from the store.

    Uses ``config.site`` and the run's recent digests for the days announced
    by arXiv.
    """
    return build(config, store, tuple(news.recent_digests))


def build(config: Config, store: Store, digests: tuple[Digest, ...] = ()) -> list[Path]:
    """Build the site in ``config.site.path`` (the defaults when the section is absent)."""
    # Without a site: section the default folder, under the repository root like every path.
    settings = config.site or SiteSettings(path=config.root / SiteSettings().path)
    feeds = config.feeds
    if feeds is not None and _same_folder(Path(feeds.path), settings.path / "feeds"):
        # The site would copy the feeds onto themselves and delete the ones it does not link.
        raise OutputError(f"site.path {config.shown(settings.path)}: its feeds/ folder is the "
                          f"feeds output's folder ({config.shown(Path(feeds.path))}); choose "
                          "another site.path")
    return write_site(settings.path, site_files(config, settings, store, digests))


def _same_folder(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve()


def build_from_store(config: Config, lock_wait: float = 30.0) -> tuple[Path, list[Path]]:
    """``tracker site``: the site from the stored papers alone (no network, no digests).

    The store is read under its lock, so a run in progress is never read half
    way. Returns the site folder and the files written or removed.
    """
    from tracker.store import load_store, store_lock

    with store_lock(config.paths.store, lock_wait):
        store = load_store(config.paths.store)
    folder = config.site.path if config.site is not None else config.root / SiteSettings().path
    return folder, build(config, store)
