"""Adding, listing and removing feeds; ``--every`` durations.

A feed's name defaults to its host and path (``example.org-news-rss``), so
``feeds remove NAME`` and the health page have something short to show
before the first fetch tells us the feed's own title.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from ..errors import BadParameter, NewsdeskError, NotFoundError
from ..store import Store
from ..store import feeds as table

MIN_EVERY_S = 1  # tests poll every second; real feeds rarely want under a minute
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_every(text: str | int | float, name: str = "every") -> int:
    """``90`` / ``90s``, ``15m``, ``1h``, ``1d`` as whole seconds."""
    if isinstance(text, int | float):
        seconds = int(text)
    else:
        match = _DURATION.match(str(text).lower())
        if not match:
            raise BadParameter(name, text, "give a duration such as 30s, 15m, 1h or 1d")
        seconds = int(float(match.group(1)) * _UNITS[match.group(2) or "s"])
    if seconds < MIN_EVERY_S:
        raise BadParameter(name, text, f"at least {MIN_EVERY_S}s")
    return seconds


def format_every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def default_name(url: str) -> str:
    parts = urlsplit(url)
    text = f"{parts.netloc}{parts.path}".strip("/")
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-").lower()[:80] or "feed"


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadParameter("url", url, "a feed is an http(s) URL, e.g. https://example.org/rss.xml")
    return url.strip()


def add(
    store: Store, url: str, name: str | None, every: str | int, fetch_pages: bool, now: str
) -> dict[str, Any]:
    url = check_url(url)
    name = (name or default_name(url)).strip()
    if not name:
        raise BadParameter("name", name, "a feed needs a name")
    every_s = parse_every(every)
    for existing in table.all_feeds(store):
        if existing["url"] == url:
            raise NewsdeskError(f"already following {url} as {existing['name']!r}")
        if existing["name"] == name:
            raise NewsdeskError(f"there is already a feed called {name!r}; pass --name to choose another")
    table.add(store, name, url, every_s, fetch_pages, now)
    found = table.find(store, name)
    assert found is not None
    return found


def get(store: Store, name_or_url: str) -> dict[str, Any]:
    feed = table.find(store, name_or_url)
    if feed is None:
        raise NotFoundError(f"no feed called {name_or_url!r} (see: newsdesk feeds list)")
    return feed


def remove(store: Store, name_or_url: str) -> dict[str, Any]:
    feed = get(store, name_or_url)
    table.remove(store, feed["id"])
    return feed


def health(feed: dict[str, Any], now_ts: float | None = None) -> dict[str, Any]:
    """A feed as ``feeds list`` and the health page show it."""
    now_ts = time.time() if now_ts is None else now_ts
    if not feed["last_fetch_at"]:
        state = "new"
    elif feed["errors"]:
        state = "failing"
    else:
        state = "ok"
    due_in = feed["next_due"] - now_ts
    return {
        "name": feed["name"],
        "url": feed["url"],
        "title": feed["title"],
        "every": format_every(feed["every_s"]),
        "state": state,
        "last_fetch": feed["last_fetch_at"],
        "status": feed["last_status"],
        "error": feed["last_error"],
        "items_seen": feed["items_seen"],
        "new_items": feed["new_items"],
        "total_new": feed["total_new"],
        "errors": feed["errors"],
        "next_due": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(feed["next_due"]))
        if feed["next_due"]
        else "now",
        "due_in_s": max(0, round(due_in)),
        "final_url": feed["final_url"] if feed["final_url"] and feed["final_url"] != feed["url"] else "",
        "redirects": feed["redirects"],
        "etag": feed["etag"],
        "last_modified": feed["last_modified"],
        "fetch_pages": feed["fetch_pages"],
    }
