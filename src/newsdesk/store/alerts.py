"""Saved searches, their matches, the outbox of deliveries, and the delivery log.

* ``alerts``: a saved query with its channels, cadence and a ``cursor``: the
  highest article seq already matched against it. A new alert starts at the
  desk's current top seq, so its first delivery holds nothing old.
* ``alert_matches``: one row per (alert, article), unique, and unique per
  (alert, content hash) so an exact copy of an article already matched is no
  new match. Written in the same transaction that moves the cursor.
* ``alert_outbox``: one row per (match or spike, channel) with a unique
  idempotency ``key``; it is committed with the match, then delivered, so a
  process killed in between delivers on restart. A sender *claims* rows (a
  lease) before sending, so two processes never send the same row at once.
* ``alert_deliveries``: every attempt, with its HTTP/SMTP status.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS alerts (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    query          TEXT NOT NULL,
    channels       TEXT NOT NULL DEFAULT '[]',   -- JSON: "atom", "webhook:URL", "email:ADDR"
    cadence        TEXT NOT NULL DEFAULT 'now',  -- now | hourly | daily | weekly
    spike          INTEGER NOT NULL DEFAULT 0,   -- notify on bursts instead of every match
    spike_interval TEXT NOT NULL DEFAULT 'day',  -- hour | day
    secret         TEXT NOT NULL,                -- HMAC key for webhook signatures
    cursor         INTEGER NOT NULL DEFAULT 0,   -- highest article seq matched so far
    start_seq      INTEGER NOT NULL DEFAULT 0,   -- the top seq when it was made: nothing older is matched
    seen_version   INTEGER NOT NULL DEFAULT 0,   -- store version percolated: later changes are re-matched
    created_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_matches (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    dup        INTEGER NOT NULL,                 -- content hash (index.content_hash)
    matched_at TEXT NOT NULL,
    UNIQUE (alert_id, seq),
    UNIQUE (alert_id, dup)
);
CREATE TABLE IF NOT EXISTS alert_outbox (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,          -- idempotency key, sent as X-Newsdesk-Delivery
    alert_id      INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    kind          TEXT NOT NULL,                 -- match | spike
    match_id      INTEGER,
    payload       TEXT NOT NULL DEFAULT '{}',    -- spike details
    due_at        REAL NOT NULL,                 -- unix s: now, or the end of the digest period
    next_at       REAL NOT NULL,                 -- unix s: next attempt (backoff)
    attempts      INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    claim         TEXT NOT NULL DEFAULT '',
    claimed_until REAL NOT NULL DEFAULT 0,
    sent_at       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_outbox_pending ON alert_outbox(state, due_at);
CREATE INDEX IF NOT EXISTS alert_outbox_alert ON alert_outbox(alert_id, state);
CREATE TABLE IF NOT EXISTS alert_deliveries (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL,
    channel  TEXT NOT NULL,
    at       TEXT NOT NULL,
    items    INTEGER NOT NULL,
    status   INTEGER NOT NULL,                   -- HTTP status / SMTP reply code; 0 = no answer
    ok       INTEGER NOT NULL,
    error    TEXT NOT NULL DEFAULT '',
    keys     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS alert_deliveries_alert ON alert_deliveries(alert_id, id);
"""

_ALERT = (
    "id",
    "name",
    "query",
    "channels",
    "cadence",
    "spike",
    "spike_interval",
    "secret",
    "cursor",
    "start_seq",
    "seen_version",
    "created_at",
)
_SELECT = "SELECT " + ", ".join(_ALERT) + " FROM alerts"


def _alert(row: tuple) -> dict[str, Any]:
    out = dict(zip(_ALERT, row, strict=True))
    out["channels"] = json.loads(out["channels"])
    out["spike"] = bool(out["spike"])
    return out


# -- saved searches ---------------------------------------------------------------
def add(store: Store, alert: dict[str, Any]) -> int:
    with store.transaction() as db:
        cur = db.execute(
            "INSERT INTO alerts (name, query, channels, cadence, spike, spike_interval, secret, cursor, "
            "start_seq, seen_version, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                alert["name"],
                alert["query"],
                json.dumps(alert["channels"]),
                alert["cadence"],
                int(alert["spike"]),
                alert["spike_interval"],
                alert["secret"],
                alert["cursor"],
                alert["cursor"],
                alert["seen_version"],
                alert["created_at"],
            ),
        )
    return int(cur.lastrowid or 0)


def find(store: Store, name: str) -> dict[str, Any] | None:
    row = store.db.execute(_SELECT + " WHERE name=?", (name,)).fetchone()
    return _alert(row) if row else None


def all_alerts(store: Store) -> list[dict[str, Any]]:
    return [_alert(r) for r in store.db.execute(_SELECT + " ORDER BY name")]


