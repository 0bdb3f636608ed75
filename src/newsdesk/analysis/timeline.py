"""Attention over time: matching articles per day/week/month, with their share of all coverage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import tantivy

from ..errors import BadParameter
from ..periods import check_interval, period_label, period_range, roll_up
from ..search import Corpus, filter_clauses, make_plan
from ..search.match import all_seqs, count_matches

UNITS = ("articles", "originals", "stories")
#: counts matches per period by a unit other than articles: (rows of (seq, day), unit, interval) -> counts
UnitCounter = Callable[[list[tuple[int, date]], str, str], Counter[date]]


def daily_counts(searcher: tantivy.Searcher, query: tantivy.Query) -> Counter[date]:
    """Matches per UTC day, from a date histogram on the ``published`` fast field."""
    agg = searcher.aggregate(
        query, {"d": {"date_histogram": {"field": "published", "fixed_interval": "1d", "min_doc_count": 1}}}
    )
    counts: Counter[date] = Counter()
    for bucket in agg["d"]["buckets"]:
        day = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=bucket["key"])).date()
        counts[day] += int(bucket["doc_count"])
    return counts


def timeline(
    corpus: Corpus,
    queries: list[str] | str,
    interval: str = "month",
    normalize: bool = False,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
    unit: str = "articles",
    count_unit: UnitCounter | None = None,
) -> dict[str, Any]:
    """Matching articles per period for each query, with their share of all coverage.

    ``unit`` "originals" counts only articles that are nobody's copy and "stories" the
    distinct stories among the matches (``count_unit`` does that counting, from the
    copies and stories stages), so coverage can be seen with and without syndication;
    the share stays over all articles of the period.

    ``share`` is the query's count divided by every article published in the same
    period under the same date and source filters (Media Cloud's normalised
    attention), so a busy news month does not look like more interest.
    Periods run without gaps from the first to the last with any match; undated
    articles cannot be placed and are counted in ``undated``. ``value`` is the
    share when ``normalize`` is set, else the count, so charts plot one field.
    """
    check_interval(interval)
    if unit not in UNITS:
        raise BadParameter("unit", unit, f"choose one of {', '.join(UNITS)}")
    if unit != "articles" and count_unit is None:
        raise BadParameter("unit", unit, "needs the copies and stories stages")
    if isinstance(queries, str):
        queries = [queries]
    if not queries:
        raise BadParameter("q", "", "give at least one query")
    searcher = corpus.index.searcher()
    filters = filter_clauses(corpus.index.schema, since, until, source)
    all_q = (
        tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, tantivy.Query.all_query())] + [(tantivy.Occur.Must, f) for f in filters]
        )
        if filters
        else tantivy.Query.all_query()
    )
    totals = roll_up(daily_counts(searcher, all_q), interval)
    per_query = []
    for q in queries:
        plan = make_plan(corpus, q, since, until, source, searcher=searcher)
        total = count_matches(searcher, plan.query)
        if unit == "articles":
            counts = roll_up(daily_counts(searcher, plan.query), interval)
            undated = total - sum(counts.values())
        else:
            rows = [(s, date.fromisoformat(p[:10])) for s, p in corpus.store.published_days(all_seqs(plan))]
            counts = count_unit(rows, unit, interval)  # type: ignore[misc]
            undated = total - len(rows)
        per_query.append((q, counts, total, undated))
    periods = period_range((p for _q, c, _n, _u in per_query for p in c), interval)
    series = [
        series_entry(q, counts, total, undated, periods, totals, interval, normalize)
        for q, counts, total, undated in per_query
    ]
    return {"interval": interval, "normalize": normalize, "unit": unit, "series": series}


def series_entry(
    q: str, counts: Counter[date], total: int, undated: int, periods: list[date], totals: Counter[date],
    interval: str, normalize: bool,
) -> dict[str, Any]:
    """One query's series in the shape every timeline prints (desk, API, Spark)."""
    buckets = []
    for p in periods:
        count = counts.get(p, 0)
        all_n = totals.get(p, 0)
        share = round(count / all_n, 6) if all_n else 0.0
        buckets.append({
            "period": period_label(p, interval), "count": count, "all": all_n, "share": share,
            "value": share if normalize else count,
        })
    return {"query": q, "total": total, "undated": undated, "buckets": buckets}
