"""Dates as people type them, for ``published:`` in queries and ``--since/--until``.

One parser for both so they accept the same forms: ``2018``, ``2018-03``,
``2018-03-05``, ISO 8601 timestamps (no offset means UTC), ``now`` and
Elasticsearch date math (``now-7d``, ``now-1M/M``: ``m`` minutes, ``M`` months).
A bound that only names a year, month or day covers all of it when it is an
upper bound (``end=True``). Dates outside what the index can hold raise
:class:`DateOutOfRange` instead of an engine error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# The dates tantivy's date field can hold, as newsdesk uses them: the index leaves a date
# outside them undated and queries refuse them. One definition in model, below both the
# index and the query package, so that parsing a query needs nothing from the index.
from ..model import MAX_DATE, MIN_DATE

DATE_FORMS = "YYYY, YYYY-MM, YYYY-MM-DD, an ISO 8601 timestamp, now or now-7d"
# Elasticsearch date math: case matters, m is minutes and M months
_MATH = re.compile(r"([+-])(\d+)([yMwdhHms])")
_ROUND = re.compile(r"/([yMwdhHms])")
_FIXED = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "H": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_ISO_TIME = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}[Tt ](\d{1,2})(:\d{2})?(:\d{2})?([.,]\d+)?(Z|z|[+-]\d{2}(:?\d{2})?)?"
)


class DateOutOfRange(ValueError):
    """A well-formed date that the index cannot hold (outside ``MIN_DATE..MAX_DATE``)."""


def date_range_text() -> str:
    """The dates the index can hold, for error messages."""
    return f"{MIN_DATE:%Y-%m-%d} to {MAX_DATE:%Y-%m-%d}"


def _add_months(dt: datetime, months: int) -> datetime:
    """Calendar months, the day clamped to the month's length (Jan 31 + 1M = Feb 28/29)."""
    y, m = divmod(dt.month - 1 + months, 12)
    year, month = dt.year + y, m + 1
    nxt = datetime(year + month // 12, month % 12 + 1, 1)  # raises ValueError past year 9999
    last = (nxt - timedelta(days=1)).day
    return dt.replace(year=year, month=month, day=min(dt.day, last))


def _round(dt: datetime, unit: str, end: bool) -> datetime:
    """``/d`` rounding: down to the period's start, or (``end``) to its last second."""
    if unit == "y":
        start = dt.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = start.replace(year=start.year + 1)
    elif unit == "M":
        start = dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = _add_months(start, 1)
    elif unit == "w":  # ISO weeks start on Monday
        start = dt.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=dt.weekday())
        nxt = start + timedelta(weeks=1)
    else:
        keep = {"d": 3, "h": 4, "H": 4, "m": 5, "s": 6}[unit]
        parts = [dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second][:keep]
        parts += [1] * max(0, 3 - len(parts))
        start = datetime(*parts, tzinfo=dt.tzinfo)
        nxt = start + _FIXED[unit]
    return nxt - timedelta(seconds=1) if end else start


def _relative(t: str, now: datetime, end: bool) -> datetime:
    """``now``, ``now-7d``, ``now-1M+2h/d``: Elasticsearch date math."""
    dt, i = now, 3
    while i < len(t) and t[i] in "+-":
        m = _MATH.match(t, i)
        if not m:
            raise ValueError(f"bad date math in {t!r}")
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        unit = m.group(3)
        try:
            dt = _add_months(dt, n * {"y": 12, "M": 1}[unit]) if unit in "yM" else dt + _FIXED[unit] * n
        except ValueError:  # past year 1..9999
            raise OverflowError(t) from None
        i = m.end()
    if i < len(t):
        m = _ROUND.fullmatch(t, i)
        if not m:
            raise ValueError(f"bad date math in {t!r}")
        dt = _round(dt, m.group(1), end)
    return dt


def _absolute(t: str, end: bool) -> datetime:
    if re.fullmatch(r"\d{4}", t):
        return datetime(int(t) + end, 1, 1, tzinfo=UTC) - timedelta(seconds=end)
    if re.fullmatch(r"\d{4}-\d{1,2}", t):
        start = datetime(*map(int, t.split("-")), 1, tzinfo=UTC)
        return _round(start, "M", end)
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", t):
        return _round(datetime(*map(int, t.split("-")), tzinfo=UTC), "d", end)
    m = _ISO_TIME.fullmatch(t)
    if not m:
        raise ValueError(f"not a date: {t!r}")
    iso = t[:10] + "T" + t[11:]
    dt = datetime.fromisoformat(iso[:-1] + "+00:00" if iso[-1] in "Zz" else iso)
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if end and not m.group(4):  # a timestamp to the hour or minute covers that hour/minute
        dt = _round(dt, "s" if m.group(3) else "m" if m.group(2) else "h", True)
    return dt


def parse_date_bound(text: str, end: bool = False, now: datetime | None = None) -> datetime:
    """A date bound in UTC, as the query language and ``--since/--until`` read it.

    Accepts ``2018``, ``2018-01``, ``2018-01-05``, ISO 8601 timestamps (``Z`` or an
    offset; none means UTC), ``now`` and Elasticsearch date math (``now-7d``,
    ``now-1M/M``; ``m`` minutes, ``M`` months). ``end`` moves a value with less than
    second precision to the last second of its period (``2018-01`` -> Jan 31 23:59:59),
    which is what an inclusive upper bound means. Raises ``DateOutOfRange`` (a
    ValueError) for dates the index cannot hold, ValueError for anything else.
    """
    t = text.strip()
    try:
        if t[:3].lower() == "now":
            dt = _relative(t, now or datetime.now(UTC), end)
        else:
            if re.match(r"\d{4}", t) and not MIN_DATE.year <= int(t[:4]) <= MAX_DATE.year:
                raise OverflowError(t)  # 9999 cannot even be rounded to its year's end
            dt = _absolute(t, end)
    except OverflowError:  # now-999999999d
        raise DateOutOfRange(f"{text!r} is outside the dates the index holds ({date_range_text()})") from None
    if end and dt > MAX_DATE and parse_date_bound(text, False, now) <= MAX_DATE:
        dt = MAX_DATE  # "until 2260-01-01": up to the last date the index holds
    if not MIN_DATE <= dt <= MAX_DATE:
        raise DateOutOfRange(f"{text!r} is outside the dates the index holds ({date_range_text()})")
    return dt
