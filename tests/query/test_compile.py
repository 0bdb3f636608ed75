"""Compiling: what each query matches, on a real desk and on a RAM index with the real schema,
and the analyzers agreeing term for term with the index's own tokenizers."""

from __future__ import annotations

import re

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

import newsdesk
from newsdesk import analyzers
from newsdesk import query as Q
from newsdesk.index import memory_index
from newsdesk.model import Record

from .conftest import ARTICLES, ids


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
        ('(opec OR "oil prices") AND saudi', {"a5", "a6"}),
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


# -- wildcards over stems and punctuation ---------------------------------------
PUNCT = [
    Record(title="X-ray maker", body="The X-rays showed nothing.", published="1987-01-01", external_id="p1"),
    Record(title="Ray of light", body="A ray hit x.", published="1987-01-01", external_id="p2"),
    Record(
        title="U.S. officials", body="U.S. officials met O'Neill.", published="1987-01-01", external_id="p3"
    ),
    Record(
        title="Cafe",
        body="C# programmers drink coffee; the ceo immigrated.",
        published="1987-01-01",
        external_id="p4",
    ),
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


# -- gotchas and the documentation ----------------------------------------------
def test_trailing_question_mark_is_a_wildcard_as_in_lucene(small):
    assert ids(small, "who is james baker?") == set()
    assert ids(small, "james baker?") == set()
    assert ids(small, "james baker\\?") == {"a3", "a4", "a8"}
    assert ids(small, '"james baker?"') == {"a3", "a4"}


def test_analyzer_matches_index(small):
    """The parser's analyzer must produce the terms the index stores (en_stem)."""
    searcher = small.index.searcher()
    for word in ("Immigration", "prices", "Saudi"):
        (term,) = Q.analyze("text", word)
        assert searcher.doc_freq("text", term) > 0


# -- analyzers.py: one definition, term for term what the index's tokenizers produce --------
VARIED = [
    "Running dogs ran; the runners' RUNS.",
    "Ünïcödé naïve café — Zürich's Straße, façade, résumé",
    "東京 2018年 北京市 서울 Москва́ القاهرة",
    "x-ray U.S.A. O'Neill e-mail C# C++ AT&T 3.14 1,000,000 $5 50% #tag @user",
    "foo " + "x" * 45 + " bar " + "é" * 25 + " baz",  # 40 bytes or more: dropped, leaving a gap
    "tab\tnew\nline\r\u00a0nbsp\u2028sep \u200bzero-width \U0001f600 emoji",
    "Immigration immigrants immigrate immigrated; generalization generously",
    "",
    "   ",
    "'\"quoted\"' \\back\\slash",
]


class _Engine:
    """tantivy's own tokenizers, read through its query parser (which analyses a phrase with
    the field's registered tokenizer, the one the index wrote with)."""

    def __init__(self) -> None:
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("stem", tokenizer_name=analyzers.STEM_TOKENIZER, index_option="position")
        sb.add_text_field("word", tokenizer_name=analyzers.WORD_TOKENIZER, index_option="position")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema)

    def terms(self, fld: str, text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return repr(self.index.parse_query(f'{fld}:"{escaped}"'))

    def ours(self, fld: str, analyzed_as: str, text: str) -> str:
        pairs = analyzers.analyze_positions(analyzed_as, text)
        if not pairs:
            return repr(tantivy.Query.empty_query())
        if len(pairs) == 1:
            return repr(tantivy.Query.term_query(self.schema, fld, pairs[0][1]))
        first = pairs[0][0]
        return repr(tantivy.Query.phrase_query(self.schema, fld, [(p - first, t) for p, t in pairs]))


ENGINE = _Engine()


@pytest.mark.parametrize("text", VARIED)
def test_analyzers_produce_exactly_the_index_terms(text):
    assert ENGINE.ours("stem", "text", text) == ENGINE.terms("stem", text)
    assert ENGINE.ours("word", "author", text) == ENGINE.terms("word", text)
    assert analyzers.analyze("text", text) == [t for _p, t in analyzers.analyze_positions("text", text)]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_analyzers_agree_with_the_index_on_any_text(text):
    text = text.replace("\x00", "")  # the query parser reads NUL as the end of the string
    assert ENGINE.ours("stem", "text", text) == ENGINE.terms("stem", text)


def test_index_schema_uses_the_analyzers_tokenizers():
    """index.build_schema gives each field the tokenizer analyzers.py says (read back through
    tantivy's query parser, which analyses with the field's own tokenizer)."""
    index = memory_index()
    by_tokenizer = {
        analyzers.STEM_TOKENIZER: ["run", "dog"],
        analyzers.WORD_TOKENIZER: ["running", "dogs"],
        analyzers.RAW_TOKENIZER: ["Running Dogs"],
    }
    for fld, tokenizer in analyzers.FIELD_TOKENIZERS.items():
        # body keeps no positions (index.languages.BODY_OPTION): tantivy refuses a phrase there
        asked = f"{fld}:Running {fld}:Dogs" if fld == "body" else f'{fld}:"Running Dogs"'
        got = re.findall(r'type=Str, "([^"]*)"', repr(index.parse_query(asked)))
        assert got == by_tokenizer[tokenizer], fld
    assert set(Q.FIELDS) == set(analyzers.FIELD_TOKENIZERS) | {"published"} | analyzers.INTEGER_FIELDS


def test_stored_text_at_a_long_word_gap_is_found_by_the_phrase(ram):
    """A dropped 40-byte word leaves a position gap in the index; the phrase keeps it."""
    rec = Record(title="Gap", body="foo " + "x" * 45 + " bar", published="1987-01-01", external_id="g1")
    gap = type(ram)([rec])
    tree = Q.parse_tree('"foo ' + "x" * 45 + ' bar"')
    assert gap.match(Q.compile_query(tree, gap.schema)) == {"g1"}


# -- fuzzy, regex, match all, punctuation-only words (issue 12 item 7) ----------------------
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cocao~", {"a1", "a2"}),  # a swap costs one edit (Damerau), as in Lucene
        ("cocao~1", {"a1", "a2"}),
        ("cocoa~0", {"a1", "a2"}),
        ("coca~1", {"a1", "a2"}),
        ("cca~1", set()),
        ("cca~2", {"a1", "a2"}),
        ("title:bakr~1", {"a3", "a4", "a8"}),
        ("source:reuter~1", {"a1", "a2", "a5", "a6", "a7"}),
        ("sugr~1 -title:sugar", set()),
        ("/coc.a/", {"a1", "a2"}),
        ("/COC.A/", {"a1", "a2"}),
        ("/imm.*/", {"a6"}),  # matched against the stems: "immigr"
        ("title:/ba[kc]er/", {"a3", "a4", "a8"}),
        ("source:/reu.*/", {"a1", "a2", "a5", "a6", "a7"}),
        ("/coc/", set()),  # a regex matches whole terms, as in Lucene
        ("*:*", {a.external_id for a in ARTICLES}),
        ("*:* -oil", {"a1", "a2", "a3", "a4", "a5", "a8"}),
        ("title: cocoa", {"a1"}),
        ('"saudi supply"~', {"a6"}),
        ('"oil saudi"~', set()),
        ("oil & prices", {"a6", "a7"}),  # '&' has no terms: it drops out (was: nothing matched)
        ("oil - prices", {"a6", "a7"}),
        ('oil "&" prices', {"a6", "a7"}),
        ("& -oil", {"a1", "a2", "a3", "a4", "a5", "a8"}),
    ],
)
def test_lucene_constructs_match_as_in_lucene(ram, q, expected):
    assert ram.match(Q.compile_query(Q.parse_tree(q), ram.schema)) == expected


def test_fuzzy_and_regex_score_alike_like_wildcards(ram):
    for q in ("cocao~", "/coc.a/"):
        assert ram.scores(Q.compile_query(Q.parse_tree(q), ram.schema)) == [1.0, 1.0]


def test_a_query_of_only_punctuation_matches_nothing(ram):
    assert ram.match(Q.compile_query(Q.parse_tree("& ,"), ram.schema)) == set()


def test_fuzzy_and_regex_through_the_desk(small):
    assert ids(small, "cocao~1") == {"a1", "a2"}
    assert ids(small, "/coc.a/ AND title:sugar") == {"a2"}
    assert ids(small, "*:*") == {a.external_id for a in ARTICLES}
