"""The store's JSON layout: a ``Store`` to text and back, with checks and migrations.

The file is committed by the GitHub Action, so it is written to diff well:
keywords in name order, papers newest first, each paper's fields together in
a fixed order, two-space indentation, UTF-8 text (not ``\\u`` escapes) and a
final newline: ``json.dumps(..., indent=2, ensure_ascii=False) + "\\n"``.
Serialising the same store twice gives the same bytes.

The layout is written down once, in ``PAPER_LAYOUT``, ``RECORD_LAYOUT`` and
``STORE_LAYOUT``: each field's name, in file order, with the check its
value must pass when read. Reading trusts nothing: a store is a file in the
repository that anyone with push access (or a bad merge) can change, and its
values end up in links and tables of the README. Older layouts are upgraded
(``MIGRATIONS``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.models import STORE_SCHEMA, KeywordRecord, Paper, Store, is_abs_link


class MalformedStore(Exception):
    """The text is JSON but not a tracker store; ``str()`` says where and what."""


class StoreTooNew(Exception):
    """The store was written by a newer tracker."""


# --- checks of single values; each returns the value as the dataclasses hold it ---

Check = Callable[[Any, str], Any]

MAX_VERSION = 9999
"""No arXiv paper has come near this many versions; a larger number is damage. The feed
reader (``sources.feed``) takes versions of up to four digits, so every fetched one fits."""

# arXiv identifier schemes (arXiv help, "Understanding the arXiv identifier"):
# YYMM.NNNN (2007-2014) or YYMM.NNNNN (since 2015), and archive[.SUBJECT]/YYMMNNN before;
# at least every id the feed reader takes (``sources.feed``), so a fetch never makes a
# store that would not read back.
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]{0,30}(\.[A-Z]{2})?/\d{7}", re.ASCII)


def _wrong(value: Any, where: str, problem: str = "unexpected value") -> MalformedStore:
    return MalformedStore(f"{where}: {problem} {value!r}")


def text(value: Any, where: str) -> str:
    if type(value) is not str:
        raise _wrong(value, where)
    return value


def texts(value: Any, where: str) -> tuple[str, ...]:
    if type(value) is not list:
        raise _wrong(value, where)
    return tuple(text(item, where) for item in value)


def optional(check: Check) -> Check:
    return lambda value, where: None if value is None else check(value, where)


def arxiv_id(value: Any, where: str) -> str:
    if not _ARXIV_ID.fullmatch(text(value, where)):
        raise _wrong(value, where, "not an arXiv identifier:")
    return value


def version(value: Any, where: str) -> int:
    if type(value) is not int:
        raise _wrong(value, where)
    if not 1 <= value <= MAX_VERSION:
        raise _wrong(value, where, f"not a version from 1 to {MAX_VERSION}:")
    return value


_DAY = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def day(value: Any, where: str) -> str:
    """A real date as ``YYYY-MM-DD``."""
    try:
        if not _DAY.fullmatch(text(value, where)):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise _wrong(value, where, "not a date (YYYY-MM-DD):") from None
    return value


def timestamp(value: Any, where: str) -> str:
    """A real UTC time as ``YYYY-MM-DDTHH:MM:SSZ``."""
    try:
        if not _TIMESTAMP.fullmatch(text(value, where)):
            raise ValueError
        datetime.fromisoformat(value)  # the shape is checked above; this checks the values
    except ValueError:
        raise _wrong(value, where, "not a UTC time (YYYY-MM-DDTHH:MM:SSZ):") from None
    return value


@dataclass(frozen=True)
class Field:
    """One key of the layout: its name, in file order, and how its value is checked."""

    name: str
    check: Check | None
    """``None``: a nested layout, read by the caller."""
    derived: bool = False
    """Written for readers of the file, but rebuilt from other fields when read."""
    required: bool = True
    """Missing from an older tracker's file means ``None`` (or empty) when false."""


PAPER_LAYOUT: tuple[Field, ...] = (
    Field("id", arxiv_id),
    Field("version", version),
    Field("title", text),
    Field("authors", texts),
    Field("abstract", text),
    Field("comment", optional(text)),
    Field("categories", texts),
    Field("primary_category", text),
    Field("published", timestamp),
    Field("updated", timestamp),
    Field("abs_url", text),  # whose page it is: ``_check_links``
    Field("pdf_url", text, derived=True),
    Field("first_seen", day),
    Field("notified_version", optional(version)),
)

RECORD_LAYOUT: tuple[Field, ...] = (
    Field("query", optional(text), required=False),
    Field("categories", optional(texts), required=False),
    Field("last_success", optional(day), required=False),
    Field("last_error", optional(text), required=False),
    Field("failing_since", optional(day), required=False),
    Field("seen_newest", optional(timestamp), required=False),
    Field("papers", None, required=False),  # a list of ``PAPER_LAYOUT``
)

