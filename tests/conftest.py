"""Shared fixtures: real desks on temporary directories, and the shared corpora."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import newsdesk

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
REUTERS = SHARED / "data" / "reuters21578" / "reuters21578.jsonl.gz"
SEED = SHARED / "seed"


def needs_shared() -> None:
    if not REUTERS.exists():
        pytest.skip(f"shared corpora not found at {SHARED}")


@pytest.fixture
def desk(tmp_path):
    """An empty desk in a fresh temporary data directory, closed afterwards."""
    d = newsdesk.open(tmp_path / "data")
    yield d
    d.close()


@pytest.fixture(scope="session")
def reuters_dir(tmp_path_factory) -> Path:
    """A data directory holding all of Reuters-21578 plus the seed article (built once)."""
    needs_shared()
    path = tmp_path_factory.mktemp("reuters") / "data"
    with newsdesk.open(path) as d:
        d.ingest([str(REUTERS), str(SEED)])
    return path


@pytest.fixture(scope="session")
def reuters_desk(reuters_dir):
    """The Reuters + seed desk, opened once per session (read-only use, please)."""
    d = newsdesk.open(reuters_dir)
    yield d
    d.close()


def run_cli(*args: str, data: Path | None = None, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run the real ``newsdesk`` CLI in a subprocess and capture its output."""
    cmd = [sys.executable, "-m", "newsdesk"]
    if data is not None:
        cmd += ["--data", str(data)]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=600, **kw)


# -- a real `newsdesk serve`, and Debian's Chromium driven by Playwright -------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(data: Path, ready_path: str = "/") -> Iterator[str]:
    """Run ``newsdesk serve`` on a free 127.0.0.1 port for ``data``; yield its base URL."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(data), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + ready_path, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def needs_browser() -> None:
    """Skip, saying how to fix it, when Chromium or Playwright is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (make chromium) to run the browser tests")
    pytest.importorskip("playwright")


@contextlib.contextmanager
def chromium_page(**context_options) -> Iterator:
    """A page in headless Debian Chromium (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(**context_options).new_page()
        finally:
            browser.close()


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """3,000 Reuters articles from ../shared (there on every clean clone), one desk per module."""
    import gzip
    import json

    from newsdesk.model import Record

    if not REUTERS.exists():
        pytest.skip(f"{REUTERS}: shared Reuters not found")
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(3000), fh, strict=False)]
    d = newsdesk.open(tmp_path_factory.mktemp("news") / "data")
    d.ingest_records([Record(title=o.get("title") or "", body=o.get("body") or "", external_id=str(o["id"]),
                             source="reuters") for o in rows])
    yield d
    d.close()
