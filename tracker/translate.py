"""Translation of the digest's titles and abstracts through an OpenAI-compatible chat endpoint.

One text per request: ``POST {base_url}/chat/completions`` with the
instruction as the system message and the text, verbatim, as the user
message; the answer's ``choices[0].message.content``, stripped, is the
translation (the "Chat Completions" API as OpenAI documents it, which
compatible servers copy). The key, when configured, is sent as
``Authorization: Bearer`` and appears nowhere else.

Every translation is checked before use (``translation_problem``); a
rejected or failed one leaves its line out of the digest, which is never
blocked by the translator. Throttling (429 with ``Retry-After``), server
errors, time-outs and malformed answers are retried with backoff within the
run's time budget, then given up and counted.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from tracker.languages import LANGUAGES
from tracker.sources.http import retry_after_seconds

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
GIVE_UP_AFTER = 3
"""Texts failing in a row after which the translator counts as down for this run."""

MIN_LENGTH_RATIO = 0.15
_TEMPLATE_TOKENS = ("<|", "|>", "<start_of_turn>", "<end_of_turn>")
_LEADING_ROLE = re.compile(r"\A\s*assistant\s*:", re.IGNORECASE)


def instruction(language: str) -> str:
    """The system message: what to do, never part of the text to translate."""
    name = LANGUAGES[language][0]
    return (f"Translate the user's text from English into {name}. Answer with the translation "
            "only, without notes. Keep LaTeX, formulas, names and acronyms as they are.")


def translation_problem(source: str, translation: str, language: str) -> str | None:
    """Why ``translation`` must not be used for ``source``, or ``None`` when it may be.

    Rejected: no character of the target script; shorter than 15 % of the
    source (in characters), which is what a model answering with the title
    instead of the abstract gives; the instruction echoed back; chat-template
    tokens, or a leading ``assistant:``, leaking from the model's prompt format.
    """
    if not translation.strip():
        return "empty"
    if re.search(LANGUAGES[language][1], translation) is None:
        return f"no {LANGUAGES[language][0]} text"
    if len(translation) < MIN_LENGTH_RATIO * len(source):
        return f"too short ({len(translation)} of {len(source)} characters)"
    if instruction(language).split(".")[0].casefold() in translation.casefold():
        return "echoes the instruction"
    if any(token in translation for token in _TEMPLATE_TOKENS) or _LEADING_ROLE.match(
            translation):
        return "holds chat-template tokens"
    return None


class TranslatorDown(Exception):
    """The endpoint refuses every request (bad key, wrong URL): stop asking this run."""


@dataclass
class TranslationStats:
    requests: int = 0
    translated: int = 0
    cached: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    """Texts not tried because the translator was down or the budget was used up."""
    causes: list[str] | None = None

    def note(self, cause: str) -> None:
        self.causes = [*(self.causes or []), cause]


class Translator:
    """A client for one endpoint and model; ``clock``, ``sleep`` and ``rng`` are injectable."""

    def __init__(self, base_url: str, model: str, language: str, *, api_key: str | None = None,
                 timeout: float = 60.0, retries: int = 3, backoff: float = 2.0,
                 max_retry_after: float = 120.0, budget: float = 900.0,
                 session: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.language = language
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.session = session or requests.Session()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.deadline = clock() + budget
        self.requests = 0
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    def translate(self, text: str) -> str:
        """The answer for ``text``; raises ``RuntimeError`` (one short cause) when it fails."""
        payload = {"model": self.model, "temperature": 0, "messages": [
            {"role": "system", "content": instruction(self.language)},
            {"role": "user", "content": text},
        ]}
        cause = "no answer"
        for attempt in range(self.retries + 1):
            remaining = self.deadline - self.clock()
            if remaining <= 0:
                raise RuntimeError("the run's time budget is used up")
            retry_after = None
            try:
                self.requests += 1
                response = self.session.post(self.url, json=payload, headers=self._headers,
                                             timeout=min(self.timeout, remaining),
                                             allow_redirects=False)
            except requests.exceptions.Timeout:
                cause = "the translator did not answer in time"
            except requests.exceptions.RequestException as error:
                cause = f"cannot reach the translator ({type(error).__name__})"
            else:
                status = response.status_code
                if status == 200:
                    answer = _content(response.content)
                    if answer is not None:
                        return answer.strip()
                    cause = "a malformed answer"
                elif status in RETRY_STATUSES:
                    cause = f"HTTP {status}"
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                else:
                    # 400/401/403/404: asking again, or for the next text, gives the same.
                    raise TranslatorDown(f"the translator refused the request (HTTP {status})")
            if attempt < self.retries:
                self._back_off(attempt, cause, retry_after)
        raise RuntimeError(f"{cause} (after {self.retries + 1} tries)")

    def _back_off(self, attempt: int, cause: str, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > self.max_retry_after:
            raise RuntimeError(f"{cause}; asked to wait {retry_after:.0f} s, over the cap")
        wait = self.backoff * 2**attempt * self.rng.uniform(0.5, 1.0)
        if retry_after is not None:
            wait = max(wait, retry_after)
        if self.clock() + wait >= self.deadline:
            raise RuntimeError(f"{cause}; the run's time budget ends before the next retry")
        self.sleep(wait)


def _content(body: bytes) -> str | None:
    try:
        data: Any = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None
