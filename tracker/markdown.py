"""Text clean-up and markdown escaping for table cells.

The Daily Papers format writes arXiv's text as it comes, with whitespace
collapsed. That text comes from strangers, so a few characters are escaped
where they could break the table or inject markup; everything else stays
byte-identical, which keeps TeX (``$x_i$``, ``\\%``) rendering as it does on
GitHub today:

- ``|`` becomes ``\\|`` (GFM's escaped pipe), so a cell never splits;
- ``<`` becomes ``&lt;``, so no HTML tag, comment or autolink can start (a
  ``>`` alone cannot open markup and stays as it is, as in ``$a > b$``);
- ``&`` becomes ``&amp;`` only where it would start a character reference
  (``&amp;``, ``&#60;``), so entities show as typed and ``Q&A`` is untouched;
- in titles, which sit inside the row's own link text, ``[`` and ``]`` are
  escaped so the title can neither end nor replace that link; elsewhere only
  a ``]`` directly before ``(`` is, so no link or image can form;
- backticks are escaped only when they would open a code span, where the
  escapes above would show literally;
- a folded comment's first characters (``cell_prefix``) share a cell with the
  full comment, which starts with the same characters, so a backtick or an
  emphasis character there could pair with one in the full comment and wrap
  the template's own ``</summary><p>``: in that prefix, every backtick and
  every ``*``, ``_`` and ``~`` is escaped;
- in a heading (``heading``), a final ``#`` that CommonMark would take for
  the optional closing ``#`` run is escaped, so ``C #`` does not show as ``C``;
- a backslash run directly before any of these escapes, or at the very end,
  is doubled, so it cannot swallow the escape or the markup that follows;
- control characters (other than whitespace), lone surrogates and Unicode
  noncharacters are dropped: they have no visible form and some are invalid
  in HTML or UTF-8.
"""

from __future__ import annotations

import re
import unicodedata
from html.entities import html5

_NUMERIC_REFERENCE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_BACKTICKS = re.compile("`+")
_MENTION = re.compile(r"(?<![\w@])@(?=[A-Za-z0-9])")
_REFERENCE = re.compile(r"#(?=\d)")
_JOINER = "\u200d"
_EMPHASIS = "*_~"


def _is_invisible(ch: str) -> bool:
    code = ord(ch)
    if (0xFDD0 <= code <= 0xFDEF) or (code & 0xFFFE) == 0xFFFE:
        return True  # Unicode noncharacters
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") and not ch.isspace()


def clean(text: str | None) -> str:
    """Collapse every run of whitespace to one space and drop invisible characters.

    This is the text a reader is meant to see, before markdown escaping.
    Whitespace is collapsed first: arXiv wraps long abstracts with newlines,
    which are not printable, and checking the collapsed text keeps the slow
    character-by-character pass for the rare text that holds something to drop.
    """
    if not text:
        return ""
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text  # already clean: the only whitespace is single spaces between words
    collapsed = " ".join(text.split())
    if collapsed.isprintable():
        return collapsed
    # Dropping characters other than whitespace leaves the word boundaries as they were.
    kept = "".join(ch for ch in collapsed if not _is_invisible(ch))
    return " ".join(kept.split())


def _starts_reference(text: str, index: int) -> bool:
    """True when a markdown renderer would decode the ``&...;`` at ``index`` (CommonMark)."""
    if _NUMERIC_REFERENCE.match(text, index):
        return True
    named = _NAMED_REFERENCE.match(text, index)
    return bool(named) and f"{named.group(1)};" in html5


def _backtick_runs(text: str) -> list[tuple[int, int]]:
    """``(length, backslashes before it are odd)`` for each backtick run, in order.

    One pass: ``str.find`` and a compiled pattern step from run to run, and
    the backslashes before a run are counted back only to the previous run.
    """
    runs = []
    floor = 0
    index = text.find("`")
    while index != -1:
        end = _BACKTICKS.match(text, index).end()  # type: ignore[union-attr]
        before = text[floor:index]
        runs.append((end - index, (len(before) - len(before.rstrip("\\"))) % 2))
        floor = end
        index = text.find("`", end)
    return runs


def _opens_code_span(text: str) -> bool:
    """True when some backtick run is closed by a later run of the same length (CommonMark).

    A run after an odd number of backslashes begins with an escaped, literal
    backtick, so it opens a span one backtick shorter: a backslash, two
    backticks, ``a`` and one backtick read as a literal backtick and the span
    ``a``. A closing run counts whole, since backslashes are literal inside a
    code span. The runs are read from the last, keeping the lengths seen, so
    the check is linear in the number of runs.
    """
    later: set[int] = set()
    for length, escaped in reversed(_backtick_runs(text)):
        if length > escaped and length - escaped in later:
            return True
        later.add(length)
    return False


