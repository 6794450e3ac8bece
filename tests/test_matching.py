"""Local keyword matching of announced papers: the rules in docs/configuration.md, and speed."""

from __future__ import annotations

import random
import time

import pytest

from tracker.config import Keyword
from tracker.matching import Matcher, select_announcements
from tracker.models import Announcement


def paper(title: str, abstract: str = "", kind: str = "new", id: str = "2506.00001"):
    return Announcement(id=id, version=1, title=title, authors=("A",), abstract=abstract,
                        categories=("cs.CV",), announce_type=kind,
                        link=f"https://arxiv.org/abs/{id}")


@pytest.mark.parametrize(("text", "matches"), [
    ("Self-Supervised Learning of images", True),
    ("self supervised learning", True),
    ("SELF-SUPERVISED-LEARNING", True),
    ("self\nsupervised   learning", True),
    ("self\u2013supervised learning", True),  # an en dash counts as a hyphen
    ("selfsupervised learning", False),
    ("self-supervised learnings", False),  # whole words only
    ("non-self-supervised learning", True),
    ("supervised learning", False),
])
def test_case_words_and_hyphens(text, matches):
    matcher = Matcher([Keyword("Self-Supervised Learning")])
    assert bool(matcher.keywords_of(text, "")) is matches


def test_synonyms_count_and_exclusions_drop():
    keyword = Keyword("Large Language Models", synonyms=("LLM", "LLMs"), exclude=("survey",))
    matcher = Matcher([keyword])
    assert matcher.keywords_of("Tuning LLMs", "") == ("Large Language Models",)
    assert matcher.keywords_of("Title", "we study an LLM") == ("Large Language Models",)
    assert matcher.keywords_of("LLMs: a Survey", "") == ()
    assert matcher.keywords_of("LLMology", "") == ()


def test_symbols_in_phrases_are_literal():
    matcher = Matcher([Keyword("C++"), Keyword("3D")])
    assert matcher.keywords_of("Fast C++ kernels", "") == ("C++",)
    assert matcher.keywords_of("C+ grade", "") == ()
    assert matcher.keywords_of("3D scenes", "") == ("3D",)
    assert matcher.keywords_of("A 3DGS method", "") == ()


def test_every_matching_keyword_in_config_order():
    matcher = Matcher([Keyword("video"), Keyword("audio"), Keyword("speech")])
    assert matcher.keywords_of("Speech and video", "with audio") == ("video", "audio", "speech")


def test_select_keeps_feed_order_types_and_marks_keywords():
    items = [paper("Video A", id="1"), paper("Other", id="2"),
             paper("Video B", kind="replace", id="3"), paper("Video C", kind="cross", id="4")]
    chosen = select_announcements(items, [Keyword("video")], announce_types=["new", "cross"],
                                  match_all=False)
    assert [p.id for p in chosen] == ["1", "4"]
    assert all(p.keywords == ("video",) for p in chosen)
    everything = select_announcements(items, [Keyword("video")], announce_types=["new"],
                                      match_all=True)
    assert [(p.id, p.keywords) for p in everything] == [("1", ("video",)), ("2", ())]


def synthetic(count: int, rng: random.Random) -> list[Announcement]:
    words = [f"w{n}" for n in range(3000)] + ["graph", "neural", "network", "vision", "model"]
    return [paper(" ".join(rng.choices(words, k=12)), " ".join(rng.choices(words, k=220)),
                  id=f"2506.{n:05d}") for n in range(count)]


def hundred_keywords(rng: random.Random) -> list[Keyword]:
    return [Keyword(f"w{rng.randrange(3000)} w{n}", synonyms=(f"s{n}-x", f"w{n * 7}"),
                    exclude=(f"w{n * 11}",)) for n in range(100)]


def test_matching_2000_items_against_100_keywords_is_fast():
    rng = random.Random(7)
    items, keywords = synthetic(2000, rng), hundred_keywords(rng)
    times = []
    for _ in range(3):  # the best of three: other work on a shared machine only adds time
        started = time.perf_counter()
        chosen = select_announcements(items, keywords, announce_types=["new"], match_all=False)
        times.append(time.perf_counter() - started)
    assert chosen  # some synonyms (single words) do occur
    # The 0.5 s target is measured by bench/digest.py (0.20 s here); the suite shares the
    # machine with another worker, so it guards only against a slower algorithm (seconds).
    assert min(times) < 2.0, f"matching took {min(times):.2f} s at best"