def remove(store: Store, alert_id: int) -> None:
    with store.transaction() as db:
        for table in ("alert_deliveries", "alert_outbox", "alert_matches"):
            db.execute(f"DELETE FROM {table} WHERE alert_id=?", (alert_id,))
        db.execute("DELETE FROM alerts WHERE id=?", (alert_id,))


def changed_since(store: Store, version: int, lo_seq: int, hi_seq: int) -> list[int]:
    """Seqs in (lo_seq, hi_seq] whose article changed after ``version`` (updated text, enrichment)."""
    return [
        s
        for (s,) in store.db.execute(
            "SELECT seq FROM articles WHERE version > ? AND seq > ? AND seq <= ? ORDER BY seq",
            (version, lo_seq, hi_seq),
        )
    ]


def top_seq(store: Store) -> int:
    return store.db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]


# -- percolation results ----------------------------------------------------------
def record_matches(
    store: Store,
    found: list[tuple[dict[str, Any], list[tuple[int, str, int]]]],
    cursor: int,
    now: str,
    now_ts: float,
    due_at: dict[int, float],
    spikes: Iterable[tuple[str, int, str, str]] = (),
    version: int = 0,
) -> dict[int, list[int]]:
    """Commit what one percolation found, all or nothing.

    ``found``: (alert, [(seq, article_id, dup), ...]); each new match gets one
    outbox row per push channel (webhook, email), due at ``due_at[alert id]``.
    ``spikes``: (key, alert_id, channel, payload JSON) outbox rows. Every
    alert in ``found`` moves its cursor to ``cursor`` and its seen version to ``version``. Returns alert id ->
    new match seqs (a seq already matched, or a copy of one, is not new).
    """
    new: dict[int, list[int]] = {}
    with store.transaction() as db:
        for alert, matches in found:
            aid = alert["id"]
            push = [c for c in alert["channels"] if c != "atom"]
            for seq, article_id, dup in matches:
                cur = db.execute(
                    "INSERT OR IGNORE INTO alert_matches (alert_id, seq, article_id, dup, matched_at) "
                    "VALUES (?,?,?,?,?)",
                    (aid, seq, article_id, dup, now),
                )
                if not cur.rowcount:
                    continue
                new.setdefault(aid, []).append(seq)
                if alert["spike"]:
                    continue  # a spike alert tells of bursts, not of each article
                mid = cur.lastrowid
                for channel in push:
                    db.execute(
                        "INSERT OR IGNORE INTO alert_outbox (key, alert_id, channel, kind, match_id, due_at, "
                        "next_at, created_at) VALUES (?,?,?,?,?,?,?,?)",
                        (f"{aid}:{seq}:{channel}", aid, channel, "match", mid, due_at[aid], due_at[aid], now),
                    )
            db.execute(
                "UPDATE alerts SET cursor=max(cursor, ?), seen_version=max(seen_version, ?) WHERE id=?",
                (cursor, version, aid),
            )
        for key, aid, channel, payload in spikes:
            db.execute(
                "INSERT OR IGNORE INTO alert_outbox (key, alert_id, channel, kind, payload, due_at, next_at, "
                "created_at) VALUES (?,?,?,?,?,?,?,?)",
                (key, aid, channel, "spike", payload, now_ts, now_ts, now),
            )
    return new


# -- the outbox ---------------------------------------------------------------------
_OUTBOX = ("id", "key", "alert_id", "channel", "kind", "match_id", "payload", "due_at", "attempts")


def claim_due(
    store: Store, now_ts: float, owner: str, lease_s: float, alert_id: int | None = None, limit: int = 10_000
) -> list[dict[str, Any]]:
    """Claim pending rows that are due and not claimed by a live sender; returns them in id order."""
    where = "state='pending' AND due_at <= ? AND next_at <= ? AND claimed_until < ?"
    params: list[Any] = [now_ts, now_ts, now_ts]
    if alert_id is not None:
        where += " AND alert_id=?"
        params.append(alert_id)
    with store.transaction() as db:
        rows = db.execute(
            "SELECT " + ", ".join(_OUTBOX) + f" FROM alert_outbox WHERE {where} ORDER BY id LIMIT ?",
            (*params, limit),
        ).fetchall()
        db.executemany(
            "UPDATE alert_outbox SET claim=?, claimed_until=? WHERE id=?",
            ((owner, now_ts + lease_s, r[0]) for r in rows),
        )
    return [dict(zip(_OUTBOX, r, strict=True)) for r in rows]


