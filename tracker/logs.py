"""What a run logs: one line per keyword, then a summary; and where the log goes.

Everything goes to the ``tracker`` logger, on stderr, one plain line each.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from tracker.logsafe import SafeLogFilter

if TYPE_CHECKING:
    from tracker.api import RunReport
    from tracker.config import Config
    from tracker.keyword_step import KeywordOutcome


def _size(count: int) -> str:
    return f"{count / 1000:.0f} kB" if count >= 10_000 else f"{count} B"


def progress_line(outcome: KeywordOutcome) -> str:
    """``Name: 12 received, 3 new, 100 kept (0.4 s)``, or the failure and its cause."""
    if outcome.error:
        return (f"{outcome.name}: FAILED: {outcome.error}; kept its {outcome.kept} stored "
                f"papers ({outcome.seconds:.1f} s)")
    revised = f", {outcome.revised} revised" if outcome.revised else ""
    note = f"; {outcome.note}" if outcome.note else ""
    return (f"{outcome.name}: {outcome.received} received, {outcome.new} new{revised}, "
            f"{outcome.kept} kept{note} ({outcome.seconds:.1f} s)")


def summary_line(report: RunReport, config: Config, fetched: bool, published: bool) -> str:
    """Counts of the whole run: keywords, papers, requests, and what was written."""
    parts = []
    if fetched:
        failed = report.failed
        done = len(report.outcomes) - len(failed)
        new = sum(outcome.new for outcome in report.outcomes)
        revised = sum(outcome.revised for outcome in report.outcomes)
        count = len(config.keywords)
        text = f"{count} keyword{'s' if count != 1 else ''}: {done} fetched"
        if failed:
            names = ", ".join(f"{o.name} ({o.error})" for o in failed)
            text += f", {len(failed)} failed: {names}"
        text += f"; {new} new and {revised} revised papers"
        text += f"; {report.requests} requests, {_size(report.bytes)}"
        parts.append(text)
        parts.append("store updated" if report.store_changed else "store unchanged")
    if published:
        parts.append(f"{config.shown(config.paths.readme)} "
                     + ("updated" if report.readme_changed else "unchanged"))
        if report.readme_cut is not None:
            parts.append(f"README cut to {report.readme_cut} papers a keyword to stay under "
                         f"{config.readme_budget:,} bytes; full lists in "
                         f"{config.shown(config.paths.papers)}/")
        count = len(report.issue_files)
        parts.append(f"{count} issue file{'s' if count != 1 else ''} in "
                     f"{config.shown(config.paths.issues)}"
                     if count else "no issue due")
        for name, files in report.written.items():
            if files:
                parts.append(f"{name}: {len(files)} file{'s' if len(files) != 1 else ''} written")
        parts += [f"{name} FAILED" for name in report.output_errors]
    return "; ".join(parts) + f" ({report.seconds:.1f} s)"


def configure_logging(*, verbose: bool = False, quiet: bool = False) -> None:
    """Send the tracker's log to stderr: INFO by default, DEBUG with ``verbose``, WARNING with
    ``quiet``. With ``verbose`` the tracker logs each request and retry, and APScheduler, the
    one library underneath that logs, speaks too."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(SafeLogFilter())  # no control characters or workflow commands from arXiv
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("tracker").setLevel(
        logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.ERROR)
