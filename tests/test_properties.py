"""Property tests: hostile and odd text in titles, abstracts, comments and keyword names.

Every README and issue file is parsed back with CommonMark + GFM tables
(``tests.markdown_model``) and must keep its shape: one heading and one table
per keyword, each row exactly its columns, the title's own arXiv link as the
only link, the template's ``details``/``summary``/``p`` as the only HTML, and
the text a reader sees equal to ``markdown_model.shown`` of the input.

Runs are bounded and repeatable: every property is derandomized (a fixed seed
per test), keeps no example database, and has a fixed example count (a quarter
of it in the everyday suite; ``TRACKER_PROPERTY_SCALE=1`` for all of it).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.tree import SyntaxTreeNode

from tests import markdown_model as md
from tests.conftest import make_paper
from tracker.config import load_config, validators
from tracker.errors import ConfigError
from tracker.markdown import clean
from tracker.models import Paper
from tracker.outputs import readme
from tracker.outputs.issues import (
    IssueRow,
    IssueSection,
    IssueSettingsView,
    body_of,
    issue_documents,
)
from tracker.sources.query import build_query

SCALE = float(os.environ.get("TRACKER_PROPERTY_SCALE", "0.25"))
"""Share of each property's full example count that a run tries. The everyday suite runs a
quarter (fast, the same examples every time); ``TRACKER_PROPERTY_SCALE=1`` runs them all."""


def bounded(examples: int) -> settings:
    return settings(max_examples=max(10, round(examples * SCALE)), derandomize=True,
                    database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


FRAGMENTS = (
    "|", "\\", "\\|", "\\\\", "</details>", "<script>alert(1)</script>", "<!--", "-->", "&",
    ";", "&amp;", "&#60;", "&#x3C;", "&lt;", "&copy;", "&copy", "[", "]", "(", ")",
    "[x](http://evil.example)", "![i](http://evil.example/p.png)", "`", "``", "\\`",
    "<https://evil.example>", "\n", "\t", "\r\n", " ", "\x00", "\x07", "\x1b[31m", "\u202e",
    "\ud800", "\ufffe", "\u00a0", "\u200b", "مرحبا بالعالم", "שלום עולם", "👩\u200d🔬",
    "👨\u200d👩\u200d👧\u200d👦", "$x_i$", "\\%", "\\(", "#", " #", "*", "**", "_", "~~", "!",
    ">", "- ", "1. ", "http://evil.example", "@alice", "@org/team", "owner/repo#12", "#3",
    "\\@bob", "a@b.org",
)
_piece = st.sampled_from(FRAGMENTS) | st.text(st.characters(codec=None), max_size=6)
_short = st.lists(_piece, max_size=10).map("".join)


def _repeated(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


_long = st.builds(_repeated, st.lists(_piece, min_size=1, max_size=5).map("".join).filter(bool),
                  st.integers(5_000, 20_000))
HOSTILE = st.integers(0, 24).flatmap(lambda k: _long if k == 24 else _short)
"""Full-alphabet text; one in 25 draws is 5,000-20,000 characters long.

Shrinking lowers the integer, so a failure shrinks towards short text.
"""
PLAIN_EMPHASIS_FREE = HOSTILE.map(md.without_emphasis)
"""The same without ``*``, ``_`` and ``~``, which the policy leaves to CommonMark."""

ENV = readme.environment(None)
VIEW = IssueSettingsView(day="2026-08-21", repository="https://github.com/me/papers",
                         labels=("papers", "daily"), max_per_keyword=15)
HEADER = [(node.type, node.tag) for node in md.parse(readme.full_readme(
    ENV, {"sections": [], "last_update": "2026-08-21", "max_papers": 100})).children]


def same(actual: str, expected: str, exact: bool) -> None:
    """Equal text; without ``exact``, equal once emphasis characters are taken out of both."""
    if not exact:
        actual, expected = md.without_emphasis(actual), md.without_emphasis(expected)
    assert actual == expected


def papers(draw: st.DrawFn, text: st.SearchStrategy[str], section: int) -> list[Paper]:
    return [make_paper(f"2608.{section}{index:04d}", version=draw(st.integers(1, 9)),
                       title=draw(text), abstract=draw(text), comment=draw(st.none() | text))
            for index in range(draw(st.integers(1, 3)))]


@st.composite
def readme_sections(draw: st.DrawFn, text: st.SearchStrategy[str]) -> list[readme.Section]:
    return [readme.Section(draw(text), tuple(papers(draw, text, number)),
                           note=draw(st.none() | text))
            for number in range(draw(st.integers(1, 2)))]


PING = re.compile(r"(?<![\w@])@[A-Za-z0-9]|[\w.-]+/[\w.-]+#\d")
"""A mention or a cross-repository reference, as GitHub finds them in an issue."""


def rejoined(text: str) -> str:
    """``text`` without the joiners ``markdown.unping`` puts after ``@`` and before ``#``."""
    return text.replace("@\u200d", "@").replace("\u200d#", "#")


