"""The store's JSON layout: a ``Store`` to text and back, with checks and migrations.

The file is committed by the GitHub Action, so it is written to diff well:
keywords in name order, papers newest first, each paper's fields together in
a fixed order, two-space indentation, UTF-8 text (not ``\\u`` escapes) and a
final newline. Serialising the same store twice gives the same bytes.

Reading checks every value and names the first that is wrong, and upgrades
the layouts of older trackers (``MIGRATIONS``).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from json.encoder import encode_basestring as _quote  # json's C string encoder
from typing import Any

from tracker.models import STORE_SCHEMA, KeywordRecord, Paper, Store

_PAPER_FIELDS = (
    "id", "version", "title", "authors", "abstract", "comment", "categories",
    "primary_category", "published", "updated", "abs_url", "pdf_url", "first_seen",
    "notified_version",
)


# --- serialising ---


def dump_chunks(store: Store) -> Iterator[str]:
    """The store's text a keyword at a time, so that a writer never holds all of it.

    Joined, the chunks are exactly ``json.dumps(store_to_json(store),
    indent=2, ensure_ascii=False) + "\\n"`` (a test compares the two on
    generated stores). ``json.dumps`` with an indent runs its pure-Python
    encoder, which took a third of a second for 10,000 papers; here only the
    strings go through json's C encoder and the fixed layout is spelt out.
    """
    yield (f'{{\n  "schema": {STORE_SCHEMA},\n  "last_change": {_optional(store.last_change)},\n'
           '  "keywords": ')
    if not store.keywords:
        yield "{}"
    else:
        for index, name in enumerate(sorted(store.keywords)):
            opening = "{\n" if index == 0 else ",\n"
            yield f"{opening}    {_quote(name)}: {_record_text(store.keywords[name])}"
        yield "\n  }"
    yield "\n}\n"


def dumps(store: Store) -> str:
    """The store's whole text (see ``dump_chunks``)."""
    return "".join(dump_chunks(store))


