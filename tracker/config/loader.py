"""Read and check ``config/keywords.yaml``.

Every problem is reported as ``FILE:LINE: key.path: what is wrong`` (the line
where the YAML gives one), all problems at once, as a ``ConfigError``. The
accepted keys, their defaults and checks are the fields of the settings
objects (``settings``); the JSON Schema shipped beside the config
(``config/keywords.schema.json``) describes the same keys for editors, and a
test keeps the two in step. Paths are relative to the repository root
(``repository_root``), and outputs that would overwrite each other or land
outside the repository are refused (``path_checks``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import Field, replace
from pathlib import Path
from typing import Any

import yaml

from tracker.config import validators
from tracker.config.digest import RSS_ENV, digest_keys, digest_section
from tracker.config.output_settings import feed_name_problem
from tracker.config.path_checks import path_problems
from tracker.config.settings import (
    DEFAULT_CONFIG,
    ENDPOINT_ENV,
    ArxivSettings,
    Config,
    Keyword,
    Paths,
    keys_of,
    section_keys,
    sections_of,
)
from tracker.config.validators import Checker, Invalid
from tracker.config.yaml_lines import KeyPath, key_lines
from tracker.errors import ConfigError

MAX_CONFIG_BYTES = 256 * 1024
"""A config of a thousand keywords is some 50 KB; anything far larger is a mistake."""
MAX_FLOW_DEPTH = 50
"""Brackets (``[``, ``{``) open at once: PyYAML's scanner takes time quadratic in it."""
MAX_ALIASES = 10
"""YAML aliases (``*name``) allowed in one file: nested ones multiply (the "billion laughs"
file of 411 bytes expands to gigabytes), and a config hardly needs any."""


def repository_root(config_file: Path) -> Path:
    """The repository a config belongs to: paths in it are relative to this folder.

    The folder above ``config/`` when the file is in a folder named
    ``config`` (``REPO/config/keywords.yaml``), else the file's own folder;
    never the current folder, so a run from a sub-folder writes where a run
    from the top does.
    """
    folder = Path(os.path.abspath(config_file)).parent
    return folder.parent if folder.name == "config" else folder


def config_keys() -> dict[str, Any]:
    """Every accepted key, nested as in the file: ``None`` for a plain top-level key."""
    keys: dict[str, Any] = {"keywords": sorted(keys_of(Keyword))}
    keys.update({name: None for name in keys_of(Config)})
    keys.update({name: sorted(section_keys(Config, name)) for name in sections_of(Config)})
    keys.update(digest_keys())
    return keys


def _checker(item: Field[Any]) -> Checker:
    return item.metadata["check"]


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
    text = _read(path)
    try:
        _limit_nesting(text, path)
        _limit_aliases(text, path)
        data = yaml.safe_load(text)
        lines, duplicates = key_lines(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{path}: the YAML is nested too deeply to read") from None
    problems = _Problems(path, lines)
    for key_path, line in duplicates:
        problems.messages.append(f"{path}:{line}: {_dotted(key_path)}: key given twice")
    config = _build(data, Path(os.path.abspath(path)), env, problems)
    if config is not None:
        config = replace(config, source=path)
    if problems.messages or config is None:
        raise ConfigError("\n".join(problems.messages))
    return config


def _read(path: Path) -> str:
    """The config's text; a missing, unreadable or oversized file is a ``ConfigError``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; create one with `tracker init` or pass --config"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the file: {error}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: the file is larger than {MAX_CONFIG_BYTES // 1024} KB; "
                          "a config that large is not a list of keywords")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: cannot read the file: {error}") from None


def _limit_nesting(text: str, path: Path) -> None:
    """Refuse brackets nested deeper than ``MAX_FLOW_DEPTH`` (counted in quoted text too)."""
    depth = 0
    for bracket in re.finditer(r"[][{}]", text):
        depth = depth + 1 if bracket.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_FLOW_DEPTH:
            line = text.count("\n", 0, bracket.start()) + 1
            raise ConfigError(f"{path}:{line}: brackets nested more than {MAX_FLOW_DEPTH} deep")


def _limit_aliases(text: str, path: Path) -> None:
    """Refuse more than ``MAX_ALIASES`` aliases before anything expands them.

    The parser's events hold each alias once, however often it would be
    copied, so counting them costs as little as reading the file.
    """
    count = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            count += 1
            if count > MAX_ALIASES:
                line = event.start_mark.line + 1
                raise ConfigError(
                    f"{path}:{line}: more than {MAX_ALIASES} YAML aliases (*name); write the "
                    "values out instead (nested aliases can make a small file enormous)")


def _build(data: Any, config_file: Path, env: Mapping[str, str],
           problems: _Problems) -> Config | None:
    if not isinstance(data, dict):
        problems.add((), "expected a mapping with a `keywords:` list")
        return None
    top, sections = keys_of(Config), sections_of(Config)
    known = {"keywords", "digest", *top, *sections}
    for key in data:
        if key not in known:
            problems.add((key,), _unknown(known))
    settings: dict[str, Any] = {}
    for key, item in top.items():
        if key in data:
            settings[key] = problems.check((key,), _checker(item), data[key])
    for name, cls in sections.items():
        if name in data:
            settings[name] = _section(data[name], name, cls, problems)
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
    root = repository_root(config_file)
    paths = settings.get("paths", Paths())
    if paths is not None and all(getattr(paths, key) is not None for key in keys_of(Paths)):
        placed = Config(keywords=(), root=root, paths=paths, digest=settings.get("digest"),
                        feeds=settings.get("feeds"), site=settings.get("site"))
        for key, message in path_problems(placed, config_file, _given(data)):
            problems.add(key, message)
    if problems.messages:
        return None
    return Config(keywords=keywords, root=root, **settings)


def _given(data: dict[str, Any]) -> set[tuple[str, ...]]:
    """The key paths of the output paths the file itself sets."""
    given: set[tuple[str, ...]] = set()
    for section in ("paths", "digest", "feeds", "site"):
        if isinstance(data.get(section), dict):
            given.update((section, key) for key in data[section])
    return given


def _section(value: Any, name: str, cls: type, problems: _Problems) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.add((name,), f"expected a mapping, got {validators.describe(value)}")
        return None
    spec = section_keys(Config, name)
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
    spec = keys_of(Keyword)
    fields: dict[str, Any] = {}
    for key, value in item.items():
        if key not in spec:
            problems.add((*path, key), _unknown(spec))
            continue
        fields[key] = problems.check((*path, key), _checker(spec[key]), value)
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
