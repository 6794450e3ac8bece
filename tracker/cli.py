"""The ``tracker`` command: a thin layer over ``pipeline``.

Exit codes: 0 every keyword fetched; 1 at least one keyword failed (the
outputs are still written from the store) or the run could not proceed
(damaged store, lock held); 2 bad configuration or usage; 130 interrupted.
Messages go to stderr; a problem is one message, never a traceback (``-v``
adds the traceback for unexpected errors).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tracker import __version__
from tracker.config import DEFAULT_CONFIG, Config, load_config
from tracker.errors import ConfigError, TrackerError
from tracker.gitinfo import origin_url

if TYPE_CHECKING:
    from tracker.api import KeywordOutcome, RunReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
log = logging.getLogger("tracker")


# --- arguments ---


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a real date") from None
    return value


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("expected zero or more seconds")
    return number


def _positive_seconds(value: str) -> float:
    number = _seconds(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("expected more than zero seconds")
    return number


def _common(parser: argparse.ArgumentParser, *, today: bool = True) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"the configuration file (default: {DEFAULT_CONFIG})")
    if today:
        parser.add_argument("--today", type=_day, metavar="YYYY-MM-DD",
                            help="the run's date, for reproducible output "
                                 "(default: today in the configured timezone)")
    _noise(parser, verbose="also log each request and show tracebacks of unexpected errors",
           quiet="print only failures and errors")


def _noise(parser: argparse.ArgumentParser, *, verbose: str, quiet: str) -> None:
    """``-v``/``-q``, which every command takes."""
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help=verbose)
    noise.add_argument("-q", "--quiet", action="store_true", help=quiet)


def _lock_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=_seconds, default=30.0, metavar="SECONDS",
                        help="how long to wait for another run holding the store's lock "
                             "(default: 30)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track the newest arXiv papers on your keywords: a JSON store and a "
                    "Daily Papers README.",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="fetch every keyword, update the store, "
                                          "write the README and issue files")
    _common(run)
    _lock_wait(run)
    fetch = commands.add_parser("fetch", help="fetch every keyword and update the store only")
    _common(fetch)
    _lock_wait(fetch)
    render = commands.add_parser("render", help="write the README and issue files from the "
                                                "store alone (no network)")
    _common(render)
    _lock_wait(render)
    validate = commands.add_parser("validate", help="check the configuration and say "
                                                    "what is wrong")
    _common(validate, today=False)
    schedule = commands.add_parser("schedule", help="keep running: `tracker run` on a "
                                                    "schedule, until stopped")
    _common(schedule, today=False)
    _lock_wait(schedule)
    when = schedule.add_mutually_exclusive_group()
    when.add_argument("--cron", metavar="EXPR",
                      help="when to run, as five cron fields (default: schedule.cron "
                           "of the config)")
    when.add_argument("--every", type=_positive_seconds, metavar="SECONDS",
                      help="run every so many seconds instead")
    schedule.add_argument("--commit", action=argparse.BooleanOptionalAction, default=None,
                          help="git commit the outputs after a run that changed them "
                               "(default: schedule.commit)")
    schedule.add_argument("--push", action=argparse.BooleanOptionalAction, default=None,
                          help="git push after committing (default: schedule.push)")
    schedule.add_argument("--now", action="store_true",
                          help="also run once right away, then on the schedule")
    site = commands.add_parser("site", help="build the static Daily Papers site from the "
                                            "store alone (no network)")
    _common(site, today=False)
    _lock_wait(site)
    init = commands.add_parser("init", help="create a new tracker repository: config, "
                                            "workflow, README, store folder")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."),
                      help="where to create it (default: the current folder)")
    init.add_argument("--source", metavar="REQUIREMENT",
                      help="where the new repository installs the tracker from, as a pip "
                           "requirement (default: where this tracker was installed from)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    _noise(init, verbose="show the traceback of an unexpected error", quiet="print only errors")
    return parser


# --- helpers at the edge ---


def _today(config: Config, given: str | None) -> str:
    if given:
        return given
    return datetime.now(ZoneInfo(config.timezone)).date().isoformat()


def _load(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if config.repository is None:
        remote = origin_url(Path("."))
        if remote:
            config = replace(config, repository=remote)
    return config


def _github_output(report: RunReport) -> None:
    """Tell a GitHub Actions step what happened (``steps.<id>.outputs``)."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"issues={len(report.issue_files)}\n")
        handle.write(f"failed={len(report.failed)}\n")


