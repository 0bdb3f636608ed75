"""API keys for writes over HTTP: made once, shown once, stored only as salted hashes.

A key is ``nd_`` + 32 random url-safe characters. The table ``api_keys`` in the
store's database keeps, per key, a random salt and sha256(salt + key): a copy
of the database does not give anyone a key. A short, non-secret prefix is kept
so that ``newsdesk keys list`` can tell keys apart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import NotFoundError

if TYPE_CHECKING:
    from .desk import Desk

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    prefix     TEXT NOT NULL,              -- first characters of the key, not secret
    salt       TEXT NOT NULL,
    hash       TEXT NOT NULL,              -- sha256(salt + key), hex
    created_at TEXT NOT NULL,
    revoked_at TEXT NOT NULL DEFAULT ''
);
"""
PREFIX_CHARS = 8


def _ensure(desk: Desk) -> None:
    desk.store.db.executescript(SCHEMA)


def _has_table(desk: Desk) -> bool:
    row = desk.store.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='api_keys'")
    return row.fetchone() is not None


def _digest(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_key(desk: Desk, name: str = "") -> str:
    """Make a new key, store its hash, and return the key (the only time it is visible)."""
    _ensure(desk)
    key = "nd_" + secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    with desk.store.transaction() as db:
        db.execute(
            "INSERT INTO api_keys (name, prefix, salt, hash, created_at) VALUES (?,?,?,?,?)",
            (name, key[:PREFIX_CHARS], salt, _digest(salt, key), _now()),
        )
    return key


def verify_key(desk: Desk, key: str | None) -> bool:
    """True when ``key`` is a live (not revoked) key of this desk.

    Runs on every authenticated request, so it only reads: the table is made by
    ``create_key``, and a desk without it simply has no keys.
    """
    if not key or len(key) > 200:
        return False
    try:
        rows = desk.store.db.execute(
            "SELECT salt, hash FROM api_keys WHERE prefix=? AND revoked_at=''", (key[:PREFIX_CHARS],)
        ).fetchall()
    except sqlite3.OperationalError:
        if _has_table(desk):
            raise
        return False
    return any(hmac.compare_digest(_digest(salt, key), digest) for salt, digest in rows)


def list_keys(desk: Desk) -> list[dict[str, Any]]:
    """Every key's id, name, prefix and dates (never the key)."""
    _ensure(desk)
    rows = desk.store.db.execute(
        "SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY id"
    ).fetchall()
    return [
        {"id": i, "name": n, "prefix": p + "…", "created_at": c, "revoked_at": r}
        for i, n, p, c, r in rows
    ]


def revoke_key(desk: Desk, key_id: int) -> None:
    """Revoke a key by its id (as ``keys list`` shows it)."""
    _ensure(desk)
    with desk.store.transaction() as db:
        cur = db.execute("UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at=''", (_now(), key_id))
    if not cur.rowcount:
        raise NotFoundError(f"no live API key with id {key_id} (see newsdesk keys list)")
