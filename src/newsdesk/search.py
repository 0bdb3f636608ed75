"""Search: query -> tantivy -> hydrate from the store -> collapse -> highlighted hits.

Ranking is tantivy's BM25 over the combined headline+body field (``text``)
plus scoring-only SHOULD clauses that reorder matches without adding any:

* a headline boost: the query's words in ``title`` (weight ``TITLE_BOOST``);
* a proximity boost: each adjacent pair of query words within ``PROX_SLOP``
  positions of each other (weight ``PROX_BOOST``), which lifts articles where
  "jeff sessions" is a name rather than two stray words;
* boosters registered by later stages (entities) via :func:`register_booster`.

Filters (date range, source) are zero-scoring MUST clauses. Exact duplicates
(same normalised headline + body under different ids) are collapsed after
hydration, fetching a few extra hits to fill the page. An optional recency
boost (half-life) re-scores the top candidates. Every weight was chosen with
``newsdesk eval`` / ``bench/tune_bm25.py``; see docs/benchmarks.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import tantivy

from . import query as query_mod
from .errors import NewsdeskError
from .highlight import Highlighter
from .index import MAX_DATE, MIN_DATE
from .model import Hit
from .normalize import parse_date

if TYPE_CHECKING:
    from .desk import Desk

SORTS = ("relevance", "date", "date-asc")

# ranking knobs (tuned with bench/tune_bm25.py on Reuters dev and TIME; see docs/benchmarks.md)
TITLE_BOOST = 0.2
PROX_BOOST = 0.3
PROX_SLOP = 1
PROX_MAX_TERMS = 12  # pairs of the first N query words only: long queries stay fast
DEDUP_EXTRA = 5  # extra hits fetched so a page stays full after collapsing duplicates
RECENCY_POOL = 100  # candidates re-scored by the recency boost
COMMON_DF = 0.5  # a bare word in more than this share of articles carries no weight
COMMON_MIN_DOCS = 200  # below this a desk is too small to tell common words
MAX_WINDOW = 1_000_000  # deepest result a page may reach (offset + limit)


@dataclass
class SearchResults:
    """One page of hits plus the total number of matches; iterate it for the hits."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


def _date_bound(value: str | datetime | None, name: str, end: bool = False) -> datetime | None:
    """A --since/--until bound, read like a date in the query language (``2018-03``,
    ``now-7d``...); ``end`` makes ``--until 2018-03`` cover all of March."""
    if value is None or value == "":
        return None
    out_of_range = f"--{name} {value!r}: outside the dates the index holds ({query_mod.date_range_text()})"
    if isinstance(value, str):
        try:
            return query_mod.parse_date_bound(value, end)
        except query_mod.DateOutOfRange:
            raise NewsdeskError(out_of_range) from None
        except (ValueError, OverflowError):
            pass  # other formats news dates come in (RFC 822, epoch seconds), as before
    try:
        dt = parse_date(value)
    except (ValueError, OverflowError, OSError):
        dt = None
    if dt is None:
        raise NewsdeskError(f"--{name} {value!r}: not a date (use {query_mod.DATE_FORMS})")
    if not MIN_DATE <= dt <= MAX_DATE:
        raise NewsdeskError(out_of_range)
    return dt


def filter_clauses(
    schema: tantivy.Schema,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
) -> list[tantivy.Query]:
    """Zero-scoring queries that restrict matches to a date range and sources."""
    clauses: list[tantivy.Query] = []
    lo = _date_bound(since, "since")
    hi = _date_bound(until, "until", end=True)
    if lo or hi:
        clauses.append(
            tantivy.Query.range_query(
                schema,
                "published",
                tantivy.FieldType.Date,
                lo or MIN_DATE,
                hi or MAX_DATE,
            )
        )
    if source:
        sources = [source] if isinstance(source, str) else list(source)
        terms = [tantivy.Query.term_query(schema, "source", s.strip().lower()) for s in sources]
        clauses.append(
            terms[0]
            if len(terms) == 1
            else tantivy.Query.boolean_query([(tantivy.Occur.Should, t) for t in terms])
        )
    return [tantivy.Query.const_score_query(c, 0.0) for c in clauses]


