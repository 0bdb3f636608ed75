"""Webhook deliveries: a JSON POST of the matches, signed with the alert's secret.

The signature is ``X-Newsdesk-Signature: sha256=<hex HMAC-SHA256 of the raw
body, keyed with the alert's secret>`` (GitHub's scheme), so a receiver checks
it over the bytes it got before parsing them. Each match in the body carries
its idempotency ``key`` (``alert:seq:channel``): a delivery retried after a
lost reply repeats the same keys, which a receiver can drop. A 2xx is
success; anything else, or no answer, is retried with backoff by the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from .. import fetch
from ..errors import ReaderError

SIGNATURE_HEADER = "X-Newsdesk-Signature"
TIMEOUT_S = 10.0

Post = Callable[[str, bytes, dict[str, str], float], tuple[int, str]]


def sign(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes: ``sha256=`` + hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (used by tests and documented for users)."""
    return hmac.compare_digest(sign(secret, body), header or "")


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def send(
    url: str, secret: str, payload: dict[str, Any], delivery_id: str, post: Post | None = None
) -> tuple[bool, int, str]:
    """POST ``payload``; (ok, HTTP status or 0, one-line error)."""
    body = body_of(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(secret, body),
        "X-Newsdesk-Event": str(payload.get("event", "match")),
        "X-Newsdesk-Delivery": delivery_id,
    }
    try:
        status, reply = (post or fetch.post)(url, body, headers, TIMEOUT_S)
    except ReaderError as err:
        return False, 0, err.reason
    if 200 <= status < 300:
        return True, status, ""
    return False, status, f"HTTP {status}: {' '.join(reply.split())[:120]}"