def check_comment(nodes: list[SyntaxTreeNode], comment: str | None, exact: bool,
                  issue: bool = False) -> None:
    expected = md.folded_comment(comment)
    parts = md.unfold(nodes) if len(expected) == 2 else [nodes]
    for part, text in zip(parts, expected, strict=True):
        seen = md.seen(part)
        if issue:
            assert not PING.search(seen)
            seen, text = rejoined(seen), rejoined(text)
        same(seen, text, exact)


def check_readme(sections: list[readme.Section], exact: bool) -> None:
    document = readme.full_readme(ENV, {"sections": sections, "last_update": "2026-08-21",
                                        "max_papers": 100})
    lines = document.split("\n")
    blocks = md.parse(document).children
    shape = list(HEADER)
    for section in sections:
        shape += [("heading", "h2"), *([("blockquote", "blockquote")] if section.note else []),
                  ("table", "table")]
    assert [(node.type, node.tag) for node in blocks] == shape
    blocks = blocks[len(HEADER):]
    for section in sections:
        heading = blocks.pop(0)
        same(md.seen(md.inline(heading)), md.shown(section.name), exact)
        if section.note:
            (paragraph,) = blocks.pop(0).children
            note = md.inline(paragraph)
            assert note[0].type == "strong" and md.seen(note[0].children) == "Note:"
            expected = md.shown(section.note)
            same(md.seen(note[1:]), f" {expected}" if expected else "", exact)
        thead, tbody = blocks.pop(0).children
        assert len(thead.children[0].children) == 4
        assert len(tbody.children) == len(section.papers)
        for row, paper in zip(tbody.children, section.papers, strict=True):
            assert md.unescaped_pipes(lines[row.map[0]]) == 5
            title, day, abstract, comment = (md.inline(cell) for cell in row.children)
            text, rest = md.title_text(title, paper.abs_url)
            same(text, md.shown(paper.title, title=True), exact)
            assert rest == []
            assert md.seen(day) == paper.updated_date
            summary, full = md.unfold(abstract)
            assert md.seen(summary) == "Show"
            same(md.seen(full), md.shown(paper.abstract), exact)
            check_comment(comment, paper.comment, exact)


@bounded(500)
@given(readme_sections(HOSTILE))
def test_readme_rows_keep_their_columns_link_and_tags(sections: list[readme.Section]) -> None:
    """Any text, emphasis characters included: the README keeps its structure.

    Emphasis is the one markup the policy lets through (TeX and byte-identity),
    so the text is compared with ``*``, ``_`` and ``~`` taken out of both sides;
    emphasis may not cross the template's tags, since they must be top-level.
    """
    check_readme(sections, exact=False)


@bounded(500)
@given(readme_sections(PLAIN_EMPHASIS_FREE))
def test_readme_shows_the_text_as_given(sections: list[readme.Section]) -> None:
    """Text drawn without ``*``, ``_``, ``~``: a reader sees exactly ``markdown_model.shown``."""
    check_readme(sections, exact=True)


def heading_name(raw: str, number: int) -> str:
    """A name as the config accepts it as a heading (``validators.heading``), or a plain one."""
    try:
        return validators.heading(raw)
    except validators.Invalid:
        return f"Keyword {number}"


@st.composite
def issue_sections(draw: st.DrawFn, text: st.SearchStrategy[str]) -> list[IssueSection]:
    sections = []
    for number in range(draw(st.integers(1, 2))):
        rows = []
        for paper in papers(draw, text, number):
            revised = paper.version > 1 and draw(st.booleans())
            rows.append(IssueRow(paper, revised=revised))
        sections.append(IssueSection(heading_name(draw(text), number), tuple(rows)))
    return sections


