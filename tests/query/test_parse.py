"""The query language: parsing, errors with positions, and what each query matches."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsdesk
from newsdesk import query as Q
from newsdesk.errors import NewsdeskError, QuerySyntaxError
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


# -- dates: ranges the index can hold, --since/--until, date math, timestamps --------
def _cli(path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from newsdesk.cli import main; main(sys.argv[1:])",
         "--data", str(path), *args],
        capture_output=True, text=True,
    )


@pytest.mark.parametrize(
    ("q", "position"),
    [
        ("published:[9999 TO *]", 11),
        ("published:[1987 TO 9999]", 19),
        ("published:>now-999999999d", 11),
        ("published:<now-99999999999999999999d", 11),
        ("published:>now-999999y", 11),
        ("published:1500-01-01", 10),
        ("cocoa published:>=2261", 18),
    ],
)
def test_dates_outside_the_index_range_are_syntax_errors(q, position):
    with pytest.raises(QuerySyntaxError) as info:
        Q.parse_tree(q)
    assert info.value.position == position
    assert "1700-01-01 to 2260-01-01" in info.value.expected


def test_out_of_range_dates_are_user_errors_in_the_cli(small):
    proc = _cli(small.path, "search", "published:[9999 TO *]")
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr and "1700-01-01" in proc.stderr
    proc = _cli(small.path, "search", "cocoa", "--since", "1500-01-01")
    assert proc.returncode == 1
    assert "internal error" not in proc.stderr
    assert "--since" in proc.stderr and "1700-01-01 to 2260-01-01" in proc.stderr


@pytest.mark.parametrize(
    ("kw", "option"),
    [
        ({"since": "1500-01-01"}, "--since"),
        ({"until": "9999"}, "--until"),
        ({"since": "now-999999999d"}, "--since"),
        ({"until": "now+99999y"}, "--until"),
        ({"since": datetime(1600, 1, 1, tzinfo=UTC)}, "--since"),
    ],
)
def test_since_until_out_of_range_name_the_option(small, kw, option):
    with pytest.raises(NewsdeskError) as info:
        small.search("cocoa", **kw)
    assert str(info.value).startswith(option)
    assert "1700-01-01 to 2260-01-01" in str(info.value)
    assert not isinstance(info.value, QuerySyntaxError)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"until": "1987-03"}, {"a1", "a3", "a4"}),  # the whole month
        ({"since": "1987-03", "until": "1987-03"}, {"a1", "a3", "a4"}),
        ({"until": "1987"}, {a.external_id for a in ARTICLES}),  # the whole year
        ({"since": "1987-05"}, {"a5", "a6", "a7", "a8"}),
        ({"since": "1987-03-15T00:00:00Z", "until": "1987-03-20"}, {"a3", "a4"}),
        ({"until": "1987-03-15T00:00:00"}, {"a1", "a3"}),
        ({"since": "1987-03-10T01:00:00+01:00", "until": "1987-03-10"}, {"a1"}),  # offset -> UTC
        ({"since": "now-7d"}, set()),
        ({"since": "now-100y", "until": "now"}, {a.external_id for a in ARTICLES}),
        ({"since": "now-1000M"}, {a.external_id for a in ARTICLES}),
        ({"until": "Tue, 10 Mar 1987 00:00:00 GMT"}, {"a1"}),  # RFC 822 as before
    ],
)
def test_since_until_take_the_query_language_dates(small, kw, expected):
    assert ids(small, "*", **kw) == expected


def test_since_until_reject_non_dates(small):
    with pytest.raises(NewsdeskError, match=r"--until 'yesterday': not a date \(use YYYY"):
        small.search("cocoa", until="yesterday")


NOW = datetime(2020, 3, 31, 12, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("now-30m", False, datetime(2020, 3, 31, 12, 0, 45, tzinfo=UTC)),  # m = minutes
        ("now-1M", False, datetime(2020, 2, 29, 12, 30, 45, tzinfo=UTC)),  # M = months, clamped
        ("now-6M", False, datetime(2019, 9, 30, 12, 30, 45, tzinfo=UTC)),
        ("now-12h", False, datetime(2020, 3, 31, 0, 30, 45, tzinfo=UTC)),
        ("now-2H", False, datetime(2020, 3, 31, 10, 30, 45, tzinfo=UTC)),
        ("now-2w", False, datetime(2020, 3, 17, 12, 30, 45, tzinfo=UTC)),
        ("now-1y", False, datetime(2019, 3, 31, 12, 30, 45, tzinfo=UTC)),
        ("now+10s", False, datetime(2020, 3, 31, 12, 30, 55, tzinfo=UTC)),
        ("now-1M+2d", False, datetime(2020, 3, 2, 12, 30, 45, tzinfo=UTC)),
        ("now/d", False, datetime(2020, 3, 31, tzinfo=UTC)),
        ("now/d", True, datetime(2020, 3, 31, 23, 59, 59, tzinfo=UTC)),
        ("now-1M/M", True, datetime(2020, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("now", False, NOW),
        ("2018", True, datetime(2018, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2018-02", True, datetime(2018, 2, 28, 23, 59, 59, tzinfo=UTC)),
        ("2018-12", True, datetime(2018, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2018-01-05", True, datetime(2018, 1, 5, 23, 59, 59, tzinfo=UTC)),
        ("2018-01-05T10:30", True, datetime(2018, 1, 5, 10, 30, 59, tzinfo=UTC)),
        ("2018-01-05T10:30:15Z", True, datetime(2018, 1, 5, 10, 30, 15, tzinfo=UTC)),
        ("2018-01-05T10:30:15+02:00", False, datetime(2018, 1, 5, 8, 30, 15, tzinfo=UTC)),
    ],
)
def test_date_math_follows_elasticsearch(text, end, expected):
    assert Q.parse_date_bound(text, end, now=NOW) == expected


def test_query_relative_minutes_and_months():
    (rng,) = [Q.parse_tree("published:>now-30m", now=NOW)]
    assert rng.lo == datetime(2020, 3, 31, 12, 0, 45, tzinfo=UTC)
    assert Q.parse_tree("published:>now-1M", now=NOW).lo == datetime(2020, 2, 29, 12, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("published:1987-03-10T00:00:00", {"a1"}),
        ("published:1987-03-10T00:00:01", set()),
        ('published:"1987-03-10T00:00:00"', {"a1"}),
        ("published:1987-03-10T00", {"a1"}),  # the whole hour
        ("published:1987-03-10T01:00:00+01:00", {"a1"}),
        ("published:[1987-03-10T00:00:00 TO 1987-03-15T00:00:00Z]", {"a1", "a3"}),
        ("published:{1987-03-10T00:00:00 TO 1987-03-15T00:00:00Z}", set()),
        ('published:["1987-03-10T00:00:00" TO *] AND cocoa', {"a1", "a2"}),
        ("published:>=1987-05-02T00:00:00+00:00", {"a6", "a7", "a8"}),
        ("title:cocoa OR published:<1987-03-15T00:00:00", {"a1"}),
    ],
)
def test_iso_timestamps(small, q, expected):
    assert ids(small, q) == expected


def test_colon_after_a_word_still_starts_a_field():
    toks = [t.text for t in Q.tokenize("title:cocoa 2018-01-01T10:00:00Z")]
    assert toks == ["title", ":", "cocoa", "2018-01-01T10:00:00Z", ""]


# -- wildcards over stems and punctuation ---------------------------------------
PUNCT = [
    Record(title="X-ray maker", body="The X-rays showed nothing.", published="1987-01-01", external_id="p1"),
    Record(title="Ray of light", body="A ray hit x.", published="1987-01-01", external_id="p2"),
    Record(title="U.S. officials", body="U.S. officials met O'Neill.", published="1987-01-01", external_id="p3"),
    Record(title="Cafe", body="C# programmers drink coffee; the ceo immigrated.", published="1987-01-01", external_id="p4"),
]


@pytest.fixture(scope="module")
def punct(tmp_path_factory):
    d = newsdesk.open(tmp_path_factory.mktemp("p") / "d")
    d.ingest_records(PUNCT)
    yield d
    d.close()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("immigrat*", {"a6"}),  # the index holds the stem "immigr"
        ("immigration*", {"a6"}),
        ("immigr*", {"a6"}),
        ("body:immigrat*", {"a6"}),
        ("title:immigrat*", set()),
        ("wom?n", set()),
    ],
)
def test_wildcards_find_stemmed_words(small, q, expected):
    assert ids(small, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("x-ray*", {"p1"}),  # "x" then a word starting "ray", not p2's stray x and ray
        ("x-r?y", {"p1"}),
        ("u.s*", {"p3"}),
        ("title:u.s*", {"p3"}),
        ("o'neil*", {"p3"}),
        ("immigrat*", {"p4"}),  # "immigrated" is stored as "immigr"
        ("c*", {"p4"}),
    ],
)
def test_wildcards_with_inner_punctuation(punct, q, expected):
    assert ids(punct, q) == expected


def test_wildcard_phrase_scores_alike(punct):
    hits = punct.search("x-ray*", snippets=False, collapse=False)
    assert [h.score for h in hits] == [pytest.approx(1.0)]


@pytest.mark.parametrize(("q", "position"), [("c#*", 2), ("title:u.s.*", 10), ("oil c++*", 7)])
def test_wildcard_after_punctuation_is_an_error(q, position):
    with pytest.raises(QuerySyntaxError) as info:
        Q.parse_tree(q)
    assert info.value.position == position
    assert "punctuation is not indexed" in info.value.expected


# -- gotchas and the documentation ----------------------------------------------
def test_trailing_question_mark_is_a_wildcard_as_in_lucene(small):
    assert ids(small, "who is james baker?") == set()
    assert ids(small, "james baker?") == set()
    assert ids(small, "james baker\\?") == {"a3", "a4", "a8"}
    assert ids(small, '"james baker?"') == {"a3", "a4"}


DOC = Path(__file__).resolve().parents[1] / "docs" / "query-language.md"


def test_docs_have_a_gotchas_section_about_question_marks():
    text = DOC.read_text()
    gotchas = text[text.index("## Gotchas"):]
    assert "who is james baker?" in gotchas
    assert "now-6m" not in text and "`m` **minutes**" in text


def test_every_documented_example_parses():
    examples = [e for e in re.findall(r"`([^`\n]+)`", DOC.read_text()) if re.match(r"^[a-z]+:\S", e)]
    assert len(examples) > 20
    for example in examples:
        if example in ("title:(cocoa",):
            continue
        Q.parse_tree(example.replace("\\|", "|"))
