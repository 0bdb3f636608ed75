"""Issue 12's reader defects, each reproduced on a real file (and real desk where it matters)."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from pathlib import Path

import pytest

from newsdesk.model import Record, Reject
from newsdesk.readers import ReadOptions, read_inputs

from ..conftest import run_cli
from .helpers import DATA, read, records, rejects


def deep(n: int) -> str:
    return "[" * n + "]" * n


# --- 3: one deep line, FIFOs, decompression bombs of newlines ----------------------------------


def test_a_json_line_nested_1000_deep_rejects_that_line_only(desk, tmp_path):
    path = tmp_path / "deep.jsonl"
    lines = [
        json.dumps({"title": "Before", "body": "first"}),
        '{"title": "Deep", "x": ' + deep(100_000) + "}",
        json.dumps({"title": "After", "body": "third"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    got = desk.ingest(str(path))
    assert (got.new, got.rejected) == (2, 1)
    assert got.rejects[0].provenance == f"{path}:2" and "nested too deeply" in got.rejects[0].reason


def test_a_json_document_nested_too_deep_is_one_reject(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"title": "Deep",\n "x": ' + deep(100_000) + "}\n")
    (bad,) = read(path)
    assert isinstance(bad, Reject) and "nested too deeply" in bad.reason


def test_api_ingest_of_a_deep_line_rejects_that_line_only(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    import newsdesk
    from newsdesk.api import create_app

    data = tmp_path / "data"
    with newsdesk.open(data) as d:
        key = d.create_key("test")
    body = json.dumps({"title": "Kept", "body": "kept"}) + "\n" + '{"x": ' + deep(5000) + "}\n"
    with TestClient(create_app(str(data))) as client:
        r = client.post(
            "/api/ingest",
            content=body,
            headers={"content-type": "application/x-ndjson", "authorization": f"Bearer {key}"},
        )
    assert r.status_code == 200, r.text
    assert (r.json()["new"], r.json()["rejected"]) == (1, 1)


def test_a_fifo_is_rejected_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    result: list = []
    reader = threading.Thread(
        target=lambda: result.extend(read_inputs([str(fifo)], ReadOptions())), daemon=True
    )
    reader.start()
    reader.join(10)
    if reader.is_alive():  # unblock the thread so the test run can end, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert len(result) == 1 and "not a regular file (a FIFO)" in result[0].reason
    # also inside a directory
    (tmp_path / "a.txt").write_text("Headline\nbody")
    got = list(read_inputs([str(tmp_path)], ReadOptions()))
    assert len(records(got)) == 1 and ["FIFO" in r.reason for r in rejects(got)] == [True]


def test_a_gzip_of_blank_lines_ends_quickly(tmp_path):
    path = tmp_path / "blank.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"\n" * 3_000_000)
    started = time.monotonic()
    got = read(path)
    assert time.monotonic() - started < 20
    (bad,) = got
    assert "blank lines in a row; reading stopped" in bad.reason
    csv = tmp_path / "blank.csv.gz"
    with gzip.open(csv, "wb") as fh:
        fh.write(b"title,body\n" + b"\n" * 1_100_000 + b"Late,row\n")
    assert "blank lines in a row" in rejects(read(csv))[0].reason


# --- 9: metadata nested deeper than the cap ------------------------------------------------------


def test_deep_metadata_is_a_clear_reject_and_allowed_depth_shows(desk, tmp_path):
    nested: object = "leaf"
    for _ in range(30):
        nested = {"k": nested}
    ok: object = "leaf"
    for _ in range(19):
        ok = {"k": ok}
    path = tmp_path / "meta.jsonl"
    path.write_text(
        json.dumps({"title": "Too deep", "body": "b", "extra": nested})
        + "\n"
        + json.dumps({"id": "ok-1", "title": "Fine", "body": "b", "extra": ok})
        + "\n"
    )
    got = desk.ingest(str(path))
    assert (got.new, got.rejected) == (1, 1)
    assert "metadata field 'extra' is nested more than 20 levels deep" in got.rejects[0].reason
    shown = run_cli("show", "--json", "ok-1", data=Path(desk.path), check=True)
    assert json.loads(shown.stdout)["metadata"]["extra"]["k"]["k"]


# --- 10: charsets, relative links, JSON Feed ---------------------------------------------------

CHARSETS = {
    "koi8_r": (
        "Новости дня",
        "Правительство объявило о новых мерах поддержки экономики. Министр финансов сообщил, что бюджет будет пересмотрен.",
    ),
    "shift_jis": (
        "今日のニュース",
        "政府は経済支援の新しい対策を発表しました。財務大臣は来月予算を見直すと述べ、中小企業の税金を引き下げると説明しました。",
    ),
    "euc_jp": (
        "今日のニュース",
        "政府は経済支援の新しい対策を発表しました。財務大臣は来月予算を見直すと述べ、中小企業の税金を引き下げると説明しました。",
    ),
    "euc_kr": (
        "오늘의 뉴스",
        "정부는 경제 지원을 위한 새로운 대책을 발표했습니다. 재무부 장관은 다음 달 예산을 재검토하고 중소기업의 세금을 인하할 것이라고 말했습니다.",
    ),
    "big5": (
        "今日新聞",
        "政府宣布了支持經濟的新措施。財政部長表示，下個月將重新審查預算，並降低中小企業的稅收。",
    ),
}


@pytest.mark.parametrize("encoding", sorted(CHARSETS))
def test_legacy_charset_feed_without_declaration(tmp_path, encoding):
    title, body = CHARSETS[encoding]
    xml = (
        f'<rss version="2.0"><channel><title>{title}</title><link>https://news.example.com/</link>'
        f"<item><title>{title}</title><link>/a/1</link><description>{body}</description></item></channel></rss>"
    )
    path = tmp_path / "legacy.rss"
    path.write_bytes(xml.encode(encoding))
    (rec,) = read(path)
    assert (rec.title, rec.body, rec.source) == (title, body, title)
    assert rec.url == "https://news.example.com/a/1"  # the relative link, resolved


def test_a_feed_with_a_wrong_declaration_is_redetected(tmp_path):
    title, body = CHARSETS["koi8_r"]
    xml = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title><item><title>{title}</title><description>{body}</description></item></channel></rss>'
    path = tmp_path / "wrong.rss"
    path.write_bytes(xml.encode("koi8_r"))
    (rec,) = read(path)
    assert rec.title == title


def test_a_correct_feed_is_passed_on_untouched(tmp_path):
    xml = '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>T</title><item><title>Caf\xe9 reopens</title><description>x</description></item></channel></rss>'
    path = tmp_path / "latin1.rss"
    path.write_bytes(xml.encode("latin-1"))
    assert read(path)[0].title == "Café reopens"


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Harbour Times",
    "home_page_url": "https://harbour.example.com/",
    "language": "en",
    "authors": [{"name": "Desk Staff"}],
    "items": [
        {
            "id": "ht-1",
            "url": "/2024/quay",
            "title": "Quay reopens",
            "content_html": "<p>The quay reopened on Monday.</p><p>Boats returned.</p>",
            "date_published": "2024-03-04T09:00:00+01:00",
            "authors": [{"name": "Ana Ruiz"}],
            "tags": ["harbour"],
        },
        {
            "id": "ht-2",
            "url": "https://harbour.example.com/2024/ferry",
            "content_text": "Ferry times change.",
        },
        "not an item",
    ],
}


@pytest.mark.parametrize("pretty", [True, False])
def test_json_feed_items_are_articles(tmp_path, pretty):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(JSON_FEED, indent=2 if pretty else None))
    got = read(path)
    first, second = records(got)
    assert (first.title, first.url, first.source, first.external_id) == (
        "Quay reopens",
        "https://harbour.example.com/2024/quay",
        "Harbour Times",
        "ht-1",
    )
    assert first.body == "The quay reopened on Monday.\n\nBoats returned." and first.authors == ["Ana Ruiz"]
    assert first.metadata["tags"] == ["harbour"] and first.lang == "en"
    assert second.body == "Ferry times change." and second.authors == []  # "Desk Staff" is a role
    assert [r.provenance.rsplit("#", 1)[1] for r in rejects(got)] == ["item3"]


def test_json_feed_ingests_idempotently(desk, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(JSON_FEED))
    assert desk.ingest(str(path)).new == 2
    assert desk.ingest(str(path)).new == 0


def test_link_only_entry_with_a_non_web_link_is_rejected_with_the_true_reason(tmp_path, desk):
    rss = '<rss version="2.0"><channel><title>T</title><item><link>mailto:desk@example.com</link></item></channel></rss>'
    (tmp_path / "m.rss").write_text(rss)
    got = desk.ingest(str(tmp_path / "m.rss"))
    assert got.rejected == 1 and "no headline and no body (and no id or link)" in got.rejects[0].reason


# --- 11: HTML dates, ARC, WARC offsets ----------------------------------------------------------


def test_an_unparseable_meta_date_does_not_hide_trafilaturas_date(tmp_path):
    page = """<!DOCTYPE html><html lang="en"><head><title>Bridge opens</title>
