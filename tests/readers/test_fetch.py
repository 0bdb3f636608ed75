"""newsdesk.fetch: the one network seam, against a real loopback server.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

import socket

import pytest

from newsdesk.errors import ReaderError
from newsdesk.fetch import fetch

from .helpers import DATA

# --- fetch ------------------------------------------------------------------


def test_fetch(server):
    base, log = server
    assert fetch(f"{base}/feeds/atom.xml") == (DATA / "feeds/atom.xml").read_bytes()
    assert log[-1][1] == "newsdesk/0.1 (+news search)"
    with pytest.raises(ReaderError, match="HTTP 404"):
        fetch(f"{base}/missing")
    with pytest.raises(ReaderError, match="too big"):
        fetch(f"{base}/feeds/atom.xml", max_bytes=100)
    with pytest.raises(ReaderError, match="not an http"):
        fetch("file:///etc/passwd")


def test_fetch_timeout_and_refused():
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(ReaderError, match="timed out"):
            fetch(f"http://127.0.0.1:{silent.getsockname()[1]}/feed", timeout=0.3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with pytest.raises(ReaderError, match="cannot fetch"):
        fetch(f"http://127.0.0.1:{closed_port}/feed", timeout=2)
