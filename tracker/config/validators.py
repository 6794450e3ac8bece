"""Value checkers for the configuration: each returns the converted value or raises ``Invalid``.

They hold no knowledge of the config's layout; ``config`` says which key takes
which checker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.sources.query import phrase_problem


class Invalid(Exception):
    """A value is wrong; the message says how, without naming the key."""


Checker = Callable[[Any], Any]


def describe(value: Any) -> str:
    """A short description of a YAML value for messages: ``'abc' (text)``."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a mapping", type(None): "nothing"}
    shown = repr(value) if isinstance(value, (str, int, float, bool)) else ""
    kind = kinds.get(type(value), type(value).__name__)
    return f"{shown} ({kind})" if shown else kind


def integer(low: int, high: int | None = None) -> Checker:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {describe(value)}")
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise Invalid(f"expected a whole number {bounds}, got {value}")
        return value

    return check


def seconds(low: float, *, positive: bool = False) -> Checker:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number of seconds, got {describe(value)}")
        if value < low or (positive and value <= low):
            relation = "above" if positive else "of at least"
            raise Invalid(f"expected a number {relation} {low:g}, got {value}")
        return float(value)

    return check


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {describe(value)}")
    return value


def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"expected non-empty text, got {describe(value)}")
    return value.strip()


def choice(options: tuple[str, ...]) -> Checker:
    """One of ``options``, exactly."""

    def check(value: Any) -> str:
        checked = text(value)
        if checked not in options:
            raise Invalid(f"expected one of {', '.join(options)}, got {checked!r}")
        return checked

    return check


def optional(checker: Checker) -> Checker:
    return lambda value: None if value is None else checker(value)


def text_list(item: Checker = text) -> Checker:
    """A list whose items pass ``item``, none given twice (ignoring case)."""

    def check(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {describe(value)}")
        items = []
        for index, element in enumerate(value):
            try:
                items.append(item(element))
            except Invalid as error:
                raise Invalid(f"item {index + 1}: {error}") from None
        seen: set[str] = set()
        for element in items:
            folded = str(element).casefold()
            if folded in seen:
                raise Invalid(f"{element!r} is listed twice")
            seen.add(folded)
        return tuple(items)

    return check


def heading(value: Any) -> str:
    """Printable text, whitespace collapsed: a keyword's heading."""
    checked = text(value)
    if not checked.isprintable():
        raise Invalid(f"{checked!r} contains a control character")
    return " ".join(checked.split())


def phrase(value: Any) -> str:
    """Text that can be searched for as a quoted arXiv phrase."""
    checked = text(value)
    problem = phrase_problem(checked)
    if problem:
        raise Invalid(f"{checked!r} {problem}")
    return " ".join(checked.split())


_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")


def category(value: Any) -> str:
    checked = text(value)
    if not _CATEGORY.match(checked):
        raise Invalid(f"{checked!r} is not an arXiv archive (cs) or category (cs.LG)")
    return checked


def timezone(value: Any) -> str:
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {name!r} (use an IANA name like Europe/Berlin)") from None
    return name


def url(value: Any) -> str:
    checked = text(value)
    parts = urlsplit(checked)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"expected an http(s) URL, got {checked!r}")
    return checked


def repository(value: Any) -> str:
    """``owner/name`` (a GitHub repository) or a URL; returns the URL."""
    checked = text(value)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", checked):
        return f"https://github.com/{checked}"
    return url(checked).rstrip("/")


def cron(value: Any) -> str:
    checked = text(value)
    if len(checked.split()) != 5:
        raise Invalid(
            f"expected five cron fields (minute hour day month weekday), got {checked!r}"
        )
    return checked


def path(value: Any) -> Path:
    return Path(text(value))


def label(value: Any) -> str:
    checked = text(value)
    if "," in checked or not checked.isprintable():
        raise Invalid(f"label {checked!r} may not contain commas or control characters")
    return checked
