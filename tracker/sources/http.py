"""The HTTP layer of the arXiv source: pacing, time limits, retries, checks.

``arxiv_api.ArxivSource`` builds the URLs and pages through the results;
``PoliteSession`` (a ``requests.Session``) sends each request, with what a
daily unattended run needs:

- pacing: arXiv's API Terms of Use ask for no more than one request every
  three seconds. Requests to ``arxiv.org`` hosts are never less than 3 s apart
  (counted from the end of the previous answer), whatever the config says;
  other hosts (a test server) may use a shorter delay. There is no wait after
  the last request.
- a wall-clock deadline on every request (``deadline.Watchdog``: a server
  trickling bytes cannot stretch it), and a time budget for the whole run;
- a cap on the size of an answer, counted after decompression while it is
  read, so a huge or "zip bomb" answer fails without filling the memory;
- one verdict per run on the network: once arXiv's host cannot be resolved
  or reached, the session says so and the keywords after fail at once;
- retries with exponential backoff and jitter on throttling (429, 503, and the
  406 arXiv sends at times), server errors, network errors, and answers that
  are not a complete Atom feed (an HTML error page with status 200, a
  truncated body). ``Retry-After`` is honoured up to a cap; a longer wait
  gives up on that request instead of hammering the server;
- a descriptive User-Agent;
- nothing but the configured endpoint: redirects are not followed, and the
  XML parsers resolve no external entities and load nothing from the network
  (``feed``).

Its settings are the config's ``arxiv`` section (``ArxivSettings``).

When it gives up it raises ``RequestFailed`` with one short cause. A caller
that fetches another kind of document (the RSS announcement feed) passes its
own body check as ``check=`` to ``get``.
"""

from __future__ import annotations

import errno
import logging
import random
import re
import socket
import time
import weakref
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from tracker.logsafe import printable
from tracker.sources.deadline import TrackingAdapter, Watchdog
from tracker.sources.feed import api_error_message, feed_problem

if TYPE_CHECKING:
    from tracker.config import ArxivSettings

log = logging.getLogger(__name__)

ARXIV_MIN_DELAY = 3.0
RETRY_STATUSES = frozenset({406, 429, 500, 502, 503, 504})
BodyCheck = Callable[[bytes], "str | None"]
"""Why an answer's body is not the expected document, or ``None`` when it is."""
MAX_BACKOFF = 120.0
"""The longest wait between two tries, however many retries are configured."""
MAX_ANSWER_BYTES = 20_000_000
"""The largest answer accepted, decompressed. arXiv's largest page (2,000 entries, the
API's limit per request) is about 8 MB of Atom: some 4 kB per entry (an abstract of up to
1,920 characters, authors, links, categories). 20 MB leaves room for long author lists."""
READ_CHUNK = 16_384
NETWORK_DOWN_TRIES = 3
"""Tries before a host that cannot be resolved or reached counts as down for the run."""
_DELTA_SECONDS = re.compile(r"[0-9]{1,9}", re.ASCII)


class RequestFailed(Exception):
    """A request failed for good; ``str()`` is a short cause for the run summary."""


class AnswerTooLarge(requests.exceptions.RequestException):
    """The answer grew past ``MAX_ANSWER_BYTES`` while it was read."""