# --- commands ---


def _cmd_validate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not args.quiet:
        print(f"{args.config}: OK, {len(config.keywords)} keywords", file=sys.stderr)
        for keyword in config.keywords:
            categories = ", ".join(config.categories_for(keyword)) or "all categories"
            print(f"  {keyword.name}: {keyword.search_query}  [{categories}]", file=sys.stderr)
    return EXIT_OK


def _cmd_pipeline(args: argparse.Namespace) -> int:
    from tracker.api import run
    from tracker.logs import progress_line, summary_line

    config = _load(args)
    today = _today(config, args.today)
    fetch = args.command in ("run", "fetch")
    publish = args.command in ("run", "render")

    def progress(outcome: KeywordOutcome) -> None:
        if outcome.error:
            log.warning(progress_line(outcome))
        else:
            log.info(progress_line(outcome))

    report = run(config, today, fetch=fetch, publish=publish, progress=progress,
                 lock_wait=args.wait)
    summary = summary_line(report, config, fetch, publish)
    (log.warning if report.failed else log.info)(summary)
    _github_output(report)
    if report.interrupted:
        log.error("interrupted: the keywords fetched so far were saved")
        return EXIT_INTERRUPTED
    return EXIT_FAILED if report.failed else EXIT_OK


def _cmd_schedule(args: argparse.Namespace) -> int:
    from tracker.scheduler import ScheduleOptions, serve

    return serve(ScheduleOptions(config_path=args.config, cron=args.cron, every=args.every,
                                 commit=args.commit, push=args.push, lock_wait=args.wait,
                                 now=args.now))


def _cmd_site(args: argparse.Namespace) -> int:
    from tracker.outputs.site import build_from_store

    config = _load(args)
    folder, changed = build_from_store(config, lock_wait=args.wait)
    log.info(f"site: {len(changed)} file{'' if len(changed) == 1 else 's'} written or removed "
             f"in {folder}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from tracker.scaffold import NEXT_STEPS, init, resolve_source

    source = resolve_source(args.source)
    written = init(args.directory, source, force=args.force)
    if not args.quiet:
        print(f"Created a tracker in {args.directory}:", file=sys.stderr)
        for name in written:
            print(f"  {name}", file=sys.stderr)
        print(f"It installs the tracker from: {source.requirement}", file=sys.stderr)
        print(NEXT_STEPS, end="", file=sys.stderr)
    return EXIT_OK


_COMMANDS = {
    "run": _cmd_pipeline,
    "fetch": _cmd_pipeline,
    "render": _cmd_pipeline,
    "validate": _cmd_validate,
    "schedule": _cmd_schedule,
    "site": _cmd_site,
    "init": _cmd_init,
}


def _setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(level)
    # The arxiv client logs each request at INFO; show it only with -v.
    logging.getLogger("arxiv").setLevel(logging.INFO if args.verbose else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args)
    try:
        return _COMMANDS[args.command](args)
    except ConfigError as error:
        log.error(str(error))
        return EXIT_USAGE
    except TrackerError as error:
        log.error(f"error: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        log.error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # the last line of defence: one message, not a traceback
        if args.verbose:
            log.exception("unexpected error")
        else:
            log.error(f"unexpected error: {type(error).__name__}: {error} "
                      "(run again with -v for details, and please report it)")
        return EXIT_FAILED
