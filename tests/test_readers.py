"""Every reader, through ``read_file`` / ``read_inputs``, on the real files under tests/data/.

Feeds and pages over HTTP come from a real ``http.server`` on 127.0.0.1; any
other connection attempt fails the test, so no reader (nor trafilatura nor
feedparser behind it) may reach the network on its own.
"""

from __future__ import annotations

import gzip
import http.server
import shutil
import socket
import threading
from functools import partial
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsdesk.errors import ReaderError
from newsdesk.fetch import USER_AGENT, fetch
from newsdesk.model import Record, Reject
from newsdesk.normalize import iso, parse_date
from newsdesk.readers import ReadOptions, detect_format, read_file, read_inputs
from newsdesk.readers.html import extract_page, html_to_text

DATA = Path(__file__).resolve().parent / "data"


def read(path: Path | str, **options) -> list[Record | Reject]:
    return list(read_file(str(path), ReadOptions(**options)))


def records(items: list[Record | Reject]) -> list[Record]:
    return [r for r in items if isinstance(r, Record)]


def rejects(items: list[Record | Reject]) -> list[Reject]:
    return [r for r in items if isinstance(r, Reject)]


def published(rec: Record) -> str:
    return iso(parse_date(rec.published))


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


# --- format detection -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("text/council-budget.txt", "text"),
        ("jsonl/odd.jsonl", "jsonl"),
        ("csv/articles.csv", "csv"),
        ("csv/articles.tsv", "csv"),
        ("html/article.html", "html"),
        ("feeds/rss2.xml", "feed"),
        ("feeds/atom.xml", "feed"),
        ("feeds/rss1.rdf", "feed"),  # no .rdf extension known: sniffed
        ("feeds/local-pages.rss.tmpl", "feed"),  # sniffed
        ("warc/ccnews-sample.warc.gz", "warc"),
        ("broken/garbage.bin", None),
    ],
)
def test_detect_format(name, fmt):
    assert detect_format(str(DATA / name)) == fmt


@pytest.mark.parametrize(
    ("source", "fmt", "count"),
    [
        ("feeds/rss2.xml", "feed", 3),
        ("feeds/atom.xml", "feed", 2),
        ("html/article.html", "html", 1),
        ("jsonl/odd.jsonl", "jsonl", 2),
    ],
)
def test_sniffed_without_extension(tmp_path, source, fmt, count):
    saved = tmp_path / "download"
    shutil.copy(DATA / source, saved)
    assert detect_format(str(saved)) == fmt
    got = read(saved)
    assert len(records(got)) == count and not rejects(got)


def test_uncompressed_warc_sniffed_without_extension(tmp_path):
    saved = tmp_path / "crawl-dump"
    saved.write_bytes(gzip.decompress((DATA / "warc/ccnews-sample.warc.gz").read_bytes()))
    assert detect_format(str(saved)) == "warc"
    assert len(records(read(saved))) == 3


