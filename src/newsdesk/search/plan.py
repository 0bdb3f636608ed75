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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import tantivy

from .. import query as query_mod
from ..errors import BadParameter
from ..index import MAX_DATE, MIN_DATE
from ..query.parse import _Required as Required

if TYPE_CHECKING:
    from ..index import Index
    from ..store import Store

# ranking knobs (tuned with bench/tune_bm25.py on Reuters dev and TIME; see docs/benchmarks.md)
TITLE_BOOST = 0.2
PROX_BOOST = 0.3
PROX_SLOP = 1
PROX_MAX_TERMS = 12  # pairs of the first N query words only: long queries stay fast
COMMON_DF = 0.5  # a bare word in more than this share of articles carries no weight
COMMON_MIN_DOCS = 200  # below this a desk is too small to tell common words

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
) -> list[tantivy.Query]:
    """Zero-scoring queries that restrict matches to a date range and sources."""
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
    return [tantivy.Query.const_score_query(c, 0.0) for c in clauses]


def ranking_clauses(schema: tantivy.Schema, terms: list[str]) -> list[tantivy.Query]:
    """Headline and proximity SHOULD clauses for the query's positive default-field words."""
    out: list[tantivy.Query] = []
    if not terms:
        return out
    if TITLE_BOOST > 0:
        words = list(dict.fromkeys(terms))
        title = [tantivy.Query.term_query(schema, "title", t) for t in words]
        tq = title[0] if len(title) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in title])
        out.append(tantivy.Query.boost_query(tq, TITLE_BOOST))
    if PROX_BOOST > 0 and len(terms) >= 2:
        head = terms[:PROX_MAX_TERMS]
        pairs = list(dict.fromkeys(zip(head, head[1:], strict=False)))
        prox = [tantivy.Query.phrase_query(schema, "text", [a, b], PROX_SLOP) for a, b in pairs if a != b]
        if prox:
            pq = prox[0] if len(prox) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in prox])
            out.append(tantivy.Query.boost_query(pq, PROX_BOOST))
    return out


def drop_common_words(tree: query_mod.Node, searcher: tantivy.Searcher) -> query_mod.Node:
    """Leave out bare words found in more than half of all articles ("the", "said", "of").

    Classic BM25 (Robertson/Sparck Jones idf, as SQLite FTS5 uses) gives such words
    no weight; tantivy's idf keeps them slightly positive, so long natural-language
    queries drown in them, and under AND they make a query demand "the". Like
    Elasticsearch's ``cutoff_frequency``: phrases, fields, wildcards and negations are
    untouched, a query made only of common words is kept whole, and small desks
    (under ``COMMON_MIN_DOCS``) are left alone. TIME nDCG@10 0.698 -> 0.706.
    """
    n_docs = searcher.num_docs
    if n_docs < COMMON_MIN_DOCS:
        return tree

    def common(node: query_mod.Node) -> bool:
        if not isinstance(node, query_mod.Term) or node.field != query_mod.DEFAULT_FIELD or node.wildcard:
            return False
        terms = query_mod.analyze(node.field, node.text)
        return len(terms) == 1 and searcher.doc_freq(node.field, terms[0]) > COMMON_DF * n_docs

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
) -> Plan:
    """Parse ``q`` once and build everything a search, a count or a facet pass needs."""
    if operator.upper() not in ("AND", "OR"):
        raise BadParameter("operator", operator, "choose AND or OR")
    schema = corpus.index.schema
    searcher = searcher or corpus.index.searcher()
    tree = drop_common_words(query_mod.parse_tree(q, operator), searcher)
    main = query_mod.compile_query(tree, schema)
    filters = filter_clauses(schema, since, until, source) + list(extra_filters)
    clauses = [(tantivy.Occur.Must, main)]
    for extra in ranking_clauses(schema, query_mod.positive_terms(tree)):
        clauses.append((tantivy.Occur.Should, extra))
    for booster in corpus.boosters:
        extra = booster(corpus.store, schema, tree)
        if extra is not None:
            clauses.append((tantivy.Occur.Should, extra))
    clauses += [(tantivy.Occur.Must, f) for f in filters]
    full = main if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
    return Plan(q=q, tree=tree, query=full, filters=filters, searcher=searcher, schema=schema)


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
