"""Timing the steps of the tracker's local work in a fresh process, with its own functions.

    python -m bench.steps render TIMES DAY                  # in a tracker project folder
    python -m bench.steps store TIMES KEYWORDS PAPERS SEED  # in an empty folder

print a JSON object: ``walls``, the seconds of each repetition, and
``steps``, the median seconds of each step. ``render`` times what
``tracker render`` does after start-up (``Tracker.run`` without fetching):
read the store, render the README and the issue files, write the issue files,
compare the README with the file. ``store`` times what a run does with the
store: read it, merge a day's news into every keyword, write it (keeping the
backup and fsyncing, as ``save_store`` does).

A fresh process, because the benchmark's own heap of test data would slow
down the garbage collector and with it every step.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from bench.data import CATEGORIES, Corpus, build_store, run_day
from tracker.api import render_outputs
from tracker.config import Config, load_config
from tracker.merge import record_after_fetch
from tracker.models import Paper, Store
from tracker.outputs.files import write_if_changed, write_issues
from tracker.sources.query import build_query
from tracker.store import load_store, save_store

Steps = list[tuple[str, float]]


def render_round(config: Config, today: str) -> Steps:
    started = time.perf_counter()
    store = load_store(config.paths.store)
    loaded = time.perf_counter()
    outputs = render_outputs(config, store, today, None)
    rendered = time.perf_counter()
    write_issues(config.paths.issues, outputs.issues)
    written = time.perf_counter()
    changed = write_if_changed(config.paths.readme, outputs.readme)
    compared = time.perf_counter()
    if changed:
        raise SystemExit("the README changed between two renders of the same store")
    return [("read store", loaded - started), ("render README and issues", rendered - loaded),
            ("write issue files", written - rendered), ("compare README", compared - written)]


def merge_news(store: Store, news: dict[str, list[Paper]], limit: int) -> Store:
    """``store`` after a day that brought ``news`` to its keywords, merged as a run merges."""
    keywords = dict(store.keywords)
    for name, papers in news.items():
        keywords[name], _ = record_after_fetch(
            keywords[name], papers, query=build_query(name), categories=CATEGORIES, exclude=(),
            limit=limit, today=run_day(3))
    return Store(keywords=keywords, last_change=run_day(3))


def store_round(path: Path, news: dict[str, list[Paper]], limit: int) -> Steps:
    original = path.read_bytes()
    started = time.perf_counter()
    store = load_store(path)
    loaded = time.perf_counter()
    merged = merge_news(store, news, limit)
    done = time.perf_counter()
    save_store(path, merged)
    saved = time.perf_counter()
    path.write_bytes(original)  # the next round merges the same news into the same store
    return [("read", loaded - started), ("merge", done - loaded), ("write", saved - done)]


def _store_rounds(repeat: int, keywords: int, papers: int, seed: int) -> list[Steps]:
    names, store = build_store(keywords, papers, seed)
    corpus = Corpus(seed + 7)
    for name in names:
        corpus.add_keyword(name, 5)
    news = {name: [entry.as_paper(run_day(3)) for entry in corpus.feeds[name]]
            for name in names}
    path = Path("papers.json")
    save_store(path, store)
    del store  # measured as a run holds it: read from the file
    return [store_round(path, news, papers) for _ in range(repeat)]


def main(argv: list[str]) -> int:
    command, repeat = argv[0], int(argv[1])
    if command == "render":
        config = load_config(Path("config/keywords.yaml"))
        rounds = [render_round(config, argv[2]) for _ in range(repeat)]
    elif command == "store":
        keywords, papers, seed = (int(value) for value in argv[2:5])
        rounds = _store_rounds(repeat, keywords, papers, seed)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    steps = {name: statistics.median(steps[i][1] for steps in rounds)
             for i, (name, _) in enumerate(rounds[0])}
    walls = [sum(seconds for _, seconds in steps) for steps in rounds]
    print(json.dumps({"walls": walls, "steps": steps}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