def check_issues(sections: list[IssueSection], per_keyword: bool, exact: bool) -> None:
    # No row is cut here (test_notify covers the size limit): only escaping matters.
    documents = issue_documents(ENV, VIEW, sections, per_keyword=per_keyword, limit=10**9)
    groups = [[section] for section in sections] if per_keyword else [sections]
    assert len(documents) == len(groups)
    for document, group in zip(documents, groups, strict=True):
        title = "title: Latest 15 Papers - August 21, 2026"
        title += f" - {group[0].name}" if per_keyword else ""
        assert document.split("\n")[:4] == ["---", title, "labels: papers, daily", "---"]
        body = body_of(document)
        lines = body.split("\n")
        blocks = md.parse(body).children
        assert [(node.type, node.tag) for node in blocks] == [("paragraph", "p")] + [
            ("heading", "h2"), ("table", "table")] * len(group)
        for number, section in enumerate(group):
            heading, table = blocks[1 + 2 * number : 3 + 2 * number]
            same(md.seen(md.inline(heading)), md.shown(section.name), exact)
            thead, tbody = table.children
            assert len(thead.children[0].children) == 3
            for row, issue_row in zip(tbody.children, section.rows, strict=True):
                paper = issue_row.paper
                assert md.unescaped_pipes(lines[row.map[0]]) == 4
                title_cell, day, comment = (md.inline(cell) for cell in row.children)
                text, rest = md.title_text(title_cell, paper.abs_url)
                assert not PING.search(text)
                same(rejoined(text), rejoined(md.shown(paper.title, title=True)), exact)
                revised = f" (revised: v{paper.version})" if issue_row.revised else ""
                assert md.seen(rest) == revised
                assert md.seen(day) == paper.updated_date
                check_comment(comment, paper.comment, exact, issue=True)


@bounded(400)
@given(issue_sections(HOSTILE), st.booleans())
def test_issue_rows_keep_their_columns_link_and_tags(sections: list[IssueSection],
                                                     per_keyword: bool) -> None:
    """Any text: the issue files keep their front matter, headings and 3-column rows."""
    check_issues(sections, per_keyword, exact=False)


@bounded(400)
@given(issue_sections(PLAIN_EMPHASIS_FREE), st.booleans())
def test_issue_shows_the_text_as_given(sections: list[IssueSection], per_keyword: bool) -> None:
    """Text without emphasis characters: the issue shows exactly ``markdown_model.shown``."""
    check_issues(sections, per_keyword, exact=True)


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return (unicodedata.category(ch) in ("Cc", "Cs") or 0xFDD0 <= code <= 0xFDEF
            or code & 0xFFFE == 0xFFFE)


@bounded(500)
@given(HOSTILE)
def test_clean_keeps_every_visible_character_and_single_spaces(raw: str) -> None:
    """``clean`` is the model's base, so it is pinned down on its own."""
    cleaned = clean(raw)
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(ch.isspace() and ch != " " for ch in cleaned)
    kept = [ch for ch in raw if not ch.isspace() and not _invisible(ch)]
    assert [ch for ch in cleaned if ch != " "] == kept


# --- keyword names and the arXiv query ---------------------------------------------------

QUERY_FRAGMENTS = ('"', "\\", "(", ")", "AND", "OR", "ANDNOT", "and", "or", "ti:", "abs:",
                   "au:", "cat:cs.LG", "-", "+", "*", ":", " ", "  ", "x", "Time Series",
                   "ANDROID", "AND-", "x.AND.y", "\t", "\n", "\u00a0", "\u3000", "\x00", "é")
_printable = st.text(st.characters(exclude_categories=("C", "Z")), min_size=1, max_size=6)
_query_piece = st.sampled_from(QUERY_FRAGMENTS) | _printable
KEYWORD_TEXT = (st.lists(_query_piece, max_size=8) | st.lists(_query_piece | _piece, max_size=8)
                ).map("".join)
"""Names and phrases: query syntax, operator words, printable text; half also arbitrary text."""


def query_tokens(query: str) -> list[tuple[str, str]]:
    """Tokens of arXiv's query grammar: phrases, parentheses, operators, field prefixes.

    A backslash inside a phrase escapes the next character (as in Lucene), so
    a phrase that a backslash could stretch shows up as unterminated.
    """
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(query):
        ch = query[index]
        if ch.isspace():
            index += 1
        elif ch in "()":
            tokens.append((ch, ch))
            index += 1
        elif ch == '"':
            end = index + 1
            while end < len(query) and query[end] != '"':
                end += 2 if query[end] == "\\" else 1
            if end >= len(query):
                return [*tokens, ("unterminated", query[index:])]
            tokens.append(("phrase", query[index + 1 : end]))
            index = end + 1
        else:
            word = re.match(r'[^\s()"]+', query[index:])
            assert word is not None
            value = word.group()
            kind = ("operator" if value in ("AND", "OR", "ANDNOT")
                    else "field" if value in ("ti:", "abs:") else "term")
            tokens.append((kind, value))
            index += len(value)
    return tokens


