"""The search memo (search.memo): reused plans, rows, snippets and facets give the answers a
fresh search gives, and any write makes the next search see it."""

from __future__ import annotations

import dataclasses

import pytest

import newsdesk
from newsdesk.model import Record
from newsdesk.search import memo as memo_mod

QUERIES = ["oil", "oil prices", "opec -saudi", '"crude oil"', "pric*", "title:wheat", "wheat OR oil", "*"]


def rec(ext, title, body, published="2020-01-01", source="Wire"):
    return Record(title=title, body=body, published=published, source=source, external_id=ext)


@pytest.fixture
def filled(desk):
    desk.ingest_records([
        rec("a", "Oil prices rise", "Crude oil prices rose as OPEC cut output. Saudi officials spoke.", "2020-01-03"),
        rec("b", "OPEC meets", "OPEC ministers met; oil output talks went on.", "2020-02-01", "Other"),
        rec("c", "Wheat crop", "The wheat crop was large; prices fell.", "2020-02-09"),
        rec("c2", "WHEAT  CROP", "The wheat crop was large; prices fell.", "2020-02-10", "Other"),
        rec("d", "Pricing power", "Firms with pricing power priced goods higher than oil.", "2020-03-01"),
    ])
    return desk


def answers(desk, q, **kw):
    res = desk.search(q, limit=10, **kw)
    return res.total, [dataclasses.asdict(h) for h in res.hits], desk.facets(q, results=res)


@pytest.mark.parametrize("q", QUERIES)
def test_memo_gives_what_a_fresh_search_gives(filled, monkeypatch, q):
    monkeypatch.setattr(memo_mod, "ENABLED", False)
    fresh = [answers(filled, q), answers(filled, q, operator="OR", collapse="none")]
    monkeypatch.setattr(memo_mod, "ENABLED", True)
    for _ in range(2):  # the first fills the memo, the second reads it
        assert [answers(filled, q), answers(filled, q, operator="OR", collapse="none")] == fresh


def test_second_search_reuses_the_plan_and_its_facets(filled):
    first = filled.search("oil prices")
    second = filled.search("oil prices")
    assert second.plan is not None and first.plan is not None
    assert second.plan.query is first.plan.query  # parsed and compiled once
    assert filled.facets("oil prices", results=second) == filled.facets("oil prices", results=first)


def test_dates_relative_to_now_are_planned_each_time(filled):
    first = filled.search("oil", since="now-100y")
    assert filled.search("oil", since="now-100y").plan.query is not first.plan.query
    assert filled.search("oil published:[now-100y TO now]").total == first.total


def test_an_ingest_is_seen_by_the_next_search(filled):
    assert filled.search("zinc").total == 0
    before = filled.facets("oil", results=filled.search("oil"))
    filled.ingest_records([rec("z", "Zinc and oil", "Zinc output grew; oil too.", "2021-05-05", "Metals")])
    assert [h.external_id for h in filled.search("zinc")] == ["z"]
    after = filled.facets("oil", results=filled.search("oil"))
    assert {"value": "Metals", "count": 1} in after["sources"] and after != before


def test_an_update_changes_the_snippet_of_a_kept_row(filled):
    assert "cut output" in filled.search("opec")[0].snippet or "cut output" in filled.search("opec")[1].snippet
    filled.ingest_records([rec("a", "Oil prices rise", "OPEC now raised output, and oil prices fell.",
                               "2020-01-03")], update=True)
    snippets = " ".join(h.snippet for h in filled.search("opec"))
    assert "raised output" in snippets and "cut output" not in snippets


def test_a_write_from_another_process_is_seen(filled, tmp_path):
    assert filled.search("cobalt").total == 0
    path = filled.path
    filled.close()
    reader = newsdesk.open(path)
    try:
        assert reader.search("oil").total == 3  # fills the reader's memo
        with newsdesk.open(path) as writer:
            writer.ingest_records([rec("co", "Cobalt", "Cobalt and oil.", "2021-01-01")])
        reader.refresh()
        assert reader.search("oil").total == 4
        assert [h.external_id for h in reader.search("cobalt")] == ["co"]
    finally:
        reader.close()


def test_changing_a_hit_does_not_change_the_next_answer(filled):
    hits = filled.search("wheat", collapse="copies")
    hits[0].copies.append("someone")
    facets = filled.facets("wheat", results=hits)
    facets["sources"].clear()
    again = filled.search("wheat", collapse="copies")
    assert "someone" not in again[0].copies
    assert filled.facets("wheat", results=again)["sources"]


def test_memo_is_bounded(filled, monkeypatch):
    monkeypatch.setitem(memo_mod.SIZES, "plans", 3)
    for i in range(10):
        filled.search(f"oil {i}")
    memo = memo_mod.memo_for(filled.store)
    assert memo is not None and len(memo.maps["plans"]) == 3


def test_a_changed_ranking_knob_makes_a_new_plan(filled, monkeypatch):
    from newsdesk.search import plan as plan_mod

    first = filled.search("oil prices")
    monkeypatch.setattr(plan_mod, "PROX_BOOST", 0.0)
    second = filled.search("oil prices")
    assert second.plan.query is not first.plan.query
    monkeypatch.setattr(memo_mod, "ENABLED", False)
    assert [(h.id, h.score) for h in filled.search("oil prices")] == [(h.id, h.score) for h in second]


def test_a_reindex_makes_new_plans(filled):
    first = filled.search("oil prices")
    filled.reindex()
    second = filled.search("oil prices")
    assert second.plan.query is not first.plan.query
    assert [h.id for h in second] == [h.id for h in first]
