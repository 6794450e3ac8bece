"""``tracker schedule``: run the daily job in a long-running process, on APScheduler.

The job is the same as ``tracker run``. Missed runs (a laptop asleep at the
scheduled time) are coalesced into one run as soon as possible; a run never
starts while the previous one is still going. SIGINT or SIGTERM stops the
process cleanly: a run in progress stops before its next request, saves the
keywords it finished (the store is replaced atomically, so it is never torn)
and the process exits.

After a run that changed the outputs it can ``git commit`` them, and
``git push``.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tracker.api import Tracker
from tracker.errors import ConfigError, Interrupted, TrackerError

log = logging.getLogger("tracker")


@dataclass(frozen=True)
class ScheduleOptions:
    config_path: Path
    cron: str | None = None
    """Overrides ``schedule.cron`` of the config."""
    every: float | None = None
    """Run every so many seconds instead of on a cron expression."""
    commit: bool | None = None
    push: bool | None = None
    lock_wait: float = 30.0
    now: bool = False
    """Also run once right away."""


def make_trigger(cron: str, every: float | None, timezone: str) -> Any:
    """The APScheduler trigger; a bad cron expression is a ``ConfigError``."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if every is not None:
        return IntervalTrigger(seconds=every, timezone=ZoneInfo(timezone))
    try:
        return CronTrigger.from_crontab(cron, timezone=ZoneInfo(timezone))
    except ValueError as error:
        raise ConfigError(
            f"schedule.cron: {cron!r} is not a valid cron expression: {error}"
        ) from None


def build_scheduler(job: Callable[[], None], trigger: Any, timezone: str,
                    now: bool = False) -> Any:
    """A background scheduler holding the one job: coalesced, one instance, never dropped."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=ZoneInfo(timezone))
    first = {"next_run_time": datetime.now(ZoneInfo(timezone))} if now else {}
    scheduler.add_job(job, trigger, id="tracker-run", name="tracker run",
                      coalesce=True, max_instances=1, misfire_grace_time=None, **first)
    return scheduler


def git_publish(root: Path, paths: Sequence[Path], message: str, push: bool) -> None:
    """Commit the tracker's own outputs (never anything else in the tree), and push if asked.

    Only ``paths`` are staged, so a stray ``.env`` or a half-edited config
    beside them is never committed or published. Git runs in ``root``, the
    repository of the config, wherever the scheduler was started.
    """
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False)

    present = [str(path) for path in paths if path.exists()]
    done = git("add", "--all", "--", *present) if present else None
    if done is not None and done.returncode:
        log.error(f"git add failed: {done.stderr.strip()}")
        return
    if git("diff", "--cached", "--quiet", "--", *map(str, paths)).returncode == 0:
        return
    done = git("commit", "--quiet", "--message", message, "--", *present)
    if done.returncode:
        log.error(f"git commit failed: {done.stderr.strip()}")
        return
    log.info(f"committed: {message}")
    if push:
        done = git("push", "--quiet")
        if done.returncode:
            log.error(f"git push failed: {done.stderr.strip()}")
        else:
            log.info("pushed")


class Service:
    """The scheduler, its job and its clean shutdown."""

    def __init__(self, options: ScheduleOptions):
        self.options = options
        self.stop = threading.Event()
        config = Tracker.from_config(options.config_path).config
        settings = config.schedule
        self.timezone = settings.timezone
        self.cron = options.cron or settings.cron
        self.push = settings.push if options.push is None else options.push
        # Pushing means publishing a commit: --push implies --commit.
        self.commit = self.push or (settings.commit if options.commit is None
                                    else options.commit)
        self.trigger = make_trigger(self.cron, options.every, self.timezone)
        self.scheduler = build_scheduler(self.run_once, self.trigger, self.timezone,
                                         now=options.now)

    def sleep(self, seconds: float) -> None:
        """The pacing and backoff sleep of a run: cut short by a stop request."""
        if self.stop.wait(seconds):
            raise Interrupted("stop requested")

    def run_once(self) -> None:
        if self.stop.is_set():
            return
        try:
            # Loaded again for every run, so edits to the config apply from the next run on.
            tracker = Tracker.from_config(self.options.config_path)
            report = tracker.run(sleep=self.sleep, should_stop=self.stop.is_set,
                                 lock_wait=self.options.lock_wait)
        except TrackerError as error:
            log.error(f"run failed: {error}")
        else:
            if report.interrupted:
                log.info("run stopped early: the keywords fetched so far were saved")
            elif self.commit and (report.store_changed or report.readme_changed
                                  or any(report.written.values())):
                git_publish(tracker.config.root, tracker.output_paths(),
                            f"Update papers: {report.today}",
                            self.push)
        self.log_next_run()
    def log_next_run(self) -> None:
        # From the trigger, not the scheduler: asking the scheduler from inside the job
        # can deadlock with a shutdown that waits for the job.
        now = datetime.now(ZoneInfo(self.timezone))
        upcoming = self.trigger.get_next_fire_time(None, now)
        while upcoming is not None and upcoming <= now:
            upcoming = self.trigger.get_next_fire_time(upcoming, now)
        if upcoming is not None and not self.stop.is_set():
            log.info(f"next run at {upcoming:%Y-%m-%d %H:%M:%S %Z}")

    def request_stop(self, signum: int, frame: object) -> None:
        log.info(f"{signal.Signals(signum).name} received: stopping after the current request")
        self.stop.set()

    def serve(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        self.scheduler.start()
        when = f"every {self.options.every:g} s" if self.options.every else (
            f"on cron '{self.cron}' ({self.timezone})")
        extra = " then git commit" + (" and push" if self.push else "") if self.commit else ""
        log.info(f"tracker schedule: `tracker run`{extra} {when}; Ctrl-C to stop")
        self.log_next_run()
        while not self.stop.wait(1.0):
            pass
        self.scheduler.shutdown(wait=True)  # lets a run in progress save and finish
        log.info("stopped")
        return 0


def serve(options: ScheduleOptions) -> int:
    return Service(options).serve()
