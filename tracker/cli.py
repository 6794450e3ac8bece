"""The ``tracker`` command: a thin layer over the library API (``tracker.api.Tracker``).

Exit codes: 0 every keyword fetched and every output written; 1 some keywords
or outputs failed (the rest is still written from the store); 2 bad
configuration or usage; 3 the run could not proceed and wrote nothing
(damaged or newer store, lock held, a README it must not overwrite, an
unwritable output); 130 interrupted, 143 stopped by SIGTERM. Messages go to
stderr; a problem is one message, never a traceback (``-v`` adds the
traceback for unexpected errors).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tracker import __version__
from tracker.config import DEFAULT_CONFIG, load_config
from tracker.errors import ConfigError, TrackerError
from tracker.logs import configure_logging

if TYPE_CHECKING:
    from tracker.api import RunReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STOPPED = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143
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


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None


def _seconds(value: str) -> float:
    number = _number(value)
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"expected zero or more seconds, got {value}")
    return number


def _positive_seconds(value: str) -> float:
    number = _number(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected more than zero seconds, got {value}")
    return number


_TODAY_HELP = {
    "run": "the run's date: the first-seen date of new papers, 'Last update' and the issue "
           "title (default: today in the configured timezone)",
    "fetch": "the run's date: the first-seen date of new papers (default: today in the "
             "configured timezone)",
    "render": "the date of the issue title, and of 'Last update' while nothing was ever "
              "fetched (default: today in the configured timezone)",
    "digest": "the date used when the feed gives none (default: today in the configured "
              "timezone)",
}


def _common(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="PATH",
                        help=f"the configuration file (default: {DEFAULT_CONFIG})")
    if command in _TODAY_HELP:
        parser.add_argument("--today", type=_day, metavar="YYYY-MM-DD",
                            help=_TODAY_HELP[command])
    fetches = command in ("run", "fetch", "schedule")
    verbose = ("also log each request and retry, and show tracebacks of unexpected errors"
               if fetches else "show tracebacks of unexpected errors")
    _noise(parser, verbose=verbose, quiet="print only failures and errors")


def _noise(parser: argparse.ArgumentParser, *, verbose: str, quiet: str) -> None:
    """``-v``/``-q``, which every command takes."""
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help=verbose)
    noise.add_argument("-q", "--quiet", action="store_true", help=quiet)


def _lock_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=_seconds, default=30.0, metavar="SECONDS",
                        help="how long to wait for another run holding the store's lock "
                             "(default: 30)")


def _command(commands: argparse._SubParsersAction, name: str,
             summary: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line summary is both its ``--help`` description and list entry."""
    return commands.add_parser(name, help=summary, description=summary[0].upper() + summary[1:]
                               + ".")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track the newest arXiv papers on your keywords: a JSON store and a "
                    "Daily Papers README.",
        epilog="Exit codes: 0 done; 1 some keywords or outputs failed, the rest was written; "
               "2 usage or configuration error; 3 the run could not proceed and wrote nothing; "
               "130 interrupted (143 on SIGTERM).",
    )
    parser.add_argument("--version", action="version", version=f"tracker {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = _command(commands, "run", "fetch every keyword, update the store, write the README "
                                    "and issue files")
    _common(run, "run")
    _lock_wait(run)
    fetch = _command(commands, "fetch", "fetch every keyword and update the store only")
    _common(fetch, "fetch")
    _lock_wait(fetch)
    render = _command(commands, "render", "write the README and issue files from the store "
                                          "alone (no network)")
    _common(render, "render")
    _lock_wait(render)
    validate = _command(commands, "validate", "check the configuration and say what is wrong")
    _common(validate, "validate")
    schedule = _command(commands, "schedule", "keep running: `tracker run` on a schedule, "
                                              "until stopped")
    _common(schedule, "schedule")
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
                          help="git push after committing; implies --commit "
                               "(default: schedule.push)")
    schedule.add_argument("--now", action="store_true",
                          help="also run once right away, then on the schedule")
    digest = _command(commands, "digest", "write today's digest alone: read arXiv's "
                                          "announcement feed, match, translate")
    _common(digest, "digest")
    _lock_wait(digest)
    site = _command(commands, "site", "build the static Daily Papers site from the store "
                                      "alone (no network)")
    _common(site, "site")
    _lock_wait(site)
    init = _command(commands, "init", "create a new tracker repository: config, workflow, "
                                      "README, store folder")
    init.add_argument("directory", nargs="?", type=Path, default=Path("."),
                      help="where to create it (default: the current folder)")
    init.add_argument("--source", metavar="REQUIREMENT",
                      help="where the new repository installs the tracker from, as a pip "
                           "requirement (default: where this tracker was installed from)")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    _noise(init, verbose="show the traceback of an unexpected error", quiet="print only errors")
    return parser


