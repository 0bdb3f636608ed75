"""RSS 0.9x/1.0/2.0 and Atom feeds, from a file or an http(s) URL, via feedparser.

Each entry becomes a record: the full text (``content:encoded`` or Atom
``<content>``) when the feed carries it, else the summary, HTML reduced to
text with its paragraphs kept. The feed's title is the record's source and its
language the record's language. Provenance is ``path#entryN`` (N from 1).

feedparser is only ever given bytes: a URL is fetched through
:mod:`newsdesk.fetch` (or ``ReadOptions.fetch``). With ``fetch_pages`` each
entry's link is fetched too and its article extracted; when the page has more
text than the feed, the page's text is used, and the feed fills in what the
page lacks. A page that cannot be fetched leaves the feed's text in place.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import feedparser

from ..errors import ReaderError
from ..model import Record, Reject
from . import ReadOptions, open_binary
from .fields import as_authors
from .html import extract_page, html_to_text

MAX_BYTES = 50 * 1024 * 1024
_EMAIL_AND_NAME = re.compile(r"^\s*[^\s@()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*$")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    is_url = path.lower().startswith(("http://", "https://"))
    if is_url:
        data = _fetcher(options)(path)
    else:
        with open_binary(path) as fh:
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            yield Reject(path, f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not a feed")
            return
    headers = {"content-location": path} if is_url else {}
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except Exception as err:  # noqa: BLE001 - feedparser's own bugs on mangled XML
        yield Reject(path, f"not a feed: {type(err).__name__}: {_one_line(err)}")
        return
    if not parsed.entries:
        if parsed.get("bozo"):
            yield Reject(path, f"not a feed: {_one_line(parsed.get('bozo_exception'))}")
        return
    feed = parsed.feed
    source = (feed.get("title") or "").strip()
    feed_lang = (feed.get("language") or "").strip()
    for n, entry in enumerate(parsed.entries, 1):
        where = f"{path}#entry{n}"
        rec = _entry_record(entry, source, feed_lang, where)
        if not (rec.title or rec.body or rec.url):
            yield Reject(where, "entry has no title, no text and no link")
            continue
        if options.fetch_pages and rec.url.lower().startswith(("http://", "https://")):
            rec = _with_page(rec, options)
        yield rec


def _fetcher(options: ReadOptions) -> Callable[[str], bytes]:
    if options.fetch is not None:
        return options.fetch
    from ..fetch import fetch

    return fetch


def _entry_record(entry: Any, source: str, feed_lang: str, where: str) -> Record:
    body = ""
    lang = ""
    for content in entry.get("content") or []:
        text = _text_of(content.get("value", ""), content.get("type", ""))
        if len(text) > len(body):
            body, lang = text, content.get("language") or ""
    if not body:
        detail = entry.get("summary_detail") or {}
        body = _text_of(entry.get("summary", ""), detail.get("type", "text/html"))
        lang = detail.get("language") or ""
    metadata: dict[str, Any] = {}
    tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
    if tags:
        metadata["tags"] = tags
    if entry.get("comments"):
        metadata["comments"] = entry["comments"]
    title = entry.get("title", "")
    if (entry.get("title_detail") or {}).get("type") in _HTML_TYPES:
        title = html_to_text(title)
    return Record(
        title=" ".join(title.split()),
        body=body,
        url=(entry.get("link") or "").strip(),
        published=_date(entry),
        source=source,
        authors=_authors(entry),
        lang=lang or entry.get("language") or feed_lang,
        external_id=(entry.get("id") or "").strip(),
        metadata=metadata,
        provenance=where,
    )


def _text_of(value: str, content_type: str) -> str:
    if not value:
        return ""
    if content_type in _HTML_TYPES or not content_type:
        return html_to_text(value)
    return value.strip()


def _date(entry: Any) -> str:
    """ISO 8601 UTC from feedparser's parsed date; the raw string when it could not parse it."""
    for key in ("published", "updated", "created"):
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
        if entry.get(key):
            return str(entry[key]).strip()
    return ""


def _authors(entry: Any) -> list[str]:
    raw = entry.get("author") or ""
    match = _EMAIL_AND_NAME.match(raw)
    if match:  # RSS 2.0 "editor@example.com (Jane Doe)"
        return [match.group("name").strip()]
    names = [(a.get("name") or "").strip() for a in entry.get("authors") or []]
    authors: list[str] = []
    for name in names:
        for author in as_authors(name):
            if author not in authors:
                authors.append(author)
    return authors


def _with_page(rec: Record, options: ReadOptions) -> Record:
    """``rec`` with the text of the page it links to, when that page has more text."""
    try:
        data = _fetcher(options)(rec.url)
    except (ReaderError, OSError, ValueError):
        return rec
    page = extract_page(data, url=rec.url, provenance=rec.provenance)
    if isinstance(page, Reject) or len(page.body) <= len(rec.body):
        return rec
    metadata = {**rec.metadata, **page.metadata}
    if page.url and page.url != rec.url:
        metadata["feed_link"] = rec.url
    metadata["feed_summary"] = rec.body
    return Record(
        title=page.title or rec.title,
        body=page.body,
        url=page.url or rec.url,
        published=page.published or rec.published,
        source=page.source or rec.source,
        authors=page.authors or rec.authors,
        lang=page.lang or rec.lang,
        external_id=rec.external_id,
        metadata=metadata,
        provenance=rec.provenance,
    )


def _one_line(err: object) -> str:
    text = " ".join(str(err or "unknown error").split())
    return text or type(err).__name__
