"""The outbox runner: send what is due, record every attempt, retry failures with backoff.

Percolation commits each match together with one outbox row per channel, so
nothing is lost if the process dies before sending: the next run (``ingest``,
``poll``, ``watch``, ``alerts deliver``) finds the row still pending. A row is
*claimed* (a lease of :data:`LEASE_S`) before it is sent, so two processes
never send it at once (a claim by a process of this machine that has died is
released at once, so a restart need not wait out the lease), and marked sent in the transaction right after the
receiver's 2xx / SMTP 250, so it is never sent again. The one window left is
a death between the receiver's answer and that commit: then the row goes
again with the same idempotency key (at-least-once with a stable key; no
sender can promise more over HTTP or SMTP).

Grouping: webhook rows due together go as one POST (up to :data:`MAX_ITEMS`
matches); email rows of cadence ``now`` go one message per match, digests one
message per period. Rows of a digest are due at the end of their period.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..store import Store
from ..store import alerts as table
from . import mail, webhook

LEASE_S = 120.0
MAX_ITEMS = 100
MAX_ATTEMPTS = 12
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 6 * 3600.0

Guard = Callable[[], AbstractContextManager[Any]]


@dataclass
class Delivery:
    """What one run sent: attempts, successes, failures, one line per failure."""

    attempts: int = 0
    sent: int = 0  # outbox rows delivered
    failed: int = 0  # attempts that failed (to be retried or given up)
    errors: list[str] = field(default_factory=list)
    left: int = 0  # rows claimed but not tried (time budget ran out)


def backoff(attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: exponential from 30 s, capped at 6 h, +/-25% jitter
    so that many alerts failing together do not retry in lockstep."""
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempts) * random.uniform(0.75, 1.25)


def _groups(rows: list[dict[str, Any]], alerts: dict[int, dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    by: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        alert = alerts.get(r["alert_id"])
        if alert is None:
            continue
        single = r["kind"] == "spike" or (r["channel"].startswith("email:") and alert["cadence"] == "now")
        key = (r["id"],) if single else (r["alert_id"], r["channel"], r["kind"], r["due_at"])
        by.setdefault(key, []).append(r)
    for group in by.values():
        for i in range(0, len(group), MAX_ITEMS):
            yield group[i : i + MAX_ITEMS]


def _dead(claim: str) -> bool:
    """Whether the process named in a claim (``pid123-...``, this machine) has gone."""
    try:
        pid = int(claim.split("-", 1)[0].removeprefix("pid"))
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, someone else's
        return False
    return False


def _now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(alert: dict[str, Any], group: list[dict[str, Any]], details: dict[int, dict[str, Any]]) -> dict:
    if group[0]["kind"] == "spike":
        return {
            "event": "spike",
            "alert": alert["name"],
            "query": alert["query"],
            "key": group[0]["key"],
            "spike": json.loads(group[0]["payload"]),
        }
    matches = []
    for r in group:
        d = details.get(r["match_id"])
        if d is None:  # the article is gone (should not happen: articles are never deleted)
            continue
        matches.append(
            {
                "key": r["key"],
                "id": d["id"],
                "title": d["title"],
                "url": d["url"],
                "source": d["source"],
                "published": d["published"],
                "matched_at": d["matched_at"],
            }
        )
    return {
        "event": "match",
        "alert": alert["name"],
        "query": alert["query"],
        "cadence": alert["cadence"],
        "matches": matches,
    }


def _email(
    settings: mail.SmtpSettings, alert: dict[str, Any], to: str, payload: dict
) -> tuple[bool, int, str]:
    if payload["event"] == "spike":
        s = payload["spike"]
        subject = f"[newsdesk] {alert['name']}: coverage spike on {s['period']}"
        intro = (
            f"{s['count']} articles match {alert['query']!r} in {s['period']} "
            f"({s['share']:.2%} of coverage against a baseline of {s['baseline_share']:.2%})."
        )
        items: list[dict[str, Any]] = []
    else:
        items = payload["matches"]
        n = len(items)
        subject = f"[newsdesk] {alert['name']}: " + (items[0]["title"] if n == 1 else f"{n} new articles")
        intro = f"{n} new article{'s' if n != 1 else ''} match{'es' if n == 1 else ''} {alert['query']!r}."
    return mail.send(settings, mail.compose(settings.sender, to, subject, items, intro))


def deliver(
    store: Store,
    data_dir: str | None = None,
    now_ts: float | None = None,
    alert_id: int | None = None,
    budget_s: float | None = None,
    guard: Guard | None = None,
    post: webhook.Post | None = None,
) -> Delivery:
    """Send every outbox row that is due (or only one alert's); at most ``budget_s`` seconds of sending.

    ``guard`` wraps each store transaction (the Desk passes its thread lock, so a
    server's request threads and its watcher never interleave transactions).
    """
    guard = guard or nullcontext
    now_ts = time.time() if now_ts is None else now_ts
    owner = f"pid{os.getpid()}-{random.getrandbits(32):08x}"
    started = time.monotonic()
    out = Delivery()
    with guard():
        stale = [i for i, claim in table.live_claims(store, now_ts) if _dead(claim)]
        if stale:  # claimed by a process that was killed: no need to wait out its lease
            table.release(store, stale)
        rows = table.claim_due(store, now_ts, owner, LEASE_S, alert_id)
        alerts = {a["id"]: a for a in table.all_alerts(store)}
    if not rows:
        return out
    settings: mail.SmtpSettings | None = None
    groups = list(_groups(rows, alerts))
    for n, group in enumerate(groups):
        if budget_s is not None and time.monotonic() - started > budget_s:
            left = [r["id"] for g in groups[n:] for r in g]
            with guard():
                table.release(store, left)
            out.left = len(left)
            break
        alert = alerts[group[0]["alert_id"]]
        channel = group[0]["channel"]
        ids = [r["id"] for r in group]
        keys = [r["key"] for r in group]
        if channel == "atom":  # nothing to push: the feed is read from the matches
            ok, status, error = True, 0, ""
        else:
            with guard():
                details = table.match_details(store, [r["match_id"] for r in group if r["match_id"]])
            payload = _payload(alert, group, details)
            if channel.startswith("webhook:"):
                delivery_id = "d_" + keys[0].replace(":", "_") + (f"_{len(keys)}" if len(keys) > 1 else "")
                ok, status, error = webhook.send(
                    channel[len("webhook:") :], alert["secret"], payload, delivery_id, post
                )
            else:
                try:
                    settings = settings or mail.SmtpSettings.load(data_dir)
                    ok, status, error = _email(settings, alert, channel[len("email:") :], payload)
                except ValueError as err:
                    ok, status, error = False, 0, str(err)
            out.attempts += 1
        attempts = max(r["attempts"] for r in group)
        give_up = not ok and attempts + 1 >= MAX_ATTEMPTS
        next_at = None if ok else now_ts + backoff(attempts)
        with guard():
            table.finish(
                store,
                ids,
                ok,
                next_at,
                give_up,
                _now_iso(time.time()),
                {
                    "alert_id": alert["id"],
                    "channel": channel,
                    "status": status,
                    "error": error,
                    "keys": keys[:MAX_ITEMS],
                },
            )
        if ok:
            out.sent += len(ids)
        else:
            out.failed += 1
            out.errors.append(
                f"alert {alert['name']} -> {channel}: {error}"
                + (" (gave up)" if give_up else f" (retry in {round(next_at - now_ts)}s)")
            )
    return out
