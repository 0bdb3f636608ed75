"""Dates in queries and in --since/--until: ranges the index can hold, date math, timestamps."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsdesk import query as Q
from newsdesk.errors import BadParameter, QuerySyntaxError
from newsdesk.query import dates

from .conftest import ARTICLES, ids


def test_dates_module_needs_nothing_from_the_index():
    """query/dates.py holds the index's date range itself, so parsing never imports the index."""
    source = Path(dates.__file__).read_text()
    assert "index" not in "".join(line for line in source.splitlines() if line.startswith(("from", "import")))
    assert datetime(1700, 1, 1, tzinfo=UTC) == Q.MIN_DATE
    assert datetime(2260, 1, 1, tzinfo=UTC) == Q.MAX_DATE


def _cli(path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from newsdesk.cli import main; main(sys.argv[1:])",
            "--data",
            str(path),
            *args,
        ],
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("q", "position"),
    [
        ("published:[9999 TO *]", 11),
        ("published:[1987 TO 9999]", 19),
        ("published:>now-999999999d", 11),
        ("published:<now-99999999999999999999d", 11),
        ("published:>now-999999y", 11),
        ("published:1500-01-01", 10),
        ("cocoa published:>=2261", 18),
    ],
)
def test_dates_outside_the_index_range_are_syntax_errors(q, position):
    with pytest.raises(QuerySyntaxError) as info:
        Q.parse_tree(q)
    assert info.value.position == position
    assert "1700-01-01 to 2260-01-01" in info.value.expected


def test_out_of_range_dates_are_user_errors_in_the_cli(small):
    proc = _cli(small.path, "search", "published:[9999 TO *]")
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr and "1700-01-01" in proc.stderr
    proc = _cli(small.path, "search", "cocoa", "--since", "1500-01-01")
    assert proc.returncode == 1
    assert "internal error" not in proc.stderr
    assert "--since" in proc.stderr and "1700-01-01 to 2260-01-01" in proc.stderr


@pytest.mark.parametrize(
    ("kw", "option"),
    [
        ({"since": "1500-01-01"}, "--since"),
        ({"until": "9999"}, "--until"),
        ({"since": "now-999999999d"}, "--since"),
        ({"until": "now+99999y"}, "--until"),
        ({"since": datetime(1600, 1, 1, tzinfo=UTC)}, "--since"),
    ],
)
def test_since_until_out_of_range_name_the_option(small, kw, option):
    with pytest.raises(BadParameter) as info:
        small.search("cocoa", **kw)
    assert info.value.name == option.lstrip("-")
    assert info.value.as_flag().startswith(option)
    assert "1700-01-01 to 2260-01-01" in str(info.value)
    assert not isinstance(info.value, QuerySyntaxError)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"until": "1987-03"}, {"a1", "a3", "a4"}),  # the whole month
        ({"since": "1987-03", "until": "1987-03"}, {"a1", "a3", "a4"}),
        ({"until": "1987"}, {a.external_id for a in ARTICLES}),  # the whole year
        ({"since": "1987-05"}, {"a5", "a6", "a7", "a8"}),
        ({"since": "1987-03-15T00:00:00Z", "until": "1987-03-20"}, {"a3", "a4"}),
        ({"until": "1987-03-15T00:00:00"}, {"a1", "a3"}),
        ({"since": "1987-03-10T01:00:00+01:00", "until": "1987-03-10"}, {"a1"}),  # offset -> UTC
        ({"since": "now-7d"}, set()),
        ({"since": "now-100y", "until": "now"}, {a.external_id for a in ARTICLES}),
        ({"since": "now-1000M"}, {a.external_id for a in ARTICLES}),
        ({"until": "Tue, 10 Mar 1987 00:00:00 GMT"}, {"a1"}),  # RFC 822 as before
    ],
)
def test_since_until_take_the_query_language_dates(small, kw, expected):
    assert ids(small, "*", **kw) == expected


def test_since_until_reject_non_dates(small):
    with pytest.raises(BadParameter) as info:
        small.search("cocoa", until="yesterday")
    assert info.value.as_flag().startswith("--until 'yesterday': not a date (use YYYY")


NOW = datetime(2020, 3, 31, 12, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("now-30m", False, datetime(2020, 3, 31, 12, 0, 45, tzinfo=UTC)),  # m = minutes
        ("now-1M", False, datetime(2020, 2, 29, 12, 30, 45, tzinfo=UTC)),  # M = months, clamped
        ("now-6M", False, datetime(2019, 9, 30, 12, 30, 45, tzinfo=UTC)),
        ("now-12h", False, datetime(2020, 3, 31, 0, 30, 45, tzinfo=UTC)),
        ("now-2H", False, datetime(2020, 3, 31, 10, 30, 45, tzinfo=UTC)),
        ("now-2w", False, datetime(2020, 3, 17, 12, 30, 45, tzinfo=UTC)),
        ("now-1y", False, datetime(2019, 3, 31, 12, 30, 45, tzinfo=UTC)),
        ("now+10s", False, datetime(2020, 3, 31, 12, 30, 55, tzinfo=UTC)),
        ("now-1M+2d", False, datetime(2020, 3, 2, 12, 30, 45, tzinfo=UTC)),
        ("now/d", False, datetime(2020, 3, 31, tzinfo=UTC)),
        ("now/d", True, datetime(2020, 3, 31, 23, 59, 59, tzinfo=UTC)),
        ("now-1M/M", True, datetime(2020, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("now", False, NOW),
        ("2018", True, datetime(2018, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2018-02", True, datetime(2018, 2, 28, 23, 59, 59, tzinfo=UTC)),
        ("2018-12", True, datetime(2018, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2018-01-05", True, datetime(2018, 1, 5, 23, 59, 59, tzinfo=UTC)),
        ("2018-01-05T10:30", True, datetime(2018, 1, 5, 10, 30, 59, tzinfo=UTC)),
        ("2018-01-05T10:30:15Z", True, datetime(2018, 1, 5, 10, 30, 15, tzinfo=UTC)),
        ("2018-01-05T10:30:15+02:00", False, datetime(2018, 1, 5, 8, 30, 15, tzinfo=UTC)),
    ],
)
def test_date_math_follows_elasticsearch(text, end, expected):
    assert Q.parse_date_bound(text, end, now=NOW) == expected


def test_query_relative_minutes_and_months():
    (rng,) = [Q.parse_tree("published:>now-30m", now=NOW)]
    assert rng.lo == datetime(2020, 3, 31, 12, 0, 45, tzinfo=UTC)
    assert Q.parse_tree("published:>now-1M", now=NOW).lo == datetime(2020, 2, 29, 12, 30, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("published:1987-03-10T00:00:00", {"a1"}),
        ("published:1987-03-10T00:00:01", set()),
        ('published:"1987-03-10T00:00:00"', {"a1"}),
        ("published:1987-03-10T00", {"a1"}),  # the whole hour
        ("published:1987-03-10T01:00:00+01:00", {"a1"}),
        ("published:[1987-03-10T00:00:00 TO 1987-03-15T00:00:00Z]", {"a1", "a3"}),
        ("published:{1987-03-10T00:00:00 TO 1987-03-15T00:00:00Z}", set()),
        ('published:["1987-03-10T00:00:00" TO *] AND cocoa', {"a1", "a2"}),
        ("published:>=1987-05-02T00:00:00+00:00", {"a6", "a7", "a8"}),
        ("title:cocoa OR published:<1987-03-15T00:00:00", {"a1"}),
    ],
)
def test_iso_timestamps(small, q, expected):
    assert ids(small, q) == expected
