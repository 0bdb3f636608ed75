"""An AST from ``parse.parse_tree`` -> a ``tantivy.Query``.

Words go through the field's analyzer from :mod:`newsdesk.analyzers` (the same
chains the index uses), so a query term is exactly a term the index holds. A
word that analyses to nothing (``&``, a lone ``-`` between words) drops out of its
group, as in Lucene, instead of turning an AND into "match nothing". The parser
has already refused everything the engine would refuse, so compiling a parsed
tree does not fail.

Languages (issue 15): a word in ``text``/``title``/``body`` is analysed once per
*analysis* it is compiled for (``analyses``: the languages present in the desk, or
only those a ``lang:`` restricts to; see ``search.plan``) and asks for its terms in
each analysis's own fields, as one disjunction. An article's text is in one
analysis's fields only, so it matches (and is scored) through its own language's
clause; with a single analysis the query is exactly the one-language query.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import tantivy

from ..analyzers import (
    ANALYSES,
    ENGLISH,
    FOLDED,
    INTEGER_FIELDS,
    STEMMED_FIELDS,
    WORD_FIELDS,
    analyze,
    analyze_positions,
    field_name,
)
from ..index.languages import lang_code, positional_field
from . import languages, wildcard
from .parse import DEFAULT_FIELD, Bool, Fuzzy, MatchAll, Node, Phrase, Range, Regex, Term, _Not, _Required

Analyses = Sequence[str]


def _one_term(fld: str, word: str, analysis: str = ENGLISH) -> str:
    terms = analyze(fld, word, analysis)
    return terms[0] if terms else word.lower()


_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def fold(text: str) -> str:
    """Accents off, as the index's ascii folding does for the folded languages (é -> e, ß -> ss)."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c))


def _piece_regex(fld: str, piece: str, analysis: str) -> str:
    if analysis == ENGLISH:
        return wildcard.piece_regex(fld, piece)
    return wildcard.piece_regex("", fold(piece) if analysis in FOLDED else piece)  # not stemmed


def _across(fld: str, analyses: Analyses, build: Callable[[str, str], tantivy.Query | None]) -> tantivy.Query | None:
    """``build(field, analysis)`` for each analysis of a text field, as one disjunction."""
    if fld not in STEMMED_FIELDS:
        return build(fld, ENGLISH)
    queries = [q for a in analyses if (q := build(field_name(fld, a), a)) is not None]
    if len(queries) <= 1:
        return queries[0] if queries else None
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _wildcard(schema: tantivy.Schema, fld: str, text: str, analyses: Analyses) -> tantivy.Query | None:
    """``immigr*`` / ``wom?n``: a regex over the field's terms; constant score, as in Lucene.

    On tokenized fields a term with inner punctuation is split like the text was
    (``x-ray*`` -> the phrase "x" then a word starting with "ray")."""
    if not wildcard.tokenized(fld):
        regex = wildcard.exact_regex(text)
        return tantivy.Query.all_query() if regex == ".*" else tantivy.Query.regex_query(schema, fld, regex)
    pieces = wildcard.wildcard_pieces(text)
    if not pieces:
        return None

    def build(name: str, analysis: str) -> tantivy.Query:
        if len(pieces) == 1:
            regex = _piece_regex(fld, pieces[0], analysis)
            return tantivy.Query.all_query() if regex == ".*" else tantivy.Query.regex_query(schema, name, regex)
        words = [
            _piece_regex(fld, p, analysis) if wildcard.WILDCARD.search(p) else re.escape(_one_term(fld, p, analysis))
            for p in pieces
        ]
        if phrase_in := positional_field(name):  # no positions here: the phrase there, each piece here
            return tantivy.Query.const_score_query(_phrase_elsewhere(
                tantivy.Query.regex_phrase_query(schema, phrase_in, words),
                [tantivy.Query.regex_query(schema, name, w) for w in words]), 1.0)
        return tantivy.Query.const_score_query(tantivy.Query.regex_phrase_query(schema, name, words), 1.0)

    return _across(fld, analyses, build)


def _phrase_elsewhere(phrase: tantivy.Query, words: list[tantivy.Query]) -> tantivy.Query:
    """A phrase asked of the body, whose field keeps no positions (index.languages.POSITIONS_IN):
    the phrase must be in ``text`` (headline + body, with positions) and every word in the
    body. Exact but for a phrase that is in the headline while its words are only scattered
    in the body; scored as the body's words (as a body phrase would be, but for proximity)."""
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, tantivy.Query.const_score_query(phrase, 0.0))] + [(tantivy.Occur.Must, w) for w in words]
    )


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


def compile_query(node: Node, schema: tantivy.Schema, analyses: Analyses | None = None) -> tantivy.Query:
    """The tantivy query for an AST node (one that matches nothing if it holds no words).

    ``analyses``: the per-language analyses text words are compiled for (default: all;
    ``search.plan`` passes the ones present in the desk)."""
    q = _compile_boosted(node, schema, tuple(analyses) if analyses else ANALYSES)
    return tantivy.Query.empty_query() if q is None else q


