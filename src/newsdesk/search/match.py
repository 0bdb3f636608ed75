"""Every match of a plan, not just a page: counts and all matching seqs, in one snapshot."""

from __future__ import annotations

from collections.abc import Iterator

import tantivy

from .plan import Plan

PAGE = 5000  # matches fetched from the index at a time


def count_matches(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many documents match (tantivy panics on a search with limit 0, so ask for 1)."""
    return searcher.search(query, 1, count=True).count or 0


def matching_seqs(plan: Plan, page: int = PAGE, newest_first: bool = True) -> Iterator[list[int]]:
    """Store seqs of every match, a page at a time, in date order (undated last).

    The plan's one searcher (one index snapshot) serves every page, so an ingest
    running meanwhile neither duplicates nor drops rows.
    """
    searcher = plan.searcher
    order = tantivy.Order.Desc if newest_first else tantivy.Order.Asc
    offset = 0
    while True:
        res = searcher.search(plan.query, page, count=False, offset=offset, order_by_field="published", order=order)
        if not res.hits:
            return
        seqs = searcher.fast_field_values("seq", [addr for _k, addr in res.hits])
        yield [int(s) for s in seqs if s is not None]
        if len(res.hits) < page:
            return
        offset += page


def all_seqs(plan: Plan) -> list[int]:
    """Every matching seq at once (for joins in the store: entities, quotes, stories)."""
    return [seq for part in matching_seqs(plan) for seq in part]
