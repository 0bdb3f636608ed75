"""The query language: parsing, errors with positions, and what each query matches."""

from __future__ import annotations

import subprocess
import sys

import pytest

import newsdesk
from newsdesk import query as Q
from newsdesk.errors import QuerySyntaxError
from newsdesk.model import Record

ARTICLES = [
    Record(title="Cocoa prices rise", body="Cocoa futures rose in March on Bahia weather.",
           published="1987-03-10", source="Reuters", external_id="a1", authors=["Ann Smith"]),
    Record(title="Sugar talks", body="Sugar and cocoa traders met in London.",
           published="1987-04-02", source="Reuters", external_id="a2"),
    Record(title="Baker at the Treasury", body="James Baker spoke at the Treasury about the dollar.",
           published="1987-03-15", source="AP", external_id="a3"),
    Record(title="Baker in Tokyo", body="James Baker met Japanese officials. No word on budgets.",
           published="1987-03-20", source="AP", external_id="a4"),
    Record(title="OPEC output", body="Saudi Arabia said OPEC would hold output steady.",
           published="1987-05-01", source="Reuters", external_id="a5"),
    Record(title="Oil prices", body="Oil prices fell as Saudi supply rose. Immigration rules changed.",
           published="1987-05-02", source="Reuters", external_id="a6"),
    Record(title="Oil demand", body="Oil demand grew; prices in Asia were flat.",
           published="1987-05-03", source="Reuters", external_id="a7"),
    Record(title="Baker, James and others", body="Baker said James would lead.",
           published="1987-06-01", source="UPI", external_id="a8"),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = newsdesk.open(tmp_path_factory.mktemp("q") / "d")
    d.ingest_records(ARTICLES)
    yield d
    d.close()


def ids(desk, q, **kw) -> set[str]:
    return {h.external_id for h in desk.search(q, limit=50, snippets=False, **kw)}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cocoa", {"a1", "a2"}),
        ("cocoa sugar", {"a2"}),  # default AND
        ("cocoa OR sugar", {"a1", "a2"}),
        ("title:cocoa", {"a1"}),
        ("body:cocoa -title:cocoa", {"a2"}),
        ('"james baker" -treasury', {"a4"}),
        ('"james baker"', {"a3", "a4"}),
        ('"baker james"~3', {"a3", "a4", "a8"}),
        ("(opec OR \"oil prices\") AND saudi", {"a5", "a6"}),
        ("source:reuters AND cocoa", {"a1", "a2"}),
        ("source:AP", {"a3", "a4"}),
        ("immigr*", {"a6"}),
        ("title:(oil AND NOT demand)", {"a6"}),
        ("+oil -demand", {"a6"}),
        ("author:smith", {"a1"}),
        ("published:[1987-03-01 TO 1987-03-31]", {"a1", "a3", "a4"}),
        ("published:[1987-05-02 TO *]", {"a6", "a7", "a8"}),
        ("published:{1987-05-02 TO *]", {"a7", "a8"}),
        ("published:<1987-03-15", {"a1"}),
        ("published:<=1987-03-15", {"a1", "a3"}),
        ("published:1987-04", {"a2"}),
        ("title:cocoa AND published:[1987-03-01 TO 1987-03-31]", {"a1"}),
        ("\u201cjames baker\u201d \u2013treasury", {"a4"}),  # typographic quotes and dash
        ("oil && (saudi || asia)", {"a6", "a7"}),
        ("-oil -baker -cocoa -sugar", {"a5"}),
    ],
)
def test_matches(small, q, expected):
    assert ids(small, q) == expected


def test_default_operator_or(small):
    assert ids(small, "cocoa sugar", operator="OR") == {"a1", "a2"}


def test_relative_dates_are_relative_to_now(small):
    assert ids(small, "published:>now-7d") == set()
    assert ids(small, "published:>now-100y") == {a.external_id for a in ARTICLES}


def test_boost_multiplies_the_score(small):
    plain = small.search("saudi", snippets=False, collapse=False)[0].score
    boosted = small.search("saudi^10", snippets=False, collapse=False)[0].score
    assert boosted == pytest.approx(10 * plain, rel=0.01)


@pytest.mark.parametrize(
    ("q", "position", "expected"),
    [
        ("title:(cocoa", 12, "')'"),
        ('"james baker', 0, "closing"),
        ("cocoa AND", 9, "a term after AND"),
        ("nope:cocoa", 0, "field name"),
        ("published:[2018-01-01 2018-02-01]", 22, "'TO'"),
        ("published:[yesterday TO *]", 11, "a date"),
        ("cocoa)", 5, "closes nothing"),
        ("title: cocoa", 6, "a value right after"),
        ("cocoa^x", 6, "boost"),
    ],
)
def test_syntax_errors_have_positions(q, position, expected):
    with pytest.raises(QuerySyntaxError) as info:
        Q.parse_tree(q)
    err = info.value
    assert err.position == position
    assert expected in err.expected
    lines = str(err).splitlines()
    assert lines[1].strip() == q
    assert lines[2].index("^") - 2 == position  # caret under the column


def test_api_raises_typed_error(small):
    with pytest.raises(QuerySyntaxError):
        small.search("title:(cocoa")


def test_cli_exit_2_with_caret(small):
    proc = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "--data", small.path, "search", "title:(cocoa"],
        capture_output=True, text=True,
    )
    if "No module named newsdesk.cli.__main__" in proc.stderr:
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from newsdesk.cli import main; main(sys.argv[1:])",
             "--data", small.path, "search", "title:(cocoa"],
            capture_output=True, text=True,
        )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "^" in proc.stderr and "expected ')'" in proc.stderr


def test_analyzer_matches_index(small):
    """The parser's analyzer must produce the terms the index stores (en_stem)."""
    searcher = small.index.searcher()
    for word in ("Immigration", "prices", "Saudi"):
        (term,) = Q.analyze("text", word)
        assert searcher.doc_freq("text", term) > 0


def test_entity_values_are_normalised():
    assert Q.analyze("entity", "Jeff   Sessions") == ["jeff sessions"]
    tree = Q.parse_tree('entity:"Jeff Sessions"')
    assert isinstance(tree, Q.Phrase) and tree.field == "entity"