def _closing_hashes(text: str) -> bool:
    """True when ``text`` ends in a ``#`` run that an ATX heading would drop (CommonMark)."""
    rest = text.rstrip("#")
    return rest != text and (not rest or rest.endswith(" "))


_SPECIAL = "\\|<&[]`"
"""The characters escaping looks at: a backslash, and those that may need an escape."""


def _special_positions(text: str, extra: str = "") -> list[int]:
    """Where the characters of ``_SPECIAL`` (and ``extra``) are, in order.

    ``str.find`` skips the ordinary text (nearly all of an abstract) at C
    speed, many times faster than a regular expression or a loop over every
    character, which keeps rendering 10,000 rows quick.
    """
    positions = []
    for ch in _SPECIAL + extra:
        index = text.find(ch)
        while index != -1:
            positions.append(index)
            index = text.find(ch, index + 1)
    positions.sort()
    return positions


def _escape(text: str, *, title: bool, prefix: bool = False, in_heading: bool = False) -> str:
    """Escape already-cleaned text (see the module docstring).

    Only the characters of ``_SPECIAL`` (with the emphasis characters in a
    prefix, ``#`` in a heading) are visited; the text between them is copied
    in slices.
    """
    extra = _EMPHASIS if prefix else "#" if in_heading else ""
    positions = _special_positions(text, extra)
    if not positions:
        return text
    escape_ticks = "`" in text and (prefix or _opens_code_span(text))
    last_hash = len(text) - 1 if in_heading and _closing_hashes(text) else -1
    out: list[str] = []
    copied = 0  # text[:copied] is in ``out``
    run = -1  # where the backslash run just before the current character starts; -1: none
    previous = -2
    for index in positions:
        if index != previous + 1:
            run = -1  # an ordinary character came between: the run stays as it is
        previous = index
        ch = text[index]
        if ch == "\\":
            run = index if run == -1 else run
            continue
        if index == last_hash or (prefix and ch in _EMPHASIS):
            replacement: str | None = "\\" + ch
        else:
            replacement = _replacement(text, index, ch, title=title, escape_ticks=escape_ticks)
        if replacement is not None:
            # Backslashes right before an escape would otherwise escape the escape.
            start = index if run == -1 else run
            out += (text[copied:start], "\\" * (2 * (index - start)), replacement)
            copied = index + 1
        run = -1
    if run != -1 and previous == len(text) - 1:
        # The template puts markup right after every cell, so a trailing
        # backslash run would escape it.
        out += (text[copied:run], "\\" * (2 * (len(text) - run)))
        copied = len(text)
    out.append(text[copied:])
    return "".join(out)


def _replacement(text: str, index: int, ch: str, *, title: bool, escape_ticks: bool) -> str | None:
    if ch == "|":
        return "\\|"
    if ch == "<":
        return "&lt;"
    if ch == "&":
        return "&amp;" if _starts_reference(text, index) else None
    if ch == "[":
        return "\\[" if title else None
    if ch == "]":
        if title or text.startswith("(", index + 1):
            return "\\]"
        return None
    if ch == "`":
        return "\\`" if escape_ticks else None
    return None


def cell(text: str | None) -> str:
    """Text for an abstract or comment cell: cleaned, then escaped."""
    return _escape(clean(text), title=False)


def cell_prefix(text: str | None, length: int) -> str:
    """The first ``length`` characters of the cleaned text, escaped as a prefix.

    A space at the cut stays, as in the original's folded comments
    (``<summary>MLHC ...</summary>``). Backticks and emphasis characters are
    always escaped (see the module docstring).
    """
    return _escape(clean(text)[:length], title=False, prefix=True)


def heading(text: str | None) -> str:
    """Text for a ``## heading`` line: escaped as a cell, and a closing ``#`` run kept visible."""
    return _escape(clean(text), title=False, in_heading=True)


def title_cell(text: str | None) -> str:
    """Text for the title, which sits inside ``**[TITLE](LINK)**``."""
    return _escape(clean(text), title=True)


def unping(text: str) -> str:
    """Text that GitHub neither turns into a mention nor into a cross-reference.

    GitHub notifies ``@user`` and ``@org/team`` and links ``#123`` and
    ``owner/repo#123`` to issues, leaving a back-reference there ("Basic
    writing and formatting syntax": mentioning people and teams, referencing
    issues). In the bot's issues such text from a paper would ping strangers;
    a zero-width joiner after ``@`` and before ``#`` breaks the pattern and
    leaves the text looking the same. Every ``#`` before a digit gets one,
    whatever precedes it (a backslash escape, a character reference), as the
    reference is found in the rendered text.
    """
    if "@" not in text and "#" not in text:
        return text
    return _REFERENCE.sub(_JOINER + "#", _MENTION.sub("@" + _JOINER, text))


def unping_if(text: str, enabled: bool) -> str:
    """``unping(text)`` when ``enabled`` (the templates' switch for issue rows)."""
    return unping(text) if enabled else text
