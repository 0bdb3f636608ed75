"""An AST from ``parse.parse_tree`` -> a ``tantivy.Query``.

Words go through the field's analyzer from :mod:`newsdesk.analyzers` (the same
chains the index uses), so a query term is exactly a term the index holds. A
word that analyses to nothing (``&``, a lone ``-`` between words) drops out of its
group, as in Lucene, instead of turning an AND into "match nothing". The parser
has already refused everything the engine would refuse, so compiling a parsed
tree does not fail.
"""

from __future__ import annotations

import re

import tantivy

from ..analyzers import INTEGER_FIELDS, STEMMED_FIELDS, WORD_FIELDS, analyze, analyze_positions
from . import wildcard
from .parse import DEFAULT_FIELD, Bool, Fuzzy, MatchAll, Node, Phrase, Range, Regex, Term, _Not, _Required


def _one_term(fld: str, word: str) -> str:
    terms = analyze(fld, word)
    return terms[0] if terms else word.lower()


def _wildcard(schema: tantivy.Schema, fld: str, text: str) -> tantivy.Query | None:
    """``immigr*`` / ``wom?n``: a regex over the field's terms; constant score, as in Lucene.

    On tokenized fields a term with inner punctuation is split like the text was
    (``x-ray*`` -> the phrase "x" then a word starting with "ray")."""
    if not wildcard.tokenized(fld):
        regex = wildcard.exact_regex(text)
        return tantivy.Query.all_query() if regex == ".*" else tantivy.Query.regex_query(schema, fld, regex)
    pieces = wildcard.wildcard_pieces(text)
    if not pieces:
        return None
    if len(pieces) == 1:
        regex = wildcard.piece_regex(fld, pieces[0])
        return tantivy.Query.all_query() if regex == ".*" else tantivy.Query.regex_query(schema, fld, regex)
    words = [
        wildcard.piece_regex(fld, p) if wildcard.WILDCARD.search(p) else re.escape(_one_term(fld, p))
        for p in pieces
    ]
    return tantivy.Query.const_score_query(tantivy.Query.regex_phrase_query(schema, fld, words), 1.0)


def _date_range(schema: tantivy.Schema, node: Range) -> tantivy.Query:
    return tantivy.Query.range_query(
        schema,
        "published",
        tantivy.FieldType.Date,
        node.lo,
        node.hi,
        include_lower=node.include_lo,
        include_upper=node.include_hi,
    )


def compile_query(node: Node, schema: tantivy.Schema) -> tantivy.Query:
    """The tantivy query for an AST node (one that matches nothing if it holds no words)."""
    q = _compile_boosted(node, schema)
    return tantivy.Query.empty_query() if q is None else q


def _compile_boosted(node: Node, schema: tantivy.Schema) -> tantivy.Query | None:
    q = _compile(node, schema)
    if q is not None and node.boost != 1.0:
        q = tantivy.Query.boost_query(q, node.boost)
    return q


def _words(node: Term | Phrase, schema: tantivy.Schema) -> tantivy.Query | None:
    text = node.text.replace("\\", "")
    if node.field in STEMMED_FIELDS or node.field in WORD_FIELDS:
        terms = analyze_positions(node.field, text)
        if not terms:
            return None
        if len(terms) == 1:
            return tantivy.Query.term_query(schema, node.field, terms[0][1])
        first = terms[0][0]  # a dropped 40-byte word leaves its gap in the positions
        words = [(pos - first, term) for pos, term in terms]
        return tantivy.Query.phrase_query(schema, node.field, words, getattr(node, "slop", 0))
    if node.field in INTEGER_FIELDS:  # story:42; anything but a number matches nothing
        number = text.strip()
        if not number.isdigit() or len(number) > 19:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_query(schema, node.field, int(number))
    terms = analyze(node.field, text)
    return tantivy.Query.term_query(schema, node.field, terms[0]) if terms else None


def _compile(node: Node, schema: tantivy.Schema) -> tantivy.Query | None:
    if isinstance(node, MatchAll):
        return tantivy.Query.all_query()
    if isinstance(node, Range):
        return _date_range(schema, node)
    if isinstance(node, Term) and node.wildcard:
        return _wildcard(schema, node.field, node.text)
    if isinstance(node, Term | Phrase):
        return _words(node, schema)
    if isinstance(node, Fuzzy):
        terms = analyze(node.field, node.text)
        if not terms:
            return None
        return tantivy.Query.fuzzy_term_query(
            schema, node.field, terms[0], distance=node.distance, transposition_cost_one=True, prefix=False
        )
    if isinstance(node, Regex):
        return tantivy.Query.regex_query(schema, node.field, node.pattern)
    if isinstance(node, Bool):
        clauses = []
        for occur, nodes in (
            (tantivy.Occur.Must, node.must),
            (tantivy.Occur.Should, node.should),
            (tantivy.Occur.MustNot, node.must_not),
        ):
            clauses += [(occur, q) for q in (_compile_boosted(n, schema) for n in nodes) if q is not None]
        if not any(occur != tantivy.Occur.MustNot for occur, _q in clauses):
            if not clauses and (node.must or node.should):
                return None  # only words without terms ("& ,"): nothing to ask for
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))  # only negations: the rest
        return tantivy.Query.boolean_query(clauses)
    if isinstance(node, _Not):  # a lone "-x" at the top
        return _compile(Bool(must_not=[node.node]), schema)
    if isinstance(node, _Required):
        return _compile_boosted(node.node, schema)
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def positive_terms(node: Node, fld: str = DEFAULT_FIELD) -> list[str]:
    """The analysed default-field words a query asks for (not negated), in order.

    Ranking uses them for the headline and proximity boosts.
    """
    out: list[str] = []
    if isinstance(node, Term | Phrase) and node.field == fld and not getattr(node, "wildcard", False):
        out += analyze(fld, node.text.replace("\\", ""))
    elif isinstance(node, Bool):
        for n in node.must + node.should:
            out += positive_terms(n, fld)
    elif isinstance(node, _Required):
        out += positive_terms(node.node, fld)
    return out
