"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1): one article per item.

A JSON Feed is one JSON object whose ``version`` is ``https://jsonfeed.org/version/…``
and whose ``items`` are the entries, so the JSON reader would otherwise store
the whole feed as one article. Each item becomes a record the way an RSS entry
does (see :mod:`newsdesk.readers.feed`): ``content_html`` (reduced to text) or
``content_text``, else ``summary``; the item's ``id`` is its guid; relative
``url``s are resolved against the feed's ``home_page_url`` (or ``feed_url``);
the feed's ``title`` is the source and its ``language`` the language.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from ..model import Record, Reject
from .fields import as_authors


def is_jsonfeed(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and str(doc.get("version", "")).startswith(
            ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
        )
        and isinstance(doc.get("items"), list)
    )


def records(doc: dict[str, Any], path: str) -> Iterator[Record | Reject]:
    """The records of a JSON Feed document; provenance ``path#itemN`` (N from 1)."""
    from .html import html_to_text  # noqa: PLC0415 - lxml only for files that need it

    base = _text(doc.get("home_page_url")) or _text(doc.get("feed_url"))
    source = _text(doc.get("title"))
    lang = _text(doc.get("language"))
    feed_authors = _authors(doc)
    for n, item in enumerate(doc["items"], 1):
        where = f"{path}#item{n}"
        if not isinstance(item, dict):
            yield Reject(where, f"JSON Feed item is not an object but {type(item).__name__}")
            continue
        body = html_to_text(_text(item.get("content_html"))) or _text(item.get("content_text"))
        summary = _text(item.get("summary"))
        url = _text(item.get("url")) or _text(item.get("external_url"))
        if url and base:
            with contextlib.suppress(ValueError):  # "http://[x" cannot be joined: kept as it is
                url = urljoin(base, url)
        metadata: dict[str, Any] = {}
        tags = [t for t in item.get("tags") or [] if isinstance(t, str)]
        if tags:
            metadata["tags"] = tags
        if body and summary:
            metadata["summary"] = summary
        if item.get("image"):
            metadata["image"] = _text(item.get("image"))
        rec = Record(
            title=" ".join(_text(item.get("title")).split()),
            body=body or summary,
            url=url,
            published=_text(item.get("date_published")) or _text(item.get("date_modified")),
            source=source,
            authors=_authors(item) or feed_authors,
            lang=_text(item.get("language")) or lang,
            external_id=_text(item.get("id")),
            metadata=metadata,
            provenance=where,
        )
        if not (rec.title or rec.body or rec.url):
            yield Reject(where, "JSON Feed item has no title, no content and no url")
            continue
        yield rec


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int | float) else ""


def _authors(obj: dict[str, Any]) -> list[str]:
    """Version 1.1 ``authors`` (a list of objects), else version 1 ``author`` (one object)."""
    people = obj.get("authors")
    if not isinstance(people, list):
        people = [obj.get("author")] if isinstance(obj.get("author"), dict) else []
    names = [_text(p.get("name")) for p in people if isinstance(p, dict)]
    return as_authors([n for n in names if n])
