"""Make text from outside (arXiv's answers, HTTP headers) safe to print in a log.

Two dangers, both from text the tracker only passes on:

- terminal control: an ANSI escape sequence (``ESC [ ...``) recolours or
  rewrites the terminal, a carriage return overwrites the line it is on;
- GitHub Actions workflow commands: the runner reads every line of a step's
  output that starts with ``::`` (``::error::``, ``::add-mask::``,
  ``::stop-commands::``), and the older ``##[command]`` form, as an order
  ("Workflow commands for GitHub Actions", GitHub Actions documentation).
  A newline inside an arXiv value would start such a line.

``printable`` is for a value put into a message: it escapes every control
character, line breaks included, so the value stays on its line.
``SafeLogFilter`` is the net under every message of the ``tracker`` handler:
a line of its own may stay a line, but none starts a workflow command or
holds a control character.
"""

from __future__ import annotations

import logging
import re
import unicodedata

_COMMAND_START = re.compile(r"^(\s*)(::|##\[)")


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _is_control(ch: str) -> bool:
    # Cc: C0/C1 controls (ESC, CR, LF, NEL); Zl/Zp: the Unicode line and paragraph separators;
    # the bidirectional overrides reorder what a reader sees.
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or "\u202a" <= ch <= "\u202e" or (
        "\u2066" <= ch <= "\u2069")


def _defuse_command(line: str) -> str:
    """``::error::x`` -> ``: :error::x``: still readable, no longer a workflow command."""
    return _COMMAND_START.sub(lambda m: m.group(1) + m.group(2)[0] + " " + m.group(2)[1:], line)


def printable(value: object, limit: int = 300) -> str:
    """``value`` as one harmless line: control characters escaped, at most ``limit`` characters."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    if not text.isprintable() or any(_is_control(ch) for ch in text):
        text = "".join(_escaped(ch) if _is_control(ch) else ch for ch in text)
    return _defuse_command(text)


def safe_line(line: str) -> str:
    """One line of a message: control characters (tabs kept) escaped, no workflow command."""
    if line.isprintable() and not _COMMAND_START.match(line):
        return line
    cleaned = "".join(_escaped(ch) if _is_control(ch) and ch != "\t" else ch for ch in line)
    return _defuse_command(cleaned)


def safe_message(message: str) -> str:
    """A whole message, line by line (``safe_line``); line breaks of the message itself stay."""
    return "\n".join(safe_line(line) for line in message.split("\n"))


class SafeLogFilter(logging.Filter):
    """Rewrites each record's message with ``safe_message`` (install it on the handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        safe = safe_message(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True
