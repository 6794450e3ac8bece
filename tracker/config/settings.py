"""The settings objects: every config key, its default and its check, written down once.

Each key of ``config/keywords.yaml`` is a dataclass field declared with
``setting(default, checker)``; the loader reads the keys from these fields,
and a test holds ``config/keywords.schema.json``, ``config/keywords.yaml`` and
``docs/configuration.md`` to them (keys, defaults, ranges). One settings
object per concern: ``arxiv`` (the API and its pacing), ``paths`` (files),
``issue`` (notifications), ``schedule`` (``tracker schedule``); the keys at
the top level are fields of ``Config`` itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from tracker.config import validators
from tracker.config.digest import DigestSettings
from tracker.config.output_settings import EMAIL_KEYS, FEED_KEYS, EmailSettings, FeedSettings
from tracker.config.validators import Checker
from tracker.sources.query import build_query

DEFAULT_CONFIG = Path("config/keywords.yaml")
ARXIV_ENDPOINT = "https://export.arxiv.org/api/query"
ENDPOINT_ENV = "TRACKER_ARXIV_URL"


def setting(default: Any, checker: Checker) -> Any:
    """A config key: its default and the checker its value must pass."""
    return field(default=default, metadata={"check": checker})


def keys_of(cls: type) -> dict[str, Field[Any]]:
    """The config keys of a settings class, by name, in declaration order."""
    return {item.name: item for item in fields(cls) if "check" in item.metadata}


def sections_of(cls: type) -> dict[str, type]:
    """The nested settings objects of ``Config`` (``arxiv:``, ``paths:``, ...), by key."""
    found = {}
    for item in fields(cls):
        if "section" in item.metadata:
            found[item.name] = item.metadata["section"]
        elif item.default_factory is not MISSING and is_dataclass(item.default_factory):
            found[item.name] = item.default_factory
    return found


def section_keys(cls: type, name: str) -> dict[str, Checker]:
    """The keys of section ``name`` of ``cls`` and their checkers."""
    item = {item.name: item for item in fields(cls)}[name]
    if item.metadata.get("keys") is not None:
        return dict(item.metadata["keys"])
    return {key: spec.metadata["check"] for key, spec in keys_of(sections_of(cls)[name]).items()}


def slugify(name: str) -> str:
    """Lower case, every run of characters other than letters and digits one ``-``, trimmed."""
    return re.sub(r"[\W_]+", "-", name.lower()).strip("-") or "keyword"


@dataclass(frozen=True)
class Keyword:
    name: str = field(metadata={"check": validators.heading})  # required: no default
    """The heading in the README, and the key of the keyword in the store."""
    synonyms: tuple[str, ...] = setting((), validators.text_list(validators.phrase))
    exclude: tuple[str, ...] = setting((), validators.text_list(validators.phrase))
    categories: tuple[str, ...] | None = setting(None,
                                                 validators.text_list(validators.category))
    """Overrides the top-level category filter when set."""
    query: str | None = setting(None, validators.text)
    """A raw arXiv query that replaces the generated one."""

    @property
    def search_query(self) -> str:
        return build_query(self.name, self.synonyms, self.exclude, self.query)

    @property
    def slug(self) -> str:
        """The name in file names: ``Video Anomaly Detection`` -> ``video-anomaly-detection``."""
        return slugify(self.name)


@dataclass(frozen=True)
class ArxivSettings:
    """The arXiv API and how politely it is asked (arXiv API User's Manual, terms of use)."""

    endpoint: str = setting(ARXIV_ENDPOINT, validators.url)
    delay: float = setting(3.0, validators.seconds(0))
    timeout: float = setting(30.0, validators.seconds(0, positive=True))
    retries: int = setting(4, validators.integer(0, 10))
    backoff: float = setting(5.0, validators.seconds(0))
    max_retry_after: float = setting(120.0, validators.seconds(0))
    run_budget: float = setting(900.0, validators.seconds(0, positive=True))
    incremental: bool = setting(True, validators.boolean)
    first_page: int = setting(10, validators.integer(1, 2000))
    contact: str | None = setting(None, validators.optional(validators.text))


@dataclass(frozen=True)
class Paths:
    """The files a run reads and writes, relative to the repository root (``Config.root``)."""

    # ``field`` spelt out: ruff cannot tell that ``setting`` returns a field and a Path
    # default is immutable.
    store: Path = field(default=Path("data/papers.json"), metadata={"check": validators.path})
    readme: Path = field(default=Path("README.md"), metadata={"check": validators.path})
    issues: Path = field(default=Path("build/issues"), metadata={"check": validators.path})
    templates: Path = field(default=Path("templates"), metadata={"check": validators.path})
    papers: Path = field(default=Path("papers"), metadata={"check": validators.path})
    """Each keyword's full list, when the README budget cuts its section short."""

    def under(self, root: Path) -> Paths:
        """These paths resolved against ``root`` (``..`` folded; absolute ones kept)."""
        return replace(self, **{name: Path(os.path.normpath(root / getattr(self, name)))
                                for name in keys_of(Paths)})


@dataclass(frozen=True)
class IssueSettings:
    max_per_keyword: int = setting(15, validators.integer(1, 2000))
    labels: tuple[str, ...] = setting(("documentation",), validators.text_list(validators.label))
    per_keyword: bool = setting(False, validators.boolean)
    body: str = setting("table", validators.choice(("table", "digest")))
    """``table``: the keyword tables; ``digest``: the day's digest (when there is one)."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = setting("0 3 * * 1-5", validators.cron)
    timezone: str = setting("UTC", validators.timezone)
    commit: bool = setting(False, validators.boolean)
    push: bool = setting(False, validators.boolean)


@dataclass(frozen=True)
class SiteSettings:
    """The Daily Papers site (``tracker.outputs.site``); the section is optional."""

    path: Path = field(default=Path("site"), metadata={"check": validators.path})
    title: str = setting("Daily Papers", validators.text)


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``paths`` (and ``digest.path``) are absolute, resolved
    against ``root``."""

    keywords: tuple[Keyword, ...]
    source: Path = DEFAULT_CONFIG
    """The config file, as named on the command line (for messages)."""
    root: Path = field(default_factory=Path.cwd)
    """The repository: the folder above ``config/`` when the config file is in a folder
    named ``config``, else the config file's folder (see ``loader.repository_root``)."""
    max_papers: int = setting(100, validators.integer(1, 2000))
    readme_rows: int | None = setting(None, validators.optional(validators.integer(0)))
    readme_budget: int = setting(450_000, validators.integer(10_000, 500_000))
    """UTF-8 bytes the README may take; GitHub shows no README over 512,000 bytes."""
    categories: tuple[str, ...] = setting(("cs", "stat"),
                                          validators.text_list(validators.category))
    timezone: str = setting("UTC", validators.timezone)
    repository: str | None = setting(None, validators.optional(validators.repository))
    note_after_days: int = setting(2, validators.integer(0))
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    paths: Paths = field(default_factory=Paths)
    issue: IssueSettings = field(default_factory=IssueSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    digest: DigestSettings | None = None
    """The ``digest:`` section (``config.digest``), read by its own checks."""
    # Optional sections (``None`` when absent). ``keys``: their checkers, where the fields
    # are not declared with ``setting`` (``email:`` names its sender ``from``).
    email: EmailSettings | None = field(
        default=None, metadata={"section": EmailSettings, "keys": EMAIL_KEYS})
    feeds: FeedSettings | None = field(
        default=None, metadata={"section": FeedSettings, "keys": FEED_KEYS})
    site: SiteSettings | None = field(default=None, metadata={"section": SiteSettings})
    """Build the static site in the daily run when set."""

    def __post_init__(self) -> None:
        # Frozen: the paths are settled here once, so no caller resolves them against the
        # current folder by mistake.
        root = Path(os.path.abspath(self.root))
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "paths", self.paths.under(root))
        if self.digest is not None:  # a file-name pattern (digests/{date}.md), also root-relative
            object.__setattr__(self, "digest", replace(
                self.digest, path=os.path.normpath(root / self.digest.path)))
        for name in ("feeds", "site"):  # the folders of the optional outputs
            settings = getattr(self, name)
            if settings is not None:
                object.__setattr__(self, name, replace(
                    settings, path=Path(os.path.normpath(root / settings.path))))

    def categories_for(self, keyword: Keyword) -> tuple[str, ...]:
        return self.categories if keyword.categories is None else keyword.categories

    @property
    def repository_url(self) -> str:
        return self.repository or "https://github.com"

    def shown(self, path: Path) -> str:
        """``path`` for messages: relative to the repository root when inside it."""
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
