"""Saved searches: checking what the user asked for, and turning it into an ``alerts`` row.

A saved search is checked when it is made (the query parses and compiles
against the index schema, every channel is well formed), so percolation never
meets a query it cannot run. Its webhook secret is made here, once, and shown
by ``alerts add`` / ``alerts show``; it signs every POST (see
:mod:`newsdesk.alerts.webhook`).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import tantivy

from .. import query as query_mod
from ..errors import BadParameter, NewsdeskError, NotFoundError
from ..store import Store
from ..store import alerts as table

CADENCES = ("now", "hourly", "daily", "weekly")
INTERVALS = ("hour", "day")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise BadParameter(
            "name",
            name,
            "use 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit "
            "(it becomes /feeds/NAME.atom)",
        )
    return name


def check_channel(channel: str) -> str:
    """``atom``, ``webhook:http(s)://...`` or ``email:someone@example.org``."""
    text = channel.strip()
    if text == "atom":
        return text
    kind, _, target = text.partition(":")
    if kind == "webhook" and target.lower().startswith(("http://", "https://")):
        return f"webhook:{target}"
    if kind == "email" and _EMAIL.match(target):
        return f"email:{target}"
    raise BadParameter("notify", channel, "use atom, webhook:https://host/path or email:someone@example.org")


def check_query(q: str, schema: tantivy.Schema) -> None:
    """Raise QuerySyntaxError / NewsdeskError now rather than at every percolation."""
    if not q.strip():
        raise BadParameter("query", q, "a saved search needs a query")
    tree = query_mod.parse_tree(q)
    query_mod.compile_query(tree, schema)


def add(
    store: Store,
    schema: tantivy.Schema,
    name: str,
    q: str,
    notify: list[str],
    cadence: str,
    spike: bool,
    interval: str,
    now: str,
) -> dict[str, Any]:
    """Make a saved search; it matches articles that arrive from now on (its cursor starts at the top)."""
    check_name(name)
    if cadence not in CADENCES:
        raise BadParameter("every", cadence, f"choose one of {', '.join(CADENCES)}")
    if interval not in INTERVALS:
        raise BadParameter("interval", interval, f"choose one of {', '.join(INTERVALS)}")
    channels = list(dict.fromkeys(check_channel(c) for c in notify)) or ["atom"]
    if "atom" not in channels:
        channels.insert(0, "atom")  # every saved search has its feed; it costs nothing
    check_query(q, schema)
    if table.find(store, name) is not None:
        raise NewsdeskError(f"there is already a saved search called {name!r} (alerts remove {name} first)")
    alert = {
        "name": name,
        "query": q,
        "channels": channels,
        "cadence": cadence,
        "spike": spike,
        "spike_interval": interval,
        "secret": "whsec_" + secrets.token_urlsafe(24),
        "cursor": table.top_seq(store),
        "seen_version": store.version,
        "created_at": now,
    }
    alert["id"] = table.add(store, alert)
    return alert


def get(store: Store, name: str) -> dict[str, Any]:
    alert = table.find(store, name)
    if alert is None:
        raise NotFoundError(f"no saved search called {name!r} (see: newsdesk alerts list)")
    return alert


def summary(store: Store, alert: dict[str, Any]) -> dict[str, Any]:
    """An alert as the interfaces show it: settings, match count, outbox state (not the secret)."""
    out = {k: v for k, v in alert.items() if k != "secret"}
    out["matches"] = table.count_matches(store, alert["id"])
    out["outbox"] = table.outbox_counts(store, alert["id"])
    return out
