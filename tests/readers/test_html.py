"""The saved-page (HTML) reader and the HTML-to-text helper.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

from newsdesk.model import Reject
from newsdesk.readers.html import extract_page, html_to_text

from .helpers import DATA, published, read

# --- HTML -------------------------------------------------------------------


def test_html_article():
    [page] = read(DATA / "html/article.html")
    assert page.title == "Harbour ferry strike ends after 11 days as crews accept new rota"
    assert page.body.startswith("Ferry crews on the Kessler Sound route")
    assert "Pål Ekdahl" in page.body
    for boilerplate in ("cookies", "Subscribe", "Related stories", "morning briefing", "All rights reserved"):
        assert boilerplate not in page.body
    assert page.url == "https://www.coastalcourier.example/news/2024/03/14/harbour-ferry-strike-ends"
    assert published(page) == "2024-03-14T08:42:00Z"
    assert page.authors == ["Marta Lindqvist"]
    assert page.source == "The Coastal Courier"
    assert page.lang == "en"
    assert page.metadata["description"].startswith("Ferry crews on the Kessler Sound route voted")
    assert page.provenance == str(DATA / "html/article.html")


def test_html_saved_from_url_comment(tmp_path):
    path = tmp_path / "saved.htm"
    paragraph = (
        "<p>The regional court upheld the fishing quota ruling on appeal, ending a two-year dispute.</p>"
    )
    path.write_text(
        "<!-- saved from url=(0042)https://courts.example/news/quota-ruling -->\n"
        f"<html><head><title>Quota ruling upheld</title></head><body><article>{paragraph * 3}</article></body></html>"
    )
    [page] = read(path)
    assert page.url == "https://courts.example/news/quota-ruling"
    assert "fishing quota ruling" in page.body


def test_html_without_article():
    reject = extract_page(
        "<html><head></head><body><nav><a href='/'>Home</a></nav></body></html>", provenance="p"
    )
    assert reject == Reject("p", "no article text found")
    assert isinstance(extract_page(b"", url="https://x.example/"), Reject)


def test_html_to_text_keeps_paragraphs():
    text = html_to_text(
        "<p>One &amp; two<br>line two</p>\n<p>Three <b>bold</b>\n more</p><script>x()</script>"
    )
    assert text == "One & two\nline two\n\nThree bold more"
