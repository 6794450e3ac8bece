"""Cleaning and escaping of cell text (tracker.markdown), and the comment rule of the templates."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_paper
from tracker import markdown
from tracker.outputs import readme
from tracker.outputs.issues import IssueRow, IssueSection, IssueSettingsView, issue_documents


@pytest.mark.parametrize(("raw", "cleaned"), [
    ("  a\n  b\t c  ", "a b c"),
    ("line\r\nbreak", "line break"),
    ("nul\x00 and bell\x07 gone", "nul and bell gone"),
    ("lone \ud800 surrogate", "lone surrogate"),
    ("nonchar \ufffe\uffff", "nonchar"),
    (None, ""),
    ("مرحبا ✨ 🎉", "مرحبا ✨ 🎉"),
])
def test_clean_collapses_whitespace_and_drops_invisible_characters(raw, cleaned):
    assert markdown.clean(raw) == cleaned


@pytest.mark.parametrize(("raw", "escaped"), [
    ("Plain & simple $x_i$ \\alpha", "Plain & simple $x_i$ \\alpha"),  # as arXiv gives it
    ("a > b", "a > b"),  # ">" cannot open markup on its own
    ("a|b", "a\\|b"),
    ("a\\|b", "a\\\\\\|b"),  # the backslash cannot swallow the pipe's escape
    ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
    ("</details>", "&lt;/details>"),
    ("&amp; &#60; &#x3C; &copy;", "&amp;amp; &amp;#60; &amp;#x3C; &amp;copy;"),
    ("Q&A, R&D;", "Q&A, R&D;"),
    ("see [1] and [a, b]", "see [1] and [a, b]"),
    ("[click](https://evil.example)", "[click\\](https://evil.example)"),
    ("![pixel](https://evil.example/p.png)", "![pixel\\](https://evil.example/p.png)"),
    ("``quoted'' text", "``quoted'' text"),  # no closing run: no code span
    ("`a<b` and `c`", "\\`a&lt;b\\` and \\`c\\`"),
    ("ends with \\", "ends with \\\\"),
])
def test_cell_escapes_only_what_would_break_the_row(raw, escaped):
    assert markdown.cell(raw) == escaped


def test_title_escapes_brackets_so_the_row_link_stays_intact():
    assert markdown.title_cell("[Re] Reproducing x](https://evil.example) [y") == (
        "\\[Re\\] Reproducing x\\](https://evil.example) \\[y")


def test_cell_prefix_keeps_a_space_at_the_cut():
    assert markdown.cell_prefix("MLHC 2026. The first", 5) == "MLHC "
    assert markdown.cell_prefix("a|bcdef", 3) == "a\\|b"


def comment_cell(comment: str | None) -> str:
    """The comment cell as the README template writes it."""
    env = readme.environment(None)
    paper = make_paper(comment=comment)
    values = {"sections": [readme.Section("K", (paper,))], "last_update": "2026-08-21",
              "max_papers": 100}
    row = readme.paper_list(env, values).splitlines()[-2]
    return row.rsplit("</details> | ", 1)[1]


@pytest.mark.parametrize(("comment", "cell"), [
    (None, " |"),
    ("", " |"),
    ("   ", " |"),
    ("x" * 20, "x" * 20 + " |"),
    ("x" * 21, f"<details><summary>xxxxx...</summary><p>{'x' * 21}</p></details> |"),
    ("13  pages,\n 4 figures", "13 pages, 4 figures |"),
])
def test_comment_rule_at_0_20_and_21_characters(comment, cell):
    assert comment_cell(comment) == cell


def escape_one_character_at_a_time(raw: str, *, title: bool, prefix: bool = False,
                                   in_heading: bool = False) -> str:
    """The escaping rules applied character by character: the plain statement of what
    ``markdown._escape`` does by skipping to the special characters, to check it against."""
    if not raw:
        return ""
    escape_ticks = "`" in raw and (prefix or markdown._opens_code_span(raw))
    last_hash = len(raw) - 1 if in_heading and markdown._closing_hashes(raw) else -1
    out: list[str] = []
    pending = 0
    for index, ch in enumerate(raw):
        if ch == "\\":
            pending += 1
            continue
        if index == last_hash or (prefix and ch in "*_~"):
            replacement: str | None = "\\" + ch
        else:
            replacement = markdown._replacement(raw, index, ch, title=title,
                                            escape_ticks=escape_ticks)
        out.append("\\" * pending + ch if replacement is None else "\\" * (2 * pending)
                   + replacement)
        pending = 0
    return "".join(out) + "\\" * (2 * pending)


# Text made of the pieces that escaping cares about, so that every rule meets every other.
_MARKUP = st.lists(
    st.sampled_from([*"ab \\|<>&#;[]()`!x0*_~", "&amp;", "&#60;", "&#x3C;", "&copy;", "&nosuch;",
                     "``", "\\\\", "](", "$x_i$", "é"]),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(raw=_MARKUP, mode=st.sampled_from(["cell", "title", "prefix", "heading"]))
def test_escaping_matches_the_character_by_character_rules(raw, mode):
    options = {"title": mode == "title", "prefix": mode == "prefix",
               "in_heading": mode == "heading"}
    assert markdown._escape(raw, **options) == escape_one_character_at_a_time(raw, **options)


def clean_one_character_at_a_time(raw: str) -> str:
    """The clean-up rules in their plain order (drop invisible characters, then collapse
    whitespace), to check ``text.clean`` against."""
    kept = "".join(ch for ch in raw if not markdown._is_invisible(ch))
    return " ".join(re.split(r"\s+", kept.strip())).strip()


_MESSY = st.lists(
    st.sampled_from([*"ab é", "\n  ", "\t", "\r\n", "\x00", "\x07", "\x1c", "\x85", "\xa0",
                     "\u2028", "\u200b", "\ud800", "\ufffe", "\U0010ffff", "\x7f", "\x9f"]),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(raw=_MESSY | st.text(max_size=30))
def test_clean_matches_the_plain_rules(raw):
    assert markdown.clean(raw) == clean_one_character_at_a_time(raw)


@pytest.mark.parametrize(("raw", "escaped"), [
    # A backslash makes the first backtick literal; the one left still pairs with the last.
    ("\\``a`", "\\\\\\`\\`a\\`"),
    # ... and with nothing to pair with, the backticks stay as they are.
    ("\\`0`", "\\`0`"),
])
def test_backticks_after_a_backslash_open_a_code_span_one_shorter(raw, escaped):
    assert markdown.cell(raw) == escaped


@pytest.mark.parametrize(("comment", "summary"), [
    # The prefix's backtick would pair with the full comment's and swallow </summary><p>.
    ("`<script>alert(1)</script>", "\\`&lt;scr..."),
    # The prefix's open "*" would be closed by the full comment's third "*".
    ("ab *c* d* efghijklmnop", "ab \\*c..."),
    ("a_b~c `defghijklmnopqrstu", "a\\_b\\~c..."),
])
def test_folded_comment_prefix_escapes_backticks_and_emphasis(comment, summary):
    assert comment_cell(comment).startswith(f"<details><summary>{summary}</summary><p>")


@pytest.mark.parametrize(("name", "escaped"), [
    ("C #", "C \\#"),  # CommonMark would drop " #" as the closing sequence
    ("a ##", "a #\\#"),
    ("#", "\\#"),
    ("C#", "C#"),  # not a closing sequence: unchanged
    ("a \\#", "a \\#"),
    ("Time Series", "Time Series"),
])
def test_heading_keeps_a_final_hash_run(name, escaped):
    assert markdown.heading(name) == escaped
    env = readme.environment(None)
    values = {"sections": [readme.Section(name, ())], "last_update": "2026-08-21",
              "max_papers": 100}
    assert f"\n## {escaped}\n" in readme.paper_list(env, values)


def opens_code_span_by_definition(text: str) -> bool:
    """Some backtick run, less its escaped first backtick, is matched by a later run."""
    runs = [(len(ticks), len(slashes) % 2) for slashes, ticks in
            re.findall(r"(\\*)(`+)", text)]
    return any(length > escaped and any(later == length - escaped for later, _ in runs[i + 1:])
               for i, (length, escaped) in enumerate(runs))


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(raw=st.lists(st.sampled_from(["`", "``", "```", "\\", "\\\\", "a", " "]),
                    max_size=30).map("".join))
def test_the_linear_code_span_check_agrees_with_the_definition(raw):
    assert markdown._opens_code_span(raw) == opens_code_span_by_definition(raw)


@pytest.mark.parametrize("raw", [
    "\\`` " * 45_250,  # 181 kB of runs that each need a shorter, absent closer
    "\\" * 180_998 + "a`",  # one long backslash run that does not end at a backtick
    "`" * 181_000,
], ids=["escaped-runs", "backslashes", "one-run"])
def test_escaping_a_long_backtick_text_is_linear(raw):
    started = time.perf_counter()
    markdown.cell(raw)
    assert time.perf_counter() - started < 1.0  # 136 s for the first one with a quadratic check


@pytest.mark.parametrize(("raw", "unpinged"), [
    ("thanks @alice and @org/team", "thanks @\u200dalice and @\u200dorg/team"),
    ("fixes owner/repo#12, see #3", "fixes owner/repo\u200d#12, see \u200d#3"),
    ("mail a@b.org, C# and #x", "mail a@b.org, C# and #x"),
])
def test_unping_breaks_mentions_and_references_only(raw, unpinged):
    assert markdown.unping(raw) == unpinged


def test_mentions_are_neutralised_in_issue_rows_only():
    paper = make_paper(title="Fix by @alice for owner/repo#12",
                       comment="Joint work with @org/team, see other/repo#3 and #4")
    env = readme.environment(None)
    view = IssueSettingsView(day="2026-08-21", repository="https://github.com/me/papers",
                             labels=("papers",), max_per_keyword=15)
    (issue,) = issue_documents(env, view, [IssueSection("K", (IssueRow(paper),))],
                               per_keyword=False)
    assert "@\u200dalice" in issue and "owner/repo\u200d#12" in issue
    assert "@\u200dorg/team" in issue and "other/repo\u200d#3" in issue and "\u200d#4" in issue
    assert not re.search(r"@[a-z]|[a-z]#\d| #\d", issue.split("---\n", 2)[2])
    page = readme.full_readme(env, {"sections": [readme.Section("K", (paper,))],
                                    "last_update": "2026-08-21", "max_papers": 100})
    assert "Fix by @alice for owner/repo#12" in page and "\u200d" not in page
