"""The ``feeds`` table (what to poll, and how each feed's last fetch went) and its fetch log.

One row per subscribed feed holds both the subscription (URL, schedule) and
the state the poller needs to be polite next time: the validators for a
conditional GET (``etag``, ``last_modified``), the consecutive error count
that drives backoff, and ``next_due`` (unix seconds). ``feed_fetches`` keeps
the last :data:`LOG_KEEP` fetches per feed for the health page.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import articles

if TYPE_CHECKING:
    from . import Store

LOG_KEEP = 50

DDL = """
CREATE TABLE IF NOT EXISTS feeds (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    url           TEXT NOT NULL UNIQUE,
    every_s       INTEGER NOT NULL,               -- poll interval, seconds
    fetch_pages   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',       -- the feed's own title, once fetched
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    last_fetch_at TEXT NOT NULL DEFAULT '',
    last_status   INTEGER NOT NULL DEFAULT 0,     -- HTTP status; 0 = no answer
    last_error    TEXT NOT NULL DEFAULT '',       -- one line, '' when the last fetch worked
    final_url     TEXT NOT NULL DEFAULT '',       -- where redirects ended
    redirects     TEXT NOT NULL DEFAULT '[]',     -- JSON [[status, location], ...] of the last fetch
    items_seen    INTEGER NOT NULL DEFAULT 0,     -- entries in the last feed body
    new_items     INTEGER NOT NULL DEFAULT 0,     -- of which new to the desk
    total_new     INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,     -- consecutive failures (backoff)
    next_due      REAL NOT NULL DEFAULT 0         -- unix seconds
);
CREATE TABLE IF NOT EXISTS feed_fetches (
    id          INTEGER PRIMARY KEY,
    feed_id     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status      INTEGER NOT NULL,
    conditional INTEGER NOT NULL,
    seen        INTEGER NOT NULL,
    new         INTEGER NOT NULL,
    ms          INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feed_fetches_feed ON feed_fetches(feed_id, id);
"""

_COLUMNS = (
    "id",
    "name",
    "url",
    "every_s",
    "fetch_pages",
    "created_at",
    "title",
    "etag",
    "last_modified",
    "last_fetch_at",
    "last_status",
    "last_error",
    "final_url",
    "redirects",
    "items_seen",
    "new_items",
    "total_new",
    "errors",
    "next_due",
)
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM feeds"


def _row(row: tuple) -> dict[str, Any]:
    out = dict(zip(_COLUMNS, row, strict=True))
    out["redirects"] = json.loads(out["redirects"])
    out["fetch_pages"] = bool(out["fetch_pages"])
    return out


def add(store: Store, name: str, url: str, every_s: int, fetch_pages: bool, now: str) -> int:
    with store.transaction() as db:
        cur = db.execute(
            "INSERT INTO feeds (name, url, every_s, fetch_pages, created_at) VALUES (?,?,?,?,?)",
            (name, url, every_s, int(fetch_pages), now),
        )
    return int(cur.lastrowid or 0)


def find(store: Store, name_or_url: str) -> dict[str, Any] | None:
    row = store.db.execute(_SELECT + " WHERE name=? OR url=?", (name_or_url, name_or_url)).fetchone()
    return _row(row) if row else None


def all_feeds(store: Store) -> list[dict[str, Any]]:
    return [_row(r) for r in store.db.execute(_SELECT + " ORDER BY name")]


def due(store: Store, now_ts: float) -> list[dict[str, Any]]:
    return [
        _row(r) for r in store.db.execute(_SELECT + " WHERE next_due <= ? ORDER BY next_due, id", (now_ts,))
    ]


def remove(store: Store, feed_id: int) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM feed_fetches WHERE feed_id=?", (feed_id,))
        db.execute("DELETE FROM feeds WHERE id=?", (feed_id,))


def record_fetch(store: Store, feed_id: int, state: dict[str, Any], log: dict[str, Any]) -> None:
    """Write the outcome of one fetch (the new feed state) and its log line, in one transaction."""
    sets = ", ".join(f"{k}=?" for k in state)
    values = [json.dumps(v) if k == "redirects" else v for k, v in state.items()]
    with store.transaction() as db:
        db.execute(f"UPDATE feeds SET {sets} WHERE id=?", (*values, feed_id))
        db.execute(
            "INSERT INTO feed_fetches (feed_id, at, status, conditional, seen, new, ms, error) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                feed_id,
                log["at"],
                log["status"],
                int(log["conditional"]),
                log["seen"],
                log["new"],
                log["ms"],
                log["error"],
            ),
        )
        db.execute(
            "DELETE FROM feed_fetches WHERE feed_id=? AND id <= "
            "(SELECT id FROM feed_fetches WHERE feed_id=? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (feed_id, feed_id, LOG_KEEP),
        )


def fetch_log(store: Store, feed_id: int, limit: int = 20) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT at, status, conditional, seen, new, ms, error FROM feed_fetches WHERE feed_id=? "
        "ORDER BY id DESC LIMIT ?",
        (feed_id, limit),
    ).fetchall()
    keys = ("at", "status", "conditional", "seen", "new", "ms", "error")
    return [{**dict(zip(keys, r, strict=True)), "conditional": bool(r[2])} for r in rows]


def top_seq(store: Store) -> int:
    return store.db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]


def new_per_feed(store: Store, after_seq: int) -> dict[str, int]:
    """Articles stored after ``after_seq`` per feed URL, read off their provenance (``URL#entryN``)."""
    counts: dict[str, int] = {}
    sql = f"SELECT {articles.column_sql('provenance')} FROM articles WHERE seq > ?"
    for (provenance,) in store.db.execute(sql, (after_seq,)):
        url = provenance.rsplit("#entry", 1)[0]
        counts[url] = counts.get(url, 0) + 1
    return counts
