"""The plain-text reader.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

from newsdesk.readers import ReadOptions, read_inputs

from .helpers import DATA

# --- text -------------------------------------------------------------------


def test_text_directory():
    got = list(read_inputs([str(DATA / "text")], ReadOptions()))
    assert [r.external_id for r in got] == ["council-budget", "museum-reopening"]
    first = got[0]
    assert first.title == "Harbourside council approves £4m sea wall repair"
    assert "Victorian sea wall along Esplanade Road" in first.body
    assert first.provenance == str(DATA / "text" / "council-budget.txt")
