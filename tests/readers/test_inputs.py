"""Directories, globs, hidden files, batches of broken inputs.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

import gzip

from newsdesk.model import Reject
from newsdesk.readers import ReadOptions, read_inputs

from .helpers import DATA, read, records, rejects

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
    assert [r.title for r in records(list(read_inputs([str(tmp_path / "notes")], ReadOptions())))] == [
        "No extension"
    ]


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
