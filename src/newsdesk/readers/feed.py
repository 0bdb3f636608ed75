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

A feed whose bytes do not decode as the charset it declares (or as UTF-8 when
it declares none, as old KOI8-R, Shift-JIS, EUC and Big5 feeds often do) is
decoded by ``charset-normalizer``'s guess instead of feedparser's Windows-1252
fallback. Relative entry links (legal in RSS read from a file, where there is
no URL to resolve them against) are resolved against the feed's own
``<link>``. An entry with a link and nothing else is kept: its id comes from
the link, and ``--fetch-pages`` can fill it in.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from ..errors import ReaderError
from ..model import Record, Reject
from . import ReadOptions, jsonfeed, open_binary
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
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":  # a JSON Feed, fetched or polled by URL
        yield from _json_feed(data, path)
        return
    headers = {"content-location": path} if is_url else {}
    data = _as_declared(data)
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
    base = (feed.get("link") or "").strip()
    if _scheme(base) not in ("http", "https"):
        base = path if is_url else ""
    for n, entry in enumerate(parsed.entries, 1):
        where = f"{path}#entry{n}"
        rec = _entry_record(entry, source, feed_lang, where)
        if rec.url and base and not _scheme(rec.url):
            with contextlib.suppress(ValueError):
                rec.url = urljoin(base, rec.url)  # a relative link: the feed's own link is its base
        if not (rec.title or rec.body or rec.url):
            yield Reject(where, "entry has no title, no text and no link")
            continue
        if options.fetch_pages and rec.url.lower().startswith(("http://", "https://")):
            rec = _with_page(rec, options)
        yield rec


_XML_DECL = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])""")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _as_declared(data: bytes) -> bytes:
    """The feed's bytes, re-encoded as UTF-8 (and declared so) when they do not fit their charset.

    The declared encoding (or UTF-8 when none is declared) is tried first, so a
    feed that is right about itself is passed on untouched.
    """
    if data.startswith(_BOMS) or data.isascii():
        return data
    match = _XML_DECL.match(data[:1024])
    declared = match.group(2).decode("ascii") if match else "utf-8"
    try:
        data.decode(codecs.lookup(declared).name)
        return data
    except (LookupError, UnicodeDecodeError):
        pass
    from charset_normalizer import from_bytes  # noqa: PLC0415 - only for feeds that need it

    best = from_bytes(data[:MAX_BYTES]).best()
    if best is None:
        return data
    text = str(best).encode("utf-8")
    if match:
        return _XML_DECL.sub(lambda m: m.group(1) + b"utf-8" + m.group(3), text, count=1)
    return text


def _json_feed(data: bytes, path: str) -> Iterator[Record | Reject]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        yield Reject(path, f"not a feed: starts like JSON but is not JSON ({type(err).__name__})")
        return
    if not jsonfeed.is_jsonfeed(doc):
        yield Reject(path, "not a feed: JSON, but not a JSON Feed (no jsonfeed.org version and items)")
        return
    yield from jsonfeed.records(doc, path)


def _scheme(url: str) -> str:
    """The URL's scheme, lower-cased; "" for none, and for what urllib cannot split ("http://[x")."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return "?"


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
