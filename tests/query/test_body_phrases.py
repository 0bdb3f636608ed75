"""``body:`` phrases on a body field that keeps no positions (index.languages.BODY_OPTION).

The body fields store which articles hold each word, no frequencies or positions (issue 13); a phrase asked
of the body is found in ``text`` (headline + body, with positions) with every word required
in the body. These pin what a user sees: the phrase matches where it is in the body, not
where its words are only scattered, and not where it is only in the headline."""

from __future__ import annotations

import pytest

from newsdesk.index.languages import BODY_OPTION

ARTICLES = [
    {"id": "adjacent", "title": "adjacent", "body": "The council agreed a buffer stock plan for cocoa on Friday."},
    {"id": "scattered", "title": "scattered", "body": "A stock of cocoa was kept as a buffer against prices."},
    {"id": "headline", "title": "headline: Buffer stock plan", "body": "The council met about cocoa on Friday."},
    {"id": "german", "title": "german", "body": "Der Rat beschloss einen Pufferbestand für Kakao am Freitag.",
     "lang": "de"},
    {"id": "chinese", "title": "chinese", "body": "理事会周五同意了可可缓冲库存计划。", "lang": "zh"},
]


@pytest.fixture()
def filled(desk, tmp_path):
    import json

    path = tmp_path / "body.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES) + "\n", encoding="utf-8")
    desk.ingest(path)
    return desk


def ids(desk, q: str) -> set[str]:
    return {h.title.split(":")[0] for h in desk.search(q, limit=20).hits}


def test_body_fields_keep_no_positions(filled):
    """The body field answers which articles hold a word, and tantivy itself refuses a phrase
    on it: the compiler must never send one there."""
    import tantivy

    searcher, schema = filled.index.searcher(), filled.index.schema
    assert BODY_OPTION == "basic"
    assert len(searcher.search(tantivy.Query.term_query(schema, "body", "buffer"), 10).hits) == 2
    with pytest.raises(ValueError, match="positions"):
        searcher.search(tantivy.Query.phrase_query(schema, "body", ["buffer", "stock"]), 10)


def test_body_phrase_needs_the_words_together_in_the_body(filled):
    assert ids(filled, 'body:"buffer stock"') == {"adjacent"}
    assert ids(filled, "body:buffer body:stock") == {"adjacent", "scattered"}
    assert ids(filled, 'title:"buffer stock"') == {"headline"}  # title phrases keep positions
    assert ids(filled, '"buffer stock"') == {"adjacent", "headline"}


def test_body_phrase_with_slop_and_wildcard(filled):
    assert ids(filled, 'body:"buffer plan"~1') == {"adjacent"}
    assert ids(filled, "body:buffer-sto*") == {"adjacent"}  # a phrase ending in a wildcard
    assert ids(filled, "title:buffer-sto*") == {"headline"}
    assert ids(filled, 'body:"stock buffer"') == set()


def test_body_phrase_in_other_analyses(filled):
    assert ids(filled, 'body:"einen Pufferbestand"') == {"german"}
    assert ids(filled, "body:缓冲库存") == {"chinese"}
