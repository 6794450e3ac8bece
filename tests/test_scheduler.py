"""``tracker schedule``: the real command in a subprocess with a one-second trigger."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import Project, entry
from tracker.api import Tracker
from tracker.errors import ConfigError
from tracker.scheduler import ScheduleOptions, Service, build_scheduler, make_trigger
from tracker.sources.query import build_query

CONFIG = "keywords: [Alpha, Beta, Gamma]\narxiv: {delay: 0}\nrepository: me/papers\n"


class Scheduler:
    """``tracker schedule`` running in the background; its log lines arrive in a queue."""

    def __init__(self, project: Project, *args: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER_"))}
        env["TRACKER_ARXIV_URL"] = project.endpoint
        self.process = subprocess.Popen([sys.executable, "-m", "tracker", "schedule", *args],
                                        cwd=project.root, env=env, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        self.stop()
        pytest.fail(f"no line with {text!r} in {timeout} s; saw: {self.seen}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


def serve(fake, latency: float = 0.0) -> None:
    fake.latency = latency
    fake.feeds = {build_query(name): [entry(f"2608.0{i}00{j}v1", f"2026-08-19T1{j}:00:00Z")
                                      for j in range(2)]
                  for i, name in enumerate(["Alpha", "Beta", "Gamma"])}


def test_runs_on_its_trigger_logs_the_next_run_and_stops_cleanly(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    scheduler = Scheduler(project, "--every", "1")
    assert "every 1 s" in scheduler.wait_for("tracker schedule:")
    scheduler.wait_for("next run at")
    scheduler.wait_for("3 keywords: 3 fetched; 6 new")
    scheduler.wait_for("3 keywords: 3 fetched; 0 new")  # the second run: nothing new
    assert scheduler.stop(signal.SIGINT) == 0
    assert scheduler.seen[-1] == "stopped"
    assert len(project.store()["keywords"]) == 3
    assert "## Gamma" in project.read("README.md")


def test_stop_during_a_run_saves_what_was_fetched_and_leaves_no_torn_store(project: Project,
                                                                           fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv, latency=1.0)  # each request takes a second
    scheduler = Scheduler(project, "--every", "60", "--now")
    scheduler.wait_for("Alpha: 2 received")
    started = time.monotonic()
    assert scheduler.stop() == 0
    assert time.monotonic() - started < 10
    assert any("run stopped early" in line for line in scheduler.seen)
    store = project.store()  # loads: complete JSON
    assert "Alpha" in store["keywords"] and "Gamma" not in store["keywords"]
    assert [p.name for p in (project.root / "data").iterdir() if p.suffix == ".tmp"] == []


def test_commit_after_a_run_that_changed_something(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    serve(fake_arxiv)
    for args in (["init", "--quiet"], ["config", "user.name", "T"],
                 ["config", "user.email", "t@example.org"]):
        subprocess.run(["git", *args], cwd=project.root, check=True)
    (project.root / ".env").write_text("TRACKER_SMTP_PASSWORD=secret\n")
    scheduler = Scheduler(project, "--every", "60", "--now", "--push")
    scheduler.wait_for("committed: Update papers: ")
    scheduler.wait_for("next run at")
    assert scheduler.stop() == 0
    files = subprocess.run(["git", "show", "--name-only", "--format=", "HEAD"], cwd=project.root,
                           capture_output=True, text=True, check=True).stdout.split()
    # Only the tracker's outputs: never the config, and never a secret lying beside it.
    assert set(files) == {"README.md", "data/papers.json"}
    assert any("git push failed" in line for line in scheduler.seen)  # --push implied --commit
    assert json.loads((project.root / "data" / "papers.json").read_text())["schema"] >= 1


def test_job_is_coalesced_single_and_never_dropped():
    trigger = make_trigger("0 3 * * 1-5", None, "Europe/Berlin")
    scheduler = build_scheduler(lambda: None, trigger, "Europe/Berlin")
    (job,) = scheduler.get_jobs()
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
    assert str(job.trigger.timezone) == "Europe/Berlin"


def test_bad_cron_is_a_config_error():
    with pytest.raises(ConfigError, match=re.escape("schedule.cron: '61 * * * *' is not a valid")):
        make_trigger("61 * * * *", None, "UTC")


def test_bad_cron_on_the_command_line_exits_2(project: Project):
    project.write_config(CONFIG)
    result = project.tracker("schedule", "--cron", "every day")
    assert result.code == 2 and "is not a valid cron expression" in result.err
    assert Path(project.root / "data").exists() is False


def test_schedule_and_run_write_the_same_readme_and_issue(project: Project, fake_arxiv,
                                                           tmp_path: Path, monkeypatch):
    """Both entry points go through ``Tracker``: same config fallbacks, same date, same files."""
    serve(fake_arxiv)
    config = CONFIG.replace("repository: me/papers\n", "")  # the git-origin fallback applies
    project.write_config(config)
    for args in (["init", "--quiet"], ["remote", "add", "origin", "git@github.com:me/papers.git"]):
        subprocess.run(["git", *args], cwd=project.root, check=True)
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("TRACKER_ARXIV_URL", project.endpoint)
    Service(ScheduleOptions(config_path=Path("config/keywords.yaml"))).run_once()
    scheduled_readme = project.read("README.md")
    scheduled_issue = project.read("build/issues/issue-1.md")
    assert "(https://github.com/me/papers)" in scheduled_issue

    other = Project(tmp_path / "other", project.endpoint)
    other.write_config(config)
    for args in (["init", "--quiet"], ["remote", "add", "origin", "git@github.com:me/papers.git"]):
        subprocess.run(["git", *args], cwd=other.root, check=True)
    today = Tracker.from_config(other.root / "config" / "keywords.yaml").today()
    assert other.tracker("run", "--today", today).code == 0
    assert other.read("README.md") == scheduled_readme
    assert other.read("build/issues/issue-1.md") == scheduled_issue


def test_library_warnings_show_only_with_verbose():
    import logging

    from tracker.logs import configure_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging()
        assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.WARNING)
        assert logging.getLogger("tracker").isEnabledFor(logging.INFO)
        configure_logging(verbose=True)
        assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
        assert logging.getLogger("tracker").isEnabledFor(logging.DEBUG)
    finally:
        root.handlers[:], root.level = saved