# Later stages add scoring-only clauses for a query (e.g. enrichment boosts articles in
# which an entity named by the query is salient): fn(desk, q) -> Query | None, added as
# a SHOULD clause, so it reorders matches without adding any.
QueryBooster = Callable[["Desk", str], "tantivy.Query | None"]
_boosters: list[QueryBooster] = []


def register_booster(fn: QueryBooster) -> None:
    """Add a scoring-only clause provider (see ``QueryBooster``)."""
    if fn not in _boosters:
        _boosters.append(fn)


def ranking_clauses(schema: tantivy.Schema, terms: list[str]) -> list[tantivy.Query]:
    """Headline and proximity SHOULD clauses for the query's positive default-field words."""
    out: list[tantivy.Query] = []
    if not terms:
        return out
    if TITLE_BOOST > 0:
        words = list(dict.fromkeys(terms))
        title = [tantivy.Query.term_query(schema, "title", t) for t in words]
        tq = title[0] if len(title) == 1 else tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, t) for t in title]
        )
        out.append(tantivy.Query.boost_query(tq, TITLE_BOOST))
    if PROX_BOOST > 0 and len(terms) >= 2:
        head = terms[:PROX_MAX_TERMS]
        pairs = list(dict.fromkeys(zip(head, head[1:], strict=False)))
        prox = [
            tantivy.Query.phrase_query(schema, "text", [a, b], PROX_SLOP) for a, b in pairs if a != b
        ]
        if prox:
            pq = prox[0] if len(prox) == 1 else tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, p) for p in prox]
            )
            out.append(tantivy.Query.boost_query(pq, PROX_BOOST))
    return out


def build_query(
    desk: Desk, q: str, since=None, until=None, source=None, operator: str = "AND"
) -> tantivy.Query:
    """The tantivy query for a user query string plus filters and boosts."""
    return _build(desk, q, since, until, source, operator)[0]


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


def _build(
    desk: Desk, q: str, since, until, source, operator: str, searcher: tantivy.Searcher | None = None
) -> tuple[tantivy.Query, query_mod.Node]:
    """(full query, parsed query): snippets highlight the user's words only, not boosts."""
    schema = desk.index.schema
    tree = drop_common_words(query_mod.parse_tree(q, operator), searcher or desk.index.searcher())
    main = query_mod.compile_query(tree, schema)
    clauses = [(tantivy.Occur.Must, main)]
    for extra in ranking_clauses(schema, query_mod.positive_terms(tree)):
        clauses.append((tantivy.Occur.Should, extra))
    for booster in _boosters:
        extra = booster(desk, q)
        if extra is not None:
            clauses.append((tantivy.Occur.Should, extra))
    clauses += [(tantivy.Occur.Must, f) for f in filter_clauses(schema, since, until, source)]
    if len(clauses) == 1:
        return main, tree
    return tantivy.Query.boolean_query(clauses), tree


def _half_life_days(recency: str | float | None) -> float | None:
    if recency in (None, "", 0):
        return None
    if isinstance(recency, int | float):
        return float(recency)
    text = str(recency).strip().lower()
    units = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}
    try:
        if text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except (ValueError, IndexError):
        raise NewsdeskError(f"--recency {recency!r}: give a half-life such as 7d, 12h, 2w or 1y") from None


