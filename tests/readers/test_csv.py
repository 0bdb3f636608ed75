"""The CSV/TSV reader.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

import gzip

import pytest

from newsdesk.model import Reject

from .helpers import DATA, published, read, records, rejects

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
