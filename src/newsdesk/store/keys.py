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
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from ..model import now_iso

if TYPE_CHECKING:
    from . import Store

DDL = """
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



def _digest(salt: str, key: str) -> str:
    return hashlib.sha256((salt + key).encode()).hexdigest()


def create_key(store: Store, name: str = "") -> str:
    """Make a new key, store its hash, and return the key (the only time it is visible)."""
    key = "nd_" + secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO api_keys (name, prefix, salt, hash, created_at) VALUES (?,?,?,?,?)",
            (name, key[:PREFIX_CHARS], salt, _digest(salt, key), now_iso()),
        )
    return key


def verify_key(store: Store, key: str | None) -> bool:
    """True when ``key`` is a live (not revoked) key of this desk.

    Runs on every authenticated request, so it only reads (the table is part of
    the schema, made when the store opens).
    """
    if not key or len(key) > 200:
        return False
    rows = store.db.execute(
        "SELECT salt, hash FROM api_keys WHERE prefix=? AND revoked_at=''", (key[:PREFIX_CHARS],)
    ).fetchall()
    return any(hmac.compare_digest(_digest(salt, key), digest) for salt, digest in rows)


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key's id, name, prefix and dates (never the key)."""
    rows = store.db.execute(
        "SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY id"
    ).fetchall()
    return [
        {"id": i, "name": n, "prefix": p + "…", "created_at": c, "revoked_at": r}
        for i, n, p, c, r in rows
    ]


def revoke_key(store: Store, key_id: int) -> None:
    """Revoke a key by its id (as ``keys list`` shows it)."""
    with store.transaction() as db:
        cur = db.execute("UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at=''", (now_iso(), key_id))
    if not cur.rowcount:
        raise NotFoundError(f"no live API key with id {key_id} (see newsdesk keys list)")
