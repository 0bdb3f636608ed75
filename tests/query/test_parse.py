"""Parsing: the AST of each construct, errors with positions, and the limits on one query."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsdesk import query as Q
from newsdesk.errors import QuerySyntaxError

from ..conftest import run_cli


def syntax_error(q: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        Q.parse_tree(q)
    return info.value


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
        ("title:", 6, "a value after 'title:'"),
        ("(title:)", 7, "a value after 'title:'"),
        ("cocoa^x", 6, "boost"),
    ],
)
def test_syntax_errors_have_positions(q, position, expected):
    err = syntax_error(q)
    assert err.position == position
    assert expected in err.expected
    lines = str(err).splitlines()
    assert lines[1].strip() == q
    assert lines[2].index("^") - 2 == position  # caret under the column


def test_entity_values_are_normalised():
    assert Q.analyze("entity", "Jeff   Sessions") == ["jeff sessions"]
    tree = Q.parse_tree('entity:"Jeff Sessions"')
    assert isinstance(tree, Q.Phrase) and tree.field == "entity"


def test_colon_after_a_word_still_starts_a_field():
    toks = [t.text for t in Q.tokenize("title:cocoa 2018-01-01T10:00:00Z")]
    assert toks == ["title", ":", "cocoa", "2018-01-01T10:00:00Z", ""]


@pytest.mark.parametrize(("q", "position"), [("c#*", 2), ("title:u.s.*", 10), ("oil c++*", 7)])
def test_wildcard_after_punctuation_is_an_error(q, position):
    err = syntax_error(q)
    assert err.position == position
    assert "punctuation is not indexed" in err.expected


# -- issue 12 item 6: inputs that crashed now are syntax errors with a position -----------
@pytest.mark.parametrize(
    ("q", "position", "expected"),
    [
        ("(" * 200 + "oil" + ")" * 200, Q.MAX_DEPTH, "nested groups"),  # RecursionError before
        ("title:(" * 40 + "oil" + ")" * 40, 7 * Q.MAX_DEPTH + 6, "nested groups"),
        ("NOT " * 100 + "oil", 4 * Q.MAX_DEPTH, "nested groups"),
        ("-(" * 30 + "oil" + ")" * 30, 2 * (Q.MAX_DEPTH // 2), "nested groups"),
        ("?" * 53, 0, "fewer '*' and '?'"),  # tantivy: "regex exceeds size limit" (HTTP 500)
        ("a*" * 60, 0, "fewer '*' and '?'"),
        ("source:" + "?" * 60, 7, "fewer '*' and '?'"),
        ('"oil prices"~4294967296', 13, "from 0 to 100,000"),  # OverflowError before
        ('"oil prices"~100001', 13, "from 0 to 100,000"),
        ("oil^nan", 4, "a boost from 0 to 10,000"),  # NaN scores, invalid --json before
        ("oil^inf", 4, "a boost"),
        ("oil^1e309", 4, "a boost"),
        ("oil^-1", 4, "a boost"),
        ("oil^10001", 4, "a boost"),
        ("oil^1_0", 4, "a boost"),
        ("((oil^100)^100)^100", 16, "product stays within 10,000"),
        ("oil\ud800 prices", 3, "lone surrogate U+D800"),  # UnicodeEncodeError before
        ("\udcff", 0, "lone surrogate U+DCFF"),  # how a CLI argument with a bad UTF-8 byte arrives
        ("x" * 1001, 1000, "at most 1,000 characters"),
    ],
)
def test_queries_that_crashed_are_syntax_errors(q, position, expected):
    err = syntax_error(q)
    assert err.position == position, err.expected
    assert expected in err.expected
    str(err).encode("utf-8")  # the message itself can be printed and sent as JSON


def test_limits_are_inclusive():
    assert Q.parse_tree("(" * Q.MAX_DEPTH + "oil" + ")" * Q.MAX_DEPTH) == Q.Term("text", "oil")
    assert Q.parse_tree('"oil prices"~100000').slop == Q.MAX_SLOP
    assert Q.parse_tree("oil^10000").boost == Q.MAX_BOOST
    assert Q.parse_tree("oil^0").boost == 0
    assert Q.parse_tree("x" * 1000) == Q.Term("text", "x" * 1000)
    assert Q.parse_tree("a" + "?" * 40).wildcard


def test_nested_boosts_multiply_as_in_lucene():
    assert Q.parse_tree("(oil^5)^3").boost == 15
    assert Q.parse_tree("oil^2.5").boost == 2.5


# -- issue 12 item 7: Lucene syntax that meant something else -------------------------------
@pytest.mark.parametrize(
    ("q", "tree"),
    [
        ("roam~", Q.Fuzzy("text", "roam", 2)),  # was silently the exact word
        ("roam~1", Q.Fuzzy("text", "roam", 1)),
        ("roam~2", Q.Fuzzy("text", "roam", 2)),
        ("roam~0", Q.Term("text", "roam")),
        ("roam~0.5", Q.Fuzzy("text", "roam", 2)),  # Lucene's old similarity: (1 - 0.5) * 4 letters
        ("roam~0.8", Q.Term("text", "roam")),  # (1 - 0.8) * 4 letters rounds down to 0 edits
        ("title:roam~1", Q.Fuzzy("title", "roam", 1)),
        ("source:reuter~1", Q.Fuzzy("source", "reuter", 1)),
        ("roam~1^2", Q.Fuzzy("text", "roam", 1, boost=2.0)),
        ("/ro.m/", Q.Regex("text", "ro.m")),  # was the words "ro" and "m"
        ("/Jo[HN]+/", Q.Regex("text", "jo[hn]+")),  # lower-cased like the terms
        (r"/\D\p{Lu}/", Q.Regex("text", r"\D\p{Lu}")),  # escapes keep their case
        (r"/a\/b/", Q.Regex("text", "a/b")),
        ("title:/ro.m/", Q.Regex("title", "ro.m")),
        ("*:*", Q.MatchAll()),  # was "expected a field name"
        ("title: cocoa", Q.Term("title", "cocoa")),  # was "no space" error; Lucene accepts it
        ('"a b"~', Q.Phrase("text", "a b", 0)),  # Lucene's default phrase slop
        ('"a b"~2.5', Q.Phrase("text", "a b", 2)),
        ("1/2 and/or", Q.Bool(must=[Q.Term("text", "1/2"), Q.Term("text", "and/or")])),
        ("oil / gas", Q.Bool(must=[Q.Term("text", "oil"), Q.Term("text", "/"), Q.Term("text", "gas")])),
    ],
)
def test_lucene_syntax_means_what_it_means_in_lucene(q, tree):
    assert Q.parse_tree(q) == tree


def test_fuzzy_then_a_separate_word():
    assert Q.parse_tree("roam~ 2") == Q.Bool(must=[Q.Fuzzy("text", "roam", 2), Q.Term("text", "2")])


@pytest.mark.parametrize(
    ("q", "position", "expected"),
    [
        ("-", 0, "a term after '-'"),  # matched nothing (or everything) silently
        ("oil -", 4, "a term after '-'"),
        ("(oil -)", 6, "a term after -"),
        ("\\", 0, "a character after '\\'"),
        ("oil \\", 4, "a character after '\\'"),
        ("roam~3", 5, "an edit distance from 0 to 2"),
        ("roam~x", 5, "an edit distance"),
        ("ro*m~1", 4, "fuzzy matching does not combine"),
        ("x-ray~1", 0, "a single word before '~'"),
        ("published:2018~1", 14, "no '~' after a date"),
        ('published:"2018"~1', 16, "no '~' after a date"),
        ("/ro.m", 0, "a closing '/'"),
        ("/(/", 0, "unclosed group"),
        ("/a~b/", 0, "Lucene's '~' operator"),
        ("/<1-5>/", 0, "Lucene's '<' operator"),
        ("/" + "." * 60 + "/", 0, "1,000 automaton states"),
        ("published:/20.*/", 10, "not a regular expression"),
        ("*:oil", 0, "'*:*' matches everything"),
        ("story:4*", 6, "a whole number after story:"),  # ids: no wildcards, fuzziness, regex
        ("story:42~1", 8, "no '~' after story:42"),
        ("story:/4.*/", 6, "a whole number after story:"),
        ("story:abc", 6, "a whole number after story:"),
        ("story:" + "9" * 20, 6, "a whole number after story:"),
        ('"a b"~x', 6, "a number of words"),
    ],
)
def test_rejected_syntax_says_why_and_where(q, position, expected):
    err = syntax_error(q)
    assert err.position == position, err.expected
    assert expected in err.expected


# -- the command line and the HTTP API: exit 2 and HTTP 400, never a crash -------------------
HOSTILE = ["(" * 200 + "oil" + ")" * 200, "?" * 53, '"oil prices"~4294967296', "oil^nan", "oil^inf"]


def test_cli_exit_2_with_caret(small):
    proc = run_cli("search", "title:(cocoa", data=Path(small.path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "^" in proc.stderr and "expected ')'" in proc.stderr


@pytest.mark.parametrize("q", ["oil^nan", "(" * 200 + "oil" + ")" * 200, "oil \udcff"])  # \udcff: byte 0xff
def test_cli_hostile_queries_exit_2(small, q):
    proc = run_cli("search", q, "--json", data=Path(small.path))
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert "query syntax error" in proc.stderr
    assert "NaN" not in proc.stdout


def test_http_hostile_queries_are_400(small):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from newsdesk.api import create_app

    client = TestClient(create_app(small))
    for q in HOSTILE:
        resp = client.get("/api/search", params={"q": q})
        assert resp.status_code == 400, (q[:20], resp.status_code, resp.text[:200])
        json.loads(resp.text)  # valid JSON (no NaN, no lone surrogate)


def test_api_raises_typed_error(small):
    with pytest.raises(QuerySyntaxError):
        small.search("title:(cocoa")


# -- the documentation ----------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[2] / "docs" / "query-language.md"


def test_docs_have_a_gotchas_section_about_question_marks():
    text = DOC.read_text()
    gotchas = text[text.index("## Gotchas") :]
    assert "who is james baker?" in gotchas
    assert "now-6m" not in text and "`m` **minutes**" in text


def test_docs_state_every_limit():
    limits = DOC.read_text()[DOC.read_text().index("## Limits") :]
    for number in (
        f"{Q.MAX_QUERY_CHARS:,}",
        str(Q.MAX_DEPTH),
        f"{Q.MAX_SLOP:,}",
        f"{Q.MAX_BOOST:,.0f}",
        str(Q.MAX_EDITS),
        "1,000 automaton states",
    ):
        assert number in limits, number


def test_every_documented_example_parses():
    examples = [e for e in re.findall(r"`([^`\n]+)`", DOC.read_text()) if re.match(r"^[a-z]+:\S", e)]
    assert len(examples) > 20
    for example in examples:
        if example in ("title:(cocoa",):
            continue
        Q.parse_tree(example.replace("\\|", "|"))
