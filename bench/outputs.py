"""Timing of the optional outputs: the Atom feeds and the e-mail, in-process::

    python bench/outputs.py                        # 100 keywords x 100 papers, 5 repeats
    python bench/outputs.py --keywords 10 --papers 20 --repeat 1

Feeds: ``tracker.outputs.feeds.write`` on a store of that size, once into an
empty folder (every file written) and once more on the same store (every feed
built and compared, none written). E-mail: the message for that many keywords
with ``--mail-papers`` new papers each, built and sent to an SMTP server on
127.0.0.1 (``tests/smtp_server.py``, STARTTLS and a login), counting the SMTP
sessions. Prints a markdown table; needs the test extra (``pip install -e ".[test]"``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench`, `tests` and `tracker` importable
    sys.path.insert(0, str(ROOT))

from bench.data import build_store  # noqa: E402
from tests.smtp_server import SmtpServer  # noqa: E402
from tracker.config import Config, EmailSettings, FeedSettings, Keyword, Paths  # noqa: E402
from tracker.outputs import RunNews, email, feeds  # noqa: E402

FEEDS_TARGET = 1.0
"""Seconds for the feeds of 100 keywords x 100 papers (the issue's target)."""


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``action`` over ``repeat`` runs, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def bench_feeds(keywords: int, papers: int, repeat: int, folder: Path) -> list[str]:
    names, store = build_store(keywords, papers, seed=7)
    config = Config(keywords=tuple(Keyword(name) for name in names),
                    feeds=FeedSettings(path=folder / "feeds"),
                    paths=Paths(readme=folder / "README.md"))
    news = RunNews(today="2026-08-21")
    rows = []

    def first() -> list[Path]:
        for old in (folder / "feeds").glob("*.xml"):
            old.unlink()
        return feeds.write(config, store, news)

    wall, cpu, written = timed(first, repeat)
    size = sum(path.stat().st_size for path in (folder / "feeds").glob("*.xml"))
    rows.append(f"| feeds, {keywords} x {papers}, into an empty folder | {wall:.3f} | {cpu:.3f} "
                f"| {len(written)} files, {size / 1e6:.1f} MB |")  # type: ignore[arg-type]
    wall, cpu, written = timed(lambda: feeds.write(config, store, news), repeat)
    rows.append(f"| feeds, {keywords} x {papers}, unchanged store | {wall:.3f} | {cpu:.3f} "
                f"| {len(written)} files written |")  # type: ignore[arg-type]
    return rows


def bench_email(keywords: int, per_keyword: int, repeat: int, folder: Path) -> list[str]:
    names, store = build_store(keywords, per_keyword, seed=11)
    news = RunNews(today="2026-08-21",
                   new_papers={name: store.keywords[name].papers for name in names})
    with SmtpServer(folder, security="starttls", login=("reader", "pw")) as server:
        settings = EmailSettings(host="127.0.0.1", port=server.port, security="starttls",
                                 sender="papers@example.org",
                                 to=("one@example.org", "two@example.org", "three@example.org"))
        config = Config(keywords=tuple(Keyword(name) for name in names), email=settings)
        env = {"TRACKER_SMTP_USER": "reader", "TRACKER_SMTP_PASSWORD": "pw",
               "TRACKER_SMTP_CA_FILE": str(server.ca_file)}
        with mock.patch.dict(os.environ, env):  # where a run reads the secrets from
            wall, cpu, _ = timed(lambda: email.write(config, store, news), repeat)
        sessions, sent = server.recorder.sessions, len(server.messages)
        size = len(server.messages[-1].message.as_bytes())
    return [f"| e-mail, {keywords} keywords x {per_keyword} papers, 3 recipients, STARTTLS "
            f"| {wall:.3f} | {cpu:.3f} | {sent} mails in {sessions} SMTP sessions, "
            f"{size / 1e3:.0f} kB each |"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--papers", type=int, default=100)
    parser.add_argument("--mail-papers", type=int, default=15,
                        help="new papers per keyword in the mail (default: 15, a notification)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        rows = bench_feeds(args.keywords, args.papers, args.repeat, folder)
        rows += bench_email(args.keywords, args.mail_papers, args.repeat, folder)
    print("| what | wall s (median) | CPU s (median) | result |")
    print("| --- | ---: | ---: | --- |")
    print("\n".join(rows))
    if (args.keywords, args.papers) == (100, 100):
        print(f"\nFeeds target: {FEEDS_TARGET:g} s for 100 x 100.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
