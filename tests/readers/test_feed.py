"""The RSS/Atom reader, from files and over real loopback HTTP.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

from newsdesk.fetch import USER_AGENT
from newsdesk.model import Reject
from newsdesk.readers import ReadOptions, read_inputs

from .helpers import DATA, published, read, records

# --- feeds ------------------------------------------------------------------


def test_rss2():
    bridge, library, rovers = read(DATA / "feeds/rss2.xml")
    assert bridge.title == "Aldern bridge reopens to lorries after six-month repair"
    # content:encoded, not the description; paragraphs kept
    assert bridge.body.startswith("Heavy goods vehicles are allowed back on the Aldern bridge")
    assert "\n\nThe county council closed the crossing" in bridge.body
    assert "under budget, the council said.\nA weight check" in bridge.body  # <br>
    assert "trackRead" not in bridge.body
    assert bridge.url == "https://valleygazette.example/local/2024/04/02/aldern-bridge-reopens?utm_source=rss"
    assert bridge.published == "2024-04-02T16:05:00Z"
    assert bridge.authors == ["Owen Pritchard"]
    assert bridge.external_id == "vg-2024-04-02-0117"
    assert bridge.source == "Valley Gazette – Local News"
    assert bridge.lang == "en-gb"
    assert bridge.metadata["tags"] == ["Transport", "Aldern"]
    assert bridge.provenance == f"{DATA / 'feeds/rss2.xml'}#entry1"
    assert library.body.startswith("Volunteers at Pennock library")  # summary only
    assert library.authors == ["Hannah Ellery"]  # "email (Name)"
    assert rovers.authors == ["Sam Okafor", "Lena Vass"]
    assert "Summary only" not in rovers.body and "Gareth Tudor" in rovers.body
    assert rovers.provenance.endswith("rss2.xml#entry3")


def test_atom():
    shipyard, port = read(DATA / "feeds/atom.xml")
    assert shipyard.title == "Werft in Flensmünde erhält Auftrag für zwei Forschungsschiffe"
    assert shipyard.body.startswith("Die Flensmünder Werft hat den Zuschlag")
    assert "„guten Tag für die ganze Region“" in shipyard.body
    assert shipyard.published == "2024-05-08T05:15:00Z"  # <published>, not <updated>
    assert shipyard.external_id == "tag:nordwind.example,2024:article-88213"
    assert shipyard.lang == "de" and shipyard.source == "Nordwind Zeitung: Wirtschaft"
    assert port.published == "2024-05-07T16:40:00Z"  # only <updated>
    assert port.authors == ["Mareike Sönksen", "Tobias Rehder"]
    assert port.body.split("\n\n")[1].startswith("Das Unternehmen will")  # xhtml content, two paragraphs


def test_rss1():
    sturgeon, dome = read(DATA / "feeds/rss1.rdf")
    assert sturgeon.title == "Lake sturgeon spawn in Cedar River for first time in a century"
    assert sturgeon.published == "2023-11-20T19:00:00Z"
    assert sturgeon.authors == ["Priya Natarajan"] and dome.authors == []
    assert sturgeon.lang == "en-us" and sturgeon.source == "Lakeshore Tribune Science"
    assert (
        dome.url
        == dome.external_id
        == "https://lakeshore-tribune.example/science/2023/11/19/observatory-dome"
    )


def test_broken_feed_is_one_reject():
    [bad] = read(DATA / "broken/not-a-feed.xml")
    assert isinstance(bad, Reject) and bad.reason.startswith("not a feed:")


def test_feed_by_url_uses_the_fetch_seam():
    calls = []

    def fake_fetch(url: str) -> bytes:
        calls.append(url)
        return (DATA / "feeds/atom.xml").read_bytes()

    got = list(read_inputs(["https://nordwind.example/wirtschaft/atom.xml"], ReadOptions(fetch=fake_fetch)))
    assert calls == ["https://nordwind.example/wirtschaft/atom.xml"]
    assert [r.provenance for r in got] == [
        "https://nordwind.example/wirtschaft/atom.xml#entry1",
        "https://nordwind.example/wirtschaft/atom.xml#entry2",
    ]


def test_feed_over_http(server):
    base, log = server
    got = list(read_inputs([f"{base}/feeds/rss2.xml"], ReadOptions()))
    assert [r.title for r in records(got)][0] == "Aldern bridge reopens to lorries after six-month repair"
    assert len(got) == 3 and got[2].provenance == f"{base}/feeds/rss2.xml#entry3"
    assert log == [("/feeds/rss2.xml", USER_AGENT)]


def test_feed_over_http_missing(server):
    base, _ = server
    [bad] = list(read_inputs([f"{base}/feeds/nope.xml"], ReadOptions()))
    assert bad == Reject(f"{base}/feeds/nope.xml", "HTTP 404 File not found")


def test_fetch_pages(server, tmp_path):
    base, log = server
    port = base.rsplit(":", 1)[1]
    feed = tmp_path / "top.xml"
    feed.write_text((DATA / "feeds/local-pages.rss.tmpl").read_text().replace("{port}", port))

    plain = read(feed)
    assert log == []  # no page fetched unless asked
    assert plain[0].body == "Crews on the Kessler Sound route accept a revised rota."

    ferry, quay = read(feed, fetch_pages=True)
    assert [path for path, _ in log] == ["/html/article.html", "/html/no-such-page.html"]
    # the page's text replaced the one-line summary; its metadata wins, the feed fills the rest
    assert ferry.body.startswith("Ferry crews on the Kessler Sound route have voted")
    assert "Pål Ekdahl" in ferry.body
    assert ferry.title == "Harbour ferry strike ends after 11 days as crews accept new rota"
    assert ferry.url == "https://www.coastalcourier.example/news/2024/03/14/harbour-ferry-strike-ends"
    assert ferry.metadata["feed_link"] == f"{base}/html/article.html"
    assert ferry.metadata["feed_summary"] == plain[0].body
    assert ferry.external_id == "cc-2024-03-14-ferry"
    assert ferry.authors == ["Marta Lindqvist"]
    assert published(ferry) == "2024-03-14T08:42:00Z"
    assert ferry.provenance == f"{feed}#entry1"
    # a page that cannot be fetched leaves the feed's entry as it was
    assert quay == plain[1]