def test_forced_format(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text("title,body\nForced CSV headline,A body read as CSV because the user said so.\n")
    assert [r.title for r in records(read(path))] == ["title,body"]  # by extension: the text reader
    forced = records(read(path, format="csv"))
    assert [(r.title, r.body) for r in forced] == [
        ("Forced CSV headline", "A body read as CSV because the user said so.")
    ]
    [bad] = read(path, format="pdf")
    assert isinstance(bad, Reject) and "unknown format 'pdf'" in bad.reason


# --- text -------------------------------------------------------------------


def test_text_directory():
    got = list(read_inputs([str(DATA / "text")], ReadOptions()))
    assert [r.external_id for r in got] == ["council-budget", "museum-reopening"]
    first = got[0]
    assert first.title == "Harbourside council approves £4m sea wall repair"
    assert "Victorian sea wall along Esplanade Road" in first.body
    assert first.provenance == str(DATA / "text" / "council-budget.txt")


# --- JSON Lines -------------------------------------------------------------


def test_jsonl_odd_field_names():
    first, second = read(DATA / "jsonl/odd.jsonl")
    assert first.title == "Wind farm cable ship runs aground off Hollin Head"
    assert "refloated on the evening tide" in first.body
    assert first.url == "https://shorelines.example/news/cable-ship-aground"
    assert published(first) == "2024-01-14T06:55:00Z"
    assert first.authors == ["Nia Rhys", "Colm Devlin"]
    assert first.source == "Shorelines"
    assert first.metadata == {
        "wordcount": 41,
        "tags": ["energy", "maritime"],
        "internal": {"desk": "north", "priority": 2},
    }
    assert first.provenance.endswith("odd.jsonl:1")
    assert second.authors == ["Ewan Firth"]
    assert published(second) == "2024-01-15T18:20:00Z"
    assert second.metadata["story_id"] == "SL-88120"


def test_jsonl_three_good_two_broken():
    got = read(DATA / "jsonl/broken.jsonl")
    assert [r.title for r in records(got)] == [
        "Snow closes mountain pass for third day",
        "Village school celebrates 150 years",
        "Avalanche warning raised to level four",
    ]
    bad = rejects(got)
    assert [r.provenance for r in bad] == [
        f"{DATA / 'jsonl/broken.jsonl'}:2",
        f"{DATA / 'jsonl/broken.jsonl'}:4",
    ]
    assert "invalid JSON" in bad[0].reason
    assert "expected a JSON object, got list" in bad[1].reason


# --- CSV / TSV --------------------------------------------------------------

CSV = DATA / "csv/articles.csv"


def test_csv_with_mapping():
    got = read(CSV, mapping={"published": "Pub Date"})
    tram, bakery, orchestra = records(got)
    assert [r.provenance for r in got] == [f"{CSV}:2", f"{CSV}:3", f"{CSV}:6", f"{CSV}:7"]
    [bad] = rejects(got)
    assert bad.provenance == f"{CSV}:6" and bad.reason == "expected 7 columns, found 3"
    assert tram.title == "Tram extension wins final approval"
    assert tram.url == "https://metro-herald.example/city/tram-extension-approved"
    assert tram.source == "Metro Herald" and tram.authors == ["Ada Kowalczyk"]
    assert tram.metadata == {"Section": "City"}
    # a quoted body over three physical lines, blank line kept
    assert bakery.body.startswith("Hearthstone Bakeries has recalled")
    assert "mix-up.\n\nCustomers with a sesame allergy" in bakery.body
    assert bakery.authors == ["Jonas Whitcombe", "Mei Tanaka"]
    assert orchestra.title == 'Orchestra cancels tour, citing "unworkable" visa delays'
    assert orchestra.authors == []
    assert [published(r) for r in (tram, bakery, orchestra)] == [
        "2024-02-19T21:10:00Z",
        "2024-02-20T00:00:00Z",
        "2024-02-21T09:00:00Z",
    ]


def test_csv_column_names_match_loosely_and_the_rest_is_metadata():
    tram = records(read(CSV))[0]
    assert tram.published == "2024-02-19T21:10:00Z"  # "Pub Date" is the usual pub_date
    assert tram.metadata == {"Section": "City"}


def test_tsv():
    drought, ferryman = read(DATA / "csv/articles.tsv")
    assert drought.title == "Drought forces hosepipe ban across Eastmoor"
    assert drought.external_id == "EP-2023-07-0457"
    assert published(drought) == "2023-07-12T00:00:00Z"
    assert drought.metadata == {"region": "North"}
    assert ferryman.authors == [] and published(ferryman) == "2023-07-15T16:30:00Z"
    assert ferryman.provenance.endswith("articles.tsv:3")


def test_csv_gzipped(tmp_path):
    path = tmp_path / "articles.csv.gz"
    path.write_bytes(gzip.compress(CSV.read_bytes()))
    got = read(path, mapping={"published": "Pub Date"})
    assert [r.provenance.rsplit(":", 1)[1] for r in got] == ["2", "3", "6", "7"]
    assert len(records(got)) == 3


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_sniffed_from_header(tmp_path, delimiter):
    path = tmp_path / "export.csv"
    rows = [
        ["headline", "text", "date"],
        ["Sniffed delimiter, with a comma", "Body, also with commas.", "2022-05-01"],
    ]
    path.write_text("\n".join(delimiter.join(row) for row in rows) + "\n")
    [rec] = read(path)
    assert rec.title == "Sniffed delimiter, with a comma" and rec.body == "Body, also with commas."


def test_csv_windows_1252(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(
        "title,body\nCaf\u00e9 owners protest \u2013 again,Na\u00efve \u20ac5 fee\n".encode("cp1252")
    )
    [rec] = read(path)
    assert rec.title == "Café owners protest – again" and rec.body == "Naïve €5 fee"


def test_csv_bad_utf8_after_the_start_loses_one_row(tmp_path):
    path = tmp_path / "big.csv"
    filler = "x" * 500
    lines = [b"title,body"] + [f"Row {i},{filler}".encode() for i in range(2500)]  # > 1 MiB of UTF-8
    lines += [b"Caf\xe9 row,written by an old exporter", "Last row,ok \u00e9".encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    got = read(path)
    assert len(records(got)) == 2501
    [bad] = rejects(got)
    assert bad.provenance == f"{path}:2502"
    assert "not UTF-8" in bad.reason and "0xE9" in bad.reason and "'title'" in bad.reason
    assert got[-1].title == "Last row" and got[-1].body == "ok é"


def test_csv_empty_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    [bad] = read(empty)
    assert isinstance(bad, Reject) and "no header" in bad.reason
    header_only = tmp_path / "header.csv"
    header_only.write_text("title,body\n")
    assert read(header_only) == []


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


# --- WARC -------------------------------------------------------------------

WARC = DATA / "warc/ccnews-sample.warc.gz"


def warc_offsets(path: Path) -> dict[int, str]:
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        out = {}
        for rec in it:
            uri = rec.rec_headers.get_header("WARC-Target-URI")
            out[it.get_record_offset()] = f"{rec.rec_type} {uri}"
        return out


def test_warc_ccnews():
    got = read(WARC)
    assert all(isinstance(r, Record) for r in got)  # request, png, 404, warcinfo: skipped silently
    silo, festival, election = got
    assert silo.title == "Grain silo fire at Riverton docks burns for nine hours"
    assert silo.url == "https://www.riverton-daily.example/news/2024/06/03/grain-silo-fire"
    assert "800 tonnes of barley" in silo.body and "All rights reserved" not in silo.body
    assert published(silo) == "2024-06-03T05:30:00Z"  # from the page
    assert silo.metadata["fetched"] == "2024-06-03T10:15:42Z"
    assert silo.authors == ["Joanna Meyer"] and silo.source == "Riverton Daily"
    # ISO-8859-1 declared only in the HTTP header; no date in the page: WARC-Date instead
    assert festival.title == "Lakeside festival draws record crowd to Sainte-Cécile"
    assert "Zoë Marchetti" in festival.body and "Rue des Pêcheurs" in festival.body
    assert (
        festival.url == "http://www.lac-bleu-journal.example/actualites/festival-musique?utm_source=twitter"
    )
    assert festival.published == "2024-06-04T08:01:10Z"
    assert "Hillcrest North" in election.body  # Content-Encoding: gzip
    assert published(election) == "2024-06-05T10:00:00Z"
    # provenance offsets point at the response records themselves
    offsets = warc_offsets(WARC)
    for rec in got:
        path, offset = rec.provenance.rsplit("@", 1)
        assert path == str(WARC)
        assert offsets[int(offset)] == f"response {rec.url}"


def test_warc_uncompressed(tmp_path):
    path = tmp_path / "sample.warc"
    path.write_bytes(gzip.decompress(WARC.read_bytes()))
    got = read(path)
    assert [r.title for r in got] == [r.title for r in read(WARC)]
    offsets = warc_offsets(path)
    assert all(offsets[int(r.provenance.rsplit("@", 1)[1])].startswith("response ") for r in got)


def test_warc_truncated():
    got = read(DATA / "broken/truncated.warc.gz")
    assert [r.title for r in records(got)] == [r.title for r in read(WARC)][:2]
    bad = got[-1]
    assert isinstance(bad, Reject) and len(rejects(got)) == 1
    third_offset = int(read(WARC)[2].provenance.rsplit("@", 1)[1])
    assert bad.provenance == f"{DATA / 'broken/truncated.warc.gz'}@{third_offset}"
    assert "truncated" in bad.reason


@pytest.mark.parametrize("cut", [0.5, 0.8])
def test_warc_cut_anywhere_never_raises(tmp_path, cut):
    raw = gzip.decompress(WARC.read_bytes())
    path = tmp_path / "cut.warc"
    path.write_bytes(raw[: int(len(raw) * cut)])
    got = read(path)
    assert isinstance(got[-1], Reject) and "WARC" in got[-1].reason
    assert len(records(got)) < 3


def test_arc(tmp_path):
    paragraph = "<p>The tidal mill at Eling has ground flour for four centuries on the estuary's tides.</p>"
    html = f"<html><head><title>Tidal mill turns again</title></head><body><article>{paragraph}</article></body></html>"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    version = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    path = tmp_path / "old.arc"
    path.write_bytes(
        b"filedesc://old.arc 0.0.0.0 20040101000000 text/plain %d\n%b\n" % (len(version), version)
        + b"http://mills.example/eling 192.0.2.7 20040102030405 text/html %d\n%b\n" % (len(http), http)
    )
    [page] = read(path)
    assert page.title == "Tidal mill turns again" and "Eling" in page.body
    assert page.url == "http://mills.example/eling" and published(page) == "2004-01-02T03:04:05Z"
    assert "warc_record_id" not in page.metadata


# --- directories, globs, batches --------------------------------------------


def test_directory_recursion():
    got = list(read_inputs([str(DATA / "feeds")], ReadOptions()))
    files = sorted({r.provenance.split("#")[0].rsplit("/", 1)[1] for r in got})
    assert files == ["atom.xml", "rss1.rdf", "rss2.xml"]  # local-pages.rss.tmpl: not a known extension
    assert len(records(got)) == 7 and not rejects(got)


def test_directory_reads_only_known_extensions_unless_a_format_is_forced(tmp_path):
    (tmp_path / "story.txt").write_text("A story\nIts body.")
    (tmp_path / "tool.py").write_text("print('not news')\n")
    (tmp_path / "notes").write_text("No extension\nnot read either.")
    got = list(read_inputs([str(tmp_path)], ReadOptions()))
    assert [r.title for r in records(got)] == ["A story"] and not rejects(got)
    forced = list(read_inputs([str(tmp_path)], ReadOptions(format="text")))
    assert sorted(r.title for r in records(forced)) == ["A story", "No extension", "print('not news')"]
    # a file named on its own is read whatever its extension (sniffed)
    assert [r.title for r in records(list(read_inputs([str(tmp_path / "notes")], ReadOptions())))] == ["No extension"]


def test_glob_recursive():
    got = list(read_inputs([str(DATA / "jsonl" / "**" / "*.jsonl")], ReadOptions()))
    assert len(records(got)) == 5
    assert [r.provenance.rsplit("/", 1)[1] for r in rejects(got)] == ["broken.jsonl:2", "broken.jsonl:4"]


def test_hidden_files_skipped_and_missing_input(tmp_path):
    (tmp_path / ".draft.txt").write_text("Hidden draft\nnot for ingest")
    (tmp_path / "story.txt").write_text("Visible story\nIngest me.")
    got = list(read_inputs([str(tmp_path), str(tmp_path / "gone.jsonl")], ReadOptions()))
    assert [r.title for r in records(got)] == ["Visible story"]
    assert rejects(got) == [Reject(str(tmp_path / "gone.jsonl"), "no such file or directory")]


def test_broken_directory_yields_rejects_not_errors():
    got = list(read_inputs([str(DATA / "broken")], ReadOptions()))
    by_file = {r.provenance.rsplit("/", 1)[1].split("@")[0] for r in rejects(got)}
    assert by_file == {  # garbage.bin: no known extension, so not picked up from a directory
        "empty.txt",
        "not-a-feed.xml",
        "not-really-text.txt",
        "truncated.warc.gz",
    }
    assert len(records(got)) == 2  # what the truncated WARC held before the cut


def test_corrupt_gzip_is_a_reject(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"title": "x"}\n' * 50)[:10] + b"\xff" * 40)
    [bad] = read(path)
    assert isinstance(bad, Reject) and bad.reason.startswith("cannot read")
