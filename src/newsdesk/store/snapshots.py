"""Frozen result sets: ``snapshots`` (what was asked, when, of which desk) and their rows.

A snapshot's rows carry what an export prints (rank, id, score, date, source,
title, url), copied at creation, so an export is byte-identical whatever
happens to the desk later. Triggers refuse any UPDATE: a snapshot can only be
made whole or deleted whole.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS snapshots (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    query            TEXT NOT NULL,
    filters          TEXT NOT NULL DEFAULT '{}',   -- JSON: since, until, source, sort
    desk_version     INTEGER NOT NULL,             -- the store's change counter at creation
    articles         INTEGER NOT NULL,             -- articles in the desk at creation
    created_at       TEXT NOT NULL,
    newsdesk_version TEXT NOT NULL,
    total            INTEGER NOT NULL,             -- matches the query had
    count            INTEGER NOT NULL,             -- rows frozen (total after collapsing, capped)
    checksum         TEXT NOT NULL                 -- sha256 over the rows, see newsdesk.snapshots
);
CREATE TABLE IF NOT EXISTS snapshot_rows (
    snapshot_id INTEGER NOT NULL,
    rank        INTEGER NOT NULL,
    article_id  TEXT NOT NULL,
    score       REAL NOT NULL,
    published   TEXT NOT NULL,
    source      TEXT NOT NULL,
    title       TEXT NOT NULL,
    url         TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, rank)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS snapshots_frozen BEFORE UPDATE ON snapshots
BEGIN SELECT RAISE(ABORT, 'a snapshot cannot be changed, only deleted'); END;
CREATE TRIGGER IF NOT EXISTS snapshot_rows_frozen BEFORE UPDATE ON snapshot_rows
BEGIN SELECT RAISE(ABORT, 'a snapshot cannot be changed, only deleted'); END;
"""

ROW_KEYS = ("rank", "id", "score", "published", "source", "title", "url")
_META = (
    "id",
    "name",
    "query",
    "filters",
    "desk_version",
    "articles",
    "created_at",
    "newsdesk_version",
    "total",
    "count",
    "checksum",
)


def create(store: Store, meta: dict[str, Any], rows: list[tuple]) -> int:
    """Insert a snapshot and its rows (``ROW_KEYS`` order) in one transaction."""
    with store.transaction() as db:
        cur = db.execute(
            "INSERT INTO snapshots (name, query, filters, desk_version, articles, created_at, "
            "newsdesk_version, total, count, checksum) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                meta["name"],
                meta["query"],
                json.dumps(meta["filters"], sort_keys=True),
                meta["desk_version"],
                meta["articles"],
                meta["created_at"],
                meta["newsdesk_version"],
                meta["total"],
                meta["count"],
                meta["checksum"],
            ),
        )
        sid = int(cur.lastrowid or 0)
        db.executemany(
            "INSERT INTO snapshot_rows (snapshot_id, rank, article_id, score, published, source, title, url) "
            "VALUES (?,?,?,?,?,?,?,?)",
            ((sid, *r) for r in rows),
        )
    return sid


def _meta(row: tuple) -> dict[str, Any]:
    out = dict(zip(_META, row, strict=True))
    out["filters"] = json.loads(out["filters"])
    return out


def find(store: Store, name: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT " + ", ".join(_META) + " FROM snapshots WHERE name=?", (name,)).fetchone()
    return _meta(row) if row else None


def all_snapshots(store: Store) -> list[dict[str, Any]]:
    return [
        _meta(r) for r in store.db.execute("SELECT " + ", ".join(_META) + " FROM snapshots ORDER BY name")
    ]


def rows(store: Store, snapshot_id: int) -> list[tuple]:
    """The frozen rows in rank order (``ROW_KEYS`` order)."""
    return store.db.execute(
        "SELECT rank, article_id, score, published, source, title, url FROM snapshot_rows "
        "WHERE snapshot_id=? ORDER BY rank",
        (snapshot_id,),
    ).fetchall()


def delete(store: Store, snapshot_id: int) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM snapshot_rows WHERE snapshot_id=?", (snapshot_id,))
        db.execute("DELETE FROM snapshots WHERE id=?", (snapshot_id,))
