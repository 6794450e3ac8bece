"""The daily digest end to end: the real ``tracker`` command against a fake feed and translator.

Both samples in ``tests/fixtures/digest`` are real digests; the feed and the
translator's canned answers are rebuilt from them, and the command must
write them back byte for byte.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_digest import (
    FakeFeed,
    FakeTranslator,
    Fault,
    canned_answers,
    papers_of_digest,
    rss_feed,
)

FIXTURES = Path(__file__).parent / "fixtures" / "digest"
ENGLISH = (FIXTURES / "digest-sample.md").read_text(encoding="utf-8")
CHINESE = (FIXTURES / "digest-zh-sample.md").read_text(encoding="utf-8")
FAST = "arxiv: {delay: 0, backoff: 0.01, retries: 2}\n"
ALL_TYPES = "  announce_types: [new, cross, replace, replace-cross]\n"


@pytest.fixture
def feed() -> Iterator[FakeFeed]:
    with FakeFeed() as server:
        yield server


@pytest.fixture
def translator() -> Iterator[FakeTranslator]:
    with FakeTranslator() as server:
        yield server


def tracker(root: Path, feed: FakeFeed, *args: str, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TRACKER_"))}
    environment["TRACKER_RSS_URL"] = feed.url
    environment["TRACKER_ARXIV_URL"] = "http://127.0.0.1:9/api/query"  # never asked here
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "tracker", *args, "--today", "2025-06-03"],
                          cwd=root, capture_output=True, text=True, env=environment, timeout=60)


def write_config(root: Path, text: str) -> None:
    (root / "config").mkdir(exist_ok=True)
    (root / "config" / "keywords.yaml").write_text(text, encoding="utf-8")


def translated_config(translator: FakeTranslator, match: str = "all") -> str:
    return (FAST + "digest:\n  categories: [cs.CV, cs.MM]\n" + f"  match: {match}\n"
            "  translate:\n    language: zh\n"
            f"    base_url: {translator.url}/v1\n    model: fake-model\n"
            "    api_key_env: TRACKER_TRANSLATE_KEY\n")


def test_english_sample_byte_for_byte(tmp_path, feed):
    feed.body = (FIXTURES / "announcements-8-items.xml").read_bytes()
    write_config(tmp_path, FAST + "digest:\n  categories: [cs.IR, cs.MM]\n  match: all\n"
                 + ALL_TYPES)
    done = tracker(tmp_path, feed, "digest")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "digests" / "2025-04-09.md").read_text(encoding="utf-8") == ENGLISH
    assert [r["path"] for r in feed.requests] == ["/rss/cs.IR+cs.MM"]
    kept = json.loads((tmp_path / "data" / "digests.json").read_text(encoding="utf-8"))
    assert [d["date"] for d in kept["digests"]] == ["2025-04-09"]
    assert len(kept["digests"][0]["papers"]) == 8


def test_translated_sample_byte_for_byte_and_rerun_makes_no_request(tmp_path, feed,
                                                                     translator):
    papers = papers_of_digest(CHINESE)
    feed.body = rss_feed(papers)
    translator.answers = canned_answers(papers)
    write_config(tmp_path, translated_config(translator))
    done = tracker(tmp_path, feed, "digest", env={"TRACKER_TRANSLATE_KEY": "sk-secret-123"})
    assert done.returncode == 0, done.stderr
    path = tmp_path / "digests" / "2025-06-03.md"
    assert path.read_bytes() == CHINESE.encode("utf-8")
    assert len(translator.requests) == 2 * len(papers)
    assert {r["authorization"] for r in translator.requests} == {"Bearer sk-secret-123"}
    assert "sk-secret-123" not in done.stderr + done.stdout
    for written in (tmp_path / "data").iterdir():
        assert "sk-secret-123" not in written.read_text(encoding="utf-8")

    again = tracker(tmp_path, feed, "digest", env={"TRACKER_TRANSLATE_KEY": "sk-secret-123"})
    assert again.returncode == 0, again.stderr
    assert len(translator.requests) == 2 * len(papers)  # every translation from the cache
    assert path.read_bytes() == CHINESE.encode("utf-8")
    assert "12 cached" in again.stderr


def test_weekend_feed_writes_nothing_and_succeeds(tmp_path, feed):
    feed.body = (FIXTURES / "announcements-weekend-empty.xml").read_bytes()
    write_config(tmp_path, FAST + "digest:\n  categories: [cs.IR, cs.MM]\n  match: all\n")
    done = tracker(tmp_path, feed, "digest")
    assert done.returncode == 0, done.stderr
    assert "arXiv announced nothing today (weekend or holiday)" in done.stderr
    assert not (tmp_path / "digests").exists()


def test_rejected_translation_leaves_the_line_out(tmp_path, feed, translator):
    papers = papers_of_digest(CHINESE)[:2]
    feed.body = rss_feed(papers)
    answers = canned_answers(papers)
    # The model answers the abstract of the first paper with its translated title.
    answers[papers[0]["abstract"]] = papers[0]["title_zh"]
    translator.answers = answers
    write_config(tmp_path, translated_config(translator))
    done = tracker(tmp_path, feed, "digest")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "digests" / "2025-06-03.md").read_text(encoding="utf-8")
    first, second = text.split("---\n")[:2]
    assert "**Title (ZH)**" in first and "**Abstract (ZH)**" not in first
    assert f"**Abstract**: {papers[0]['abstract']} \n\n---" in first + "---"
    assert f"**Abstract (ZH)**: {papers[1]['abstract_zh']} \n" in second
    assert "1 rejected" in done.stderr and "too short" in done.stderr


def test_throttled_translator_is_waited_for(tmp_path, feed, translator):
    papers = papers_of_digest(CHINESE)[:1]
    feed.body = rss_feed(papers)
    translator.answers = canned_answers(papers)
    translator.fail(Fault(429, retry_after="1"), Fault(503),
                    Fault(200, body=b"{not json", content_type="application/json"))
    write_config(tmp_path, translated_config(translator))
    done = tracker(tmp_path, feed, "digest")
    assert done.returncode == 0, done.stderr
    assert translator.sources()[:4] == [papers[0]["title"]] * 4
    text = (tmp_path / "digests" / "2025-06-03.md").read_text(encoding="utf-8")
    assert f"**Title (ZH)**: {papers[0]['title_zh']} \n" in text
    assert f"**Abstract (ZH)**: {papers[0]['abstract_zh']} \n" in text


def test_broken_feed_fails_the_digest_with_one_message(tmp_path, feed):
    feed.fail(*[Fault(200, body=b"<!DOCTYPE html><html>busy</html>", content_type="text/html")]
              * 3)
    write_config(tmp_path, FAST + "digest:\n  categories: [cs.CV]\n  match: all\n")
    done = tracker(tmp_path, feed, "digest")
    assert done.returncode == 1
    assert "an HTML page instead of an RSS feed" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(feed.requests) == 3
    assert not (tmp_path / "digests").exists()


RUN_CONFIG = """\
keywords:
  - Multimodal
