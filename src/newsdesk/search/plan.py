"""Parse once: a user query plus filters becomes one :class:`Plan` that every later step shares.

The plan holds the parsed tree (snippets highlight the user's words from it),
the full tantivy query (the user's query as MUST, ranking and booster clauses
as scoring-only SHOULD, filters as zero-scoring MUST) and the one searcher
snapshot that hits, totals and facets are all read from.

Ranking is tantivy's BM25 over the combined headline+body field (``text``)
plus SHOULD clauses that reorder matches without adding any:

* a headline boost: the query's words in ``title`` (weight ``TITLE_BOOST``);
* a proximity boost: each adjacent pair of query words within ``PROX_SLOP``
  positions of each other (weight ``PROX_BOOST``), which lifts articles where
  "jeff sessions" is a name rather than two stray words;
* boosters handed in by the enrichment stages (entities: articles where a
  named entity is salient), which see the parsed tree, not the raw string.

Every weight was chosen with ``newsdesk eval`` / ``bench/tune_bm25.py``; see
docs/benchmarks.md.

Languages (issue 15): the plan compiles text words for the *analyses* present in
the searcher's snapshot (``analysis`` field, one ``doc_freq`` per analysis), or only
for those a top-level ``lang:`` (or the ``lang`` filter) names, and the headline and
proximity clauses are made per analysis in that analysis's own fields. A desk with
English (and undetermined) text only has one analysis, so its query is exactly the
one it was before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import tantivy

from .. import query as query_mod
from ..analyzers import ANALYSES, ENGLISH, analysis_of, field_name, is_stopword
from ..errors import BadParameter
from ..index import MAX_DATE, MIN_DATE
from ..index.languages import ANALYSIS_FIELD, lang_code
from ..query.parse import _Required as Required

if TYPE_CHECKING:
    from ..index import Index
    from ..store import Store

# ranking knobs (tuned with bench/tune_bm25.py on Reuters dev and TIME; see docs/benchmarks.md)
TITLE_BOOST = 0.2
PROX_BOOST = 0.3
# articles whose headline holds every query word (2+ words): known-item queries are written from
# the headline (bench/ranking.py, chosen on dev: KI-ECB+ test MRR@10 0.522 -> 0.577, no set loses)
TITLE_ALL_BOOST = 1.5
DROP_STOP_WORDS = True  # drop_common_words also leaves out stop words (off: the ranking before issue 16)
PROX_SLOP = 1
# a word a query repeats weighs once per time it is written, as in Lucene and bm25s (BM25's
# query term frequency). Off: measured on the ranking bench's dev splits it loses (TIME -0.015,
# MEDLINE -0.024 nDCG@10); kept as a switch for the bench
QUERY_TF = False
PROX_MAX_TERMS = 12  # pairs of the first N query words only: long queries stay fast
# short queries (up to SHORT_QUERY words typed: a reader's words for one article) may look for
# their word pairs within PROX_SLOP_SHORT positions, not side by side ("capaldi doctor who" is
# written "Peter Capaldi, the new Doctor Who"). Left at PROX_SLOP: the window chosen on the ranking
# bench's dev splits (6; 2-12 tried) won on only 3 of the 6 test splits it changed (KI-TIME +0.028,
# CACM -0.007), so it did not ship; the switch stays for the bench
PROX_SLOP_SHORT = 1
SHORT_QUERY = 5
COMMON_DF = 0.5  # a bare word in more than this share of articles carries no weight
COMMON_MIN_DOCS = 200  # below this a desk is too small to tell common words

_WORDS = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build()


def stop_word(word: str, analysis: str) -> bool:
    """Whether ``word`` is a stop word of ``analysis``'s language (``analyzers.is_stopword``);
    a word that is only punctuation is none (the stop list would say yes: it yields no token)."""
    if analysis == ENGLISH and not _WORDS.analyze(word):
        return False
    return is_stopword(word.lower(), analysis)


#: a scoring-only clause provider: (store, schema, parsed tree) -> Query | None
Booster = Callable[["Store", tantivy.Schema, query_mod.Node], "tantivy.Query | None"]


@dataclass(frozen=True)
class Corpus:
    """What search and analysis read: the store of record, its index, and the stages' boosters."""

    store: Store
    index: Index
    boosters: Sequence[Booster] = ()
    #: what the stages add to each hit (copies, copy_of, story): seqs -> {seq: {field: value}}
    hit_extras: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None