def is_arxiv_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def pacing_delay(url: str, configured: float) -> float:
    """The delay actually used before a request to ``url``: never under 3 s for arXiv."""
    return max(configured, ARXIV_MIN_DELAY) if is_arxiv_host(url) else max(configured, 0.0)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (RFC 9110 10.2.3: delta-seconds, ASCII
    digits only, or an HTTP date); ``None`` for anything else."""
    if not value:
        return None
    value = value.strip()
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, seconds)


class PoliteSession(requests.Session):
    """A ``requests.Session`` that paces, times out, retries and checks every request.

    ``clock``, ``sleep`` and ``rng`` are injectable so tests can run the
    retry and pacing logic without waiting; ``sleep`` may raise
    ``Interrupted`` (the scheduler's does on a stop request), and
    ``should_stop`` cuts a request in progress short the same way.
    """

    def __init__(
        self,
        settings: ArxivSettings,
        user_agent: str = "arxiv-daily-tracker",
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ):
        super().__init__()
        self.settings = settings
        self.user_agent = user_agent
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.should_stop = should_stop
        self.deadline = clock() + settings.run_budget
        self.requests_sent = 0
        self.bytes_received = 0
        self.network_down: str | None = None
        """Why arXiv's host is unreachable, once a request found it so: later ones fail at once."""
        self._last_answer: float | None = None
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        adapter = TrackingAdapter(self._sockets)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def get_feed(self, url: str) -> bytes:
        """The body of a complete Atom feed from ``url``, after pacing and retries."""
        with self.request("GET", url) as response:
            return response.content

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        url = url.decode() if isinstance(url, bytes) else url
        if self.network_down:
            raise RequestFailed(f"not tried: {self.network_down} (the network seems down)")
        headers = dict(kwargs.pop("headers", None) or {})
        headers = {k: v for k, v in headers.items() if k.lower() != "user-agent"}
        headers["User-Agent"] = self.user_agent
        kwargs.pop("timeout", None)
        kwargs.pop("allow_redirects", None)  # never follow: only the configured endpoint
        check: BodyCheck = kwargs.pop("check", None) or feed_problem
        tries = self.settings.retries + 1
        unreachable = 0
        for attempt in range(tries):
            self._wait_turn(url)
            try:
                response = self._send(method, url, headers, *args, **kwargs)
            except AnswerTooLarge as error:
                raise RequestFailed(str(error)) from None
            except requests.exceptions.RequestException as error:
                cause, retry_after = network_cause(error, url), None
                down = _is_unreachable(error)
                unreachable += down
            else:
                cause, retry_after, final = self._judge(response, check)
                if final:
                    return response
                down = False
            log.debug("try %d of %d failed: %s", attempt + 1, tries, cause)
            if down and unreachable in (NETWORK_DOWN_TRIES, tries):
                # Every try so far found the host unreachable: more would only cost time.
                self.network_down = cause
                tries = attempt + 1
                log.warning("arXiv is unreachable (%s): no more requests in this run", cause)
                break
            if attempt == tries - 1:
                break
            self._back_off(attempt, cause, retry_after)
        raise RequestFailed(f"{cause} (after {tries} tr{'y' if tries == 1 else 'ies'})")

    def _send(self, method: str | bytes, url: str, headers: dict[str, str], *args: Any,
              **kwargs: Any) -> requests.Response:
        """One request, read in full before its deadline (``deadline.Watchdog``)."""
        connect, limit = self._timeout()
        give_up = self.clock() + limit
        body = b""
        try:
            with Watchdog(limit, self._sockets, self.should_stop) as watchdog:
                try:
                    response = super().request(method, url, *args, headers=headers,
                                                timeout=(connect, limit), stream=True,
                                                allow_redirects=False, **kwargs)
                    with response:
                        body = self._read_body(response, give_up)
                except (requests.exceptions.RequestException, OSError) as error:
                    watchdog.raise_if_fired()
                    if isinstance(error, requests.exceptions.RequestException):
                        raise
                    raise requests.exceptions.ConnectionError(error) from None
                # A cut in the headers can look like a complete, empty answer.
                watchdog.raise_if_fired()
        finally:
            self._last_answer = self.clock()
            self.requests_sent += 1
            self.bytes_received += len(body)
        log.debug("%s %s: HTTP %d, %d bytes", method, url, response.status_code, len(body))
        # The body is read here, under the time limit; hand it over as if read normally.
        response._content = body
        return response

    def _read_body(self, response: requests.Response, give_up: float) -> bytes:
        length = response.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(_too_large())
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=READ_CHUNK):  # decompressed
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                self.bytes_received += size  # what it cost, though the answer is dropped
                raise AnswerTooLarge(_too_large())
            chunks.append(chunk)
            if self.clock() > give_up:
                raise requests.exceptions.Timeout("answer took too long")
        return b"".join(chunks)

    def _judge(self, response: requests.Response,
               check: BodyCheck) -> tuple[str, float | None, bool]:
        """``(cause, retry_after, final)``: final answers go back to the caller."""
        status = response.status_code
        if status == 200:
            problem = check(response.content)
            if problem is None:
                return "", None, True
            return f"arXiv sent {printable(problem)}", None, False
        if status in RETRY_STATUSES:
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            return f"HTTP {status}", asked, False
        if 300 <= status < 400:
            target = printable(response.headers.get("Location", "elsewhere"), 200)
            raise RequestFailed(f"the endpoint redirects to {target} (HTTP {status}); not "
                                "followed: set arxiv.endpoint to the address you trust")
        message = api_error_message(response.content)
        if message:
            raise RequestFailed(f"arXiv rejected the query: {printable(message)} "
                                f"(HTTP {status})")
        raise RequestFailed(f"HTTP {status}")

    def _timeout(self) -> tuple[float, float]:
        """``(connect, total)`` seconds for the next request, cut to the run's budget."""
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise RequestFailed("the run's time budget is used up")
        limit = min(self.settings.timeout, remaining)
        return (min(10.0, limit), limit)

    def _wait_turn(self, url: str) -> None:
        if self._last_answer is None:
            return
        due = self._last_answer + pacing_delay(url, self.settings.delay)
        self._pause(due - self.clock())

    def _back_off(self, attempt: int, cause: str, retry_after: float | None) -> None:
        if retry_after is not None and retry_after > self.settings.max_retry_after:
            raise RequestFailed(
                f"{cause}; arXiv asked to wait {retry_after:.0f} s, "
                f"more than the {self.settings.max_retry_after:g} s cap"
            )
        backoff = min(MAX_BACKOFF, self.settings.backoff * 2**attempt)
        wait = backoff * self.rng.uniform(0.5, 1.0)  # jitter spreads retries of many runners
        if retry_after is not None:
            wait = max(wait, retry_after)
        if self.clock() + wait >= self.deadline:
            raise RequestFailed(f"{cause}; the run's time budget ends before the next retry")
        log.debug("retrying in %.1f s", wait)
        self._pause(wait)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def pause_before_retry(self, attempt: int, cause: str) -> None:
        """Back off before repeating a search whose answer was wrong (used by the source)."""
        log.debug("search try %d failed: %s", attempt + 1, cause)
        self._back_off(attempt, cause, None)


