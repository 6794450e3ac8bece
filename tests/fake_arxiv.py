"""A stand-in for the arXiv API on 127.0.0.1, for end-to-end tests and the benchmark.

It answers ``GET /api/query`` like arXiv does (Atom 1.0 with the ``arxiv:``
and ``opensearch:`` extensions, shaped after real recorded answers), honouring
``search_query``, ``start``, ``max_results``, ``sortBy`` and ``sortOrder``.
It can be told to misbehave, per query or for all, request by request: a
status with or without ``Retry-After``, a refused or reset connection, a hang,
an HTML page with status 200, truncated XML, an empty feed.

Run it alone to point a real ``tracker`` at it::

    python -m tests.fake_arxiv --data feeds.json --port 8080
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import threading
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

ATOM_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" \
xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query: {title}</title>
  <updated>{now}</updated>
  <link href={link} type="application/atom+xml"/>
  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
"""


def entry_xml(entry: dict[str, Any]) -> str:
    """One ``<entry>`` in arXiv's layout. ``entry`` uses the keys of ``tests/fixtures`` feeds."""
    arxiv_id = entry["id"]  # with version, e.g. 2608.19171v1
    lines = [
        "  <entry>",
        f"    <id>https://arxiv.org/abs/{arxiv_id}</id>",  # arXiv gives https since late 2025
        f"    <title>{escape(entry['title'])}</title>",
        f"    <updated>{entry['updated']}</updated>",
        f'    <link href="https://arxiv.org/abs/{arxiv_id}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{arxiv_id}" rel="related" '
        'type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(entry['summary'])}</summary>",
    ]
    for category in entry.get("categories", ["cs.LG"]):
        lines.append(f'    <category term={quoteattr(category)} '
                     'scheme="http://arxiv.org/schemas/atom"/>')
    lines.append(f"    <published>{entry.get('published', entry['updated'])}</published>")
    if entry.get("comment") is not None:
        lines.append(f"    <arxiv:comment>{escape(entry['comment'])}</arxiv:comment>")
    primary = entry.get("primary_category", entry.get("categories", ["cs.LG"])[0])
    lines.append(f"    <arxiv:primary_category term={quoteattr(primary)}/>")
    for author in entry.get("authors", ["A. Author"]):
        lines.append(f"    <author>\n      <name>{escape(author)}</name>\n    </author>")
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def feed_xml(entries: list[dict[str, Any]], total: int, start: int, query: str) -> bytes:
    head = ATOM_HEAD.format(
        title=escape(f"search_query={query}&start={start}"),
        now=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        link=quoteattr(f"https://arxiv.org/api/query?search_query={query}"),
        per_page=len(entries),
        total=total,
        start=start,
    )
    return (head + "".join(entry_xml(e) for e in entries) + "</feed>\n").encode("utf-8")


@dataclass
class Fault:
    """One misbehaviour, applied to one request.

    kind: ``ok`` (answer normally: to let earlier pages through), ``status``
    (answer ``status`` with ``body``, optionally
    ``retry_after``), ``refuse`` (close the connection without answering),
    ``reset`` (send the headers and part of the body, then close), ``hang``
    (wait ``seconds`` before answering normally), ``html`` (an HTML page with
    status 200), ``truncate`` (status 200, the feed cut in half), ``empty``
    (status 200, a feed with no entries), ``redirect`` (302 to ``location``),
    ``trickle`` (the answer one byte every ``seconds``, headers included),
    ``huge`` (a 200 whose body never ends before ``size`` bytes), ``gzip``
    (a gzip-encoded body that inflates to ``size`` bytes, a "zip bomb").
    """

    kind: str
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    body: bytes = b"Service Unavailable"
    location: str = ""
    size: int = 0


@dataclass
class Request:
    query: str
    start: int
    max_results: int
    sort_by: str
    sort_order: str
    status: int
    bytes: int
    user_agent: str
    started: float
    finished: float