@dataclass
class Plan:
    """One parsed query: tree, full tantivy query, the filters alone, and one searcher snapshot."""

    q: str
    tree: query_mod.Node
    query: tantivy.Query
    filters: list[tantivy.Query]
    searcher: tantivy.Searcher
    schema: tantivy.Schema
    #: the per-language analyses the query's words were compiled for ("en": English and und)
    analyses: tuple[str, ...] = (ENGLISH,)
    #: the default operator between the query's words: "AND" (every word, as a reader types a
    #: search) or "OR" (a bag of keywords, as ad hoc evaluation and the OR fill of AND-then-OR ask)
    operator: str = "AND"
    #: made for (or taken from) the search memo's plans: what is kept per plan (the re-ordering's
    #: scores, AND-then-OR's OR plan) is keyed on its query object, which then comes back
    kept: bool = False

    def on(self, searcher: tantivy.Searcher) -> Plan:
        """This plan's tree and queries on ``searcher`` (another of the same snapshot): how a
        kept plan is handed out (copy.copy is 5x slower)."""
        plan = object.__new__(Plan)
        plan.__dict__.update(self.__dict__)
        plan.searcher = searcher
        return plan


OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})


def typed_words(q: str) -> int:
    """How many words a query was typed with, its boolean operators left out (what "long" and
    "short" queries are told by: search.rerank, search.feedback)."""
    return sum(1 for w in q.split() if w not in OPERATORS)


def date_bound(value: str | datetime | None, name: str, end: bool = False) -> datetime | None:
    """A since/until bound, read like a date in the query language (``2018-03``,
    ``now-7d``...); ``end`` makes ``until 2018-03`` cover all of March. BadParameter if unusable."""
    if value is None or value == "":
        return None
    out_of_range = f"outside the dates the index holds ({query_mod.date_range_text()})"
    if isinstance(value, str):
        try:
            return query_mod.parse_date_bound(value, end)
        except query_mod.DateOutOfRange:
            raise BadParameter(name, value, out_of_range) from None
        except (ValueError, OverflowError):
            pass  # other formats news dates come in (RFC 822, epoch seconds), as before
    from ..normalize import parse_date

    try:
        dt = parse_date(value)
    except (ValueError, OverflowError, OSError):
        dt = None
    if dt is None:
        raise BadParameter(name, value, f"not a date (use {query_mod.DATE_FORMS})")
    if not MIN_DATE <= dt <= MAX_DATE:
        raise BadParameter(name, value, out_of_range)
    return dt


def filter_clauses(
    schema: tantivy.Schema,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
    lang: str | list[str] | None = None,
) -> list[tantivy.Query]:
    """Zero-scoring queries that restrict matches to a date range, sources and languages."""
    clauses: list[tantivy.Query] = []
    lo = date_bound(since, "since")
    hi = date_bound(until, "until", end=True)
    if lo or hi:
        clauses.append(
            tantivy.Query.range_query(schema, "published", tantivy.FieldType.Date, lo or MIN_DATE, hi or MAX_DATE)
        )
    if source:
        sources = [source] if isinstance(source, str) else list(source)
        terms = [tantivy.Query.term_query(schema, "source", s.strip().lower()) for s in sources]
        clauses.append(
            terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        )
    codes = _lang_codes(lang)
    if codes:
        terms = [tantivy.Query.term_query(schema, "lang", c) for c in codes]
        clauses.append(
            terms[0] if len(terms) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        )
    return [tantivy.Query.const_score_query(c, 0.0) for c in clauses]


