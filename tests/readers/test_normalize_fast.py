"""normalize's one-walk metadata check and its date text give what the plain code gave.

``_check_metadata`` replaced two walks of every record's metadata (``_too_deep``, then
``_finite``) and ``iso`` formats by hand instead of ``strftime``; the plain versions are kept
here and compared on random and edge-case input."""

from __future__ import annotations

import copy
import math
import random
from datetime import UTC, datetime, timedelta, timezone

from newsdesk import normalize


def _plain_too_deep(metadata: dict, limit: int) -> str:
    for key, value in metadata.items():
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if isinstance(item, dict | list):
                if depth > limit:
                    return str(key)
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return ""


def _plain_finite(metadata: dict) -> None:
    stack: list = [metadata]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in list(pairs):
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                item[key] = str(value)
            elif isinstance(value, dict | list):
                stack.append(value)


def _value(rnd: random.Random, depth: int):
    pick = rnd.random()
    if depth > 0 and pick < 0.3:
        return [_value(rnd, depth - 1) for _ in range(rnd.randint(0, 4))]
    if depth > 0 and pick < 0.5:
        return {f"k{i}": _value(rnd, depth - 1) for i in range(rnd.randint(0, 4))}
    if depth > 0 and pick < 0.6:
        return ["tag"] * rnd.randint(0, 3)  # a list of strings: the common case
    return rnd.choice(["text", 3, 2.5, math.inf, -math.inf, math.nan, None, True, ""])


def test_one_walk_as_the_two_plain_walks():
    rnd = random.Random(3)
    for _ in range(3000):
        meta = {f"f{i}": _value(rnd, rnd.randint(0, 7)) for i in range(rnd.randint(0, 5))}
        limit = rnd.randint(0, 6)
        want = copy.deepcopy(meta)
        too_deep = _plain_too_deep(want, limit)
        if not too_deep:
            _plain_finite(want)
        got = copy.deepcopy(meta)
        assert normalize._check_metadata(got, limit) == too_deep
        assert repr(got) == repr(want)  # repr: nan != nan, but its text is the same


def test_iso_as_strftime():
    rnd = random.Random(4)
    dates = [datetime(1, 1, 1, tzinfo=UTC), datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
             datetime(1000, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
             datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=timezone(timedelta(hours=-5)))]
    dates += [datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=rnd.randrange(10**10)) for _ in range(2000)]
    for dt in dates:
        assert normalize.iso(dt) == dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert normalize.iso(None) == ""


def test_clean_article_id_as_the_recipe():
    """Fields as _to_article cleans them get the recipe's id without its split/join."""
    rnd = random.Random(6)
    pieces = ["Word", "ǅemal", "STRASSE", "ß", " ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\u00a0", "\u2028",
              "\u3000", "\x85", "\x1c", "İ", "ﬁ", "x"]
    for _ in range(3000):
        raw_title = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 8)))
        raw_body = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40)))
        title, body = normalize.clean_line(raw_title), normalize.clean_text(raw_body)
        for url in ("", "https://example.com/a"):
            want = normalize.article_id(url, "ext-1", title, body)
            assert normalize._clean_article_id(url, "ext-1", title, body) == want, (title, body)