@dataclass
class FakeArxiv:
    """The server. ``feeds`` maps a ``search_query`` to its entries (any order)."""

    feeds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    latency: float = 0.0
    requests: list[Request] = field(default_factory=list)
    doctype: str = ""
    """Put into every feed after the XML declaration (to test entity handling)."""

    def __post_init__(self) -> None:
        self._faults: dict[str | None, deque[Fault]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- control ---

    def fail(self, *faults: Fault, query: str | None = None) -> None:
        """Queue faults for the next requests of ``query`` (``None``: any query)."""
        with self._lock:
            self._faults.setdefault(query, deque()).extend(faults)

    def _next_fault(self, query: str) -> Fault | None:
        with self._lock:
            for key in (query, None):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
        return None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/query"

    def start(self, port: int = 0) -> FakeArxiv:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- answering ---

    def answer(self, query: str, start: int, max_results: int) -> bytes:
        entries = sorted(self.feeds.get(query, []), key=lambda e: e["updated"], reverse=True)
        page = entries[start : start + max_results]
        body = feed_xml(page, len(entries), start, query)
        if self.doctype:
            declaration, rest = body.split(b"\n", 1)
            body = declaration + b"\n" + self.doctype.encode() + b"\n" + rest
        return body


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that are killed or time out mid-request are part of the tests


class _Handler(BaseHTTPRequestHandler):
    fake: FakeArxiv
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        query = params.get("search_query", "")
        start = int(params.get("start", "0") or 0)
        max_results = int(params.get("max_results", "10") or 10)
        fault = self.fake._next_fault(query)
        if self.fake.latency:
            time.sleep(self.fake.latency)
        status, sent = self._respond(parts.path, query, start, max_results, fault)
        self.fake.requests.append(Request(
            query=query, start=start, max_results=max_results,
            sort_by=params.get("sortBy", ""), sort_order=params.get("sortOrder", ""),
            status=status, bytes=sent, user_agent=self.headers.get("User-Agent", ""),
            started=started, finished=time.monotonic(),
        ))

    def _send(self, status: int, body: bytes, content_type: str = "application/atom+xml",
              headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _respond(self, path: str, query: str, start: int, max_results: int,
                 fault: Fault | None) -> tuple[int, int]:
        if path != "/api/query":
            self._send(404, b"not found", "text/plain")
            return 404, 9
        if fault is None or fault.kind in ("ok", "hang"):
            if fault is not None:
                time.sleep(fault.seconds)
            body = self.fake.answer(query, start, max_results)
            self._send(200, body)
            return 200, len(body)
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(fault.status, fault.body, "text/plain", headers)
            return fault.status, len(fault.body)
        if fault.kind == "refuse":
            self._close_hard()
            return 0, 0
        if fault.kind == "reset":
            body = self.fake.answer(query, start, max_results)
            half = body[: len(body) // 2]
            self._send(200, half, length=len(body))
            self._close_hard()
            return 200, len(half)
        if fault.kind == "redirect":
            self._send(302, b"", "text/plain", {"Location": fault.location})
            return 302, 0
        if fault.kind == "html":
            body = b"<!DOCTYPE html><html><body><h1>Rate exceeded.</h1></body></html>"
            self._send(200, body, "text/html")
            return 200, len(body)
        if fault.kind == "truncate":
            body = self.fake.answer(query, start, max_results)
            body = body[: len(body) // 2]
            self._send(200, body)
            return 200, len(body)
        if fault.kind == "trickle":
            body = self.fake.answer(query, start, max_results)
            self._trickle(body, fault.seconds)
            return 200, len(body)
        if fault.kind == "huge":
            return 200, self._huge(fault.size)
        if fault.kind == "gzip":
            return 200, self._gzip_bomb(fault.size)
        if fault.kind == "empty":
            body = feed_xml([], 0, start, query)
            self._send(200, body)
            return 200, len(body)
        raise ValueError(f"unknown fault {fault.kind!r}")

    def _trickle(self, body: bytes, seconds: float) -> None:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        try:
            for byte in head + body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(seconds)
        except OSError:
            pass  # the client gave up, as it should
        self.close_connection = True

    def _huge(self, size: int) -> int:
        """A feed that opens normally, then a comment that goes on for ``size`` bytes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Transfer-Encoding", "chunked")  # no length to refuse up front
        self.end_headers()
        sent = 0
        filler = b"x" * 65536
        try:
            self._chunk(ATOM_HEAD.format(title="huge", now="", link='""', per_page=1, total=1,
                                         start=0).encode() + b"<!--")
            while sent < size:
                self._chunk(filler)
                sent += len(filler)
            self._chunk(b"-->\n</feed>\n")
            self._chunk(b"")
        except OSError:
            pass
        self.close_connection = True
        return sent

    def _gzip_bomb(self, size: int) -> int:
        squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
        zeros = b"\0" * 1_048_576
        body = b"".join(squeeze.compress(zeros) for _ in range(size // len(zeros)))
        body += squeeze.flush()
        self._send(200, body, headers={"Content-Encoding": "gzip"})
        return len(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def _close_hard(self) -> None:
        # An RST instead of a clean close: SO_LINGER with a zero timeout.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="JSON file mapping search_query to a list of entries")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeArxiv(json.loads(args.data.read_text(encoding="utf-8")), latency=args.latency)
    fake.start(args.port)
    print(f"fake arXiv at {fake.url}; Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
