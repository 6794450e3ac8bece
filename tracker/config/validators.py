"""Value checkers for the configuration: each returns the converted value or raises ``Invalid``.

They hold no knowledge of the config's layout; ``settings`` says which key
takes which checker. Each checker carries, as ``checker.schema``, the JSON
Schema constraints (type, bounds, pattern) it enforces, so that a test can
hold ``config/keywords.schema.json`` to the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.sources.query import phrase_problem


class Invalid(Exception):
    """A value is wrong; the message says how, without naming the key."""


Checker = Callable[[Any], Any]

_CheckerT = TypeVar("_CheckerT", bound=Checker)


def constraints(**schema: Any) -> Callable[[_CheckerT], _CheckerT]:
    """Record on a checker the JSON Schema constraints it enforces (``checker.schema``)."""

    def attach(checker: _CheckerT) -> _CheckerT:
        checker.schema = schema  # type: ignore[attr-defined]
        return checker

    return attach


def schema_of(checker: Checker) -> dict[str, Any]:
    return dict(getattr(checker, "schema", {}))


def quoted(value: Any) -> str:
    """``'text'`` as the user wrote it: a backslash stays one backslash, and only characters
    that cannot be shown (control characters) are escaped, as ``repr`` would."""
    if not isinstance(value, str):
        return repr(value)
    return "'" + "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value) + "'"


def describe(value: Any) -> str:
    """A short description of a YAML value for messages: ``'abc' (text)``."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", dict: "a mapping", type(None): "nothing"}
    shown = quoted(value) if isinstance(value, (str, int, float, bool)) else ""
    kind = kinds.get(type(value), type(value).__name__)
    return f"{shown} ({kind})" if shown else kind


def integer(low: int, high: int | None = None) -> Checker:
    bounds = {"minimum": low} if high is None else {"minimum": low, "maximum": high}

    @constraints(type="integer", **bounds)
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {describe(value)}")
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise Invalid(f"expected a whole number {bounds}, got {value}")
        return value

    return check


def seconds(low: float, *, positive: bool = False) -> Checker:
    bound = {"exclusiveMinimum" if positive else "minimum": low}

    @constraints(type="number", **bound)
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number of seconds, got {describe(value)}")
        if value < low or (positive and value <= low):
            relation = "above" if positive else "of at least"
            raise Invalid(f"expected a number {relation} {low:g}, got {value}")
        return float(value)

    return check


@constraints(type="boolean")
def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, got {describe(value)}")
    return value


@constraints(type="string", minLength=1)
def text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"expected non-empty text, got {describe(value)}")
    return value.strip()


def choice(options: tuple[str, ...]) -> Checker:
    """One of ``options``, exactly."""

    @constraints(type="string", enum=list(options))
    def check(value: Any) -> str:
        checked = text(value)
        if checked not in options:
            raise Invalid(f"expected one of {', '.join(options)}, got {quoted(checked)}")
        return checked

    return check


def optional(checker: Checker) -> Checker:
    """``checker``, or nothing (``null`` in YAML)."""
    schema = schema_of(checker)
    if "type" in schema:
        schema["type"] = [schema["type"], "null"]

    @constraints(**schema)
    def check(value: Any) -> Any:
        return None if value is None else checker(value)

    return check


def text_list(item: Checker = text) -> Checker:
    """A list whose items pass ``item``, none given twice (ignoring case)."""

    @constraints(type="array", items=schema_of(item))
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
                raise Invalid(f"{quoted(element)} is listed twice")
            seen.add(folded)
        return tuple(items)

    return check


@constraints(type="string", minLength=1)
def heading(value: Any) -> str:
    """Printable text, whitespace collapsed: a keyword's heading."""
    checked = text(value)
    if not checked.isprintable():
        raise Invalid(f"{quoted(checked)} contains a control character")
    return " ".join(checked.split())


# Catches quotes, backslashes and control characters; the AND/OR words only the tracker sees.
@constraints(type="string", minLength=1,
             pattern=r'^[^"\\\u0000-\u001f\u007f]*\S[^"\\\u0000-\u001f\u007f]*$')
def phrase(value: Any) -> str:
    """Text that can be searched for as a quoted arXiv phrase."""
    checked = text(value)
    problem = phrase_problem(checked)
    if problem:
        raise Invalid(f"{quoted(checked)} {problem}")
    return " ".join(checked.split())


_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")


@constraints(type="string", minLength=1, pattern=_CATEGORY.pattern)
def category(value: Any) -> str:
    checked = text(value)
    if not _CATEGORY.match(checked):
        raise Invalid(f"{quoted(checked)} is not an arXiv archive (cs) or category (cs.LG)")
    return checked


@constraints(type="string", minLength=1)
def timezone(value: Any) -> str:
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {quoted(name)} (use an IANA name like "
                      "Europe/Berlin)") from None
    return name


@constraints(type="string", minLength=1)
def url(value: Any) -> str:
    checked = text(value)
    parts = urlsplit(checked)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"expected an http(s) URL, got {quoted(checked)}")
    return checked


@constraints(type="string", minLength=1)
def repository(value: Any) -> str:
    """``owner/name`` (a GitHub repository) or a URL; returns the URL."""
    checked = text(value)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", checked):
        return f"https://github.com/{checked}"
    return url(checked).rstrip("/")


KNOWN_GOOD_CRON = frozenset({"0 3 * * 1-5"})
"""Expressions the scheduler's parser accepts (a test runs them through it): the shipped
default is checked without importing APScheduler, which costs a run about 0.1 s."""


@constraints(type="string", minLength=1)
def cron(value: Any) -> str:
    """Five crontab fields, read as the scheduler reads them (``CronTrigger.from_crontab``).

    Checked with the scheduler's own parser, so ``tracker validate`` accepts
    exactly what ``tracker schedule`` runs (``61 * * * *`` is refused by both).
    """
    checked = text(value)
    if len(checked.split()) != 5:
        raise Invalid(
            f"expected five cron fields (minute hour day month weekday), got {quoted(checked)}"
        )
    if checked in KNOWN_GOOD_CRON:
        return checked
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(checked, timezone=ZoneInfo("UTC"))
    except ValueError as error:
        raise Invalid(f"{quoted(checked)} is not a valid cron expression: {error}") from None
    return checked


@constraints(type="string", minLength=1)
def path(value: Any) -> Path:
    return Path(text(value))


@constraints(type="string", minLength=1, pattern="^[^,]+$")
def label(value: Any) -> str:
    checked = text(value)
    if "," in checked or not checked.isprintable():
        raise Invalid(f"label {quoted(checked)} may not contain commas or control characters")
    return checked