def search(
    desk: Desk,
    q: str,
    limit: int = 10,
    offset: int = 0,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
    sort: str = "relevance",
    snippets: bool = True,
    operator: str = "AND",
    recency: str | float | None = None,
    collapse: bool = True,
) -> SearchResults:
    """Run a search and return one page of highlighted hits.

    ``operator`` is the default operator between words ("AND" or "OR");
    ``recency`` a half-life (``7d``, ``12h``, days as a number) that multiplies
    each score by ``1 + 2^(-age/half_life)``; ``collapse`` drops exact duplicates.
    """
    if sort not in SORTS:
        raise NewsdeskError(f"--sort {sort!r}: choose one of {', '.join(SORTS)}")
    if limit < 0 or offset < 0:
        raise NewsdeskError("--limit and --offset must not be negative")
    if operator.upper() not in ("AND", "OR"):
        raise NewsdeskError(f"operator {operator!r}: choose AND or OR")
    half_life = _half_life_days(recency) if sort == "relevance" else None
    searcher = desk.index.searcher()  # one snapshot for the common-word check and the search
    tq, tree = _build(desk, q, since, until, source, operator, searcher)
    want = offset + limit
    if want > MAX_WINDOW:
        raise NewsdeskError(
            f"--offset + --limit may not exceed {MAX_WINDOW:,} (use `newsdesk export` for every match)"
        )
    fetch = max(1, want + (DEDUP_EXTRA if collapse else 0))  # tantivy panics on a limit of 0
    if half_life:
        fetch = max(fetch, RECENCY_POOL)
    while True:
        keep, total, fetched = _ranked(desk, searcher, tq, fetch, want, sort, collapse, half_life)
        # collapsing dropped duplicates: fetch deeper until the page is full or matches run out
        if len(keep) >= want or fetched < fetch or fetch >= total or not collapse:
            break
        fetch = min(max(total, 1), 2 * fetch + 2 * (want - len(keep)))
    keep = keep[offset:want]
    rows = desk.store.hit_rows([seq for _s, seq in keep])
    page = [(score, rows[seq]) for score, seq in keep if seq in rows]
    highlighter = Highlighter.for_query(tree) if snippets and page else None
    hits: list[Hit] = []
    for rank, (score, row) in enumerate(page, offset + 1):
        title, body = row[5], row[6]
        hits.append(
            Hit(
                rank=rank,
                id=row[1],
                external_id=row[2],
                title=title,
                url=row[3],
                source=row[4],
                published=row[7],
                score=round(score, 4),
                snippet=highlighter.snippet(body, title) if highlighter is not None else "",
            )
        )
    return SearchResults(query=q, total=total, hits=hits, offset=offset)


def _ranked(
    desk: Desk, searcher: tantivy.Searcher, tq: tantivy.Query, fetch: int, want: int,
    sort: str, collapse: bool, half_life: float | None,
) -> tuple[list[tuple[float, int]], int, int]:
    """The first ``want`` (score, seq) of the top ``fetch`` hits, duplicates collapsed;
    plus the number of matches and how many hits tantivy returned."""
    if sort == "relevance":
        result = searcher.search(tq, fetch, count=True)
    else:
        order = tantivy.Order.Desc if sort == "date" else tantivy.Order.Asc
        result = searcher.search(tq, fetch, count=True, order_by_field="published", order=order)
    addrs = result.hits
    just = [a for _s, a in addrs]
    seqs = searcher.fast_field_values("seq", just) if addrs else []
    dups = searcher.fast_field_values("dup", just) if addrs and collapse else [0] * len(seqs)
    scored = [
        (float(s) if sort == "relevance" else 0.0, seq, dup)
        for (s, _a), seq, dup in zip(addrs, seqs, dups, strict=True)
    ]
    if half_life:
        scored = _recency_rescore(scored, desk.store.published_by_seq(seqs), half_life)
    keep: list[tuple[float, int]] = []
    seen: set[int] = set()
    for score, seq, dup in scored:
        if collapse:  # exact duplicates share the content hash the index holds (index.content_hash)
            if dup in seen:
                continue
            seen.add(dup)
        keep.append((score, seq))
        if len(keep) >= want:
            break
    return keep, result.count or 0, len(addrs)


def _recency_rescore(
    scored: list[tuple[float, int, int]], published: dict[int, str], half_life: float
) -> list[tuple[float, int, int]]:
    """Multiply each score by 1 + 2^(-age/half_life): today x2, one half-life ago x1.5."""
    now = datetime.now(UTC)
    out = []
    for score, seq, dup in scored:
        when = published.get(seq, "")
        factor = 1.0
        if when:
            dt = datetime.fromisoformat(when.replace("Z", "+00:00"))
            age = max(0.0, (now - dt).total_seconds() / 86400)
            factor = 1.0 + math.pow(2.0, -age / half_life)
        out.append((score * factor, seq, dup))
    out.sort(key=lambda x: -x[0])
    return out
