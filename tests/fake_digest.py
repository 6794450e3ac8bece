"""Stand-ins on 127.0.0.1 for arXiv's announcement feed and an OpenAI-compatible translator.

``FakeFeed`` answers ``GET /rss/CATS`` with a fixed RSS body; ``FakeTranslator``
answers ``POST /v1/chat/completions`` from a table of canned translations
(source text -> answer). Both can be told to misbehave, request by request
(a status with ``Retry-After``, an HTML page, malformed JSON), and both
record what they were asked. ``feed_from_digest`` turns a digest sample back
into the feed and canned answers it was made from.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

RSS_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
  <channel>
    <title>{cats} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{cats}</link>
    <description>{cats} updates on the arXiv.org e-print archive.</description>
    <pubDate>{pub_date}</pubDate>
"""


@dataclass(frozen=True)
class Fault:
    status: int = 503
    retry_after: str | None = None
    body: bytes = b""
    content_type: str = "text/plain"


def rss_item(paper: dict[str, Any]) -> str:
    """One ``<item>`` in the layout of arXiv's RSS specification."""
    cats = "".join(f"      <category>{c}</category>\n" for c in paper.get("categories", ["cs.MM"]))
    kind = paper.get("type", "new")
    return (
        "    <item>\n"
        f"      <title>{escape(paper['title'])}</title>\n"
        f"      <link>https://arxiv.org/abs/{paper['id']}</link>\n"
        f"      <description>arXiv:{paper['id']}v{paper.get('version', 1)} Announce Type: "
        f"{kind} \nAbstract: {escape(paper['abstract'])}</description>\n"
        f"{cats}"
        f"      <arxiv:announce_type>{kind}</arxiv:announce_type>\n"
        f"      <dc:creator>{escape(', '.join(paper['authors']))}</dc:creator>\n"
        "    </item>\n"
    )


def rss_feed(papers: list[dict[str, Any]], pub_date: str = "Tue, 03 Jun 2025 00:00:00 -0400",
             cats: str = "cs.CV+cs.MM") -> bytes:
    head = RSS_HEAD.format(cats=cats, pub_date=pub_date)
    return (head + "".join(rss_item(p) for p in papers) + "  </channel>\n</rss>\n").encode()


_BLOCK = re.compile(
    r"# (?P<title>[^\n]*) \n\n(?:\*\*Title \(ZH\)\*\*: (?P<title_zh>[^\n]*) \n\n)?"
    r"\*\*Authors\*\*: (?P<authors>[^\n]*)  \n\n\*\*Link\*\*: \[PDF\]\(https://arxiv.org/pdf/"
    r"(?P<id>[^)]+)\)  \n\n\*\*Abstract\*\*: (?P<abstract>.*?) \n\n"
    r"(?:\*\*Abstract \(ZH\)\*\*: (?P<abstract_zh>.*?) \n\n)?---\n",
    re.DOTALL,
)


def papers_of_digest(text: str) -> list[dict[str, Any]]:
    """The papers of a digest file, with their translations when it has them."""
    papers = []
    for block in _BLOCK.finditer(text):
        papers.append({
            "id": block["id"], "title": block["title"], "authors": block["authors"].split(", "),
            "abstract": block["abstract"], "title_zh": block["title_zh"],
            "abstract_zh": block["abstract_zh"],
        })
    assert "".join(m.group(0) for m in _BLOCK.finditer(text)) == text, "not a whole digest"
    return papers


def canned_answers(papers: list[dict[str, Any]]) -> dict[str, str]:
    """Source text -> the translation the digest shows for it."""
    answers = {}
    for paper in papers:
        if paper["title_zh"]:
            answers[paper["title"]] = paper["title_zh"]
        if paper["abstract_zh"]:
            answers[paper["abstract"]] = paper["abstract_zh"]
    return answers


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _FakeBase:
    def __init__(self) -> None:
        self.faults: deque[Fault] = deque()
        self.requests: list[dict[str, Any]] = []
        self._server: _Server | None = None

    def fail(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Any:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                fake.handle(self, self.rfile.read(length))

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        self.requests.append({"path": handler.path, "body": body,
                              "authorization": handler.headers.get("Authorization")})
        if self.faults:
            fault = self.faults.popleft()
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            _send(handler, fault.status, fault.body, fault.content_type, headers)
            return
        status, answer, content_type = self.answer(handler.path, body)
        _send(handler, status, answer, content_type, {})

    def answer(self, path: str, body: bytes | None) -> tuple[int, bytes, str]:
        raise NotImplementedError


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
          headers: dict[str, str]) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class FakeFeed(_FakeBase):
    """arXiv's RSS host: every ``/rss/...`` path gets ``body``."""

    def __init__(self, body: bytes = b"") -> None:
        super().__init__()
        self.body = body

    def answer(self, path: str, body: bytes | None) -> tuple[int, bytes, str]:
        if not path.startswith("/rss/"):
            return 404, b"not found", "text/plain"
        return 200, self.body, "application/rss+xml"


class FakeTranslator(_FakeBase):
    """An OpenAI-compatible chat endpoint answering from ``answers`` (source -> translation)."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.answers = answers or {}

    def answer(self, path: str, body: bytes | None) -> tuple[int, bytes, str]:
        if path != "/v1/chat/completions" or body is None:
            return 404, b"{}", "application/json"
        request = json.loads(body)
        text = request["messages"][-1]["content"]
        content = self.answers.get(text, "未知")
        reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
        return 200, json.dumps(reply, ensure_ascii=False).encode(), "application/json"

    def sources(self) -> list[str]:
        """The texts asked for, in order (faulted requests included)."""
        return [json.loads(r["body"])["messages"][-1]["content"] for r in self.requests]