def _lang_codes(lang: str | list[str] | None) -> list[str]:
    values = [lang] if isinstance(lang, str) else list(lang or [])
    return list(dict.fromkeys(lang_code(v) or v.strip().lower() for v in values if v and v.strip()))


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def ranking_clauses(
    schema: tantivy.Schema, terms: list[str] | dict[str, list[str]], typed: int | None = None
) -> list[tantivy.Query]:
    """Headline and proximity SHOULD clauses for the query's positive default-field words.

    ``terms``: the words analysed for English, or ``{analysis: words}``; each analysis's
    clauses ask its own fields (``title_de``, ``text_de``), all in one boost per kind.
    ``typed``: how many words the reader typed (common words included, :func:`typed_words`); a short query's
    word pairs may lie ``PROX_SLOP_SHORT`` apart."""
    by_analysis = {ENGLISH: terms} if isinstance(terms, list) else terms
    title: list[tantivy.Query] = []
    title_all: list[tantivy.Query] = []
    prox: list[tantivy.Query] = []
    for analysis, words in by_analysis.items():
        if TITLE_BOOST > 0 and words:
            name = field_name("title", analysis)
            title += [tantivy.Query.term_query(schema, name, t) for t in dict.fromkeys(words)]
        if TITLE_ALL_BOOST > 0 and len(set(words)) >= 2:
            name = field_name("title", analysis)
            every = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, name, t)) for t in dict.fromkeys(words)]
            title_all.append(tantivy.Query.boolean_query(every))
        if PROX_BOOST > 0 and len(words) >= 2:
            head = words[:PROX_MAX_TERMS]
            pairs = list(dict.fromkeys(zip(head, head[1:], strict=False)))
            name = field_name("text", analysis)
            short = typed is not None and typed <= SHORT_QUERY
            slop = PROX_SLOP_SHORT if short else PROX_SLOP
            prox += [tantivy.Query.phrase_query(schema, name, [a, b], slop) for a, b in pairs if a != b]
    out: list[tantivy.Query] = []
    if QUERY_TF:
        for analysis, words in by_analysis.items():
            name = field_name("text", analysis)
            counts = Counter(words)
            out += [tantivy.Query.boost_query(tantivy.Query.term_query(schema, name, t), float(n - 1))
                    for t, n in counts.items() if n > 1]
    if title:
        out.append(tantivy.Query.boost_query(_any(title), TITLE_BOOST))
    if title_all:
        out.append(tantivy.Query.boost_query(_any(title_all), TITLE_ALL_BOOST))
    if prox:
        out.append(tantivy.Query.boost_query(_any(prox), PROX_BOOST))
    return out


def present_analyses(searcher: tantivy.Searcher) -> tuple[str, ...]:
    """The analyses some indexed article went through (one ``doc_freq`` each; deleted
    articles may still count until a merge, which only widens the query)."""
    found = tuple(a for a in ANALYSES if searcher.doc_freq(ANALYSIS_FIELD, a) > 0)
    return found or (ENGLISH,)


def lang_analyses(tree: query_mod.Node) -> set[str]:
    """The analyses a query's top-level ``lang:`` restricts it to (``lang:de Regierung``,
    ``(lang:de OR lang:fr) x``); empty when it does not restrict (``lang:de OR x``, ``-lang:de``)."""
    out: set[str] = set()
    nodes = tree.must if isinstance(tree, query_mod.Bool) else [tree]
    for node in nodes:
        node = node.node if isinstance(node, Required) else node
        alts = node.should if isinstance(node, query_mod.Bool) and not node.must else [node]
        codes = [a.text for a in alts if isinstance(a, query_mod.Term) and a.field == "lang" and not a.wildcard]
        if codes and len(codes) == len(alts):
            out |= {analysis_of(lang_code(c) or c) for c in codes}
    return out


