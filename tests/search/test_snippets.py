"""Snippets (highlight.py) as search pages show them: the text itself with marks added, never
characters twice, and the same marks whatever order a set of query words comes in."""

from __future__ import annotations

import re

from newsdesk.highlight import Highlighter

TEXT = "Holt 的球队让流浪者队完全陷入困境。主队十分满足与流浪者队同场较量。"


def bare(snippet: str) -> str:
    return re.sub(r"</?b>", "", snippet)


def test_overlapping_cjk_words_are_marked_once():
    snippet = Highlighter(set(), cjk={"浪者", "者队"}).snippet(TEXT)
    assert bare(snippet) == TEXT  # nothing doubled: "流<b>浪者</b><b>者队</b>" was
    assert snippet.count("<b>") == 2  # one mark in each "流浪者队", not two overlapping ones


def test_cjk_marks_do_not_depend_on_the_order_of_the_query_words():
    words = ["浪者", "者队", "主队", "困境"]
    shown = {Highlighter(set(), cjk=set(order)).snippet(TEXT) for order in (words, words[::-1], words[1:] + words[:1])}
    assert len(shown) == 1


def test_english_snippet_is_the_text_with_marks():
    text = "Oil prices rose. Crude oil output fell; OPEC said oils & fats were <unchanged>."
    snippet = Highlighter({"oil"}).snippet(text)
    assert snippet == ("<b>Oil</b> prices rose. Crude <b>oil</b> output fell; OPEC said <b>oils</b> &amp; fats were "
                       "&lt;unchanged&gt;.")
