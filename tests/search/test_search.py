"""Ranking: headline and proximity boosts, duplicate collapse, recency, snippets."""

from __future__ import annotations

import pytest

from newsdesk.errors import NewsdeskError
from newsdesk.model import Record
from newsdesk.search import plan as plan_mod


def rec(ext, title, body, published="2020-01-01", source="Wire"):
    return Record(title=title, body=body, published=published, source=source, external_id=ext)


@pytest.fixture
def filled(desk):
    desk.ingest_records(
        [
            rec("far", "Budget news", "Jeff Brown spoke. " + "Filler words here. " * 5 + "Sessions began later."),
            rec("near", "Budget news", "Jeff Sessions spoke. " + "Filler words here. " * 5 + "It was late."),
            rec("title", "Sessions in the Senate", "Filler words here. " * 6 + "Some sessions ran long."),
            rec("body", "Budget news", "Filler words here. " * 6 + "Some sessions ran long."),
            rec("dup1", "Cocoa Report", "Cocoa rose sharply today.", "2020-02-01"),
            rec("dup2", "COCOA  REPORT", "Cocoa rose sharply today.", "2020-02-02", source="Other"),
            rec("old", "Wheat crop", "Wheat crop was large.", "1990-01-01"),
            rec("new", "Wheat crop", "Wheat crop was large this year.", "2025-06-01"),
        ]
    )
    return desk


def order(desk, q, **kw):
    return [h.external_id for h in desk.search(q, limit=20, snippets=False, **kw)]


def test_proximity_boost_lifts_adjacent_words(filled):
    ranked = order(filled, "jeff sessions")
    assert ranked.index("near") < ranked.index("far")


def test_proximity_boost_can_be_switched_off(filled, monkeypatch):
    monkeypatch.setattr(plan_mod, "PROX_BOOST", 0.0)
    hits = filled.search("jeff sessions", snippets=False)
    scores = {h.external_id: h.score for h in hits}
    assert scores["near"] == pytest.approx(scores["far"], rel=0.05)


def test_headline_boost(filled):
    ranked = order(filled, "sessions ran long")
    assert ranked.index("title") < ranked.index("body")


def test_exact_duplicates_collapse(filled):
    assert order(filled, "cocoa") in (["dup1"], ["dup2"])
    assert sorted(order(filled, "cocoa", collapse=False)) == ["dup1", "dup2"]


def test_collapse_keeps_page_full(desk):
    desk.ingest_records([rec(f"d{i}", "Same", "Same body about tin.") for i in range(4)]
                        + [rec(f"u{i}", f"Tin {i}", f"Tin story number {i}.") for i in range(6)])
    hits = desk.search("tin", limit=5, snippets=False)
    assert len(hits) == 5
    assert sum(1 for h in hits if h.external_id.startswith("d")) <= 1


def test_recency_prefers_new(filled):
    assert order(filled, "wheat crop")[0] == "old"  # shorter article wins on BM25
    assert order(filled, "wheat crop", recency="365d")[0] == "new"
    with pytest.raises(NewsdeskError):
        filled.search("wheat", recency="soon")


def test_filters_do_not_change_scores(filled):
    a = {h.external_id: h.score for h in filled.search("cocoa", collapse=False, snippets=False)}
    b = {h.external_id: h.score for h in filled.search("cocoa", source="Other", collapse=False, snippets=False)}
    assert list(b) == ["dup2"] and b["dup2"] == a["dup2"]


def test_snippet_highlights_query_words(filled):
    hit = filled.search("jeff sessions")[0]
    assert "<b>Jeff</b>" in hit.snippet and "<b>Sessions</b>" in hit.snippet


def test_paging_is_consistent(filled):
    first = order(filled, "filler OR cocoa OR wheat")
    paged = []
    for offset in range(0, len(first), 2):
        paged += [h.external_id for h in filled.search("filler OR cocoa OR wheat", limit=2, offset=offset, snippets=False)]
    assert paged == first


@pytest.mark.slow
def test_seed_ranks_first_among_reuters(reuters_desk):
    top = reuters_desk.search("jeff sessions", limit=3)
    assert top[0].external_id == "000_91e1bbcf43ae4a30"


@pytest.mark.slow
def test_acceptance_queries(reuters_desk):
    hits = reuters_desk.search("title:cocoa AND published:[1987-03-01 TO 1987-03-31]", limit=100, snippets=False)
    assert hits.total > 5
    for h in hits:
        assert "COCOA" in h.title.upper() and h.published.startswith("1987-03")
    for h in reuters_desk.search('"james baker" -treasury', limit=200, snippets=False):
        article = reuters_desk.get(h.id)
        assert "treasury" not in (article.title + " " + article.body).lower()
        assert "james baker" in " ".join((article.title + " " + article.body).lower().split())
    res = reuters_desk.search('(opec OR "oil prices") AND saudi', limit=200, snippets=False)
    assert res.total > 50
    for h in res:
        text = " ".join((reuters_desk.get(h.id).title + " " + reuters_desk.get(h.id).body).lower().split())
        assert "saudi" in text and ("opec" in text or "oil price" in text)


def test_free_words_leave_out_negations_and_fields():
    from newsdesk import query
    from newsdesk.search import free_words

    assert free_words(query.parse_tree('-"jeff sessions"')) == []
    assert free_words(query.parse_tree("+Jeff sessions title:cocoa")) == ["jeff", "sessions"]
    assert free_words(query.parse_tree('"James Baker" -treasury')) == ["james", "baker"]
