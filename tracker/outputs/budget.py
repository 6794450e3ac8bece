"""The README budget: GitHub shows nothing of a README over 512,000 bytes.

A README over ``readme_budget`` UTF-8 bytes (the whole file, text around the
markers included) shows each keyword's newest N papers, the same N for every
keyword and the largest that fits, and a section cut short links to the
keyword's full list in ``paths.papers`` (``outputs.pages``). Under the budget
the README is exactly what ``readme.framed_readme`` renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import Any

import jinja2

from tracker.config import Config, Keyword
from tracker.errors import ConfigError, OutputError
from tracker.models import Store
from tracker.outputs.files import relative_link
from tracker.outputs.readme import (
    LIST_TEMPLATE,
    README_TEMPLATE,
    Frame,
    Section,
    framed_readme,
    framed_values,
    paper_list,
    readme_values,
    render_within,
)

MACROS_TEMPLATE = "_macros.md.j2"


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def page_path(config: Config, keyword: Keyword) -> Path:
    """The keyword's full list: ``papers/<slug>.md`` (``paths.papers``)."""
    return config.paths.papers / f"{keyword.slug}.md"


@dataclass(frozen=True)
class SectionSize:
    """One section's parts in UTF-8 bytes, as the README budget counts them."""

    base: int
    """Heading, note, table head and the blank line after the table."""
    rows: tuple[int, ...]
    """Each row the section may show (``readme_rows`` at most), newest first, line end included;
    ``section_sizes`` leaves out the rows too deep to fit in any case."""
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


def cut_sections(config: Config, store: Store, sections: Sequence[Section],
                 cap: int) -> list[Section]:
    """``sections`` showing at most ``cap`` rows each; one that shows fewer papers than its
    keyword keeps links to the keyword's page."""
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
                  values: dict[str, Any], fixed: int, budget: int) -> list[SectionSize]:
    """Each section's parts: two small renders per section and one macro call per row measured.

    Rows are measured a level at a time (every section's first row, then
    every second row, ...) and only until the sections without their links
    already pass ``budget``: no cut can show that many rows, so ``choose_rows``
    never needs the rows below. A large store is thus not measured whole.
    """
    paper_row = env.get_template(MACROS_TEMPLATE).module.paper_row  # type: ignore[attr-defined]

    def list_size(section: Section | None) -> int:
        sections = [] if section is None else [replace(section, papers=())]
        return utf8_size(paper_list(env, {**values, "sections": sections}))

    empty = list_size(None)
    sections = values["sections"]
    bases, links, stored = [], [], []
    for section, linked in zip(sections, cut_sections(config, store, sections, 0), strict=True):
        alone = list_size(section)
        bases.append(alone - empty)
        links.append(list_size(linked) - alone if linked.full_list else 0)
        stored.append(linked.stored)
    rows: list[list[int]] = [[] for _ in sections]
    total, depth = fixed + sum(bases), 0
    while total <= budget and any(depth < len(section.papers) for section in sections):
        for measured, section in zip(rows, sections, strict=True):
            if depth < len(section.papers):
                measured.append(utf8_size(paper_row(section.papers[depth])) + 1)
                total += measured[-1]
        depth += 1
    return [SectionSize(base, tuple(measured), link, count)
            for base, measured, link, count in zip(bases, rows, links, stored, strict=True)]


def _readme_within(env: jinja2.Environment, values: dict[str, Any], frame: Frame | None,
                   budget: int) -> str | None:
    """``framed_readme``, or ``None`` once it passes ``budget`` characters (each at least a byte).

    A README far over the budget is thus not rendered whole only to be cut.
    """
    if frame is None:
        return render_within(env, README_TEMPLATE, budget, **values)
    around = len(frame.head) + len(frame.tail)
    papers = render_within(env, LIST_TEMPLATE, budget - around, **values)
    return None if papers is None else frame.head + papers + frame.tail


def budgeted_readme(env: jinja2.Environment, config: Config, store: Store, today: str,
                    frame: Frame | None) -> BudgetedReadme:
    """The README within ``readme_budget`` bytes: as it always was when it fits, else cut.

    The common case costs one render and one size check; a README over the
    budget stops rendering there, measures its parts once (``section_sizes``),
    picks the rows (``choose_rows``) and renders the cut README. A user
    template that renders other sizes than those measured is caught by the
    final check and shrinks the rows further.
    """
    values = framed_values(readme_values(config, store, today), frame)
    budget = config.readme_budget
    text = _readme_within(env, values, frame, budget)
    if text is not None and utf8_size(text) <= budget:
        return BudgetedReadme(text)
    fixed = utf8_size(framed_readme(env, {**values, "sections": []}, frame))
    try:
        cap = choose_rows(fixed, section_sizes(env, config, store, values, fixed, budget),
                          budget)
    except BudgetTooSmall as error:
        around = ", the text around the markers" if frame else ""
        raise ConfigError(
            f"{config.source}: readme_budget: {budget:,} bytes cannot hold the README even "
            f"without papers ({error.smallest:,} bytes: header, headings, links{around}); "
            "raise readme_budget (at most 500,000) or follow fewer keywords") from None
    if cap is None:  # the parts add up to less than the whole: a template of other sizes
        cap = max((len(section.papers) for section in values["sections"]), default=0)
    while True:
        sections = cut_sections(config, store, values["sections"], cap)
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
