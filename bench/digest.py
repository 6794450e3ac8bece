"""The daily digest's benchmark: requests a run asks of the feed, and the matching time::

    python bench/digest.py                              # 2,000 items x 100 keywords
    python bench/digest.py --items 200 --keywords 10 --repeat 3

Requests: the real ``tracker run`` (keywords and digest) against the fake arXiv and a
fake announcement feed on 127.0.0.1, counting what each one was asked. Matching:
``tracker.matching.select_announcements`` in-process on synthetic announcements (titles
and abstracts of arXiv's length, a vocabulary of 20,000 words) and keywords of two to
three words with two synonyms and an exclusion each; the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fake_arxiv import FakeArxiv  # noqa: E402
from tests.fake_digest import FakeFeed, rss_feed  # noqa: E402
from tracker.config import Keyword  # noqa: E402
from tracker.matching import select_announcements  # noqa: E402
from tracker.models import Announcement  # noqa: E402

VOCABULARY = 20_000


def _words(rng: random.Random, count: int) -> str:
    return " ".join(f"w{rng.randrange(VOCABULARY)}" for _ in range(count))


def announcements(count: int, seed: int = 1) -> list[Announcement]:
    """``count`` announcements: 12-word titles, 220-word abstracts (about arXiv's lengths)."""
    rng = random.Random(seed)
    return [Announcement(id=f"2506.{n:05d}", version=1, title=_words(rng, 12),
                         authors=("A. Author",), abstract=_words(rng, 220),
                         categories=("cs.CV",), announce_type="new",
                         link=f"https://arxiv.org/abs/2506.{n:05d}") for n in range(count)]


def keywords(count: int, seed: int = 2) -> list[Keyword]:
    """Keywords of 2-3 words, two synonyms (one hyphenated) and one exclusion each."""
    rng = random.Random(seed)
    return [Keyword(f"k{n} {_words(rng, rng.choice((1, 2)))}",
                    synonyms=(_words(rng, 1), f"{_words(rng, 1)}-{_words(rng, 1)}"),
                    exclude=(_words(rng, 2),)) for n in range(count)]


def matching_seconds(items: int, count: int, repeat: int) -> tuple[float, int]:
    """Median seconds to match ``items`` announcements against ``count`` keywords."""
    feed, wanted = announcements(items), keywords(count)
    times, selected = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        selected = len(select_announcements(feed, wanted, announce_types=["new"],
                                            match_all=False))
        times.append(time.perf_counter() - started)
    return statistics.median(times), selected


def run_requests(items: int, count: int) -> dict[str, int]:
    """One ``tracker run`` with ``count`` keywords and a digest of ``items``: requests made."""
    papers = [{"id": a.id, "title": a.title, "authors": list(a.authors), "abstract": a.abstract}
              for a in announcements(items)]
    with FakeArxiv() as arxiv, FakeFeed(rss_feed(papers)) as feed, \
            tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "config").mkdir()
        names = "".join(f"  - k{n}\n" for n in range(count))
        (root / "config" / "keywords.yaml").write_text(
            f"keywords:\n{names}arxiv: {{delay: 0}}\nrepository: me/p\n"
            "digest: {categories: [cs.CV, cs.MM, cs.LG], match: all}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "GITHUB_"))}
        env.update(TRACKER_ARXIV_URL=arxiv.url, TRACKER_RSS_URL=feed.url)
        done = subprocess.run([sys.executable, "-m", "tracker", "run", "--today", "2025-06-03",
                               "-q"], cwd=root, env=env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise SystemExit(f"tracker run failed: {done.stderr}")
        return {"feed_requests": len(feed.requests), "api_requests": len(arxiv.requests),
                "keywords": count}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--run-keywords", type=int, default=5,
                        help="keywords of the end-to-end run that counts requests (default 5)")
    args = parser.parse_args(argv)
    seconds, selected = matching_seconds(args.items, args.keywords, args.repeat)
    counts = run_requests(args.items, args.run_keywords)
    print("| measure | value | target |\n| --- | --- | --- |")
    print(f"| matching {args.items} items x {args.keywords} keywords (median of "
          f"{args.repeat}) | {seconds:.3f} s ({selected} selected) | under 0.5 s |")
    print(f"| feed requests of one `tracker run` ({counts['keywords']} keywords, 3 categories) "
          f"| {counts['feed_requests']} | 1 |")
    print(f"| API requests of that run | {counts['api_requests']} | one a keyword |")
    return 0 if counts["feed_requests"] == 1 and seconds < 0.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
