"""Translation: the checks, the client's retries and give-ups, and the cache."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import requests
import responses

from tests.fake_digest import canned_answers, papers_of_digest
from tests.test_arxiv_api import Clock
from tracker.digest_step import TranslationCache, cache_key, translate_papers
from tracker.models import Announcement
from tracker.translate import (
    TranslationStats,
    Translator,
    TranslatorDown,
    instruction,
    translation_problem,
)

FIXTURES = Path(__file__).parent / "fixtures" / "digest"
SAMPLE = papers_of_digest((FIXTURES / "digest-zh-sample.md").read_text(encoding="utf-8"))
URL = "http://127.0.0.1:8082/v1"
ENDPOINT = f"{URL}/chat/completions"
SOURCE = ("Multimodal emotion recognition extracts emotions from multimodal data, including "
          "visual, speech and text inputs.")


def reply(content: str) -> dict:
    return {"choices": [{"message": {"role": "assistant", "content": content}}]}


def test_every_translation_of_the_sample_passes_the_checks():
    for source, answer in canned_answers(SAMPLE).items():
        assert translation_problem(source, answer, "zh") is None, answer


@pytest.mark.parametrize(("answer", "problem"), [
    ("", "empty"),
    ("Multimodal emotion recognition extracts emotions from data.", "no Simplified Chinese"),
    ("多模态情绪识别", "too short"),
    (instruction("zh") + " 多模态情绪识别从多模态数据中提取情绪包括视觉语音和文本输入。",
     "echoes the instruction"),
    ("<|im_start|>多模态情绪识别从多模态数据中提取情绪包括视觉语音和文本输入。",
     "chat-template"),
    ("多模态情绪识别从多模态数据中提取情绪包括视觉语音和文本输入。<|im_end|>",
     "chat-template"),
    ("<start_of_turn>多模态情绪识别从多模态数据中提取情绪包括视觉语音和文本输入。",
     "chat-template"),
    ("Assistant: 多模态情绪识别从多模态数据中提取情绪包括视觉语音和文本输入。",
     "chat-template"),
])
def test_bad_translations_are_rejected(answer, problem):
    assert problem in (translation_problem(SOURCE, answer, "zh") or "")


def test_a_half_translated_title_is_still_used():
    paper = SAMPLE[4]  # its title keeps the English word "grounded"
    assert "grounded" in paper["title_zh"]
    assert translation_problem(paper["title"], paper["title_zh"], "zh") is None


def translator(clock: Clock, **options: object) -> Translator:
    settings = {"retries": 2, "backoff": 1.0, "budget": 600.0, **options}
    return Translator(URL, "m", "zh", api_key="sk-test", clock=clock, sleep=clock.sleep,
                      rng=random.Random(1), **settings)  # type: ignore[arg-type]


@responses.activate
def test_the_request_carries_instruction_text_and_key():
    responses.post(ENDPOINT, json=reply("  多模态情绪识别  "))
    assert translator(Clock()).translate(SOURCE) == "多模态情绪识别"
    (call,) = responses.calls
    body = json.loads(call.request.body)
    assert body["model"] == "m"
    assert body["messages"] == [{"role": "system", "content": instruction("zh")},
                                {"role": "user", "content": SOURCE}]
    assert call.request.headers["Authorization"] == "Bearer sk-test"


@responses.activate
def test_throttling_server_errors_and_malformed_answers_are_retried():
    responses.post(ENDPOINT, status=429, headers={"Retry-After": "9"})
    responses.post(ENDPOINT, status=502)
    responses.post(ENDPOINT, body=b"{not json")
    responses.post(ENDPOINT, json=reply("好"))
    clock = Clock()
    client = translator(clock, retries=3)
    assert client.translate(SOURCE) == "好"
    assert client.requests == 4 and clock.sleeps[0] >= 9


@responses.activate
def test_timeouts_are_retried_then_given_up():
    responses.post(ENDPOINT, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(RuntimeError, match="did not answer in time"):
        translator(Clock()).translate(SOURCE)
    assert len(responses.calls) == 3


@responses.activate
def test_a_refused_key_stops_at_once():
    responses.post(ENDPOINT, status=401)
    with pytest.raises(TranslatorDown, match="HTTP 401"):
        translator(Clock()).translate(SOURCE)
    assert len(responses.calls) == 1


@responses.activate
def test_a_retry_after_over_the_cap_or_the_budget_gives_up():
    responses.post(ENDPOINT, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RuntimeError, match="over the cap"):
        translator(Clock()).translate(SOURCE)
    responses.post(ENDPOINT, status=503)
    with pytest.raises(RuntimeError, match="budget"):
        translator(Clock(), budget=1.5, max_retry_after=1000.0).translate(SOURCE)


def announcement(n: int, title: str, abstract: str) -> Announcement:
    return Announcement(id=f"2506.0000{n}", version=1, title=title, authors=("A",),
                        abstract=abstract, categories=("cs.MM",), announce_type="new",
                        link="x")


class Canned:
    """A translator answering from a table, failing for texts it does not know."""

    def __init__(self, answers: dict[str, str], down: bool = False):
        self.answers, self.down, self.requests, self.asked = answers, down, 0, []

    def translate(self, text: str) -> str:
        self.requests += 1
        self.asked.append(text)
        if self.down:
            raise TranslatorDown("the translator refused the request (HTTP 401)")
        if text not in self.answers:
            raise RuntimeError("HTTP 503 (after 3 tries)")
        return self.answers[text]


def sample_papers(count: int) -> tuple[Announcement, ...]:
    return tuple(announcement(n, p["title"], p["abstract"]) for n, p in enumerate(SAMPLE[:count]))


def test_translations_are_cached_and_reused(tmp_path):
    papers = sample_papers(2)
    client = Canned(canned_answers(SAMPLE))
    cache = TranslationCache(tmp_path / "translations.json")
    stats = TranslationStats()
    out = translate_papers(papers, client, cache, "zh", "2025-06-03", stats)  # type: ignore
    assert out[0].title_translated == SAMPLE[0]["title_zh"]
    assert out[1].abstract_translated == SAMPLE[1]["abstract_zh"]
    assert (stats.translated, stats.requests) == (4, 4)
    assert cache.save("2025-06-03") and not cache.save("2025-06-03")
    again = TranslationCache(tmp_path / "translations.json")
    stats = TranslationStats()
    assert translate_papers(papers, client, again, "zh", "2025-06-03", stats) == out  # type: ignore
    assert stats.cached == 4 and client.requests == 4
    key = cache_key(papers[0], "title", papers[0].title, "zh")
    assert again.get(key) == {"date": "2025-06-03", "text": SAMPLE[0]["title_zh"]}


def test_a_new_version_or_new_text_is_translated_again(tmp_path):
    (paper,) = sample_papers(1)
    newer = Announcement(**{**paper.__dict__, "version": 2})
    assert cache_key(paper, "title", paper.title, "zh") != cache_key(newer, "title",
                                                                     newer.title, "zh")
    assert cache_key(paper, "title", "a", "zh") != cache_key(paper, "title", "b", "zh")


def test_rejections_are_remembered_failures_are_not(tmp_path):
    papers = sample_papers(2)
    answers = canned_answers(SAMPLE)
    answers[papers[0].abstract] = SAMPLE[0]["title_zh"]  # the title again: too short
    del answers[papers[1].abstract]  # the translator fails on this one
    cache = TranslationCache(tmp_path / "t.json")
    stats = TranslationStats()
    out = translate_papers(papers, Canned(answers), cache, "zh", "d", stats)  # type: ignore
    assert out[0].title_translated and out[0].abstract_translated is None
    assert out[1].title_translated and out[1].abstract_translated is None
    assert (stats.rejected, stats.failed, stats.translated) == (1, 1, 2)
    assert cache.get(cache_key(papers[0], "abstract", papers[0].abstract, "zh"))["text"] is None
    assert cache.get(cache_key(papers[1], "abstract", papers[1].abstract, "zh")) is None


def test_a_translator_that_is_down_is_asked_once(tmp_path):
    client = Canned({}, down=True)
    stats = TranslationStats()
    out = translate_papers(sample_papers(3), client, TranslationCache(tmp_path / "t.json"),
                           "zh", "d", stats)  # type: ignore
    assert client.requests == 1 and stats.failed == 1 and stats.skipped == 5
    assert all(p.title_translated is None and p.abstract_translated is None for p in out)


def test_three_failures_in_a_row_stop_the_rest(tmp_path):
    client = Canned({})
    stats = TranslationStats()
    translate_papers(sample_papers(4), client, TranslationCache(tmp_path / "t.json"), "zh",
                     "d", stats)  # type: ignore
    assert client.requests == 3 and stats.failed == 3 and stats.skipped == 5


def test_old_entries_leave_the_cache(tmp_path):
    cache = TranslationCache(tmp_path / "t.json")
    cache.put("old", "2025-01-01", "旧")
    cache.put("new", "2025-06-01", "新")
    cache.save("2025-06-03")
    kept = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))["translations"]
    assert list(kept) == ["new"]
