"""Search: query -> tantivy -> hydrate from the store -> highlighted hits.

Filters (date range, source) are added as zero-scoring clauses so they narrow
the result set without changing the ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import tantivy

from . import query as query_mod
from .errors import NewsdeskError
from .model import Hit
from .normalize import parse_date

if TYPE_CHECKING:
    from .desk import Desk

SNIPPET_CHARS = 220
SORTS = ("relevance", "date", "date-asc")


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
    if value is None or value == "":
        return None
    dt = parse_date(value)
    if dt is None:
        raise NewsdeskError(f"--{name} {value!r}: not a date (use YYYY-MM-DD or ISO 8601)")
    if end and isinstance(value, str) and len(value.strip()) == 10:
        dt = dt.replace(hour=23, minute=59, second=59)
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
                lo or datetime(1700, 1, 1, tzinfo=UTC),
                hi or datetime(2260, 1, 1, tzinfo=UTC),
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


def build_query(desk: Desk, q: str, since=None, until=None, source=None) -> tantivy.Query:
    """The tantivy query for a user query string plus filters and boosts."""
    index = desk.index
    main = query_mod.parse(q, index.tv, index.schema)
    clauses = [(tantivy.Occur.Must, main)]
    for booster in _boosters:
        extra = booster(desk, q)
        if extra is not None:
            clauses.append((tantivy.Occur.Should, extra))
    clauses += [(tantivy.Occur.Must, f) for f in filter_clauses(index.schema, since, until, source)]
    if len(clauses) == 1:
        return main
    return tantivy.Query.boolean_query(clauses)


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
) -> SearchResults:
    """Run a search and return one page of highlighted hits."""
    if sort not in SORTS:
        raise NewsdeskError(f"--sort {sort!r}: choose one of {', '.join(SORTS)}")
    if limit < 0 or offset < 0:
        raise NewsdeskError("--limit and --offset must not be negative")
    tq = build_query(desk, q, since, until, source)
    searcher = desk.index.searcher()
    if sort == "relevance":
        result = searcher.search(tq, limit, count=True, offset=offset)
    else:
        order = tantivy.Order.Desc if sort == "date" else tantivy.Order.Asc
        result = searcher.search(
            tq, limit, count=True, offset=offset, order_by_field="published", order=order
        )
    total = result.count or 0
    addrs = result.hits
    seqs = [searcher.doc(addr)["seq"][0] for _s, addr in addrs]
    rows = desk.store.rows_by_seq(seqs)
    gen = None
    if snippets and addrs:
        gen = tantivy.SnippetGenerator.create(searcher, tq, desk.index.schema, "text")
        gen.set_max_num_chars(SNIPPET_CHARS)
    hits: list[Hit] = []
    for rank, ((score, _addr), seq) in enumerate(zip(addrs, seqs, strict=True), offset + 1):
        row = rows.get(seq)
        if row is None:  # indexed but not in the store: cannot happen unless the db was edited
            continue
        title, body = row[5], row[6]
        snippet = ""
        if gen is not None:
            snippet = make_snippet(gen, body, title)
        hits.append(
            Hit(
                rank=rank,
                id=row[1],
                external_id=row[2],
                title=title,
                url=row[3],
                source=row[4],
                published=row[7],
                score=round(float(score), 4) if sort == "relevance" else 0.0,
                snippet=snippet,
            )
        )
    return SearchResults(query=q, total=total, hits=hits, offset=offset)


def make_snippet(gen: tantivy.SnippetGenerator, body: str, title: str) -> str:
    """The best fragment of the body with matches in <b>…</b>; the lead if nothing matches."""
    doc = tantivy.Document()
    doc.add_text("text", body or title)
    html = gen.snippet_from_doc(doc).to_html()
    if html:
        return html.replace("\n", " ")
    lead = " ".join((body or title).split())
    if len(lead) > SNIPPET_CHARS:
        lead = lead[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
    from html import escape

    return escape(lead, quote=False)
