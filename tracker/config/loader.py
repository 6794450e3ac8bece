"""Read and check ``config/keywords.yaml``.

Every problem is reported as ``FILE:LINE: key.path: what is wrong`` (the line
where the YAML gives one), all problems at once, as a ``ConfigError``. The
accepted keys and their defaults are listed once, in ``_SECTIONS`` below; the
JSON Schema shipped beside the config (``config/keywords.schema.json``)
describes the same keys for editors, and a test keeps the two in step.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from tracker.config import validators
from tracker.config.digest import RSS_ENV, DigestSettings, digest_keys, digest_section
from tracker.config.output_settings import (
    EMAIL_KEYS,
    FEED_KEYS,
    EmailSettings,
    FeedSettings,
    feed_name_problem,
)
from tracker.config.validators import Checker, Invalid
from tracker.config.yaml_lines import KeyPath, key_lines
from tracker.errors import ConfigError
from tracker.sources.query import build_query

DEFAULT_CONFIG = Path("config/keywords.yaml")
ARXIV_ENDPOINT = "https://export.arxiv.org/api/query"
ENDPOINT_ENV = "TRACKER_ARXIV_URL"


@dataclass(frozen=True)
class Keyword:
    name: str
    """The heading in the README, and the key of the keyword in the store."""
    synonyms: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    categories: tuple[str, ...] | None = None
    """Overrides the top-level category filter when set."""
    query: str | None = None
    """A raw arXiv query that replaces the generated one."""

    @property
    def search_query(self) -> str:
        return build_query(self.name, self.synonyms, self.exclude, self.query)

    @property
    def slug(self) -> str:
        """The name in file names: ``Video Anomaly Detection`` -> ``video-anomaly-detection``."""
        return slugify(self.name)


def slugify(name: str) -> str:
    """Lower case, every run of characters other than letters and digits one ``-``, trimmed."""
    return re.sub(r"[\W_]+", "-", name.lower()).strip("-") or "keyword"


@dataclass(frozen=True)
class ArxivSettings:
    endpoint: str = ARXIV_ENDPOINT
    delay: float = 3.0
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 5.0
    max_retry_after: float = 120.0
    run_budget: float = 900.0
    incremental: bool = True
    first_page: int = 10
    contact: str | None = None


@dataclass(frozen=True)
class Paths:
    store: Path = Path("data/papers.json")
    readme: Path = Path("README.md")
    issues: Path = Path("build/issues")
    templates: Path = Path("templates")
    papers: Path = Path("papers")
    """Each keyword's full list, when the README budget cuts its section short."""