def drop_common_words(
    tree: query_mod.Node, searcher: tantivy.Searcher, analyses: tuple[str, ...] = (ENGLISH,)
) -> query_mod.Node:
    """Leave out bare words found in more than half of all articles ("the", "said", "of").

    Classic BM25 (Robertson/Sparck Jones idf, as SQLite FTS5 uses) gives such words
    no weight; tantivy's idf keeps them slightly positive, so long natural-language
    queries drown in them, and under AND they make a query demand "the". Like
    Elasticsearch's ``cutoff_frequency``: phrases, fields, wildcards and negations are
    untouched, a query made only of common words is kept whole, and small desks
    (under ``COMMON_MIN_DOCS``) are left alone. TIME nDCG@10 0.698 -> 0.706.

    With several analyses a word is common when it is so among the articles of any one
    of them (German "der" in the German articles), each counted on its own.

    Stop words of the query's analyses ("what", "are", "in") go too, however rare they are in
    this desk: long requests are full of them and BM25 still gives each a little weight
    (bench/ranking.py, test splits: CACM nDCG@10 0.398 -> 0.445, CISI 0.367 -> 0.380, NPL
    0.388 -> 0.394; Reuters and the known-item sets unchanged).
    """
    if len(analyses) == 1:
        sizes = {analyses[0]: searcher.num_docs}
    else:
        sizes = {a: searcher.doc_freq(ANALYSIS_FIELD, a) for a in analyses}
    sizes = {a: n for a, n in sizes.items() if n >= COMMON_MIN_DOCS}
    if not sizes:
        return tree

    def common(node: query_mod.Node) -> bool:
        if not isinstance(node, query_mod.Term) or node.field != query_mod.DEFAULT_FIELD or node.wildcard:
            return False
        if DROP_STOP_WORDS and any(stop_word(node.text, a) for a in sizes):
            return True
        for analysis, n_docs in sizes.items():
            terms = query_mod.analyze(node.field, node.text, analysis)
            fld = field_name(node.field, analysis)
            if len(terms) == 1 and searcher.doc_freq(fld, terms[0]) > COMMON_DF * n_docs:
                return True
        return False

    def prune(node: query_mod.Node) -> query_mod.Node:
        if not isinstance(node, query_mod.Bool):
            return node
        must = [prune(c) for c in node.must if not common(c)]
        should = [prune(c) for c in node.should if not common(c)]
        if not must and not should:
            return node
        return query_mod.Bool(must=must, should=should, must_not=node.must_not, boost=node.boost)

    return prune(tree)


def make_plan(
    corpus: Corpus,
    q: str,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
    operator: str = "AND",
    searcher: tantivy.Searcher | None = None,
    extra_filters: Sequence[tantivy.Query] = (),
    lang: str | list[str] | None = None,
) -> Plan:
    """Parse ``q`` once and build everything a search, a count or a facet pass needs.

    ``lang``: only articles in these languages (ISO 639-1, ``und``), analysed by their rules only."""
    if operator.upper() not in ("AND", "OR"):
        raise BadParameter("operator", operator, "choose AND or OR")
    schema = corpus.index.schema
    searcher = searcher or corpus.index.searcher()
    parsed = query_mod.parse_tree(q, operator)
    present = present_analyses(searcher)
    wanted = lang_analyses(parsed) | {analysis_of(c) for c in _lang_codes(lang)}
    # lang:de on a desk analysed as English only (or with no German yet): the desk's own rules
    analyses = tuple(a for a in present if a in wanted) or present if wanted else present
    tree = drop_common_words(parsed, searcher, analyses)
    main = query_mod.compile_query(tree, schema, analyses)
    filters = filter_clauses(schema, since, until, source, lang) + list(extra_filters)
    clauses = [(tantivy.Occur.Must, main)]
    terms = {a: query_mod.positive_terms(tree, analysis=a) for a in analyses}
    for extra in ranking_clauses(schema, terms, typed_words(q)):
        clauses.append((tantivy.Occur.Should, extra))
    for booster in corpus.boosters:
        extra = booster(corpus.store, schema, tree)
        if extra is not None:
            clauses.append((tantivy.Occur.Should, extra))
    clauses += [(tantivy.Occur.Must, f) for f in filters]
    full = main if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
    tree.analyses = analyses  # type: ignore[attr-defined]  # the highlighter reads it (hydrate gets the tree)
    return Plan(q=q, tree=tree, query=full, filters=filters, searcher=searcher, schema=schema, analyses=analyses,
                operator=operator.upper())


def free_words(tree: query_mod.Node) -> list[str]:
    """The lower-cased words of the query's positive default-field terms and phrases, in order
    (what a booster looks entity names up by; negated and fielded parts are left out)."""
    out: list[str] = []

    def walk(node: query_mod.Node) -> None:
        if isinstance(node, query_mod.Term | query_mod.Phrase):
            if node.field == query_mod.DEFAULT_FIELD and not getattr(node, "wildcard", False):
                out.extend(w for w in node.text.replace("\\", "").lower().split() if w)
        elif isinstance(node, query_mod.Bool):
            for child in node.must + node.should:
                walk(child)
        elif isinstance(node, Required):  # a required (+) clause; a lone negation (-x) is skipped
            walk(node.node)

    walk(tree)
    return out
