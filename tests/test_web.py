"""The web UI in Debian's Chromium (Playwright): search, open, timeline, CSV download."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"
DATA = Path(__file__).resolve().parent / "data"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (make chromium) to run the browser tests")
    pytest.importorskip("playwright")
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    data = tmp_path_factory.mktemp("web") / "d"
    cli = [sys.executable, "-m", "newsdesk", "--data", str(data)]
    subprocess.run([*cli, "ingest", str(SEED), str(DATA / "text")], check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([*cli, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(100):
        try:
            httpx.get(base + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True)
        pg = context.new_page()
        yield pg
        browser.close()


def test_search_open_timeline_and_download(server, page, tmp_path):
    page.goto(server + "/")
    page.fill("#q", "jeff sessions")
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_selector("ol.hits li.hit")
    first = page.locator("ol.hits li.hit").first
    assert "Sessions" in first.locator(".snippet").inner_text()
    assert first.locator("mark").count() >= 2  # highlighted matches
    first.locator("h2 a").click()
    page.wait_for_selector("article.article")
    assert "sanctuary" in page.locator("article .body").inner_text()
    page.go_back()
    page.get_by_role("link", name="Attention over time").last.click()
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart title").first.text_content().startswith("Attention over time")
    page.goto(server + "/?q=jeff+sessions")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download all").click()
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 1 and "Sessions" in rows[0]["snippet"]


def test_bad_query_shows_caret(server, page):
    page.goto(server + "/?q=" + "oil%20AND%20(")
    alert = page.get_by_role("alert")
    assert "^" in alert.inner_text()


def test_phone_width_has_no_horizontal_scroll(server, page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(server + "/?q=jeff+sessions")
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    page.set_viewport_size({"width": 1200, "height": 900})