@dataclass(frozen=True)
class IssueSettings:
    max_per_keyword: int = 15
    labels: tuple[str, ...] = ("documentation",)
    per_keyword: bool = False
    body: str = "table"
    """``table``: the keyword tables; ``digest``: the day's digest (when there is one)."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str = "0 3 * * 1-5"
    timezone: str = "UTC"
    commit: bool = False
    push: bool = False


@dataclass(frozen=True)
class SiteSettings:
    """The Daily Papers site (``tracker.outputs.site``); the section is optional."""

    path: Path = Path("site")
    title: str = "Daily Papers"


@dataclass(frozen=True)
class Config:
    keywords: tuple[Keyword, ...]
    source: Path = DEFAULT_CONFIG
    max_papers: int = 100
    readme_rows: int | None = None
    readme_budget: int = 450_000
    """UTF-8 bytes the README may take; GitHub shows no README over 512,000 bytes."""
    categories: tuple[str, ...] = ("cs", "stat")
    timezone: str = "UTC"
    repository: str | None = None
    note_after_days: int = 2
    arxiv: ArxivSettings = field(default_factory=ArxivSettings)
    paths: Paths = field(default_factory=Paths)
    issue: IssueSettings = field(default_factory=IssueSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    digest: DigestSettings | None = None
    email: EmailSettings | None = None
    feeds: FeedSettings | None = None
    site: SiteSettings | None = None
    """Build the static site in the daily run when set."""

    def categories_for(self, keyword: Keyword) -> tuple[str, ...]:
        return self.categories if keyword.categories is None else keyword.categories

    @property
    def repository_url(self) -> str:
        return self.repository or "https://github.com"


# Which checker each key takes; defaults live in the dataclasses above.
_KEYWORD_KEYS: dict[str, Checker] = {
    "name": validators.heading,
    "synonyms": validators.text_list(validators.phrase),
    "exclude": validators.text_list(validators.phrase),
    "categories": validators.text_list(validators.category),
    "query": validators.text,
}

_TOP_KEYS: dict[str, Checker] = {
    "max_papers": validators.integer(1, 2000),
    "readme_rows": validators.optional(validators.integer(0)),
    "readme_budget": validators.integer(10_000, 500_000),
    "categories": validators.text_list(validators.category),
    "timezone": validators.timezone,
    "repository": validators.optional(validators.repository),
    "note_after_days": validators.integer(0),
}

_SECTIONS: dict[str, tuple[type, dict[str, Checker]]] = {
    "arxiv": (ArxivSettings, {
        "endpoint": validators.url,
        "delay": validators.seconds(0),
        "timeout": validators.seconds(0, positive=True),
        "retries": validators.integer(0, 10),
        "backoff": validators.seconds(0),
        "max_retry_after": validators.seconds(0),
        "run_budget": validators.seconds(0, positive=True),
        "incremental": validators.boolean,
        "first_page": validators.integer(1, 2000),
        "contact": validators.optional(validators.text),
    }),
    "paths": (Paths, {
        "store": validators.path,
        "readme": validators.path,
        "issues": validators.path,
        "templates": validators.path,
        "papers": validators.path,
    }),
    "issue": (IssueSettings, {
        "max_per_keyword": validators.integer(1, 2000),
        "labels": validators.text_list(validators.label),
        "per_keyword": validators.boolean,
        "body": validators.choice(("table", "digest")),
    }),
    "schedule": (ScheduleSettings, {
        "cron": validators.cron,
        "timezone": validators.timezone,
        "commit": validators.boolean,
        "push": validators.boolean,
    }),
    "email": (EmailSettings, EMAIL_KEYS),
    "feeds": (FeedSettings, FEED_KEYS),
    "site": (SiteSettings, {
        "path": validators.path,
        "title": validators.text,
    }),
}


def config_keys() -> dict[str, Any]:
    """Every accepted key, nested as in the file (a test checks the JSON Schema against it)."""
    keys: dict[str, Any] = {"keywords": sorted(_KEYWORD_KEYS)}
    keys.update({name: None for name in _TOP_KEYS})
    keys.update({name: sorted(spec) for name, (_, spec) in _SECTIONS.items()})
    keys.update(digest_keys())
    return keys


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _unknown(known: Any) -> str:
    return f"unknown key (known keys: {', '.join(sorted(known))})"


class _Problems:
    """Collects messages of the form ``FILE:LINE: key.path: problem``."""

    def __init__(self, source: Path, lines: dict[KeyPath, int]):
        self.source = source
        self.lines = lines
        self.messages: list[str] = []

    def add(self, path: KeyPath, message: str) -> None:
        line = None
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                break
        where = f"{self.source}:{line}" if line else str(self.source)
        self.messages.append(f"{where}: {_dotted(path)}: {message}")

    def check(self, path: KeyPath, checker: Checker, value: Any) -> Any:
        try:
            return checker(value)
        except Invalid as error:
            self.add(path, str(error))
            return None


def load_config(path: Path = DEFAULT_CONFIG, env: Mapping[str, str] | None = None) -> Config:
    """Read, check and return the configuration; raise ``ConfigError`` listing every problem.

    ``env`` supplies ``TRACKER_ARXIV_URL`` (overrides the endpoint) and
    ``GITHUB_REPOSITORY`` (the default repository); it defaults to the process
    environment.
    """
    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; create one with `tracker init` or pass --config"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the file: {error}") from None
    try:
        data = yaml.safe_load(text)
        lines, duplicates = key_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    problems = _Problems(path, lines)
    for key_path, line in duplicates:
        problems.messages.append(f"{path}:{line}: {_dotted(key_path)}: key given twice")
    config = _build(data, path, env, problems)
    if problems.messages or config is None:
        raise ConfigError("\n".join(problems.messages))
    return config


def _build(data: Any, source: Path, env: Mapping[str, str], problems: _Problems) -> Config | None:
    if not isinstance(data, dict):
        problems.add((), "expected a mapping with a `keywords:` list")
        return None
    known = {"keywords", "digest", *_TOP_KEYS, *_SECTIONS}
    for key in data:
        if key not in known:
            problems.add((key,), _unknown(known))
    settings: dict[str, Any] = {}
    for key, checker in _TOP_KEYS.items():
        if key in data:
            settings[key] = problems.check((key,), checker, data[key])
    for name, (cls, spec) in _SECTIONS.items():
        if name in data:
            settings[name] = _section(data[name], name, cls, spec, problems)
    if data.get("digest") is not None:
        settings["digest"] = digest_section(data["digest"], problems)
    keywords = _keywords(data.get("keywords"), problems, required=data.get("digest") is None)
    digest = settings.get("digest")
    if digest is not None and digest.match == "keywords" and not keywords:
        problems.add(("digest", "match") if "match" in data["digest"] else ("digest",),
                     "the digest matches keywords but none are listed; list some under "
                     "`keywords:` or set `match: all`")
    if settings.get("feeds") is not None:
        clash = feed_name_problem({keyword.name: keyword.slug for keyword in keywords})
        if clash:
            problems.add(("feeds",), clash)
    _apply_environment(settings, env, problems)
    if problems.messages:
        return None
    return Config(keywords=keywords, source=source, **settings)


def _section(value: Any, name: str, cls: type, spec: dict[str, Checker],
             problems: _Problems) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.add((name,), f"expected a mapping, got {validators.describe(value)}")
        return None
    before = len(problems.messages)
    fields: dict[str, Any] = {}
    for key, item in value.items():
        if key not in spec:
            problems.add((name, key), _unknown(spec))
            continue
        fields[key] = problems.check((name, key), spec[key], item)
    if len(problems.messages) > before:
        return None
    build = getattr(cls, "from_mapping", None)
    if build is None:
        return cls(**fields)
    try:  # a section whose keys depend on each other checks them as a whole
        return build(fields)
    except Invalid as error:
        problems.add((name,), str(error))
        return None


def _keywords(value: Any, problems: _Problems, *, required: bool = True) -> tuple[Keyword, ...]:
    """The keywords; with a digest configured they may be absent or empty."""
    if value is None or (value == [] and not required):
        if required:
            problems.add(("keywords",), "missing: list the keywords to follow, one per line")
        return ()
    if not isinstance(value, list) or not value:
        problems.add(("keywords",), f"expected a non-empty list, got {validators.describe(value)}")
        return ()
    keywords: list[Keyword] = []
    seen: dict[str, int] = {}
    slugs: dict[str, int] = {}
    for index, item in enumerate(value):
        path = ("keywords", index)
        keyword = _keyword(item, path, problems)
        if keyword is None:
            continue
        folded = keyword.name.casefold()
        if folded in seen:
            problems.add(path, f"{keyword.name!r} is already keyword {seen[folded] + 1}")
            continue
        if keyword.slug in slugs:
            problems.add(path, f"{keyword.name!r} has the same file name ({keyword.slug}) as "
                         f"keyword {slugs[keyword.slug] + 1}; rename one of them")
            continue
        seen[folded] = index
        slugs[keyword.slug] = index
        keywords.append(keyword)
    return tuple(keywords)


def _keyword(item: Any, path: KeyPath, problems: _Problems) -> Keyword | None:
    if isinstance(item, str) or item is None:
        name = problems.check(path, validators.phrase, item)
        return Keyword(name=name) if name else None
    if not isinstance(item, dict):
        problems.add(path, "expected a keyword, or a mapping with `name:`, "
                     f"got {validators.describe(item)}")
        return None
    before = len(problems.messages)
    fields: dict[str, Any] = {}
    for key, value in item.items():
        if key not in _KEYWORD_KEYS:
            problems.add((*path, key), _unknown(_KEYWORD_KEYS))
            continue
        fields[key] = problems.check((*path, key), _KEYWORD_KEYS[key], value)
    if "name" not in item:
        problems.add(path, "missing `name:`")
    elif "query" in item and "synonyms" in item:
        problems.add((*path, "synonyms"), "a raw `query` replaces the generated one; "
                     "put the synonyms into the query instead")
    elif "query" not in item and fields.get("name"):
        # Without a raw query the name itself is searched for, so it must quote safely.
        problems.check((*path, "name"), validators.phrase, fields["name"])
    if len(problems.messages) > before:
        return None
    return Keyword(**fields)


def _apply_environment(settings: dict[str, Any], env: Mapping[str, str],
                       problems: _Problems) -> None:
    endpoint = env.get(ENDPOINT_ENV, "").strip()
    if endpoint:
        try:
            url = validators.url(endpoint)
        except Invalid as error:
            problems.messages.append(f"environment variable {ENDPOINT_ENV}: {error}")
        else:
            arxiv = settings.get("arxiv") or ArxivSettings()
            settings["arxiv"] = replace(arxiv, endpoint=url)
    rss = env.get(RSS_ENV, "").strip()
    if rss and settings.get("digest") is not None:
        try:
            settings["digest"] = replace(settings["digest"], endpoint=validators.url(rss))
        except Invalid as error:
            problems.messages.append(f"environment variable {RSS_ENV}: {error}")
    if settings.get("repository") is None and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        settings["repository"] = f"{server}/{env['GITHUB_REPOSITORY']}"
