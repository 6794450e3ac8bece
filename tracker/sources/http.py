"""The HTTP layer under the ``arxiv`` client: pacing, time limits, retries, checks.

``arxiv.Client`` builds the URLs, pages through results and parses the Atom
feed; it sends its requests through a ``requests.Session``. ``PoliteSession``
is that session. It adds what a daily unattended run needs:

- pacing: arXiv's API Terms of Use ask for no more than one request every
  three seconds. Requests to ``arxiv.org`` hosts are never less than 3 s apart
  (counted from the end of the previous answer), whatever the config says;
  other hosts (a test server) may use a shorter delay. There is no wait after
  the last request.
- a timeout on every request, and a time budget for the whole run;
- retries with exponential backoff and jitter on throttling (429, 503, and the
  406 arXiv sends at times), server errors, network errors, and answers that
  are not a complete Atom feed (an HTML error page with status 200, a
  truncated body). ``Retry-After`` is honoured up to a cap; a longer wait
  gives up on that request instead of hammering the server;
- a descriptive User-Agent;
- nothing but the configured endpoint: redirects are not followed, and the
  XML parsers resolve no external entities and load nothing from the network.

When it gives up it raises ``RequestFailed`` with one short cause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

ARXIV_MIN_DELAY = 3.0
RETRY_STATUSES = frozenset({406, 429, 500, 502, 503, 504})
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"


class RequestFailed(Exception):
    """A request failed for good; ``str()`` is a short cause for the run summary."""


@dataclass(frozen=True)
class RequestPolicy:
    delay: float = ARXIV_MIN_DELAY
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 5.0
    """First retry waits about this long; each further retry doubles it."""
    max_backoff: float = 120.0
    max_retry_after: float = 120.0
    run_budget: float = 900.0
    user_agent: str = "arxiv-daily-tracker"


def is_arxiv_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def pacing_delay(url: str, configured: float) -> float:
    """The delay actually used before a request to ``url``: never under 3 s for arXiv."""
    return max(configured, ARXIV_MIN_DELAY) if is_arxiv_host(url) else max(configured, 0.0)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _safe_parser() -> Any:
    """A strict lxml parser that resolves no entity and loads nothing from the network."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def feed_problem(body: bytes) -> str | None:
    """Why ``body`` is not a complete Atom feed, or ``None`` when it is one.

    arXiv's parser in the ``arxiv`` package recovers from broken XML quietly,
    which would turn a truncated answer into a short list of papers; this
    strict check turns it into a failure that is retried.
    """
    from lxml import etree

    if not body.strip():
        return "an empty body"
    parser = _safe_parser()
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        head = body.lstrip()[:200].lower()
        if head.startswith((b"<!doctype html", b"<html")):
            return "an HTML page instead of an Atom feed"
        return f"broken XML ({error.msg})"
    if root.tag != _ATOM_FEED:
        name = etree.QName(root).localname
        if name.lower() == "html":
            return "an HTML page instead of an Atom feed"
        return f"an unexpected document <{name}> instead of an Atom feed"
    return None


def api_error_message(body: bytes) -> str | None:
    """The explanation in an arXiv API error feed (sent with status 400), if there is one."""
    from lxml import etree

    try:
        root = etree.fromstring(body, parser=_safe_parser())
    except etree.XMLSyntaxError:
        return None
    namespace = {"a": "http://www.w3.org/2005/Atom"}
    for entry in root.iterfind("a:entry", namespace):
        entry_id = entry.findtext("a:id", default="", namespaces=namespace)
        if "/api/errors" in entry_id:
            summary = entry.findtext("a:summary", default="", namespaces=namespace)
            return " ".join(summary.split()) or None
    return None


