"""Local HTTP servers for the following tests: feeds that change between polls, a webhook receiver.

Real sockets on 127.0.0.1 (never a mock of newsdesk): the poller and the
webhook sender go through ``newsdesk.fetch`` exactly as they would on the net.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from html import escape
from typing import Any


def rss(title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 document with ``items`` (dicts with title, link, guid, body, date)."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
        "<link>http://127.0.0.1/</link><description>test feed</description>"
    ]
    for it in items:
        parts.append(
            f"<item><title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"<guid>{escape(it['guid'])}</guid><pubDate>{it.get('date', 'Mon, 05 Mar 2018 10:00:00 GMT')}</pubDate>"
            f"<description>{escape(it['body'])}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def item(n: int, words: str = "") -> dict[str, str]:
    return {
        "title": f"Story number {n} {words}".strip(),
        "link": f"http://127.0.0.1/story/{n}",
        "guid": f"story-{n}",
        "body": f"The body of story {n}. {words} More words follow here.",
    }


@dataclass
class Route:
    """What one path serves: ``mode`` feed | error | html | garbage | slow | redirect | big."""

    mode: str = "feed"
    title: str = "Local Test Feed"
    items: list[dict[str, str]] = field(default_factory=list)
    target: str = ""  # redirect target path
    delay: float = 0.0  # seconds before answering (mode slow)
    status: int = 500


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when the request arrived
    status: int = 0
    body: bytes = b""


class FeedServer:
    """A threaded HTTP server whose routes tests change between polls; every request is recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                with server.lock:
                    server.requests.append(seen)
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    seen.status = 404
                    return self._reply(404, b"not here", {"Content-Type": "text/plain"})
                seen.status = server.answer(self, route, seen)

            def do_POST(self) -> None:  # noqa: N802
                self._reply(405, b"")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, handler: Any, route: Route, seen: Seen) -> int:
        if route.mode == "redirect":
            handler._reply(301, b"", {"Location": self.base + route.target})
            return 301
        if route.mode == "error":
            handler._reply(route.status, b"server trouble", {"Content-Type": "text/plain"})
            return route.status
        if route.mode == "html":
            handler._reply(
                200,
                b"<!DOCTYPE html><html><head><title>Moved</title></head><body><p>We have a new "
                b"website.</p></body></html>",
                {"Content-Type": "text/html; charset=utf-8"},
            )
            return 200
        if route.mode == "garbage":
            handler._reply(200, bytes(range(256)) * 8, {"Content-Type": "application/octet-stream"})
            return 200
        if route.mode == "page":  # an article page, longer than the feed's summary
            text = " ".join(
                f"<p>Paragraph {i} of the full story at {seen.path}, with many more words.</p>"
                for i in range(12)
            )
            handler._reply(
                200,
                f"<html><head><title>Full story {seen.path}</title></head><body><article>"
                f"<h1>Full story</h1>{text}</article></body></html>".encode(),
                {"Content-Type": "text/html; charset=utf-8"},
            )
            return 200
        if route.mode == "slow":
            time.sleep(route.delay)
        body = rss(route.title, route.items)
        if route.mode == "big":
            body = rss(route.title, [item(i, "x" * 2000) for i in range(200)])
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if seen.headers.get("if-none-match") == etag:
            handler._reply(304, b"", {"ETag": etag})
            return 304
        handler._reply(
            200,
            body,
            {
                "Content-Type": "application/rss+xml",
                "ETag": etag,
                "Last-Modified": formatdate(0, usegmt=True),
            },
        )
        return 200

    def hits(self, path: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Receiver:
    """A webhook receiver: answers ``fail`` times with 500, then 200; can hang on the first POST."""

    def __init__(self, fail: int = 0, hang_first: bool = False) -> None:
        self.fail = fail
        self.hang_first = hang_first
        self.got: list[Seen] = []  # every POST that arrived
        self.acked: list[Seen] = []  # those answered 2xx
        self.arrived = threading.Event()
        self.release = threading.Event()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length", "0"))
                seen = Seen(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    time.monotonic(),
                    body=self.rfile.read(n),
                )
                recv.got.append(seen)
                recv.arrived.set()
                if recv.hang_first and len(recv.got) == 1:
                    recv.release.wait(60)  # the sender is killed meanwhile: it never hears back
                    return
                status = 500 if len(recv.got) <= recv.fail else 200
                seen.status = status
                if status == 200:  # before answering, so a sender that heard 200 finds it here
                    recv.acked.append(seen)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    return

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def receiver(**kw: Any) -> Iterator[Receiver]:
    r = Receiver(**kw)
    try:
        yield r
    finally:
        r.close()
