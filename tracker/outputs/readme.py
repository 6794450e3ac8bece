"""Turn the store into markdown with the Jinja2 templates in ``templates/``.

The templates hold the format; this module only prepares plain values for
them (which papers, which notes) and registers the escaping filters from
``text``. Every function here is pure apart from reading templates.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from tracker import markdown
from tracker.config import Config, Keyword
from tracker.errors import ConfigError, OutputError
from tracker.models import Paper, Store
from tracker.resources import templates_dir

README_TEMPLATE = "README.md.j2"
LIST_TEMPLATE = "papers.md.j2"
ISSUE_TEMPLATE = "issue.md.j2"
MACROS_TEMPLATE = "_macros.md.j2"
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
                       title_cell=markdown.title_cell, heading=markdown.heading)
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


def framed_readme(env: jinja2.Environment, values: dict[str, Any], frame: Frame | None) -> str:
    """The new README: the whole file, or the list of papers set into ``frame``."""
    if frame is None:
        return full_readme(env, values)
    return frame.head + paper_list(env, values) + frame.tail


def readme_text(env: jinja2.Environment, values: dict[str, Any], existing: str | None) -> str:
    """The new README: the whole file, or only the lines between the markers of ``existing``."""
    return framed_readme(env, values, readme_frame(existing))


# --- The README budget: GitHub shows no README over 512,000 bytes ---


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def relative_link(target: Path, start: Path) -> str:
    """A markdown link from a file in ``start`` to ``target``: relative, ``/``, percent-encoded."""
    return quote(Path(os.path.relpath(target, start)).as_posix(), safe="/")


def page_path(config: Config, keyword: Keyword) -> Path:
    """The keyword's full list: ``papers/<slug>.md`` (``paths.papers``)."""
    return config.paths.papers / f"{keyword.slug}.md"


@dataclass(frozen=True)
class SectionSize:
    """One section's parts in UTF-8 bytes, as the README budget counts them."""

    base: int
    """Heading, note, table head and the blank line after the table."""
    rows: tuple[int, ...]
    """Each row the section may show (``readme_rows`` at most), newest first, line end included."""
    link: int
    """What the link to the full list adds under the table."""
    stored: int
    """Papers the store keeps for the keyword."""


class BudgetTooSmall(Exception):
    """Even a README without a single row is larger than the budget."""

    def __init__(self, smallest: int):
        super().__init__(f"the README needs {smallest} bytes without rows")
        self.smallest = smallest


def choose_rows(fixed: int, sizes: Sequence[SectionSize], budget: int) -> int | None:
    """Rows per keyword that keep the README within ``budget`` bytes; ``None``: no cut needed.

    ``fixed`` is everything outside the sections (header, ``Last update``, the
    text around the markers). The rule, the same for every keyword: each
    section shows its newest N papers (all it has when fewer), a section that
    then shows fewer papers than its keyword keeps ends with the link to its
    full list, and N is the largest number for which the whole README fits.
    Raises ``BudgetTooSmall`` when even N = 0 does not fit.
    """
    prefixes = [tuple(accumulate(size.rows, initial=0)) for size in sizes]
    pairs = list(zip(sizes, prefixes, strict=True))
    if fixed + sum(size.base + prefix[-1] for size, prefix in pairs) <= budget:
        return None

    def cut_size(cap: int) -> int:
        total = fixed
        for size, prefix in pairs:
            shown = min(cap, len(size.rows))
            total += size.base + prefix[shown] + (size.link if shown < size.stored else 0)
        return total

    # A link can outweigh a row, so the size is not monotonic in N: try each N, largest first.
    longest = max((len(size.rows) for size in sizes), default=0)
    for cap in range(longest - 1, -1, -1):
        if cut_size(cap) <= budget:
            return cap
    raise BudgetTooSmall(cut_size(0))


@dataclass(frozen=True)
class BudgetedReadme:
    """The README as written, and which keywords it shows only in part."""

    text: str
    cut: int | None = None
    """Rows per keyword when the budget cut the README, else ``None``."""
    linked: tuple[str, ...] = ()
    """Names of the keywords whose section links to their full list."""


def _cut_sections(config: Config, store: Store, sections: Sequence[Section],
                  cap: int) -> list[Section]:
    readme_folder = config.paths.readme.parent
    cut = []
    for keyword, section in zip(config.keywords, sections, strict=True):
        record = store.keywords.get(keyword.name)
        stored = len(record.papers) if record else 0
        papers = section.papers[:cap]
        link = (relative_link(page_path(config, keyword), readme_folder)
                if len(papers) < stored else None)
        cut.append(replace(section, papers=papers, stored=stored, full_list=link))
    return cut


def section_sizes(env: jinja2.Environment, config: Config, store: Store,
                  values: dict[str, Any]) -> list[SectionSize]:
    """Each section's parts, from two small renders per section and one macro call per row."""
    paper_row = env.get_template(MACROS_TEMPLATE).module.paper_row  # type: ignore[attr-defined]

    def list_size(section: Section | None) -> int:
        sections = [] if section is None else [replace(section, papers=())]
        return utf8_size(paper_list(env, {**values, "sections": sections}))

    empty = list_size(None)
    sizes = []
    sections = values["sections"]
    for section, linked in zip(sections, _cut_sections(config, store, sections, 0), strict=True):
        alone = list_size(section)
        sizes.append(SectionSize(
            base=alone - empty,
            rows=tuple(utf8_size(paper_row(paper)) + 1 for paper in section.papers),
            link=list_size(linked) - alone if linked.full_list else 0,
            stored=linked.stored))
    return sizes


def budgeted_readme(env: jinja2.Environment, config: Config, store: Store, today: str,
                    frame: Frame | None) -> BudgetedReadme:
    """The README within ``readme_budget`` bytes: as it always was when it fits, else cut.

    The common case costs one render and one size check. A cut measures the
    parts once (``section_sizes``), picks the rows (``choose_rows``) and
    renders once more; a user template that renders other sizes than those
    measured is caught by the final check and shrinks the rows further.
    """
    values = readme_values(config, store, today)
    text = framed_readme(env, values, frame)
    budget = config.readme_budget
    if utf8_size(text) <= budget:
        return BudgetedReadme(text)
    fixed = utf8_size(framed_readme(env, {**values, "sections": []}, frame))
    try:
        cap = choose_rows(fixed, section_sizes(env, config, store, values), budget)
    except BudgetTooSmall as error:
        around = " and the text around the markers" if frame else ""
        raise ConfigError(
            f"{config.source}: readme_budget: {budget:,} bytes cannot hold the README even "
            f"without papers ({error.smallest:,} bytes for the header, the headings{around}); "
            "raise readme_budget (at most 500,000) or follow fewer keywords") from None
    if cap is None:  # the parts add up to less than the whole: a template of other sizes
        cap = max((len(section.papers) for section in values["sections"]), default=0)
    while True:
        sections = _cut_sections(config, store, values["sections"], cap)
        text = framed_readme(env, {**values, "sections": sections}, frame)
        size = utf8_size(text)
        if size <= budget or cap == 0:
            break
        cap = min(cap - 1, cap * budget // size)
    if size > budget:
        raise OutputError(f"the README stays at {size:,} bytes with no rows, over readme_budget "
                          f"({budget:,}); check the templates in {config.paths.templates}")
    linked = tuple(section.name for section in sections if section.full_list)
    return BudgetedReadme(text, cap, linked)


def long_date(day: str) -> str:
    """``August 21, 2026``: the issue title's date, day zero-padded as in the original."""
    value = date.fromisoformat(day)
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    return f"{months[value.month - 1]} {value.day:02d}, {value.year}"
