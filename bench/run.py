"""The tracker's performance benchmark: one command, from a checkout with the tracker's
dependencies installed (``python -m pip install -e .``)::

    python bench/run.py                       # the full benchmark, about 5 minutes
    python bench/run.py --keywords 4 --paced none --output /tmp/bench.md

It runs the real ``tracker`` command against the fake arXiv of ``tests/fake_arxiv.py``
on 127.0.0.1 and prints markdown tables; ``docs/performance.md`` explains them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench`, `tests` and `tracker` importable
    sys.path.insert(0, str(ROOT))

from bench.fetching import Settings, run_days  # noqa: E402
from bench.local import render_timing, startup_timings, store_timing  # noqa: E402
from bench.proc import BenchError, store_size, warm_up  # noqa: E402
from bench.report import Results, as_json, markdown  # noqa: E402


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {number}")
    return number


def _counts(value: str) -> list[int]:
    """``4,20,100``; ``none`` (or nothing) for no runs."""
    if value.strip().lower() in ("", "none"):
        return []
    return [_positive(part) for part in value.split(",")]


def _range(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW-HIGH like 1-5, got {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Benchmark the tracker: what it asks of arXiv, how close its runs come "
                    "to the pacing floor, and how fast its local work is.")
    parser.add_argument("--keywords", type=_counts, default=[4, 20, 100], metavar="K,K,...",
                        help="keyword counts of the daily runs (default: 4,20,100)")
    parser.add_argument("--papers", type=_positive, default=100, metavar="N",
                        help="max_papers: what a full fetch asks for per keyword (default: 100)")
    parser.add_argument("--latency", type=float, default=0.25, metavar="SECONDS",
                        help="how long the fake arXiv takes to answer (default: 0.25)")
    parser.add_argument("--delay", type=float, default=0.05, metavar="SECONDS",
                        help="arxiv.delay of the loopback runs (default: 0.05)")
    parser.add_argument("--new", type=_range, default=(1, 5), metavar="LOW-HIGH",
                        help="new papers per keyword on day 3 (default: 1-5)")
    parser.add_argument("--paced", type=_counts, default=[4], metavar="K,...",
                        help="also run these keyword counts with the real delay, to check the "
                             "computed arXiv-paced times ('none' to skip; default: 4)")
    parser.add_argument("--paced-delay", type=float, default=3.0, metavar="SECONDS",
                        help="the delay of those runs (default: 3, arXiv's)")
    parser.add_argument("--render", type=store_size, default=(100, 100), metavar="KxN",
                        help="store size for `tracker render` and the store timing "
                             "(default: 100x100)")
    parser.add_argument("--repeat", type=_positive, default=7, metavar="TIMES",
                        help="repetitions of the local timings; the median is shown "
                             "(default: 7)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic data")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="also write the tables to this markdown file")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write every measurement to this JSON file")
    return parser


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def collect(args: argparse.Namespace) -> Results:
    settings = Settings(papers=args.papers, latency=args.latency, delay=args.delay,
                        new_per_keyword=args.new, seed=args.seed)
    results = Results(settings=settings, keywords=args.keywords)
    warm_up()
    for keywords in args.keywords:
        for incremental in (True, False):
            started = time.monotonic()
            results.runs += run_days(keywords, settings, incremental=incremental)
            _note(f"K={keywords}, {'incremental' if incremental else 'full'} fetch: "
                  f"3 days in {time.monotonic() - started:.1f} s")
    for keywords in args.paced:
        started = time.monotonic()
        paced = run_days(keywords, settings, incremental=True, delay=args.paced_delay)
        loopback = [run for run in results.runs if run.keywords == keywords and run.incremental]
        if not loopback:
            loopback = run_days(keywords, settings, incremental=True)
        results.paced += list(zip(paced, loopback, strict=True))
        _note(f"K={keywords} at {args.paced_delay:g} s: {time.monotonic() - started:.1f} s")
    keywords, papers = args.render
    results.render = render_timing(keywords, papers, settings, args.repeat)
    results.startup = startup_timings(args.repeat)
    results.store = store_timing(keywords, papers, settings, args.repeat)
    _note("local timings done")
    return results


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = shlex.join(["python", "bench/run.py", *(sys.argv[1:] if argv is None else argv)])
    try:
        results = collect(args)
    except BenchError as error:
        _note(f"benchmark failed: {error}")
        return 1
    text = markdown(results, command, args.repeat)
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(as_json(results), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
