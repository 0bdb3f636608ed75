"""The JSON Lines reader.

Split from tests/test_readers.py; helpers in tests/readers/helpers.py, the loopback-only
guard and the HTTP server fixture in tests/readers/conftest.py.
"""

from __future__ import annotations

from .helpers import DATA, published, read, records, rejects

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
