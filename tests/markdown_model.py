"""What a reader sees of the tracker's markdown: the model the property tests compare against.

Two halves. ``seen`` reads a rendered cell back through a CommonMark + GFM
tables parser (markdown-it-py) and returns its text, refusing any markup the
row's template did not put there. ``shown`` predicts that text from the raw
input, from the escaping policy in ``tracker.markdown`` and CommonMark's
backslash rule; it shares no code with the escaper apart from ``clean``, which
*is* the definition of whitespace collapse and dropped characters.
"""

from __future__ import annotations

import re
import string

from markdown_it import MarkdownIt
from markdown_it.common.entities import entities
from markdown_it.tree import SyntaxTreeNode

from tracker.markdown import clean

PARSER = MarkdownIt("commonmark").enable("table")
ASCII_PUNCTUATION = frozenset(string.punctuation)
EMPHASIS = "*_~"
_NO_EMPHASIS = str.maketrans("", "", EMPHASIS)
# CommonMark's character references, with markdown-it's own entity table.
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX][0-9a-fA-F]{1,6}|[0-9]{1,7});")
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_BACKSLASHES = re.compile(r"\\+")
_BACKTICKS = re.compile(r"`+")


def parse(document: str) -> SyntaxTreeNode:
    return SyntaxTreeNode(PARSER.parse(document))


def without_emphasis(text: str) -> str:
    return text.translate(_NO_EMPHASIS)


def _starts_reference(text: str, index: int) -> bool:
    if _NUMERIC_REFERENCE.match(text, index):
        return True
    named = _NAMED_REFERENCE.match(text, index)
    return bool(named) and named.group(1) in entities


def forms_code_span(text: str) -> bool:
    """Whether CommonMark would read a code span in ``text`` if its backticks were left alone.

    Scans as the spec does: a backslash before ASCII punctuation is an escape
    (a backslash before a backtick run makes its first backtick literal, and
    the run one shorter); a backtick run opens a span when a later run of
    exactly its length exists, and is literal text otherwise.
    """
    index = 0
    while index < len(text):
        if text[index] == "\\" and text[index + 1 : index + 2] in ASCII_PUNCTUATION:
            index += 2
        elif text[index] == "`":
            run = _BACKTICKS.match(text, index)
            assert run is not None
            if any(len(later) == len(run.group()) for later in _BACKTICKS.findall(text, run.end())):
                return True
            index = run.end()
        else:
            index += 1
    return False


def shown(raw: str | None, *, title: bool = False, fragment: bool = False) -> str:
    """The text a reader sees for ``raw`` in a cell (``title``: inside the row's link).

    It is ``clean(raw)`` -- whitespace runs collapsed to one space, control
    characters, lone surrogates and noncharacters dropped -- with CommonMark's
    backslash-escape rule applied to the backslashes the policy leaves alone.
    A maximal run of n backslashes followed by character c shows as:

    - all n backslashes, when the run ends the text or c is escaped by the
      policy at that place (the escaper doubles such runs): ``|`` and ``<``
      always; ``&`` starting a character reference; ``[`` and ``]`` in a
      title, ``]`` before ``(`` anywhere; a backtick when the text would
      otherwise form a code span; in a ``fragment`` (the folded comment's
      first characters, which share a cell with the full comment) every
      backtick and emphasis character. (A heading also escapes the last ``#``
      of a closing ``#`` run, but what precedes that ``#`` is a space, a
      ``#`` or nothing, never a backslash.)
    - n // 2 backslashes when c is other ASCII punctuation: each pair shows
      one, and an odd last one escapes c, which then shows as itself;
    - n - n // 2 backslashes before anything else: an odd last one is literal.
    """
    return _visible(clean(raw), title=title, fragment=fragment)


def _visible(text: str, *, title: bool, fragment: bool) -> str:
    """``shown`` for text already cleaned."""
    ticks = fragment or forms_code_span(text)

    def escaped(index: int) -> bool:
        ch = text[index]
        return (ch in "|<"
                or (ch == "&" and _starts_reference(text, index))
                or (ch in "[]" and title)
                or (ch == "]" and text.startswith("(", index + 1))
                or (ch == "`" and ticks)
                or (ch in EMPHASIS and fragment))

    def backslashes(run: re.Match[str]) -> str:
        count, after = len(run.group()), run.end()
        if after == len(text) or escaped(after):
            return run.group()
        if text[after] in ASCII_PUNCTUATION:
            return "\\" * (count // 2)
        return "\\" * (count - count // 2)

    return _BACKSLASHES.sub(backslashes, text)


def folded_comment(comment: str | None) -> list[str]:
    """The comment cell's texts: the whole, or a folded one's summary and full text."""
    text = clean(comment)
    if len(text) > 20:
        return [_visible(text[:5], title=False, fragment=True) + "...", shown(text)]
    return [shown(text)]


def seen(nodes: list[SyntaxTreeNode]) -> str:
    """The text of inline nodes; any markup other than emphasis fails the test.

    Code spans, links, images, raw HTML and line breaks are refused here: the
    callers strip the template's own link and tags before calling this.
    """
    parts = []
    for node in nodes:
        if node.type == "text":
            parts.append(node.content)
        elif node.type in ("em", "strong"):
            parts.append(seen(node.children))
        else:
            raise AssertionError(f"markup {node.type} {node.content!r} inside a text")
    return "".join(parts)


def inline(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    """The inline children of a block (heading, paragraph, table cell), empty texts left out."""
    if not node.children or node.children[0].type != "inline":
        return []
    return [child for child in node.children[0].children
            if not (child.type == "text" and child.content == "")]


FOLD_TAGS = ["<details>", "<summary>", "</summary>", "<p>", "</p>", "</details>"]


def unfold(nodes: list[SyntaxTreeNode]) -> list[list[SyntaxTreeNode]]:
    """``<details><summary>S</summary><p>P</p></details>`` -> [S, P]; anything else fails.

    The six tags must be top-level nodes in this order, with nothing around
    them: a tag nested in emphasis, or a tag of the text's own, is refused.
    """
    places = [index for index, node in enumerate(nodes) if node.type == "html_inline"]
    tags = [nodes[index].content for index in places]
    assert tags == FOLD_TAGS, f"tags {tags}"
    first, summary, summary_end, p, p_end, last = places
    assert (first, summary, p, last) == (0, 1, summary_end + 1, len(nodes) - 1)
    assert p_end == len(nodes) - 2
    return [nodes[summary + 1 : summary_end], nodes[p + 1 : p_end]]


def unescaped_pipes(line: str) -> int:
    """Pipes that split a GFM table row: every one not directly after a backslash."""
    return sum(1 for index, ch in enumerate(line)
               if ch == "|" and (index == 0 or line[index - 1] != "\\"))


def title_text(nodes: list[SyntaxTreeNode], href: str) -> tuple[str, list[SyntaxTreeNode]]:
    """The text of ``**[TITLE](href)**`` at the start of a cell, and the nodes after it."""
    assert nodes and nodes[0].type == "strong", [node.type for node in nodes]
    (link,) = [child for child in nodes[0].children
               if not (child.type == "text" and child.content == "")]
    assert link.type == "link" and link.attrs == {"href": href}, (link.type, link.attrs)
    return seen(link.children), nodes[1:]
