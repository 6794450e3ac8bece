"""A wall-clock deadline for one HTTP request, whatever the server does.

``requests`` has only socket timeouts: the connect timeout, and a read
timeout that applies to each ``recv`` on its own. A server that sends one
byte a second never trips it, while the headers or the body are read
(``requests`` documentation, "Timeouts": the read timeout is "the number of
seconds the client will wait for the server to send a response", between
bytes). So each request here runs under a ``Watchdog``: a thread that, at the
deadline or when a stop is requested, shuts down the sockets the session's
connections opened. A blocked read then returns at once with an error, which
the session turns into "did not answer in time" (or ``Interrupted``).

The sockets are known through ``TrackingAdapter``: its connection classes
record every socket they connect. ``shutdown`` (not ``close``) is what wakes
a ``recv`` blocked in another thread on Linux and macOS.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from requests.adapters import HTTPAdapter
from requests.exceptions import Timeout
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from tracker.errors import Interrupted

SocketSet = weakref.WeakSet[socket.socket]
POLL_SECONDS = 0.2
"""How often the watchdog looks at the stop request: a stop ends a request within this."""


def _tracking_pools(sockets: SocketSet) -> dict[str, type[HTTPConnectionPool]]:
    """Pool classes whose connections add each socket they connect to ``sockets``."""

    def tracked(base: type[HTTPConnection]) -> type[HTTPConnection]:
        def connect(self: Any) -> None:
            base.connect(self)
            sockets.add(self.sock)

        return type(f"Tracked{base.__name__}", (base,), {"connect": connect})

    plain, secure = tracked(HTTPConnection), tracked(HTTPSConnection)
    return {
        "http": type("TrackedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("TrackedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": secure}),
    }


class TrackingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that records the sockets of its connections in ``sockets``."""

    def __init__(self, sockets: SocketSet):
        self._pools = _tracking_pools(sockets)
        super().__init__(max_retries=0)  # retries are the session's, with pacing

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = self._pools
        return manager


class Watchdog:
    """Shuts down ``sockets`` after ``seconds`` (real time) or once ``should_stop()`` is true.

    Use as a context manager around one request; ``fired`` says why it acted
    (``"deadline"``, ``"stop"``) or is ``None``.
    """

    def __init__(self, seconds: float, sockets: SocketSet,
                 should_stop: Callable[[], bool] = lambda: False):
        self.deadline = time.monotonic() + seconds
        self.sockets = sockets
        self.should_stop = should_stop
        self.fired: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="request-watchdog", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def raise_if_fired(self) -> None:
        """``Interrupted`` after a stop, ``requests``' ``Timeout`` after the deadline."""
        if self.fired == "stop":
            raise Interrupted("stop requested")
        if self.fired == "deadline":
            raise Timeout("the answer took too long")

    def _watch(self) -> None:
        while True:
            remaining = self.deadline - time.monotonic()
            if self._done.wait(max(0.0, min(POLL_SECONDS, remaining))):
                return
            if self.should_stop():
                self._fire("stop")
                return
            if time.monotonic() >= self.deadline:
                self._fire("deadline")
                return

    def _fire(self, why: str) -> None:
        self.fired = why
        for sock in list(self.sockets):
            with contextlib.suppress(OSError):  # already closed
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