# --- helpers at the edge ---


def _github_output(report: RunReport) -> None:
    """Tell a GitHub Actions step what happened (``steps.<id>.outputs``)."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"issues={len(report.issue_files)}\n")
        handle.write(f"failed={len(report.failed)}\n")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: the run saves what it fetched and stops (exit 143)."""


_signals: list[int] = []


def _stop_on_sigterm(signum: int, frame: object) -> None:
    _signals.append(signum)
    raise _Terminated()


# --- commands ---


def _cmd_validate(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not args.quiet:
        count = len(config.keywords)
        print(f"{args.config}: OK, {count} keyword{'s' if count != 1 else ''}", file=sys.stderr)
        for keyword in config.keywords:
            categories = ", ".join(config.categories_for(keyword)) or "all categories"
            print(f"  {keyword.name}: {keyword.search_query}  [{categories}]", file=sys.stderr)
    return EXIT_OK


def _cmd_pipeline(args: argparse.Namespace) -> int:
    from tracker.api import Tracker

    tracker = Tracker.from_config(args.config)
    fetch = args.command in ("run", "fetch")
    publish = args.command in ("run", "render")
    _signals.clear()
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        report = tracker.run(args.today, fetch=fetch, publish=publish, lock_wait=args.wait)
    finally:
        signal.signal(signal.SIGTERM, previous)
    _github_output(report)
    if report.interrupted:
        log.error("interrupted: the keywords fetched so far were saved")
        return EXIT_TERMINATED if _signals else EXIT_INTERRUPTED
    return report.exit_code


def _cmd_schedule(args: argparse.Namespace) -> int:
    from tracker.scheduler import ScheduleOptions, serve

    return serve(ScheduleOptions(config_path=args.config, cron=args.cron, every=args.every,
                                 commit=args.commit, push=args.push, lock_wait=args.wait,
                                 now=args.now))


def _cmd_site(args: argparse.Namespace) -> int:
    from tracker.api import Tracker
    from tracker.outputs.site import build_from_store

    config = Tracker.from_config(args.config).config
    folder, changed = build_from_store(config, lock_wait=args.wait)
    log.info(f"site: {len(changed)} file{'' if len(changed) == 1 else 's'} written or removed "
             f"in {config.shown(folder)}")
    return EXIT_OK


def _cmd_init(args: argparse.Namespace) -> int:
    from tracker.scaffold import init, next_steps, resolve_source

    source = resolve_source(args.source)
    for warning in source.warnings:
        log.warning(f"warning: {warning}")
    written = init(args.directory, source, force=args.force)
    if not args.quiet:
        print(f"Created a tracker in {args.directory}:", file=sys.stderr)
        for name in written:
            print(f"  {name}", file=sys.stderr)
        print(f"It installs the tracker from: {source.requirement}", file=sys.stderr)
        print(next_steps(args.directory), end="", file=sys.stderr)
    return EXIT_OK


def _cmd_digest(args: argparse.Namespace) -> int:
    from tracker.api import Tracker
    from tracker.digest_step import run_digest

    tracker = Tracker.from_config(args.config)
    if tracker.config.digest is None:
        raise ConfigError(f"{args.config}: no `digest:` section; add one to write a digest "
                          "(see docs/configuration.md)")
    result = run_digest(tracker.config, tracker.today(args.today), lock_wait=args.wait)
    if result.error:
        log.error(f"error: {result.error}")
        return EXIT_FAILED
    (log.warning if result.outcome.troubled else log.info)(result.outcome.message)
    for path in result.written:
        log.info(f"wrote {path}")
    return EXIT_OK


_COMMANDS = {
    "run": _cmd_pipeline,
    "fetch": _cmd_pipeline,
    "render": _cmd_pipeline,
    "validate": _cmd_validate,
    "schedule": _cmd_schedule,
    "site": _cmd_site,
    "init": _cmd_init,
    "digest": _cmd_digest,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose, quiet=args.quiet)
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
        return EXIT_STOPPED
