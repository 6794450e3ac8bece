"""Crashes and concurrency: SIGKILL at random moments, and two runs at once.

The kill test is bounded and repeatable: a fixed seed chooses the moments,
half of them at random over a whole run and half the instant the run's
temporary store file appears (the moment a torn write would happen). The
everyday suite kills 20 runs; ``TRACKER_CRASH_KILLS`` asks for more.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Project, entry
from tracker.api import render_outputs
from tracker.config import load_config
from tracker.sources.query import build_query
from tracker.store import load_store

KEYWORDS = ["Alpha", "Beta", "Gamma"]
CONFIG = ("keywords: [Alpha, Beta, Gamma]\nrepository: me/papers\narxiv: {delay: 0}\n"
          "max_papers: 500\n")  # nothing is trimmed: every paper must stay
KILLS = int(os.environ.get("TRACKER_CRASH_KILLS", "20"))
"""SIGKILLs of the kill test: 20 in the everyday suite, as many as asked for a deeper run
(``TRACKER_CRASH_KILLS=200``); the moments come from a fixed seed either way."""


def feeds_for(day: int) -> dict[str, list[dict[str, object]]]:
    """Each day brings 20 new papers per keyword, with long abstracts (a store of megabytes)."""
    abstract = "A long abstract. " * 150
    return {
        build_query(name): [
            entry(f"26{day:02d}.{k}{i:04d}v1", f"2026-{day:02d}-01T{23 - i % 24:02d}:"
                  f"{59 - i // 24:02d}:00Z", summary=abstract, comment="12 pages, 3 figures")
            for i in range(20)
        ] + [entry(f"26{d:02d}.{k}{i:04d}v1", f"2026-{d:02d}-01T{23 - i % 24:02d}:"
                   f"{59 - i // 24:02d}:00Z", summary=abstract) for d in range(1, day)
             for i in range(20)][:80]
        for k, name in enumerate(KEYWORDS)
    }


def environment(project: Project) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER_"))}
    env["TRACKER_ARXIV_URL"] = project.endpoint
    return env


def contents(project: Project) -> dict[tuple[str, str], int]:
    """(keyword, paper id) -> version, of the store on disk."""
    store = load_store(project.root / "data" / "papers.json")
    return {(name, paper.id): paper.version for name, record in store.keywords.items()
            for paper in record.papers}


def start_run(project: Project, today: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "tracker", "run", "--today", today, "-q"],
                            cwd=project.root, env=environment(project),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_when_writing(process: subprocess.Popen[bytes], folder: Path, limit: float) -> bool:
    """SIGKILL the run the instant a temporary file appears beside the store (or after
    ``limit``); returns whether it was writing then."""
    deadline = time.monotonic() + limit
    writing = False
    while time.monotonic() < deadline and process.poll() is None:
        if any(name.endswith(".tmp") for name in os.listdir(folder)):
            writing = True
            break
        time.sleep(0.0002)
    process.send_signal(signal.SIGKILL)
    return writing


def test_sigkill_at_random_moments_never_loses_or_tears(project: Project, fake_arxiv,
                                                       monkeypatch):
    monkeypatch.chdir(project.root)  # the config's paths are relative to the project
    project.write_config(CONFIG)
    fake_arxiv.latency = 0.02
    fake_arxiv.feeds = feeds_for(1)
    assert project.tracker("run", "--today", "2026-01-02").code == 0
    fake_arxiv.feeds = feeds_for(2)
    started = time.monotonic()
    assert project.tracker("run", "--today", "2026-02-02", subprocess=True).code == 0
    run_time = time.monotonic() - started  # a run with news, as a process: start-up to exit
    config_path = project.root / "config" / "keywords.yaml"
    rng = random.Random(20260823)
    data = project.root / "data"
    outcomes = {"killed while writing": 0, "killed, nothing saved": 0, "killed, store saved": 0,
                "finished": 0}
    for attempt in range(KILLS):
        month = min(3 + attempt // 3, 12)  # new papers every third attempt
        fake_arxiv.feeds = feeds_for(month)
        today = f"2026-{month:02d}-02"
        before, readme_before = contents(project), project.read("README.md")
        process = start_run(project, today)
        writing = False
        if attempt % 2:
            writing = kill_when_writing(process, data, limit=run_time * 2)
        else:
            time.sleep(rng.uniform(0, run_time * 1.3))
            process.send_signal(signal.SIGKILL)
        code = process.wait(30)
        after = contents(project)  # the store loads: never torn
        for key, version in before.items():
            assert after.get(key, 0) >= version, (attempt, key)
        readme = project.read("README.md")
        if readme != readme_before:  # then it is exactly the new one, from the saved store
            config = load_config(config_path, {})
            store = load_store(data / "papers.json")
            assert readme == render_outputs(config, store, today, None).readme, attempt
        outcome = ("finished" if code == 0 else "killed while writing" if writing else
                   "killed, store saved" if after != before else "killed, nothing saved")
        outcomes[outcome] += 1
    assert project.tracker("run", "--today", "2026-12-31").code == 0
    assert not [name for name in os.listdir(data) if name.endswith(".tmp")]
    # The moments covered both sides of the store's replacement, and the write itself.
    assert outcomes["killed while writing"] and outcomes["killed, nothing saved"], outcomes
    assert outcomes["killed, store saved"] + outcomes["finished"], outcomes


def test_a_second_run_waits_for_the_lock_or_says_why_not(project: Project, fake_arxiv):
    project.write_config(CONFIG)
    fake_arxiv.feeds = feeds_for(1)
    fake_arxiv.latency = 0.5  # the first run takes about a second and a half
    first = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--today", "2026-01-02"],
                             cwd=project.root, env=environment(project),
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not fake_arxiv.requests and time.monotonic() < deadline:
        time.sleep(0.05)  # the first run holds the lock once it asks arXiv
    impatient = project.tracker("run", "--today", "2026-01-02", "--wait", "0")
    assert impatient.code == 3
    assert impatient.err.startswith("error: another tracker run is using data/papers.json")
    patient = project.tracker("run", "--today", "2026-01-02", "--wait", "60")
    assert first.wait(60) == 0
    assert patient.code == 0, patient.err
    assert "0 new and 0 revised" in patient.err  # it ran after the first one, on its store
    assert len(contents(project)) == 3 * 20
