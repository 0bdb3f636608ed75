"""A query-grammar fuzzer: any string either searches or is a QuerySyntaxError with a position.

Random strings and grammar-shaped queries (operators, groups, phrases, fields, ranges,
wildcards, boosts, fuzzy, regex, unicode) go through parse, compile, a search on a
RAM index with the real schema, and a full ``Desk.search`` (ranking, collapse,
snippets) on a small real desk. Anything but results or a ``QuerySyntaxError``
whose position lies inside the query and whose message can be printed is a bug.

``make test`` runs a bounded number of examples per test; ``make fuzz`` runs many:
``NEWSDESK_FUZZ_EXAMPLES=10000 pytest -m fuzz tests/query/test_fuzz_queries.py``.
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk import query as Q
from newsdesk.errors import QuerySyntaxError

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("NEWSDESK_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEN = {"queries": 0, "errors": 0}


def check(q: str, ram, desk) -> None:
    """Results or a QuerySyntaxError with a position; nothing else may escape."""
    SEEN["queries"] += 1
    try:
        tree = Q.parse_tree(q)
    except QuerySyntaxError as err:
        SEEN["errors"] += 1
        assert 0 <= err.position <= len(q), (q, err.position)
        assert err.expected.startswith("expected"), err.expected
        str(err).encode("utf-8")  # printable, and JSON-safe for the API
        with pytest.raises(QuerySyntaxError):  # the desk says the same
            desk.search(q, limit=5)
        return
    tantivy_query = Q.compile_query(tree, ram.schema)
    assert all(math.isfinite(s) for s in ram.scores(tantivy_query)), q
    for operator in ("AND", "OR"):
        hits = desk.search(q, limit=5, operator=operator)
        assert all(math.isfinite(h.score) for h in hits), q


# -- random strings, biased towards the characters the grammar cares about ------------------
SYNTAX = list('()[]{}:^~"/\\*?+-!<>=&| \t\n') + ["AND ", " OR ", "NOT ", " TO ", "&&", "||"]
ODD = [
    "\ud800",
    "\udcff",
    "\x00",
    "\u200b",
    "\u2028",
    "\ufeff",
    "\u201c",
    "\u2013",
    "\U0001f600",
    "é",
    "ß",
    "東京",
    "İ",
    "ﬁ",
    "\u0301",
]
chars = st.one_of(
    st.sampled_from(SYNTAX), st.sampled_from(ODD), st.characters(), st.sampled_from("abcxyz019")
)
random_strings = st.lists(chars, max_size=60).map("".join)

# -- grammar-shaped queries -----------------------------------------------------------------
VOCAB = [
    "cocoa",
    "oil",
    "baker",
    "james",
    "saudi",
    "prices",
    "the",
    "x-ray",
    "u.s",
    "AT&T",
    "1987",
    "immigr",
    "café",
    "東京",
    "roam",
    "ceo",
    "c#",
    "e-mail",
    "TO",
    "and",
    "a",
]
FIELDS = Q.FIELDS + ["nope", "*", "Title"]
word = st.one_of(st.sampled_from(VOCAB), st.text(min_size=1, max_size=12))
number = st.one_of(
    st.integers(-5, 2**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "0", "1", "2", "3", "0.5", "nan", "inf", "1e309", "9" * 30, "-1"]),
)
wild = st.builds(
    lambda w, pat: w + pat,
    st.sampled_from(VOCAB + [""]),
    st.sampled_from(["*", "?", "*?", "??", "?" * 53, "*a" * 30, "\\*", "\\?"]),
)
date = st.sampled_from(
    [
        "2018",
        "2018-03",
        "1987-03-10",
        "2018-03-05T10:30:00Z",
        "now-7d",
        "now-1M/M",
        "*",
        "9999",
        "1500-01-01",
        "yesterday",
        "now-999999999d",
        '"1987-03-10T00:00:00"',
    ]
)
leaf = st.one_of(
    word,
    wild,
    st.builds(lambda w: f'"{w}"', st.text(max_size=20)),
    st.builds(lambda w, n: f'"{w}"~{n}', st.sampled_from(["james baker", "oil prices", "a"]), number),
    st.builds(lambda w, n: f"{w}~{n}", st.sampled_from(VOCAB), number),
    st.builds(
        lambda r: f"/{r}/",
        st.sampled_from(
            [
                "coc.a",
                "ba[kc]er",
                "(",
                "a{2,}",
                ".*",
                "." * 60,
                "a~b",
                "\\p{L}+",
                "[^a]",
                "x|y",
                "\\/",
                "(?i)OIL",
            ]
        ),
    ),
    st.builds(
        lambda a, b, o, c: f"published:{o}{a} TO {b}{c}",
        date,
        date,
        st.sampled_from("[{"),
        st.sampled_from("]}"),
    ),
    st.builds(lambda op, d: f"published:{op}{d}", st.sampled_from([">", ">=", "<", "<=", ""]), date),
    st.sampled_from(["*", "*:*", "*:oil", "-", "\\", "&", "title:", "title: oil"]),
)


def _field(f, v):
    return f"{f}:{v}"


def _compose(children):
    binary = st.builds(
        lambda a, op, b: f"{a}{op}{b}",
        children,
        st.sampled_from([" ", " AND ", " OR ", " && ", " || ", " NOT ", " -", " +", ""]),
        children,
    )
    return st.one_of(
        binary,
        st.builds(lambda c: f"({c})", children),
        st.builds(lambda op, c: f"{op}{c}", st.sampled_from(["-", "+", "!", "NOT ", "\u2013"]), children),
        st.builds(_field, st.sampled_from(FIELDS), children),
        st.builds(lambda c, n: f"{c}^{n}", children, number),
    )


grammar = st.recursive(
    st.one_of(leaf, st.builds(_field, st.sampled_from(FIELDS), leaf)), _compose, max_leaves=12
)
deep = st.builds(
    lambda n, op, w: op * n + w + (")" * n if op.endswith("(") else ""),
    st.integers(1, 260),
    st.sampled_from(["(", "-", "NOT ", "+", "title:("]),
    word,
)


@FUZZ
@given(q=random_strings)
def test_random_strings_search_or_fail_cleanly(q, ram, small):
    check(q, ram, small)


@FUZZ
@given(q=st.one_of(grammar, deep))
def test_grammar_shaped_queries_search_or_fail_cleanly(q, ram, small):
    check(q, ram, small)


def test_fuzzer_reaches_both_outcomes():
    """The fuzzer is not vacuous: it ran queries, and some parsed while others were errors."""
    if SEEN["queries"] == 0:
        pytest.skip("run with the fuzz tests above")
    print(
        f"\nquery fuzz: {SEEN['queries']} queries, {SEEN['errors']} syntax errors with a position, "
        f"{SEEN['queries'] - SEEN['errors']} searched, 0 other exceptions"
    )
    assert 0 < SEEN["errors"] < SEEN["queries"], SEEN
