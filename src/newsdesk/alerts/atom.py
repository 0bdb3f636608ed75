"""The Atom feed of a saved search (RFC 4287), rendered with jinja2, newest match first.

Entry ids are ``urn:newsdesk:article:ID`` (the article id is stable across
re-ingests), so a feed reader never shows the same article twice; an entry's
``updated`` is when the alert matched it, ``published`` the article's own
date. jinja2 comes with the ``api`` extra, like the server that serves the feed.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import MissingExtraError

HERE = os.path.dirname(__file__)
_env = None


def _template():
    global _env
    try:
        import jinja2
    except ImportError:
        raise MissingExtraError("jinja2", "api") from None
    if _env is None:
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE), autoescape=True, trim_blocks=True, lstrip_blocks=True
        )
    return _env.get_template("atom.xml.j2")


def _rfc3339(value: str) -> str:
    """An ISO date as Atom wants it (full date-time, UTC); '' when there is none."""
    if not value:
        return ""
    if len(value) == 10:
        return value + "T00:00:00Z"
    return value if value.endswith("Z") or "+" in value[10:] else value + "Z"


def render(alert: dict[str, Any], matches: list[dict[str, Any]], self_url: str, site_url: str) -> str:
    """The feed document for ``alert`` with ``matches`` (newest first, as the store returns them)."""
    entries = [
        {**m, "updated": _rfc3339(m["matched_at"]), "published": _rfc3339(m["published"])} for m in matches
    ]
    updated = entries[0]["updated"] if entries else _rfc3339(alert["created_at"])
    return _template().render(
        alert=alert, entries=entries, updated=updated, self_url=self_url, site_url=site_url
    )