def _too_large() -> str:
    return f"arXiv sent an answer over {MAX_ANSWER_BYTES // 1_000_000} MB; not read"


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps (``args``, ``reason``, ``__cause__``, ``__context__``)."""
    found: list[BaseException] = []
    pending = [error]
    while pending and len(found) < 20:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        wrapped = [*current.args, getattr(current, "reason", None), current.__cause__,
                   current.__context__]
        pending += [item for item in wrapped if isinstance(item, BaseException)]
    return found


_UNREACHABLE = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN)


def _is_unreachable(error: BaseException) -> bool:
    """True when the host cannot be resolved, refuses, or cannot be routed to."""
    return any(isinstance(cause, socket.gaierror | ConnectionRefusedError)
               or (isinstance(cause, OSError) and cause.errno in _UNREACHABLE)
               for cause in _causes(error))


def network_cause(error: BaseException, url: str) -> str:
    """One short cause for a failed request, naming the host when it was unreachable."""
    host = urlsplit(url).hostname or url
    causes = _causes(error)
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return f"cannot resolve {host}"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return f"{host} refused the connection"
    if any(isinstance(cause, OSError) and cause.errno in _UNREACHABLE for cause in causes):
        return f"{host} is unreachable"
    if isinstance(error, requests.exceptions.Timeout):
        return "arXiv did not answer in time"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off during the answer"
    if isinstance(error, requests.exceptions.ConnectionError):
        return "cannot connect to arXiv"
    return f"request error ({type(error).__name__})"