def intended(name: str, synonyms: tuple[str, ...], exclude: tuple[str, ...]) -> list:
    """The token sequence the builder promises (see ``tracker.query.build_query``)."""
    def term(phrase: str) -> list:
        words = phrase.split()
        joined = ("operator", "AND" if len(words) == 1 else "OR")
        quoted = ("phrase", " ".join(words))
        return [("field", "ti:"), quoted, joined, ("field", "abs:"), quoted]

    def any_of(phrases: tuple[str, ...]) -> list:
        tokens: list = []
        for phrase in phrases:
            tokens += [*([("operator", "OR")] if tokens else []), ("(", "("), *term(phrase),
                       (")", ")")]
        return tokens

    base = any_of((name, *synonyms)) if synonyms else term(name)
    if not exclude:
        return base
    return [("(", "("), *base, (")", ")"), ("operator", "ANDNOT"), ("(", "("),
            *any_of(exclude), (")", ")")]


def check_query(query: str, name: str, synonyms: tuple[str, ...] = (),
                exclude: tuple[str, ...] = ()) -> None:
    tokens = query_tokens(query)
    assert tokens == intended(name, synonyms, exclude)
    for kind, value in tokens:
        if kind == "phrase":
            assert not {"AND", "OR", "ANDNOT"} & set(value.split())


def accepted(raw: str) -> str | None:
    try:
        return validators.phrase(raw)
    except validators.Invalid:
        return None


@bounded(1000)
@given(KEYWORD_TEXT, st.lists(KEYWORD_TEXT, max_size=2), st.lists(KEYWORD_TEXT, max_size=2))
def test_keyword_phrases_cannot_change_the_query(name: str, synonyms: list[str],
                                                 exclude: list[str]) -> None:
    """Each phrase is either refused by the config's check or quoted without a way out.

    Refused phrases never reach the builder, so the query is built from the
    accepted ones (a plain name stands in for a refused one).
    """
    for raw in (name, *synonyms, *exclude):
        phrase = accepted(raw)
        assert phrase is None or phrase == " ".join(raw.split())
    kept_synonyms = tuple(p for p in map(accepted, synonyms) if p is not None)
    kept_exclude = tuple(p for p in map(accepted, exclude) if p is not None)
    name = accepted(name) or "plain name"
    check_query(build_query(name, kept_synonyms, kept_exclude), name, kept_synonyms, kept_exclude)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile") / "keywords.yaml"


def refused(checker: validators.Checker, value: str) -> bool:
    try:
        checker(value)
    except validators.Invalid:
        return True
    return False


@bounded(300)
@given(name=KEYWORD_TEXT, synonym=KEYWORD_TEXT, raw_utf8=st.booleans())
def test_hostile_keyword_in_config_loads_or_names_each_problem(
        config_file: Path, name: str, synonym: str, raw_utf8: bool) -> None:
    """A config whose keyword is hostile text loads (with a safe query) or says what is wrong.

    Both shapes are tried: a plain ``- NAME`` and ``- name: NAME`` with one
    synonym. Each problem is exactly one line ``FILE:LINE: keywords[1]...:
    message``, and nothing but ``ConfigError`` escapes ``load_config``.
    """
    name_refused = refused(validators.phrase, name)
    mapping_name_refused = refused(validators.heading, name) or name_refused
    for keyword, problems in ((name, int(name_refused)),
                              ({"name": name, "synonyms": [synonym]},
                               int(mapping_name_refused) + refused(validators.phrase, synonym))):
        data = {"keywords": [keyword]}
        text = yaml.safe_dump(data, allow_unicode=raw_utf8)
        if yaml.safe_load(text) != data:  # PyYAML cannot write every string raw (e.g. U+0085)
            text = yaml.safe_dump(data)
        config_file.write_text(text, encoding="utf-8")
        try:
            config = load_config(config_file, env={})
        except ConfigError as error:
            lines = str(error).split("\n")
            assert len(lines) == problems
            where = re.escape(str(config_file))
            for line in lines:
                assert re.fullmatch(where + r":\d+: keywords\[1\](\.\w+(\[1\])?)?: \S.*", line)
            continue
        assert problems == 0
        (loaded,) = config.keywords
        assert loaded.name == " ".join(name.split())
        synonyms = (" ".join(synonym.split()),) if isinstance(keyword, dict) else ()
        check_query(loaded.search_query, loaded.name, synonyms)
