"""How long ``tracker site`` takes on a large store: the issue's target is 5 s for 100 x 100.

    python bench/site.py                      # 100 keywords x 100 papers, 3 runs each
    python bench/site.py --size 10x20 --repeat 1

It generates a store with ``bench.data`` (every paper first seen on one day,
so the day page and the search index hold all of them, the heaviest case),
then runs the real command in a subprocess (interpreter start included):
first into an empty folder (every file written), then again on the same
store (every file compared, none written). It prints one markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench` and `tracker` importable
    sys.path.insert(0, str(ROOT))

from bench.data import build_store  # noqa: E402
from bench.fetching import Settings, write_project  # noqa: E402
from bench.proc import (  # noqa: E402
    checked,
    largest,
    median,
    run_measured,
    store_size,
    tracker_command,
    tracker_env,
    warm_up,
)
from tracker.store import save_store  # noqa: E402

SITE_TARGET = 5.0
"""Seconds the issue allows for the site of 100 keywords x 100 papers, search index included."""


def measure(keywords: int, papers: int, repeat: int, seed: int = 1) -> list[tuple[str, str]]:
    """Rows of the report: (what, figure)."""
    names, store = build_store(keywords, papers, seed)
    with tempfile.TemporaryDirectory(prefix="tracker-bench-site-") as folder:
        root = Path(folder)
        write_project(root, names, Settings(papers=papers), incremental=True, delay=0.0)
        with open(root / "config" / "keywords.yaml", "a", encoding="utf-8") as config:
            config.write("site:\n  path: site\n")
        save_store(root / "data" / "papers.json", store)
        del store
        command, env = tracker_command("site"), tracker_env()
        fresh, again = [], []
        for _ in range(repeat):
            if (root / "site").exists():
                for path in sorted((root / "site").rglob("*"), reverse=True):
                    path.rmdir() if path.is_dir() else path.unlink()
            fresh.append(checked(run_measured(command, root, env), "tracker site"))
            again.append(checked(run_measured(command, root, env), "tracker site (unchanged)"))
        files = [path for path in (root / "site").rglob("*") if path.is_file()]
        size = sum(path.stat().st_size for path in files)
        index = (root / "site" / "search.json").stat().st_size
    wall = median([run.wall for run in fresh])
    verdict = "met" if wall < SITE_TARGET else "**missed**"
    peak = largest([run.peak_rss for run in fresh])
    return [
        ("store", f"{keywords} keywords x {papers} papers, all first seen on one day"),
        ("`tracker site`, empty folder (median)",
         f"{wall:.2f} s (target {SITE_TARGET:.0f} s: {verdict})"),
        ("`tracker site`, nothing changed (median)",
         f"{median([run.wall for run in again]):.2f} s"),
        ("peak memory", "n/a" if peak is None else f"{peak / 1e6:.0f} MB"),
        ("files", f"{len(files)}, {size / 1e6:.1f} MB (search.json {index / 1e6:.1f} MB)"),
        ("runs", f"{repeat} of each"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/site.py",
                                     description="Time `tracker site` on a generated store.")
    parser.add_argument("--size", type=store_size, default=(100, 100), metavar="KxN",
                        help="keywords x papers of the store (default: 100x100)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="runs of each kind (default: 3)")
    args = parser.parse_args(argv)
    warm_up()
    rows = measure(*args.size, max(1, args.repeat))
    print("| site build | |\n| --- | --- |")
    for what, figure in rows:
        print(f"| {what} | {figure} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