def _compile_boosted(node: Node, schema: tantivy.Schema, analyses: Analyses) -> tantivy.Query | None:
    q = _compile(node, schema, analyses)
    if q is not None and node.boost != 1.0:
        q = tantivy.Query.boost_query(q, node.boost)
    return q


def _words(node: Term | Phrase, schema: tantivy.Schema, analyses: Analyses) -> tantivy.Query | None:
    text = node.text.replace("\\", "")
    if node.field in STEMMED_FIELDS or node.field in WORD_FIELDS:
        slop = getattr(node, "slop", 0)
        typed_word = isinstance(node, Term)  # not a quoted phrase: a language's word rules apply

        def build(name: str, analysis: str) -> tantivy.Query | None:
            terms = analyze_positions(node.field, text, analysis)
            if not terms:
                return None
            if len(terms) == 1:
                if typed_word and analysis == "simple" and languages.HEBREW.match(terms[0][1]):
                    return languages.hebrew_word(schema, name, terms[0][1])
                if typed_word and analysis == "ru" and (q := languages.russian_word(schema, name, terms[0][1])):
                    return q
                return tantivy.Query.term_query(schema, name, terms[0][1])
            if typed_word and analysis == "cjk" and languages.is_cjk_bigrams(terms):
                return languages.cjk_word(schema, name, terms, positional_field(name))
            first = terms[0][0]  # a dropped 40-byte word leaves its gap in the positions
            words = [(pos - first, term) for pos, term in terms]
            if phrase_in := positional_field(name):
                return _phrase_elsewhere(tantivy.Query.phrase_query(schema, phrase_in, words, slop),
                                         [tantivy.Query.term_query(schema, name, t) for _, t in terms])
            return tantivy.Query.phrase_query(schema, name, words, slop)

        return _across(node.field, analyses, build)
    if node.field == "lang":  # lang:de-AT, lang:deu, lang:DE: the ISO 639-1 code the index holds
        code = lang_code(text) or text.strip().lower()
        return tantivy.Query.term_query(schema, "lang", code) if code else None
    if node.field in INTEGER_FIELDS:  # story:42; anything but a number matches nothing
        number = text.strip()
        if not number.isdigit() or len(number) > 19:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_query(schema, node.field, int(number))
    terms = analyze(node.field, text)
    return tantivy.Query.term_query(schema, node.field, terms[0]) if terms else None


def _compile(node: Node, schema: tantivy.Schema, analyses: Analyses) -> tantivy.Query | None:
    if isinstance(node, MatchAll):
        return tantivy.Query.all_query()
    if isinstance(node, Range):
        return _date_range(schema, node)
    if isinstance(node, Term) and node.wildcard:
        return _wildcard(schema, node.field, node.text, analyses)
    if isinstance(node, Term | Phrase):
        return _words(node, schema, analyses)
    if isinstance(node, Fuzzy):

        def fuzzy(name: str, analysis: str) -> tantivy.Query | None:
            terms = analyze(node.field, node.text, analysis)
            if not terms:
                return None
            return tantivy.Query.fuzzy_term_query(
                schema, name, terms[0], distance=node.distance, transposition_cost_one=True, prefix=False
            )

        return _across(node.field, analyses, fuzzy)
    if isinstance(node, Regex):
        return _across(node.field, analyses, lambda name, _a: tantivy.Query.regex_query(schema, name, node.pattern))
    if isinstance(node, Bool):
        clauses = []
        for occur, nodes in (
            (tantivy.Occur.Must, node.must),
            (tantivy.Occur.Should, node.should),
            (tantivy.Occur.MustNot, node.must_not),
        ):
            clauses += [(occur, q) for q in (_compile_boosted(n, schema, analyses) for n in nodes) if q is not None]
        if not any(occur != tantivy.Occur.MustNot for occur, _q in clauses):
            if not clauses and (node.must or node.should):
                return None  # only words without terms ("& ,"): nothing to ask for
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))  # only negations: the rest
        return tantivy.Query.boolean_query(clauses)
    if isinstance(node, _Not):  # a lone "-x" at the top
        return _compile(Bool(must_not=[node.node]), schema, analyses)
    if isinstance(node, _Required):
        return _compile_boosted(node.node, schema, analyses)
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def positive_terms(node: Node, fld: str = DEFAULT_FIELD, analysis: str = ENGLISH) -> list[str]:
    """The default-field words a query asks for (not negated), analysed under ``analysis``, in order.

    Ranking uses them for the headline and proximity boosts (per language).
    """
    out: list[str] = []
    if isinstance(node, Term | Phrase) and node.field == fld and not getattr(node, "wildcard", False):
        out += analyze(fld, node.text.replace("\\", ""), analysis)
    elif isinstance(node, Bool):
        for n in node.must + node.should:
            out += positive_terms(n, fld, analysis)
    elif isinstance(node, _Required):
        out += positive_terms(node.node, fld, analysis)
    return out