STORE_LAYOUT: tuple[Field, ...] = (
    Field("schema", None),  # checked first, to pick the migrations
    Field("last_change", optional(day), required=False),
    Field("keywords", None, required=False),  # keyword name -> ``RECORD_LAYOUT``
)


# --- serialising ---


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def paper_to_json(paper: Paper) -> dict[str, Any]:
    return {field.name: _plain(getattr(paper, field.name)) for field in PAPER_LAYOUT}


def record_to_json(record: KeywordRecord) -> dict[str, Any]:
    data = {field.name: _plain(getattr(record, field.name)) for field in RECORD_LAYOUT}
    data["papers"] = [paper_to_json(paper) for paper in record.papers]
    return data


def store_to_json(store: Store) -> dict[str, Any]:
    data = {field.name: getattr(store, field.name) for field in STORE_LAYOUT}
    data["schema"] = STORE_SCHEMA
    data["keywords"] = {name: record_to_json(store.keywords[name])
                        for name in sorted(store.keywords)}
    return data


def dumps(store: Store) -> str:
    """The store's text, as it is written to the file."""
    return json.dumps(store_to_json(store), indent=2, ensure_ascii=False) + "\n"


# --- parsing ---


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise _wrong(value, where)
    return value


def _fields(data: dict[str, Any], layout: tuple[Field, ...], where: str) -> dict[str, Any]:
    """The checked values of ``layout``'s plain fields (the caller reads the others)."""
    missing = [field.name for field in layout if field.required and field.name not in data]
    if missing:
        raise MalformedStore(f"{where}: missing {', '.join(missing)}")
    prefix = f"{where}." if where else ""
    return {field.name: field.check(data.get(field.name), prefix + field.name)
            for field in layout if field.check is not None and not field.derived}


def _check_links(paper: Paper, data: dict[str, Any], where: str) -> None:
    if not is_abs_link(data["abs_url"], paper.id, paper.version):
        raise _wrong(data["abs_url"], f"{where}.abs_url",
                     f"not the abstract page of {paper.id}v{paper.version}:")
    if text(data["pdf_url"], f"{where}.pdf_url") != paper.pdf_url:
        raise _wrong(data["pdf_url"], f"{where}.pdf_url",
                     f"not the PDF of {paper.id}v{paper.version}:")


def paper_from_json(data: Any, where: str) -> Paper:
    data = _mapping(data, where)
    paper = Paper(**_fields(data, PAPER_LAYOUT, where))
    _check_links(paper, data, where)
    return paper


def record_from_json(data: Any, where: str) -> KeywordRecord:
    data = _mapping(data, where)
    papers = data.get("papers", [])
    if type(papers) is not list:
        raise _wrong(papers, f"{where}.papers")
    fields = _fields(data, RECORD_LAYOUT, where)
    fields["papers"] = tuple(paper_from_json(paper, f"{where}.papers[{index}]")
                             for index, paper in enumerate(papers))
    return KeywordRecord(**fields)


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 records which version of each paper was last notified.

    Schema 1 trackers wrote the newest papers into the issue file on every
    run, so every stored paper counts as announced.
    """
    for record in data.get("keywords", {}).values():
        for paper in record.get("papers", []) if isinstance(record, dict) else []:
            if isinstance(paper, dict):
                paper.setdefault("notified_version", paper.get("version"))
    return {**data, "schema": 2}


# Upgrades from older layouts, keyed by the version they upgrade from; each
# returns the layout of the next version.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def store_from_json(data: Any) -> Store:
    """Build a ``Store`` from parsed JSON, migrating older layouts; raises ``MalformedStore``."""
    data = _mapping(data, "top level")
    schema = data.get("schema")
    if type(schema) is not int or schema < 1:
        raise MalformedStore(f"no valid schema version (found {schema!r})")
    if schema > STORE_SCHEMA:
        raise StoreTooNew(f"store schema {schema} is newer than this tracker understands "
                          f"({STORE_SCHEMA})")
    while schema < STORE_SCHEMA:
        data = MIGRATIONS[schema](data)
        schema += 1
    keywords = _mapping(data.get("keywords", {}), "keywords")
    fields = _fields(data, STORE_LAYOUT, "")
    return Store(
        keywords={name: record_from_json(record, f"keywords.{name}")
                  for name, record in keywords.items()},
        last_change=fields["last_change"],
    )


def loads(text: str) -> Store:
    """Parse and check the store's text; raises ``json.JSONDecodeError``,
    ``MalformedStore`` or ``StoreTooNew``."""
    return store_from_json(json.loads(text))
