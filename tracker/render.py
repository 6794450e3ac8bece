"""Turn the store into markdown with the Jinja2 templates in ``templates/``.

The templates hold the format; this module only prepares plain values for
them (which papers, which notes) and registers the escaping filters from
``text``. Every function here is pure apart from reading templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from tracker import text
from tracker.config import Config
from tracker.errors import OutputError
from tracker.models import Paper, Store
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
    env.filters.update(clean=text.clean, cell=text.cell, cell_prefix=text.cell_prefix,
                       title_cell=text.title_cell, heading=text.heading)
    return env


def render(env: jinja2.Environment, name: str, **values: Any) -> str:
    """Render one template; a broken template is an ``OutputError`` naming file and line."""
    try:
        return env.get_template(name).render(**values)
    except jinja2.TemplateSyntaxError as error:
        where = f"{error.filename or error.name}:{error.lineno}"
        raise OutputError(f"{where}: template error: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise OutputError(f"template {error.name} not found") from None
    except jinja2.TemplateError as error:
        raise OutputError(f"template {name}: {error}") from None


@dataclass(frozen=True)
class Section:
    """One keyword's part of the README."""

    name: str
    papers: tuple[Paper, ...]
    note: str | None = None


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
    }


def full_readme(env: jinja2.Environment, values: dict[str, Any]) -> str:
    return render(env, README_TEMPLATE, **values)


def paper_list(env: jinja2.Environment, values: dict[str, Any]) -> str:
    return render(env, LIST_TEMPLATE, **values)


def find_markers(existing: str) -> tuple[int, int] | None:
    """Offsets just after the start marker's line and at the end marker, or ``None``.

    Raises ``OutputError`` when the markers are there but unusable, so a
    README with hand-written text is never overwritten by mistake.
    """
    starts, ends = existing.count(START_MARKER), existing.count(END_MARKER)
    if starts == 0 and ends == 0:
        return None
    if starts != 1 or ends != 1:
        raise OutputError(
            f"the README must hold exactly one {START_MARKER} and one {END_MARKER} "
            f"(found {starts} and {ends}); fix the markers, nothing was written"
        )
    start = existing.index(START_MARKER) + len(START_MARKER)
    end = existing.index(END_MARKER)
    if end < start:
        raise OutputError(f"{END_MARKER} comes before {START_MARKER} in the README; "
                          "nothing was written")
    newline = existing.find("\n", start, end)
    return (newline + 1 if newline != -1 else start), end


def readme_text(env: jinja2.Environment, values: dict[str, Any], existing: str | None) -> str:
    """The new README: the whole file, or only the part between the markers of ``existing``."""
    if existing is not None:
        span = find_markers(existing)
        if span is not None:
            start, end = span
            body = paper_list(env, values)
            separator = "" if existing[start - 1 : start] == "\n" else "\n"
            return existing[:start] + separator + body + existing[end:]
    return full_readme(env, values)


def long_date(day: str) -> str:
    """``August 21, 2026``: the issue title's date, day zero-padded as in the original."""
    value = date.fromisoformat(day)
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{months[value.month - 1]} {value.day:02d}, {value.year}"


def newest(papers: Sequence[Paper], count: int) -> tuple[Paper, ...]:
    return tuple(papers[:count])
