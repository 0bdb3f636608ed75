"""Snippets: the right words lit up, the best window chosen, HTML escaped."""

from __future__ import annotations

from newsdesk import query as Q
from newsdesk.highlight import Highlighter

BODY = (
    "Returning to a favorite cause for President Trump and Atty. Gen. Jeff Sessions, the Justice "
    "Department escalated a struggle with sanctuary jurisdictions. " + "Filler words here. " * 20
    + "Officials said sanctuary policies & <rules> protect immigrants; Jeffrey Smith disagreed."
)


def snippet(q: str, body: str = BODY) -> str:
    return Highlighter.for_query(Q.parse_tree(q, "AND")).snippet(body)


def test_stemmed_forms_light_up_and_similar_words_do_not():
    s = snippet("jeff session")
    assert "<b>Jeff</b> <b>Sessions</b>" in s
    assert "Jeffrey" not in s or "<b>Jeffrey</b>" not in s


def test_fragment_starts_at_a_sentence_not_an_abbreviation():
    assert snippet("jeff sessions").startswith("Returning to a favorite cause")


def test_best_window_has_the_most_distinct_words_and_is_escaped():
    s = snippet("sanctuary immigrants")
    assert "<b>sanctuary</b>" in s and "<b>immigrants</b>" in s
    assert "&amp;" in s and "&lt;rules&gt;" in s and "<rules>" not in s


def test_fields_wildcards_and_entities_are_highlighted():
    assert "<b>sanctuary</b>" in snippet("title:sanctuary")
    assert "<b>immigrants</b>" in snippet("immigr*")
    assert "<b>Jeff</b> <b>Sessions</b>" in snippet('entity:"Jeff Sessions"')


def test_negated_words_are_not_highlighted_and_no_match_gives_the_lead():
    s = snippet("sanctuary -trump")
    assert "<b>Trump</b>" not in s
    lead = snippet("zebra")
    assert lead.startswith("Returning to a favorite cause") and "<b>" not in lead


def test_a_lone_negation_is_not_highlighted_and_fuzzy_words_are():
    from newsdesk.highlight import query_words

    assert query_words(Q.parse_tree("-cocoa")) == (set(), set())
    stems, _ = query_words(Q.parse_tree("roam~1 +oil"))
    assert stems == {"roam", "oil"}