def match_details(store: Store, match_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a notification says about each matched article, by match id."""
    if not match_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(match_ids), 900):
        chunk = match_ids[i : i + 900]
        marks = ",".join("?" * len(chunk))
        for mid, seq, aid, at, title, url, source, published, body in store.db.execute(
            "SELECT m.id, m.seq, m.article_id, m.matched_at, a.title, a.url, a.source, a.published, "
            f"a.body FROM alert_matches m JOIN articles a ON a.seq = m.seq WHERE m.id IN ({marks})",
            chunk,
        ).fetchall():
            out[mid] = {
                "seq": seq,
                "id": aid,
                "matched_at": at,
                "title": title,
                "url": url,
                "source": source,
                "published": published,
                "summary": store.texts.text(body)[:400],
            }
    return out


def finish(
    store: Store,
    row_ids: list[int],
    ok: bool,
    next_at: float | None,
    give_up: bool,
    now: str,
    log: dict[str, Any],
) -> None:
    """Record one delivery attempt over ``row_ids``: sent, retry at ``next_at``, or failed for good."""
    with store.transaction() as db:
        if ok:
            db.executemany(
                "UPDATE alert_outbox SET state='sent', sent_at=?, attempts=attempts+1, claim='', claimed_until=0 "
                "WHERE id=?",
                ((now, i) for i in row_ids),
            )
        else:
            state = "failed" if give_up else "pending"
            db.executemany(
                "UPDATE alert_outbox SET state=?, attempts=attempts+1, next_at=?, claim='', claimed_until=0 "
                "WHERE id=?",
                ((state, next_at or 0, i) for i in row_ids),
            )
        db.execute(
            "INSERT INTO alert_deliveries (alert_id, channel, at, items, status, ok, error, keys) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                log["alert_id"],
                log["channel"],
                now,
                len(row_ids),
                log["status"],
                int(ok),
                log["error"],
                json.dumps(log["keys"]),
            ),
        )


def release(store: Store, row_ids: list[int]) -> None:
    """Give back claimed rows untried (the sender stopped early)."""
    with store.transaction() as db:
        db.executemany(
            "UPDATE alert_outbox SET claim='', claimed_until=0 WHERE id=?", ((i,) for i in row_ids)
        )


# -- reading back -------------------------------------------------------------------
def recent_matches(store: Store, alert_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Matches newest first, with what an Atom entry or a page shows of each article."""
    rows = store.db.execute(
        "SELECT m.id, m.seq, m.article_id, m.matched_at, a.title, a.url, a.source, a.published, "
        "a.body FROM alert_matches m JOIN articles a ON a.seq = m.seq "
        "WHERE m.alert_id=? ORDER BY m.id DESC LIMIT ?",
        (alert_id, limit),
    ).fetchall()
    keys = ("match_id", "seq", "id", "matched_at", "title", "url", "source", "published", "summary")
    text = store.texts.text
    return [dict(zip(keys, (*r[:8], text(r[8])[:400]), strict=True)) for r in rows]


def count_matches(store: Store, alert_id: int) -> int:
    return store.db.execute("SELECT count(*) FROM alert_matches WHERE alert_id=?", (alert_id,)).fetchone()[0]


def deliveries(store: Store, alert_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT at, channel, items, status, ok, error, keys FROM alert_deliveries WHERE alert_id=? "
        "ORDER BY id DESC LIMIT ?",
        (alert_id, limit),
    ).fetchall()
    keys = ("at", "channel", "items", "status", "ok", "error", "keys")
    return [{**dict(zip(keys, r, strict=True)), "ok": bool(r[4]), "keys": json.loads(r[6])} for r in rows]


def outbox_counts(store: Store, alert_id: int) -> dict[str, int]:
    counts = {"pending": 0, "sent": 0, "failed": 0}
    for state, n in store.db.execute(
        "SELECT state, count(*) FROM alert_outbox WHERE alert_id=? GROUP BY state", (alert_id,)
    ):
        counts[state] = n
    return counts


def spike_notified(store: Store, key_prefix: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM alert_outbox WHERE key LIKE ? LIMIT 1", (key_prefix + "%",)
    ).fetchone()
    return row is not None


# -- spikes -------------------------------------------------------------------------
def totals_by_bucket(store: Store, width: int, lo: str, hi: str) -> dict[str, int]:
    """Articles per period (the first ``width`` characters of ``published``) in [lo, hi)."""
    return dict(
        store.db.execute(
            f"SELECT substr(published, 1, {int(width)}) AS b, count(*) FROM articles "
            "WHERE published >= ? AND published < ? GROUP BY b",
            (lo, hi),
        ).fetchall()
    )


def live_claims(store: Store, now_ts: float) -> list[tuple[int, str]]:
    """(row id, claim) of pending rows whose lease has not run out."""
    return store.db.execute(
        "SELECT id, claim FROM alert_outbox WHERE state='pending' AND claimed_until >= ?", (now_ts,)
    ).fetchall()
