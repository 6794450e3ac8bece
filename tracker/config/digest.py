"""The ``digest:`` section of ``config/keywords.yaml``: the daily digest and its translation.

Checked like every other section (``FILE:LINE: key.path: problem``); the
loader calls ``digest_section`` with its problem collector. The accepted keys
are listed in ``DIGEST_KEYS`` and ``TRANSLATE_KEYS`` (a test keeps the JSON
Schema in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tracker.config import validators
from tracker.config.validators import Checker, Invalid
from tracker.languages import LANGUAGES

RSS_ENDPOINT = "https://rss.arxiv.org"
RSS_ENV = "TRACKER_RSS_URL"
ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")
MATCH_MODES = ("keywords", "all")


@dataclass(frozen=True)
class TranslateSettings:
    language: str
    base_url: str
    model: str
    api_key_env: str | None = None
    """Name of the environment variable holding the key; the key itself is never in the file."""
    timeout: float = 60.0
    retries: int = 3


@dataclass(frozen=True)
class DigestSettings:
    categories: tuple[str, ...]
    announce_types: tuple[str, ...] = ("new", "cross")
    match: str = "keywords"
    path: str = "digests/{date}.md"
    translate: TranslateSettings | None = None
    endpoint: str = RSS_ENDPOINT
    """Replaced by the environment variable ``TRACKER_RSS_URL`` when set."""

    @property
    def dated(self) -> bool:
        """True when ``path`` holds ``{date}``: one file a day."""
        return "{date}" in self.path

    @property
    def written_under(self) -> Path:
        """What the digest's files live in: the folder up to the part holding ``{date}``
        (``digests/{date}.md`` -> ``digests``), or the one file of an undated ``path``."""
        parts = Path(self.path).parts
        if not self.dated:
            return Path(self.path)
        return Path(*parts[:next(i for i, part in enumerate(parts) if "{date}" in part)])


def _digest_path(value: Any) -> str:
    checked = validators.text(value)
    leftover = checked.replace("{date}", "")
    if "{" in leftover or "}" in leftover:
        raise Invalid(f"{checked!r}: the only placeholder is {{date}}")
    if not checked.endswith(".md"):
        raise Invalid(f"{checked!r}: the digest is a markdown file; end the name with .md")
    return checked


def _category(value: Any) -> str:
    checked = validators.category(value)
    if "." not in checked:
        raise Invalid(f"{checked!r}: the announcement feed takes categories (cs.CV), "
                      "not whole archives")
    return checked


def _env_name(value: Any) -> str:
    checked = validators.text(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", checked):
        raise Invalid(f"{checked!r} is not an environment variable name (the key itself "
                      "goes in that variable, never in this file)")
    return checked


def _non_empty(checker: Checker) -> Checker:
    def check(value: Any) -> Any:
        checked = checker(value)
        if not checked:
            raise Invalid("expected at least one item")
        return checked

    return check


TRANSLATE_KEYS: dict[str, Checker] = {
    "language": validators.choice(tuple(LANGUAGES)),
    "base_url": validators.url,
    "model": validators.text,
    "api_key_env": validators.optional(_env_name),
    "timeout": validators.seconds(0, positive=True),
    "retries": validators.integer(0, 10),
}
TRANSLATE_REQUIRED = ("language", "base_url", "model")

DIGEST_KEYS: dict[str, Checker] = {
    "categories": _non_empty(validators.text_list(_category)),
    "announce_types": _non_empty(validators.text_list(validators.choice(ANNOUNCE_TYPES))),
    "match": validators.choice(MATCH_MODES),
    "path": _digest_path,
    "endpoint": validators.url,
}


class Problems(Protocol):
    def add(self, path: tuple[Any, ...], message: str) -> None: ...
    def check(self, path: tuple[Any, ...], checker: Checker, value: Any) -> Any: ...


def _mapping(value: Any, path: tuple[Any, ...], problems: Problems) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        problems.add(path, f"expected a mapping, got {validators.describe(value)}")
        return None
    return value


def _fields(value: dict[str, Any], path: tuple[Any, ...], spec: dict[str, Checker],
            problems: Problems, nested: tuple[str, ...] = ()) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, item in value.items():
        if key in nested:
            continue
        if key not in spec:
            known = ", ".join(sorted([*spec, *nested]))
            problems.add((*path, key), f"unknown key (known keys: {known})")
            continue
        fields[key] = problems.check((*path, key), spec[key], item)
    return fields


def translate_section(value: Any, problems: Problems) -> TranslateSettings | None:
    path = ("digest", "translate")
    data = _mapping(value, path, problems)
    if data is None:
        return None
    fields = _fields(data, path, TRANSLATE_KEYS, problems)
    missing = [key for key in TRANSLATE_REQUIRED if key not in data]
    if missing:
        problems.add(path, f"missing {', '.join(missing)}")
    if missing or any(item is None and key != "api_key_env" for key, item in fields.items()):
        return None
    return TranslateSettings(**fields)


def digest_section(value: Any, problems: Problems) -> DigestSettings | None:
    """The checked ``digest:`` section; ``None`` (with problems added) when it is wrong."""
    data = _mapping(value, ("digest",), problems)
    if data is None:
        return None
    fields = _fields(data, ("digest",), DIGEST_KEYS, problems, nested=("translate",))
    if "categories" not in data:
        problems.add(("digest",), "missing categories: the announcement feeds to read (cs.CV)")
        return None
    if "translate" in data and data["translate"] is not None:
        fields["translate"] = translate_section(data["translate"], problems)
    if any(item is None for key, item in fields.items() if key != "translate"):
        return None
    return DigestSettings(**fields)


def digest_keys() -> dict[str, Any]:
    """The section's keys, nested as in the file (for the schema check)."""
    return {"digest": sorted([*DIGEST_KEYS, "translate"])}
