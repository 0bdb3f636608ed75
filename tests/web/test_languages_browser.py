"""Languages in the web UI, in Debian's Chromium (issue 15, item 5): every article text carries its
``lang`` and an explicit ``dir``, so Arabic and Hebrew run right to left even when a headline
starts with a Latin name (where ``dir="auto"`` alone would lay it out left to right); hits and
article pages name the language; the language filter narrows a search; an article in a language
without entities says so instead of showing an empty list."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import newsdesk

from ..conftest import chromium_page, needs_browser, serving

pytestmark = pytest.mark.browser

# (lang, title, body): every body says "Newswire" so one query matches them all
ARTICLES = [
    ("ar", "BBC: الفريق الانتقالي يلتقي جماعات الضغط",
     'Newswire قال المتحدث: "نواجه الكثير من المنافسة, ونرى أن بوسع النقل بالمركبات أن يساعد".'),
    ("he", "הממשלה אישרה את התקציב החדש", "Newswire הממשלה אישרה הבוקר את התקציב החדש לשנה הבאה."),
    ("de", "Regierung plant neue Verkehrsregeln", "Newswire „Wir stehen im Wettbewerb“, sagte der Sprecher."),
    ("fr", "L'économie française ralentit", "Newswire « Nous sommes prêts », a déclaré le ministre."),
    ("ja", "移行チームが会合", "Newswire 社長は、「当社は多くの競争に直面している」と述べた。"),
    ("en", "Transit team meets lobbyists", 'Newswire "We face a lot of competition," said Joe Sternlieb.'),
]  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    needs_browser()
    root = tmp_path_factory.mktemp("web-languages")
    src = root / "articles.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i, (lang, title, body) in enumerate(ARTICLES):
            row = {"title": title, "body": body, "lang": lang, "source": f"Wire {lang.upper()}",
                   "published": f"2016-11-{i + 1:02d}T10:00:00Z", "url": f"https://example.com/{lang}"}  # fmt: skip
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    data = root / "d"
    subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", str(src)],
                   check=True, capture_output=True)  # fmt: skip
    enrich = subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "enrich", "--stage", "entities"],
                            capture_output=True, text=True)  # fmt: skip
    assert enrich.returncode == 0, enrich.stderr  # quotes in every language; entities where a model is
    with newsdesk.open(data) as desk:
        ids = {a.lang: a.id for a in (desk.get(h.id) for h in desk.search("newswire", limit=20).hits)}
        facets = desk.facets("newswire")
    with serving(data) as base, chromium_page() as page:
        yield base, page, ids, facets


def _dir(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).direction")


def test_arabic_hit_runs_right_to_left_even_starting_with_latin(served):
    base, page, ids, _ = served
    page.goto(base + "/?q=" + "المنافسة")
    hit = "ol.hits li.hit"
    page.wait_for_selector(hit)
    title = f"{hit} h2 a"
    assert page.get_attribute(title, "lang") == "ar"
    assert _dir(page, title) == "rtl", "the headline starts with 'BBC:': dir=auto would make it ltr"
    assert _dir(page, f"{hit} .snippet") == "rtl"
    assert page.inner_text(f"{hit} .meta .lang") == "Arabic"
    assert _dir(page, "h1.count") == "ltr"  # the page around it stays left to right


def test_article_pages_carry_lang_and_dir(served):
    base, page, ids, _ = served
    for lang, want_dir, name in (("he", "rtl", "Hebrew"), ("ar", "rtl", "Arabic"), ("de", "ltr", "German"),
                                 ("ja", "ltr", "Japanese")):  # fmt: skip
        page.goto(f"{base}/articles/{ids[lang]}")
        assert page.get_attribute("article h1", "lang") == lang
        assert _dir(page, "article h1") == want_dir, lang
        assert _dir(page, "article .body") == want_dir, lang
        assert page.eval_on_selector("article .body p", "e => e.closest('[lang]').lang") == lang
        assert page.inner_text("article .meta .lang") == name


def test_language_filter_from_the_search_form(served):
    base, page, _, _ = served
    page.goto(base + "/")
    assert "Hebrew (1)" in page.inner_text(".intro")
    page.fill("#q", "newswire")
    page.click("details.more summary")
    page.select_option("#lang-filter", "de")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.hits li.hit")
    assert page.locator("ol.hits li.hit").count() == 1
    assert page.inner_text("ol.hits li.hit .meta .lang") == "German"
    assert "in German" in page.inner_text("h1.count")
    assert "lang=de" in page.url
    page.goto(base + "/?q=newswire&lang=xx-not-a-code")
    assert "ISO 639-1" in page.get_by_role("alert").inner_text()


def test_language_facet_when_the_desk_gives_one(served):
    base, page, _, facets = served
    langs = facets.get("lang") or facets.get("languages")
    if not langs:
        pytest.skip("Desk.facets returns no language facet yet (lang-core, issue 15)")
    page.goto(base + "/?q=newswire")
    items = page.locator("ul.languages li")
    assert items.count() == len(langs)
    page.get_by_role("link", name="Hebrew").click()
    page.wait_for_selector("ol.hits li.hit")
    assert page.locator("ol.hits li.hit").count() == 1
    assert page.get_attribute("ol.hits li.hit h2 a", "dir") == "rtl"


def test_quotes_of_other_languages_render_in_their_language(served):
    base, page, ids, _ = served
    for lang, want_dir, words in (("ar", "rtl", "نواجه الكثير"), ("de", "ltr", "Wir stehen im Wettbewerb"),
                                  ("ja", "ltr", "当社は多くの競争")):  # fmt: skip
        page.goto(f"{base}/articles/{ids[lang]}")
        quote = "aside blockquote.quote p"
        assert words in page.inner_text(quote), lang
        assert page.get_attribute(quote, "lang") == lang
        assert _dir(page, quote) == want_dir, lang
        assert page.locator(f"{quote} q").count() == 1  # the marks come from the language (CSS quotes)


def test_no_empty_entity_list_for_a_language_without_entities(served):
    base, page, ids, _ = served
    page.goto(f"{base}/articles/{ids['ja']}")
    note = page.inner_text(".entities-note")
    assert re.search(r"\bja\b|Japanese", note), note
    assert page.locator("ul.entities").count() == 0
    page.goto(f"{base}/articles/{ids['en']}")
    assert page.locator(".entities-note").count() == 0  # English: the usual "run newsdesk enrich" hint
