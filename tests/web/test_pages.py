"""The web UI in Debian's Chromium (Playwright): search, open, timeline, CSV download."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import SEED, chromium_page, needs_browser, serving

DATA = Path(__file__).resolve().parents[1] / "data"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    needs_browser()
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    data = tmp_path_factory.mktemp("web") / "d"
    subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", str(SEED), str(DATA / "text")],
                   check=True, capture_output=True)
    with serving(data) as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    with chromium_page(accept_downloads=True) as pg:
        yield pg


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
