"""Reader tests run with the network cut off (loopback only) and a real HTTP server on 127.0.0.1.

Feeds and pages over HTTP come from a real ``http.server`` serving tests/data/;
any other connection attempt fails the test, so no reader (nor trafilatura nor
feedparser behind it) may reach the network on its own.
"""

from __future__ import annotations

import http.server
import socket
import threading
from functools import partial

import pytest

from .helpers import DATA


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any test whose code tries to connect anywhere but this machine."""
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a reader tried to reach the network: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


class _Handler(http.server.SimpleHTTPRequestHandler):
    requests: list[tuple[str, str]]

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.requests.append((self.path, self.headers.get("User-Agent", "")))
        super().do_GET()

    def log_message(self, format, *args):  # quiet
        pass


@pytest.fixture
def server():
    """A real HTTP server on a free 127.0.0.1 port serving tests/data/; yields (base URL, request log)."""
    log: list[tuple[str, str]] = []
    handler = type("Handler", (_Handler,), {"requests": log})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(DATA)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()
