"""Format detection: by extension, by sniffing, or forced.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

import gzip
import shutil

import pytest

from newsdesk.model import Reject
from newsdesk.readers import detect_format

from .helpers import DATA, read, records, rejects

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
        ("feeds/rss1.rdf", "feed"),
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
