"""Calendar periods for timelines: a day, an ISO week (from Monday) or a month.

Shared by every count over time (query timelines, entity pages, stories,
spikes), so a period is named and bounded the same way everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from .errors import BadParameter, NewsdeskError

INTERVALS = ("day", "week", "month")
MAX_PERIODS = 20_000  # a daily timeline over ~55 years; more is a mistake


def check_interval(interval: str) -> str:
    if interval not in INTERVALS:
        raise BadParameter("interval", interval, f"choose one of {', '.join(INTERVALS)}")
    return interval


def period_start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def next_period(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def period_label(start: date, interval: str) -> str:
    """A period's name: "1987-03" for a month, its first day ("1987-03-02") for a day or week."""
    return start.strftime("%Y-%m") if interval == "month" else start.isoformat()


def roll_up(days: Iterable[date] | Counter[date], interval: str) -> Counter[date]:
    """Counts per period (keyed by the period's first day) of days or of per-day counts."""
    daily = days if isinstance(days, Counter) else Counter(days)
    out: Counter[date] = Counter()
    for day, n in daily.items():
        out[period_start(day, interval)] += n
    return out


def period_range(starts: Iterable[date], interval: str) -> list[date]:
    """Every period from the first to the last of ``starts``, without gaps, so a quiet
    spell shows as zero instead of being skipped; NewsdeskError past ``MAX_PERIODS``."""
    starts = list(starts)
    periods: list[date] = []
    if not starts:
        return periods
    cur, last = min(starts), max(starts)
    while cur <= last:
        periods.append(cur)
        if len(periods) > MAX_PERIODS:
            raise NewsdeskError(
                f"a {interval}ly timeline would have over {MAX_PERIODS} periods: "
                "use a longer interval or --since/--until"
            )
        cur = next_period(cur, interval)
    return periods


def granularity(first: str, last: str) -> str:
    """A sensible interval for dates spanning ``first``..``last`` (ISO strings)."""
    if not first or not last:
        return "month"
    span = (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days
    return "day" if span <= 60 else "week" if span <= 730 else "month"


def series(dates: Iterable[str], interval: str) -> list[dict[str, object]]:
    """Articles per period from the first to the last of ISO ``dates``, quiet periods as 0."""
    counts = roll_up((date.fromisoformat(d[:10]) for d in dates if d), interval)
    return [{"period": period_label(p, interval), "count": counts.get(p, 0)} for p in period_range(counts, interval)]
