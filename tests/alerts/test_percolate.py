"""Percolation: each new article matched against every saved search once, from any ingest path."""

from __future__ import annotations

import pytest

from newsdesk.errors import BadParameter, NewsdeskError, QuerySyntaxError
from newsdesk.model import Record
from newsdesk.store import StoredRow, article_values

from .conftest import story


def _matched_ids(desk, name):
    return sorted(m["id"] for m in desk.follow.alert(name, matches=1000)["recent"])


def test_a_new_alert_matches_only_what_arrives_after_it(desk):
    desk.ingest_records([story(1, "Jeff Sessions spoke in Washington.")])
    desk.follow.add_alert("sessions", '"jeff sessions"')
    assert desk.follow.alert("sessions")["matches"] == 0  # nothing old (the cursor starts at the top)
    desk.ingest_records(
        [
            story(2, "Jeff Sessions met governors."),
            story(3, "Oil prices rose in Vienna."),
            story(4, "Sessions of parliament, said Jeff."),
        ]
    )
    a = desk.follow.alert("sessions")
    assert a["matches"] == 1
    assert [m["title"] for m in a["recent"]] == ["Jeff Sessions met governors (2)"]


def test_matches_are_what_a_search_of_the_batch_returns(desk):
    queries = {
        "phrase": '"oil prices"',
        "boolean": "(opec OR saudi) AND NOT iran",
        "field": "title:cocoa",
        "dated": "oil AND published:[2018-03-06 TO 2018-03-31]",
        "source": "source:wire2",
    }
    for name, q in queries.items():
        desk.follow.add_alert(name, q)
    texts = [
        "Oil prices rose as OPEC met.",
        "Saudi officials talked with Iran.",
        "Cocoa exports fell in Ghana.",
        "The cocoa harvest and oil prices.",
        "OPEC and Saudi Arabia agreed.",
        "Oil, but later.",
    ]
    batch = [
        story(i, t, published=f"2018-03-{5 + i:02d}T09:00:00Z", source="Wire2" if i % 2 else "Wire1")
        for i, t in enumerate(texts)
    ]
    desk.ingest_records(batch)
    for name, q in queries.items():
        expected = sorted(h.id for h in desk.search(q, limit=100, snippets=False, collapse=False))
        assert _matched_ids(desk, name) == expected, name
        assert expected, f"{name}: the test needs at least one match"


def test_each_article_matches_once_and_copies_are_no_new_match(desk):
    desk.follow.add_alert("oil", "oil")
    desk.ingest_records([story(1, "Oil prices rose.")])
    desk.ingest_records([story(1, "Oil prices rose.")])  # the same article again
    copy = story(1, "Oil prices rose.")
    copy.url, copy.external_id = (
        "http://127.0.0.1/elsewhere/1",
        "copy-1",
    )  # a syndicated copy: new id, same text
    summary = desk.ingest_records([copy])
    assert summary.new == 1
    assert desk.follow.alert("oil")["matches"] == 1
    assert desk.follow.percolate().total == 0  # nothing left to match


def test_an_ingest_killed_before_percolating_is_percolated_by_the_next_run(desk):
    """What a SIGKILL after the store and index commits leaves: rows no alert has seen."""
    desk.follow.add_alert("oil", "oil")
    from newsdesk.normalize import to_article

    article = to_article(
        Record(title="Oil rose", body="Oil prices rose.", external_id="k1", published="2018-03-05"),
        "2018-03-05T00:00:00Z",
    )
    with desk.writing():  # the writer's own steps, without ingest_records' follow-up
        rows, _present = desk.store.add_values([article_values(article)])
        desk.index.add_rows(desk.store, rows, replace=False)
        desk.index.commit(desk.store, desk.store.version)
    assert desk.follow.alert("oil")["matches"] == 0
    result = desk.follow.percolate()
    assert result.matches == {"oil": 1}
    assert desk.follow.alert("oil")["matches"] == 1
    assert desk.follow.percolate().total == 0
    assert isinstance(rows[0], tuple | StoredRow)


def test_saved_searches_are_checked_when_made(desk):
    with pytest.raises(QuerySyntaxError):
        desk.follow.add_alert("bad", '"unclosed')
    with pytest.raises(BadParameter, match="webhook:https"):
        desk.follow.add_alert("x", "oil", notify=["slack:#news"])
    with pytest.raises(BadParameter, match="letters"):
        desk.follow.add_alert("no spaces", "oil")
    with pytest.raises(BadParameter, match="now, hourly"):
        desk.follow.add_alert("x", "oil", every="monthly")
    desk.follow.add_alert("x", "oil")
    with pytest.raises(NewsdeskError, match="already"):
        desk.follow.add_alert("x", "gas")
    desk.follow.remove_alert("x")
    assert desk.follow.alerts() == []


def test_alert_test_shows_the_latest_matches_without_recording(desk):
    desk.ingest_records([story(i, f"Oil report {i}.", published=f"2018-03-{i + 1:02d}") for i in range(5)])
    desk.follow.add_alert("oil", "oil")
    t = desk.follow.test_alert("oil", limit=2)
    assert t["total"] == 5 and [h["published"][:10] for h in t["latest"]] == ["2018-03-05", "2018-03-04"]
    assert desk.follow.alert("oil")["matches"] == 0


def test_an_article_that_changes_after_it_was_seen_is_matched_again_but_old_ones_never(desk):
    old = story(1, "Mountain news from the north.")
    desk.ingest_records([old])
    desk.follow.add_alert("volcano", "volcano")
    later = story(2, "Mountain news from the south.")
    desk.ingest_records([later])
    assert desk.follow.alert("volcano")["matches"] == 0
    # both stories are updated to mention the volcano; only the one that arrived after the alert counts
    old_now, later_now = story(1, "Mountain news from the north."), story(2, "Mountain news from the south.")
    old_now.body += " The volcano erupted."
    later_now.body += " The volcano erupted."
    summary = desk.ingest_records([old_now, later_now], update=True)
    assert summary.updated == 2
    a = desk.follow.alert("volcano")
    assert [m["title"] for m in a["recent"]] == ["Mountain news from the south (2)"]
    desk.ingest_records([later_now], update=True)  # nothing changed: nothing new
    assert desk.follow.percolate().total == 0 and desk.follow.alert("volcano")["matches"] == 1
