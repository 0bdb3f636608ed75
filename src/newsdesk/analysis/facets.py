"""Facets and top sources: terms aggregations over a query's matches, on the search's own snapshot."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..search import Corpus, Plan, make_plan
from ..search.memo import memo_for, snapshot
from ..store import entities as store_entities


def top_sources(
    corpus: Corpus, q: str, n: int = 10, since: Any = None, until: Any = None, source: Any = None
) -> list[dict[str, Any]]:
    """The sources with most matches (a terms aggregation on the ``source`` fast field)."""
    plan = make_plan(corpus, q, since, until, source)
    agg = plan.searcher.aggregate(plan.query, {"s": {"terms": {"field": "source", "size": max(1, n)}}})
    names = corpus.store.source_names()
    return [{"source": names.get(b["key"], b["key"]), "count": int(b["doc_count"])} for b in agg["s"]["buckets"][:n]]


def facets(
    corpus: Corpus, q: str, since: Any = None, until: Any = None, source: Any = None, n: int = 10
) -> dict[str, list[dict[str, Any]]]:
    """Sources, months, languages and entities of a query's matches, in one aggregation pass."""
    return facets_for_plan(corpus, make_plan(corpus, q, since, until, source), n)


def facets_for_plan(corpus: Corpus, plan: Plan, n: int = 10) -> dict[str, list[dict[str, Any]]]:
    """Facets of an already-made plan: the query a search just ran, not parsed or compiled again,
    read from the same searcher snapshot as its hits.

    The store's search memo keeps them for the plan's compiled query (a search of the same
    query on the same store version reuses its plan, see ``search.planned``) and index
    snapshot: the aggregation (0.1-0.3 ms on Reuters, most of it the day histogram) runs
    once per query until something is written. Callers get lists of their own.

    The store's version is not read again here: an entry is found only for the compiled
    query of a plan the memo made, and holds that plan's facets on its own snapshot (the
    snapshot its hits came from), whatever was written since."""
    memo = memo_for(corpus.store, current=False)
    if memo is None:
        return _facets(corpus, plan, n)
    snap = snapshot(plan.searcher)
    kept = memo.kept_for("facets", plan.query, snap, extra=n)
    if kept is None:
        kept = _facets(corpus, plan, n)
        memo.keep_for("facets", plan.query, kept, snap, extra=n)
    return {name: [dict(item) for item in items] for name, items in kept.items()}


def _facets(corpus: Corpus, plan: Plan, n: int) -> dict[str, list[dict[str, Any]]]:
    """The aggregation itself: sources, entities and languages as terms, days as a histogram."""
    agg = plan.searcher.aggregate(plan.query, {
        "sources": {"terms": {"field": "source", "size": n}},
        "entities": {"terms": {"field": "entity", "size": n}},
        "lang": {"terms": {"field": "lang", "size": max(n, 20)}},
        "days": {"date_histogram": {"field": "published", "fixed_interval": "1d", "min_doc_count": 1}},
    })
    months: Counter[str] = Counter()
    for b in agg["days"]["buckets"]:
        months[b["key_as_string"][:7]] += int(b["doc_count"])
    names = corpus.store.source_names()
    return {
        "sources": [{"value": names.get(b["key"], b["key"]), "count": int(b["doc_count"])}
                    for b in agg["sources"]["buckets"]],
        "months": [{"value": m, "count": c} for m, c in sorted(months.items())],
        # ISO 639-1 codes, "und" for undetermined; ``lang:<value>`` restricts a search to one
        "lang": [{"value": b["key"], "count": int(b["doc_count"])} for b in agg["lang"]["buckets"]],
        "entities": _entity_facet(corpus, agg["entities"]["buckets"]),
    }


def _entity_facet(corpus: Corpus, buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entity buckets (index terms are normalised names) with display name and type.

    The ``entity`` field only holds values once the entities stage has run, so
    before that there are no buckets and this is []. ``value`` is the display
    name, which ``entity:"..."`` accepts in any case.
    """
    if not buckets:
        return []
    known = store_entities.names_by_norm(corpus.store, [b["key"] for b in buckets])
    out = []
    for b in buckets:
        name, etype = known.get(b["key"], (b["key"], ""))
        out.append({"value": name, "type": etype, "norm": b["key"], "count": int(b["doc_count"])})
    return out
