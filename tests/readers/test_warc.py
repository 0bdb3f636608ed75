"""The WARC/ARC reader.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newsdesk.model import Record, Reject

from .helpers import DATA, published, read, records, rejects

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