class PoliteSession(requests.Session):
    """A ``requests.Session`` that paces, times out, retries and checks every request.

    ``clock``, ``sleep`` and ``rng`` are injectable so tests can run the
    retry and pacing logic without waiting.
    """

    def __init__(
        self,
        policy: RequestPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        super().__init__()
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.deadline = clock() + policy.run_budget
        self.requests_sent = 0
        self.bytes_received = 0
        self._last_answer: float | None = None

    # arxiv.Client calls session.get(url, headers=...), which lands here.
    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        headers = dict(kwargs.pop("headers", None) or {})
        headers = {k: v for k, v in headers.items() if k.lower() != "user-agent"}
        headers["User-Agent"] = self.policy.user_agent
        kwargs.pop("timeout", None)
        kwargs.pop("allow_redirects", None)  # never follow: only the configured endpoint
        cause = "no answer"
        for attempt in range(self.policy.retries + 1):
            self._wait_turn(url)
            try:
                response = self._send(method, url, headers, *args, **kwargs)
            except requests.exceptions.RequestException as error:
                cause, retry_after = _network_cause(error), None
            else:
                cause, retry_after, final = self._judge(response)
                if final:
                    return response
            if attempt == self.policy.retries:
                break
            self._back_off(attempt, cause, retry_after)
        tries = self.policy.retries + 1
        raise RequestFailed(f"{cause} (after {tries} tr{'y' if tries == 1 else 'ies'})")

    def _send(self, method: str | bytes, url: str, headers: dict[str, str], *args: Any,
              **kwargs: Any) -> requests.Response:
        """One request, its body read in full within the timeout (a trickle cannot stall it)."""
        connect, limit = self._timeout()
        give_up = self.clock() + limit
        try:
            response = super().request(method, url, *args, headers=headers,
                                        timeout=(connect, limit), stream=True,
                                        allow_redirects=False, **kwargs)
            with response:
                chunks = []
                for chunk in response.iter_content(chunk_size=65536):
                    chunks.append(chunk)
                    if self.clock() > give_up:
                        raise requests.exceptions.ReadTimeout("answer took too long")
                body = b"".join(chunks)
        finally:
            self._last_answer = self.clock()
            self.requests_sent += 1
        self.bytes_received += len(body)
        # The body is read here, under the time limit; hand it over as if read normally.
        response._content = body
        return response

    def _judge(self, response: requests.Response) -> tuple[str, float | None, bool]:
        """``(cause, retry_after, final)``: final answers go back to the arxiv client."""
        status = response.status_code
        if status == 200:
            problem = feed_problem(response.content)
            if problem is None:
                return "", None, True
            return f"arXiv sent {problem}", None, False
        if status in RETRY_STATUSES:
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            return f"HTTP {status}", asked, False
        if 300 <= status < 400:
            target = response.headers.get("Location", "elsewhere")
            raise RequestFailed(f"the endpoint redirects to {target} (HTTP {status}); not "
                                "followed: set arxiv.endpoint to the address you trust")
        message = api_error_message(response.content)
        if message:
            raise RequestFailed(f"arXiv rejected the query: {message} (HTTP {status})")
        raise RequestFailed(f"HTTP {status}")

    def _timeout(self) -> tuple[float, float]:
        """``(connect, total)`` seconds for the next request, cut to the run's budget."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise RequestFailed("the run's time budget is used up")
        limit = min(self.policy.timeout, remaining)
        return (min(10.0, limit), limit)

    def _wait_turn(self, url: str) -> None:
        if self._last_answer is None:
            return
        due = self._last_answer + pacing_delay(url, self.policy.delay)
        self._pause(due - self.clock())

    def _back_off(self, attempt: int, cause: str, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > self.policy.max_retry_after:
            raise RequestFailed(
                f"{cause}; arXiv asked to wait {retry_after:.0f} s, "
                f"more than the {self.policy.max_retry_after:g} s cap"
            )
        backoff = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
        wait = backoff * self.rng.uniform(0.5, 1.0)  # jitter spreads retries of many runners
        if retry_after is not None:
            wait = max(wait, retry_after)
        if self.clock() + wait >= self.deadline:
            raise RequestFailed(f"{cause}; the run's time budget ends before the next retry")
        self._pause(wait)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def pause_before_retry(self, attempt: int, cause: str) -> None:
        """Back off before repeating a search whose answer was wrong (used by ``fetch``)."""
        self._back_off(attempt, cause, None)


def _network_cause(error: requests.exceptions.RequestException) -> str:
    if isinstance(error, requests.exceptions.Timeout):
        return "arXiv did not answer in time"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off during the answer"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "cannot connect to arXiv"
    return f"request error ({type(error).__name__})"