arxiv: {delay: 0, backoff: 0.01, retries: 1}
repository: me/papers
issue: {body: digest}
digest:
  categories: [cs.IR, cs.MM]
"""


def test_run_writes_tables_and_digest_and_the_issue_carries_it(project, fake_arxiv, feed):
    from tests.conftest import entry
    from tracker.sources.query import build_query

    fake_arxiv.feeds = {build_query("Multimodal"): [entry("2506.00001v1",
                                                          "2025-04-08T10:00:00Z")]}
    feed.body = (FIXTURES / "announcements-8-items.xml").read_bytes()
    project.write_config(RUN_CONFIG)
    done = project.tracker("run", "--today", "2025-04-09", env={"TRACKER_RSS_URL": feed.url})
    assert done.code == 0, done.err
    assert "## Multimodal" in project.read("README.md")
    assert len(feed.requests) == 1
    digest = project.read("digests/2025-04-09.md")
    # match: keywords (the default), announce types new and cross (the default)
    titles = [line[2:-1] for line in digest.splitlines() if line.startswith("# ")]
    assert titles and all("ultimodal" in block for block in digest.split("---\n")[:-1])
    assert "Efficient Multi-Task Learning via Generalist Recommender" not in titles
    issue = project.read("build/issues/issue-1.md")
    assert issue.startswith(f"---\ntitle: arXiv digest - April 09, 2025 - {len(titles)} paper")
    assert issue.split("---\n", 2)[2] == digest


def test_a_broken_feed_fails_the_digest_only(project, fake_arxiv, feed):
    from tests.conftest import entry
    from tracker.sources.query import build_query

    fake_arxiv.feeds = {build_query("Multimodal"): [entry("2506.00001v1",
                                                          "2025-04-08T10:00:00Z")]}
    feed.body = b"<rss><channel><item><title>cut"
    project.write_config(RUN_CONFIG)
    done = project.tracker("run", "--today", "2025-04-09", env={"TRACKER_RSS_URL": feed.url})
    assert done.code == 1
    assert "digest: FAILED: announcement feed: arXiv sent broken XML" in done.err
    assert "2506.00001" in project.read("README.md")
    assert project.store()["keywords"]["Multimodal"]["papers"]
    assert "| **Title** |" in project.read("build/issues/issue-1.md")  # the table instead
    assert not (project.root / "digests").exists()


def test_the_digest_benchmark_runs_and_counts_one_feed_request(capsys):
    from bench.digest import main

    assert main(["--items", "50", "--keywords", "5", "--repeat", "1", "--run-keywords", "2"]) == 0
    table = capsys.readouterr().out
    assert "| feed requests of one `tracker run` (2 keywords, 3 categories) | 1 | 1 |" in table
    assert "| API requests of that run | 2 |" in table