def _optional(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _texts(items: Sequence[str] | None, pad: str) -> str:
    """A list of strings laid out as ``json.dumps(indent=2)`` does, its items at ``pad``."""
    if items is None:
        return "null"
    if not items:
        return "[]"
    return f"[\n{pad}" + f",\n{pad}".join(map(_quote, items)) + f"\n{pad[:-2]}]"


def _record_text(record: KeywordRecord) -> str:
    papers = ("[\n" + ",\n".join(map(_paper_text, record.papers)) + "\n      ]"
              if record.papers else "[]")
    return (f'{{\n      "query": {_optional(record.query)},\n'
            f'      "categories": {_texts(record.categories, " " * 8)},\n'
            f'      "last_success": {_optional(record.last_success)},\n'
            f'      "last_error": {_optional(record.last_error)},\n'
            f'      "failing_since": {_optional(record.failing_since)},\n'
            f'      "seen_newest": {_optional(record.seen_newest)},\n'
            f'      "papers": {papers}\n    }}')


def _paper_text(paper: Paper) -> str:
    notified = "null" if paper.notified_version is None else int(paper.notified_version)
    return (f'        {{\n          "id": {_quote(paper.id)},\n'
            f'          "version": {int(paper.version)},\n'
            f'          "title": {_quote(paper.title)},\n'
            f'          "authors": {_texts(paper.authors, " " * 12)},\n'
            f'          "abstract": {_quote(paper.abstract)},\n'
            f'          "comment": {_optional(paper.comment)},\n'
            f'          "categories": {_texts(paper.categories, " " * 12)},\n'
            f'          "primary_category": {_quote(paper.primary_category)},\n'
            f'          "published": {_quote(paper.published)},\n'
            f'          "updated": {_quote(paper.updated)},\n'
            f'          "abs_url": {_quote(paper.abs_url)},\n'
            f'          "pdf_url": {_quote(paper.pdf_url)},\n'
            f'          "first_seen": {_quote(paper.first_seen)},\n'
            f'          "notified_version": {notified}\n        }}')


# --- parsing ---


class MalformedStore(Exception):
    """The text is JSON but not a tracker store; ``str()`` says where and what."""


class StoreTooNew(Exception):
    """The store was written by a newer tracker."""


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise MalformedStore(f"{where}: unexpected value {value!r}")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _expect(value, str, where)


def _text_tuple(value: Any, where: str) -> tuple[str, ...]:
    items = _expect(value, list, where)
    return tuple(_expect(item, str, where) for item in items)


_PAPER_KEYS = frozenset(_PAPER_FIELDS)


def _texts_only(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _plain_paper(data: Any) -> Paper | None:
    """The paper, when every field has the type the tracker writes; else ``None``.

    The common case, checked without building the messages that
    ``paper_from_json`` gives for a damaged store (``json`` makes exactly
    ``str``, ``int``, ``list`` and ``dict``, so ``type(...) is`` is the same
    check as there). ``None`` sends the paper there, to say what is wrong.
    """
    if type(data) is not dict or not data.keys() >= _PAPER_KEYS:
        return None
    texts = (data["id"], data["title"], data["abstract"], data["primary_category"],
             data["published"], data["updated"], data["first_seen"])
    comment, notified = data["comment"], data["notified_version"]
    if not (all(type(value) is str for value in texts) and type(data["version"]) is int
            and (comment is None or type(comment) is str)
            and (notified is None or type(notified) is int)
            and _texts_only(data["authors"]) and _texts_only(data["categories"])):
        return None
    return Paper(id=data["id"], version=data["version"], title=data["title"],
                 authors=tuple(data["authors"]), abstract=data["abstract"], comment=comment,
                 categories=tuple(data["categories"]),
                 primary_category=data["primary_category"], published=data["published"],
                 updated=data["updated"], first_seen=data["first_seen"],
                 notified_version=notified)


def paper_from_json(data: Any, where: str) -> Paper:
    data = _expect(data, dict, where)
    missing = [name for name in _PAPER_FIELDS if name not in data]
    if missing:
        raise MalformedStore(f"{where}: missing {', '.join(missing)}")
    return Paper(
        id=_expect(data["id"], str, f"{where}.id"),
        version=_expect(data["version"], int, f"{where}.version"),
        title=_expect(data["title"], str, f"{where}.title"),
        authors=_text_tuple(data["authors"], f"{where}.authors"),
        abstract=_expect(data["abstract"], str, f"{where}.abstract"),
        comment=_optional_text(data["comment"], f"{where}.comment"),
        categories=_text_tuple(data["categories"], f"{where}.categories"),
        primary_category=_expect(data["primary_category"], str, f"{where}.primary_category"),
        published=_expect(data["published"], str, f"{where}.published"),
        updated=_expect(data["updated"], str, f"{where}.updated"),
        first_seen=_expect(data["first_seen"], str, f"{where}.first_seen"),
        notified_version=(None if data["notified_version"] is None else
                          _expect(data["notified_version"], int, f"{where}.notified_version")),
    )


def record_from_json(data: Any, where: str) -> KeywordRecord:
    data = _expect(data, dict, where)
    papers = _expect(data.get("papers", []), list, f"{where}.papers")
    categories = data.get("categories")
    return KeywordRecord(
        papers=tuple(_plain_paper(p) or paper_from_json(p, f"{where}.papers[{i}]")
                     for i, p in enumerate(papers)),
        query=_optional_text(data.get("query"), f"{where}.query"),
        categories=None if categories is None else _text_tuple(categories, f"{where}.categories"),
        last_success=_optional_text(data.get("last_success"), f"{where}.last_success"),
        last_error=_optional_text(data.get("last_error"), f"{where}.last_error"),
        failing_since=_optional_text(data.get("failing_since"), f"{where}.failing_since"),
        seen_newest=_optional_text(data.get("seen_newest"), f"{where}.seen_newest"),
    )


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
    data = _expect(data, dict, "top level")
    schema = data.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise MalformedStore(f"no valid schema version (found {schema!r})")
    if schema > STORE_SCHEMA:
        raise StoreTooNew(f"store schema {schema} is newer than this tracker understands "
                      f"({STORE_SCHEMA})")
    while schema < STORE_SCHEMA:
        data = MIGRATIONS[schema](data)
        schema += 1
    keywords = _expect(data.get("keywords", {}), dict, "keywords")
    return Store(
        keywords={
            name: record_from_json(record, f"keywords.{name}") for name, record in keywords.items()
        },
        last_change=_optional_text(data.get("last_change"), "last_change"),
    )


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the store is parsed and built.

    Parsing creates tens of thousands of dicts, lists and papers, none in a
    cycle; each burst of them would start a collection that walks every
    object made so far. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def loads(text: str) -> Store:
    """Parse and check the store's text; raises ``json.JSONDecodeError``,
    ``MalformedStore`` or ``StoreTooNew``."""
    with _collection_paused():
        return store_from_json(json.loads(text))
