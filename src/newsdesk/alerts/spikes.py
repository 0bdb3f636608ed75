"""Spikes: when a query's share of coverage in one hour or day rises clearly above its own past.

The method (documented in docs/how-to/alerts.md, chosen after the products in
research/round2-anchors.md §2.3):

* per period (hour or day, UTC, by publication date) the query's **share** of
  coverage, ``matches / all articles``, so a day when the desk simply got more
  articles is no spike (Media Cloud's normalised attention);
* the **baseline** is the trailing :data:`WINDOW` periods (14, as Meltwater's
  editorial alerts), counting only periods in which the desk has articles;
* no spike below :data:`MIN_COUNT` matches, nor with fewer than
  :data:`MIN_BASELINE` baseline periods (a desk's first days say nothing);
* when the expected count (baseline share x the period's articles) is at least
  5, a **z-score** of the share against the baseline shares, its spread floored
  at the binomial standard error so a flat baseline does not make every
  wobble a spike: spike when ``z >= Z_SPIKE`` (3: Socialmetrix's "fewer");
* when the expected count is small, z is unstable, so a **Poisson upper-tail
  test** on the count with the add-one smoothed baseline share: spike when
  ``P(X >= count) < P_SPIKE`` (0.001).

An alert with ``--spike`` is told once per period (the outbox key names the
period), which is the cool-down.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import tantivy

from ..store import Store
from ..store import alerts as table

WINDOW = 14
MIN_COUNT = 5
MIN_BASELINE = 3
Z_SPIKE = 3.0
P_SPIKE = 0.001
WIDTH = {"hour": 13, "day": 10}  # characters of an ISO timestamp that name the period


def _start(bucket: str, interval: str) -> datetime:
    if interval == "hour":
        return datetime.strptime(bucket, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    return datetime.strptime(bucket, "%Y-%m-%d").replace(tzinfo=UTC)


def _step(interval: str) -> timedelta:
    return timedelta(hours=1) if interval == "hour" else timedelta(days=1)


def _label(dt: datetime, interval: str) -> str:
    return dt.strftime("%Y-%m-%dT%H" if interval == "hour" else "%Y-%m-%d")


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), summed in log space (no scipy)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    below = 0.0
    log_term = -lam
    for i in range(k):
        if i:
            log_term += math.log(lam) - math.log(i)
        below += math.exp(log_term)
    return max(0.0, 1.0 - below)


def test_period(count: int, total: int, baseline: list[tuple[int, int]]) -> dict[str, Any] | None:
    """The spike verdict for one period given (matches, articles) of the trailing periods; None if no test."""
    observed = [(m, n) for m, n in baseline if n > 0]
    if total <= 0 or len(observed) < MIN_BASELINE:
        return None
    shares = [m / n for m, n in observed]
    mean = sum(shares) / len(shares)
    share = count / total
    expected = mean * total
    out: dict[str, Any] = {
        "count": count,
        "total": total,
        "share": round(share, 6),
        "baseline_share": round(mean, 6),
        "expected": round(expected, 3),
    }
    if expected >= 5:
        sd = math.sqrt(sum((s - mean) ** 2 for s in shares) / len(shares))
        sd = max(sd, math.sqrt(max(mean * (1 - mean), 1e-12) / total))
        z = (share - mean) / sd
        out.update(method="z", z=round(z, 3), spike=count >= MIN_COUNT and z >= Z_SPIKE)
    else:
        smoothed = (sum(m for m, _n in observed) + 1) / (sum(n for _m, n in observed) + 1)
        p = poisson_tail(count, smoothed * total)
        out.update(method="poisson", p=float(f"{p:.3g}"), spike=count >= MIN_COUNT and p < P_SPIKE)
    return out


def _published_range(schema: tantivy.Schema, lo: datetime, hi: datetime) -> tantivy.Query:
    return tantivy.Query.range_query(
        schema, "published", tantivy.FieldType.Date, lo, hi - timedelta(seconds=1)
    )


def match_counts(
    store: Store,
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    compiled: tantivy.Query,
    interval: str,
    lo: datetime | None = None,
    hi: datetime | None = None,
) -> tuple[Counter[str], dict[str, list[int]]]:
    """Matches per period (optionally within [lo, hi)), and the matching seqs per period."""
    q = compiled
    if lo is not None and hi is not None:
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, compiled), (tantivy.Occur.Must, _published_range(schema, lo, hi))]
        )
    n = searcher.search(q, 1, count=True).count or 0
    counts: Counter[str] = Counter()
    seqs_by: dict[str, list[int]] = {}
    if not n:
        return counts, seqs_by
    hits = searcher.search(q, n, count=False).hits
    seqs = [int(s) for s in searcher.fast_field_values("seq", [a for _s, a in hits])]
    width = WIDTH[interval]
    for i in range(0, len(seqs), 900):
        for seq, published in store.published_by_seq(seqs[i : i + 900]).items():
            if published:
                b = published[:width]
                counts[b] += 1
                seqs_by.setdefault(b, []).append(seq)
    return counts, seqs_by


def series(
    counts: Counter[str], totals: dict[str, int], interval: str, first: str, last: str
) -> list[tuple[str, int, int]]:
    """(period, matches, articles) for every period from ``first`` to ``last``, gaps included."""
    out = []
    t, end, step = _start(first, interval), _start(last, interval), _step(interval)
    while t <= end:
        b = _label(t, interval)
        out.append((b, counts.get(b, 0), totals.get(b, 0)))
        t += step
    return out


def detect(rows: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
    """Every period of a series that is a spike against its trailing :data:`WINDOW` periods."""
    found = []
    for i, (bucket, m, n) in enumerate(rows):
        verdict = test_period(m, n, [(bm, bn) for _b, bm, bn in rows[max(0, i - WINDOW) : i]])
        if verdict and verdict["spike"]:
            found.append({"period": bucket, **verdict})
    return found


def bursts(
    store: Store,
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    compiled: tantivy.Query,
    interval: str = "day",
    first_articles: int = 3,
) -> list[dict[str, Any]]:
    """Every spike of a query over the whole desk, each with its earliest matching articles."""
    if interval not in WIDTH:
        from ..errors import BadParameter

        raise BadParameter("interval", interval, "choose hour or day")
    counts, seqs_by = match_counts(store, searcher, schema, compiled, interval)
    if not counts:
        return []
    first, last = min(counts), max(counts)
    lo = _start(first, interval) - WINDOW * _step(interval)
    hi = _start(last, interval) + _step(interval)
    totals = table.totals_by_bucket(store, WIDTH[interval], _iso(lo), _iso(hi))
    rows = series(counts, totals, interval, _label(lo, interval), last)
    found = detect(rows)
    for spike in found:
        rows_by = store.hit_rows(seqs_by[spike["period"]])
        earliest = sorted(rows_by.values(), key=lambda r: (r[7], r[0]))[:first_articles]
        spike["articles"] = [
            {"id": r[1], "title": r[5], "published": r[7], "source": r[4], "url": r[3]} for r in earliest
        ]
    return found


def new_spikes(
    store: Store,
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    compiled: tantivy.Query,
    alert: dict[str, Any],
    new_seqs: list[int],
) -> list[dict[str, Any]]:
    """Spikes in the periods the newly matched articles fall in, not yet told for this alert."""
    interval = alert["spike_interval"]
    width = WIDTH[interval]
    touched = sorted({p[:width] for p in store.published_by_seq(new_seqs).values() if p})
    events = []
    for bucket in touched:
        if table.spike_notified(store, f"{alert['id']}:spike:{bucket}:"):
            continue
        start = _start(bucket, interval)
        lo, hi = start - WINDOW * _step(interval), start + _step(interval)
        counts, _seqs = match_counts(store, searcher, schema, compiled, interval, lo, hi)
        totals = table.totals_by_bucket(store, width, _iso(lo), _iso(hi))
        rows = series(counts, totals, interval, _label(lo, interval), bucket)
        verdict = test_period(rows[-1][1], rows[-1][2], [(m, n) for _b, m, n in rows[:-1]])
        if verdict and verdict["spike"]:
            events.append({"period": bucket, "interval": interval, **verdict})
    return events


def outbox_rows(alert: dict[str, Any], event: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    """One outbox row per channel (Atom included, as the record of the spike)."""
    payload = json.dumps(event, sort_keys=True)
    return [
        (f"{alert['id']}:spike:{event['period']}:{c}", alert["id"], c, payload) for c in alert["channels"]
    ]
