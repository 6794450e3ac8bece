"""The digest file and the kept recent digests: format, dates, determinism."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tracker.errors import OutputError
from tracker.models import Announcement, Digest
from tracker.outputs.digest import (
    digest_path,
    digests_from_json,
    digests_to_json,
    recent,
    render_digest,
)
from tracker.outputs.readme import environment
from tracker.sources.announcements import parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "digest"


def item(**fields: object) -> Announcement:
    base = {"id": "2506.00001", "version": 2, "title": "A | <b>title</b> with $x_1$",
            "authors": ("Ann One", "Bo Two"), "abstract": "Line one *not* escaped.\nLine two.",
            "categories": ("cs.CV",), "announce_type": "new",
            "link": "https://arxiv.org/abs/2506.00001v2"}
    return Announcement(**{**base, **fields})  # type: ignore[arg-type]


def test_one_block_a_paper_exactly_as_the_format_says():
    text = render_digest(environment(None), Digest("2025-06-03", (item(),)))
    assert text == (
        "# A | <b>title</b> with $x_1$ \n\n"
        "**Authors**: Ann One, Bo Two  \n\n"
        "**Link**: [PDF](https://arxiv.org/pdf/2506.00001)  \n\n"
        "**Abstract**: Line one *not* escaped.\nLine two. \n\n"
        "---\n"
    )


def test_translations_add_their_lines_and_a_missing_one_is_left_out():
    papers = (item(title_translated="标题", abstract_translated="摘要"),
              item(id="2506.00002", title_translated="标题二"))
    text = render_digest(environment(None), Digest("2025-06-03", papers, language="zh"))
    first, second, end = text.split("---\n")
    assert "# A | <b>title</b> with $x_1$ \n\n**Title (ZH)**: 标题 \n\n**Authors**" in first
    assert first.endswith("**Abstract (ZH)**: 摘要 \n\n")
    assert "**Title (ZH)**: 标题二 \n" in second and "Abstract (ZH)" not in second
    assert end == ""


def test_the_english_sample_from_its_feed():
    feed = parse_feed((FIXTURES / "announcements-8-items.xml").read_bytes())
    text = render_digest(environment(None), Digest(feed.date or "", feed.items))
    assert text == (FIXTURES / "digest-sample.md").read_text(encoding="utf-8")


def test_an_empty_digest_is_an_empty_file():
    assert render_digest(environment(None), Digest("2025-06-03", ())) == ""


def test_path_takes_the_announcement_date():
    assert digest_path("digests/{date}.md", "2025-06-03") == Path("digests/2025-06-03.md")
    assert digest_path("digest.md", "2025-06-03") == Path("digest.md")


def test_recent_keeps_thirty_days_newest_first_and_replaces_today():
    kept = tuple(Digest(day, ()) for day in ("2025-06-02", "2025-05-20", "2025-05-04",
                                             "2025-05-05"))
    today = Digest("2025-06-03", (item(),))
    days = [d.date for d in recent(kept, today, "2025-06-03")]
    assert days == ["2025-06-03", "2025-06-02", "2025-05-20", "2025-05-05"]
    rerun = recent((today, *kept), replace(today, papers=()), "2025-06-03")
    assert rerun[0].papers == () and len(rerun) == 4


def test_json_round_trip_is_deterministic():
    digests = (Digest("2025-06-03", (item(keywords=("video",), title_translated="标题"),),
                      language="zh"),)
    text = digests_to_json(digests)
    assert digests_from_json(text) == digests
    assert digests_to_json(digests_from_json(text)) == text
    assert "标题" in text and text.endswith("\n")
    assert json.loads(text)["schema"] == 1


def test_a_damaged_json_is_one_clear_error():
    with pytest.raises(OutputError, match=r"digests\.json is damaged"):
        digests_from_json('{"digests": [{"date": 1}]}')


def test_a_long_digest_is_split_into_issues_of_whole_papers():
    from tracker.outputs.issues import IssueSettingsView, body_of, digest_issue_documents

    env = environment(None)
    papers = tuple(item(id=f"2506.{n:05d}", abstract="word " * 400) for n in range(60))
    view = IssueSettingsView(day="2025-06-03", repository="https://github.com/me/p",
                             labels=("digest",), max_per_keyword=15)
    documents = digest_issue_documents(env, view, Digest("2025-06-03", papers), limit=20_000)
    assert len(documents) > 1
    bodies = [body_of(document) for document in documents]
    assert all(len(body) <= 20_000 for body in bodies)
    assert "".join(bodies) == render_digest(env, Digest("2025-06-03", papers))
    assert documents[0].startswith(f"---\ntitle: arXiv digest - June 03, 2025 - "
                                   f"{bodies[0].count('---')} papers (1/{len(documents)})\n"
                                   "labels: digest\n---\n")


def test_the_scheduler_commits_the_digest_files(tmp_path):
    from tracker.api import Tracker
    from tracker.config import load_config

    path = tmp_path / "keywords.yaml"
    path.write_text("digest: {categories: [cs.CV], match: all}\n", encoding="utf-8")
    paths = Tracker(load_config(path, {})).output_paths()
    assert tmp_path / "digests" in paths  # relative to the repository root: here the config's
    assert tmp_path / "data" / "digests.json" in paths
    assert tmp_path / "data" / "translations.json" in paths
