"""Turn the store into markdown with the Jinja2 templates in ``templates/``.

The templates hold the format; this module only prepares plain values for
them (which papers, which notes) and registers the escaping filters from
``text``. Every function here is pure apart from reading templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from tracker import markdown
from tracker.config import Config
from tracker.errors import OutputError
from tracker.models import Paper, Store
from tracker.outputs.feeds import feed_links
from tracker.resources import templates_dir

README_TEMPLATE = "README.md.j2"
LIST_TEMPLATE = "papers.md.j2"
ISSUE_TEMPLATE = "issue.md.j2"
START_MARKER = "<!-- tracker:start -->"
END_MARKER = "<!-- tracker:end -->"


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``user_templates`` first, then the shipped copies, file by file."""
    folders = [str(user_templates)] if user_templates and user_templates.is_dir() else []
    folders.append(str(templates_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # markdown, escaped cell by cell with the filters below
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(clean=markdown.clean, cell=markdown.cell, cell_prefix=markdown.cell_prefix,
                       title_cell=markdown.title_cell, heading=markdown.heading,
                       unping_if=markdown.unping_if)
    return env


def _template_failure(name: str, error: jinja2.TemplateError) -> OutputError:
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = f"{error.filename or error.name}:{error.lineno}"
        return OutputError(f"{where}: template error: {error.message}")
    if isinstance(error, jinja2.TemplateNotFound):
        return OutputError(f"template {error.name} not found")
    return OutputError(f"template {name}: {error}")


def render(env: jinja2.Environment, name: str, **values: Any) -> str:
    """Render one template; a broken template is an ``OutputError`` naming file and line."""
    try:
        return env.get_template(name).render(**values)
    except jinja2.TemplateError as error:
        raise _template_failure(name, error) from None


def render_within(env: jinja2.Environment, name: str, limit: int, **values: Any) -> str | None:
    """``render``, or ``None`` as soon as the text passes ``limit`` characters (it stops there)."""
    chunks, length = [], 0
    try:
        for chunk in env.get_template(name).generate(**values):
            length += len(chunk)
            if length > limit:
                return None
            chunks.append(chunk)
    except jinja2.TemplateError as error:
        raise _template_failure(name, error) from None
    return "".join(chunks)


@dataclass(frozen=True)
class Section:
    """One keyword's part of the README."""

    name: str
    papers: tuple[Paper, ...]
    note: str | None = None
    stored: int = 0
    """How many papers the store keeps for the keyword (the link's count)."""
    full_list: str | None = None
    """Link to the keyword's full list, shown under a table the budget cut short."""


def failing_note(failing_since: str | None, cause: str | None, today: str,
                 after_days: int) -> str | None:
    """The note under a keyword that has failed for more than ``after_days`` days."""
    if failing_since is None:
        return None
    days = (date.fromisoformat(today) - date.fromisoformat(failing_since)).days
    if days <= after_days:
        return None
    return (f"fetching this keyword from arXiv has failed since {failing_since} "
            f"({cause or 'unknown cause'}); the papers below are from before that.")


def readme_sections(config: Config, store: Store, today: str) -> list[Section]:
    """The configured keywords in config order, each with the rows the README shows."""
    sections = []
    for keyword in config.keywords:
        record = store.keywords.get(keyword.name)
        if record is None:
            sections.append(Section(keyword.name, ()))
            continue
        papers = record.papers
        if config.readme_rows is not None:
            papers = papers[: config.readme_rows]
        note = failing_note(record.failing_since, record.last_error, today,
                            config.note_after_days)
        sections.append(Section(keyword.name, papers, note))
    return sections


def readme_values(config: Config, store: Store, today: str) -> dict[str, Any]:
    return {
        "sections": readme_sections(config, store, today),
        "last_update": store.last_change or today,
        "max_papers": config.max_papers,
        "feed_links": feed_links(config),
    }


def full_readme(env: jinja2.Environment, values: dict[str, Any]) -> str:
    return render(env, README_TEMPLATE, **values)


def paper_list(env: jinja2.Environment, values: dict[str, Any]) -> str:
    return render(env, LIST_TEMPLATE, **values)


def _marker_lines(existing: str, marker: str) -> list[int]:
    """Offsets of the lines that hold ``marker`` alone (a marker quoted in prose is text)."""
    offsets, position = [], 0
    for line in existing.splitlines(keepends=True):
        if line.strip() == marker:
            offsets.append(position)
        position += len(line)
    return offsets


def find_markers(existing: str) -> tuple[int, int] | None:
    """Offsets just after the start marker's line and at the end marker's line, or ``None``.

    A marker counts only on a line of its own. Raises ``OutputError`` when
    the markers are there but unusable, so a README with hand-written text is
    never overwritten by mistake.
    """
    starts, ends = _marker_lines(existing, START_MARKER), _marker_lines(existing, END_MARKER)
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1:
        raise OutputError(
            f"the README must hold exactly one {START_MARKER} line and one {END_MARKER} line "
            f"(found {len(starts)} and {len(ends)}); fix the markers, nothing was written"
        )
    (start,), (end,) = starts, ends
    if end < start:
        raise OutputError(f"{END_MARKER} comes before {START_MARKER} in the README; "
                          "nothing was written")
    return existing.index("\n", start) + 1, end  # the end marker is on a later line


@dataclass(frozen=True)
class Frame:
    """What an existing README with the markers keeps: everything outside the list."""

    head: str
    """Up to and including the start marker's line."""
    tail: str
    """From the end marker on."""


def readme_frame(existing: str | None) -> Frame | None:
    """The frame of ``existing`` when it has the markers; ``None``: write the whole README.

    Only the frame is kept while the list is rendered, not the whole old
    README, which for many keywords is as large as the new one.
    """
    if existing is None:
        return None
    span = find_markers(existing)
    if span is None:
        return None
    start, end = span
    return Frame(existing[:start], existing[end:])


def framed_values(values: dict[str, Any], frame: Frame | None) -> dict[str, Any]:
    """``values`` as the README of ``frame`` shows them.

    Only a README with markers links the keywords' feeds: the whole file keeps
    the Daily Papers format byte for byte.
    """
    return values if frame is not None else {**values, "feed_links": {}}


def framed_readme(env: jinja2.Environment, values: dict[str, Any], frame: Frame | None) -> str:
    """The new README: the whole file, or the list of papers set into ``frame``."""
    values = framed_values(values, frame)
    if frame is None:
        return full_readme(env, values)
    return frame.head + paper_list(env, values) + frame.tail


def long_date(day: str) -> str:
    """``August 21, 2026``: the issue title's date, day zero-padded as in the original."""
    value = date.fromisoformat(day)
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{months[value.month - 1]} {value.day:02d}, {value.year}"


def written_by_tracker(env: jinja2.Environment, existing: str, max_papers: int) -> bool:
    """True when ``existing`` (a README without markers) starts as the tracker's README does.

    Such a README is the tracker's own full-file output and may be rewritten
    whole; any other README holds someone's text and must not be replaced.
    """
    header = full_readme(env, {"sections": [], "last_update": "\0", "max_papers": max_papers})
    return existing.startswith(header.split("\0")[0])