<meta property="article:published_time" content="le troisième jour de mars">
<meta name="date" content="2021-03-03"></head><body><article><h1>Bridge opens</h1>
<p>The new bridge over the river opened to traffic on Wednesday after three years of work on it.</p>
<p>Officials said the bridge would cut journey times across the valley by twenty minutes.</p>
</article></body></html>"""
    path = tmp_path / "p.html"
    path.write_text(page)
    (rec,) = read(path)
    assert rec.published.startswith("2021-03-03")


def test_a_valid_arc_whose_last_record_is_counted_short_is_read(tmp_path):
    html = b"<html><head><title>Tidal mill turns again</title></head><body><article><p>The tidal mill at Eling has ground flour for four centuries on the estuary's tides.</p></article></body></html>"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + html
    version = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    path = tmp_path / "old.arc"
    # a writer that counted the record's closing newline into its length
    path.write_bytes(
        b"filedesc://old.arc 0.0.0.0 20040101000000 text/plain %d\n%b\n" % (len(version), version)
        + b"http://mills.example/eling 192.0.2.7 20040102030405 text/html %d\n%b" % (len(http) + 1, http)
    )
    (page,) = read(path)
    assert isinstance(page, Record) and page.title == "Tidal mill turns again"


def test_a_single_member_gzip_warc_is_read_and_offsets_are_never_negative(tmp_path):
    raw = gzip.decompress((DATA / "warc" / "ccnews-sample.warc.gz").read_bytes())
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(raw))  # `gzip file.warc`: one member, not one per record
    got = read(path)
    assert len(records(got)) == 3 and not rejects(got)
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(gzip.compress(raw)[: len(gzip.compress(raw)) // 2])
    for item in read(cut):
        offset = item.provenance.rsplit("@", 1)[1]
        assert int(offset) >= 0, item


# --- 12: exit status, bylines -------------------------------------------------------------------


def test_exit_1_when_every_input_was_rejected(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n{also not}\n")
    proc = run_cli("ingest", str(bad), data=tmp_path / "d")
    assert proc.returncode == 1 and "0 new, 0 already present, 2 rejected" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith("newsdesk: every input was rejected")
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "ok", "body": "fine"}\n')
    assert run_cli("ingest", str(good), str(bad), data=tmp_path / "d").returncode == 0
    assert run_cli("ingest", str(good), data=tmp_path / "d").returncode == 0  # all present: fine


@pytest.mark.parametrize(
    ("byline", "authors", "agency"),
    [
        ("Josh Smith and Christine Kim, Reuters", ["Josh Smith", "Christine Kim"], "Reuters"),
        ("By Josh Smith, Christine Kim and Ana Ruiz", ["Josh Smith", "Christine Kim", "Ana Ruiz"], ""),
        ("Josh Smith; Christine Kim", ["Josh Smith", "Christine Kim"], ""),
        ("Ana Ruiz | AP", ["Ana Ruiz"], "AP"),
        ("Ana Ruiz, Staff Writer", ["Ana Ruiz"], ""),
        ("Sandra Anderson & Randy Andrews", ["Sandra Anderson", "Randy Andrews"], ""),
        (["Josh Smith and Christine Kim", "Reuters"], ["Josh Smith", "Christine Kim"], "Reuters"),
        ("", [], ""),
    ],
)
def test_bylines_split_the_same_way_everywhere(byline, authors, agency):
    from newsdesk.readers.fields import as_byline

    assert as_byline(byline) == (authors, agency)


def test_byline_agency_fills_the_source_only_when_there_is_none():
    from newsdesk.readers.fields import to_record

    rec = to_record({"title": "t", "byline": "Josh Smith and Christine Kim, Reuters"}, {}, "x")
    assert (rec.authors, rec.source) == (["Josh Smith", "Christine Kim"], "Reuters")
    rec = to_record({"title": "t", "byline": "Josh Smith, Reuters", "source": "Daily Wire"}, {}, "x")
    assert (rec.authors, rec.source) == (["Josh Smith"], "Daily Wire")


def test_a_json_feed_by_url_is_read_as_a_json_feed():
    from newsdesk.readers import read_file

    got = list(
        read_file(
            "https://harbour.example.com/feed.json",
            ReadOptions(fetch=lambda url: json.dumps(JSON_FEED).encode()),
        )
    )
    assert [r.external_id for r in records(got)] == ["ht-1", "ht-2"]
    not_feed = list(read_file("https://x.example/data.json", ReadOptions(fetch=lambda url: b'{"a": 1}')))
    assert len(not_feed) == 1 and "not a JSON Feed" in not_feed[0].reason
