"""Turn a reader's loose :class:`Record` into a clean :class:`Article`.

Dates become ISO 8601 UTC, URLs are canonicalised (host lower-cased, tracking
parameters dropped; a fragment is kept only when it names an entry), whitespace
is tidied, and the article gets its stable id. The id is what makes ingest
idempotent, so its recipe is fixed (docs/explanation/identity.md has the cases):

* a canonical URL, when there is one: ``sha256("url\\0" + url)`` with the URL
  *without* its fragment (the **base id**, unchanged since the first release);
* otherwise the record's own identifier plus its normalised headline and body:
  ``sha256("text\\0" + external_id + "\\0" + headline + "\\0" + body)``.
  The external id is part of the recipe so that a collection's distinct
  records that happen to share their text (Reuters-21578 has 298) stay
  distinct, while the same input ingested twice still maps to the same id.

A base id from a URL can be claimed by two distinct items that share a link
(podcast episodes linking to the show page, live-blog entries that differ by
``#fragment``). Which one keeps it is decided at store time, against what is
stored (:func:`same_item`): an item whose *discriminator* (its guid / record id,
else its entry fragment) differs from the holder's gets
:func:`qualified_id` instead. So ids never change for items that did not
collide, and colliding items are never merged.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .model import Article, Record, Reject

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|ref_src|cmpid|ito|ns_\w+)$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_BLANKS = re.compile(r"\n{3,}")


def canonical_url(url: str) -> str:
    """The URL that identifies an article: scheme+host lower-cased, no tracking, no fragment."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    host = parts.netloc.lower()
    if host.endswith(":80") and parts.scheme.lower() == "http":
        host = host[:-3]
    if host.endswith(":443") and parts.scheme.lower() == "https":
        host = host[:-4]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))


# fragments that point into a page without naming an entry of it: the page is the article
_NOISE_FRAGMENT = re.compile(
    r"^(|top|main|content|main-content|maincontent|article|story|comments?|respond|reply|"
    r"disqus_thread|comment-form|share|print|page|xtor=.*|utm_.*|ref=.*|at_.*|ns_.*|intcmp=.*|"
    r"\.\w+|!)$",
    re.I,
)


def entry_fragment(url: str) -> str:
    """The URL's fragment when it names a distinct entry (``#post-3``, ``#c1234``), else "".

    Live blogs and comment feeds give every entry the page's URL plus a fragment;
    ``#comments``, ``#top`` and tracking fragments (``#xtor=RSS-1``) name no entry.
    """
    _, sep, frag = url.strip().partition("#")
    if not sep:
        return ""
    frag = frag.strip()
    return "" if _NOISE_FRAGMENT.match(frag) or len(frag) > 200 else frag


def stored_url(url: str) -> str:
    """The URL as stored and shown: :func:`canonical_url` plus the entry fragment, if any."""
    canon = canonical_url(url)
    frag = entry_fragment(url) if canon else ""
    return f"{canon}#{frag}" if frag else canon


def discriminator(external_id: str, url: str) -> str:
    """What tells apart two items that share a URL: their own id, else their entry fragment.

    ``url`` is the stored URL (:func:`stored_url`). An external id that is itself a
    URL counts as what it canonicalises to, and adds nothing when that is the
    item's own URL (an RSS guid that is the link, with or without tracking
    parameters), so one article reached through two feeds stays one.
    """
    ext = (external_id or "").strip()
    if ext.lower().startswith(("http://", "https://")):
        ext = stored_url(ext) or ext
        if ext == url:
            ext = ""
    if ext:
        return ext
    _, _, frag = url.partition("#")
    return "#" + frag if frag else ""


def same_item(held: tuple[str, str, str, str], incoming: tuple[str, str, str, str]) -> bool:
    """Whether ``incoming`` is the item that holds a base id already (``held``), or a distinct one.

    Both are ``(external_id, url, title, body)``. Same discriminator: same item.
    An incoming item without one (a page, an export row) is the held item. A held
    item without one (stored before discriminators counted, or a plain page) is
    the incoming item only if their text is the same, so an old desk's stored
    articles keep their ids while the items they had swallowed are stored at last.
    """
    mine = discriminator(incoming[0], incoming[1])
    theirs = discriminator(held[0], held[1])
    if mine == theirs or not mine:
        return True
    if theirs:
        return False
    return _text_key(held[2], held[3]) == _text_key(incoming[2], incoming[3])


def _text_key(title: str, body: str) -> str:
    return " ".join(title.casefold().split()) + "\0" + " ".join(body.casefold().split())


def qualified_id(url: str, external_id: str) -> str:
    """The id of an item whose base id is held by a distinct item with the same URL."""
    base = url.partition("#")[0]
    key = "url\0" + base + "\0" + discriminator(external_id, url)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def base_url(url: str) -> str:
    """The stored URL without its fragment: what the base id is made of."""
    return url.partition("#")[0]


def clean_text(text: str) -> str:
    """Unicode NFC, unified line ends, runs of spaces collapsed, at most one blank line."""
    if not text:
        return ""
    if not text.isascii():
        text = _valid_unicode(unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    # str.split() with no argument splits on every Unicode space (tabs, NBSP, …)
    text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def clean_line(text: str) -> str:
    """A one-line field (headline, source, author): all whitespace collapsed."""
    if not text:
        return ""
    if not text.isascii():
        text = _valid_unicode(unicodedata.normalize("NFC", text))
    return " ".join(_CONTROL.sub("", text).split())


def _valid_unicode(text: str) -> str:
    """Replace lone surrogates (valid in JSON, invalid in UTF-8 and SQLite) with U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | int | float | datetime | None) -> datetime | None:
    """Parse the date formats news arrives in (ISO 8601, RFC 822, epoch seconds) to UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # inf, nan, or beyond year 9999
            return None
    else:
        s = str(value).strip()
        if not s:
            return None
        if s.isdigit() and len(s) >= 9:
            return parse_date(int(s))
        dt = None
        iso = s.replace("Z", "+00:00").replace("z", "+00:00")
        if " " in iso and "T" not in iso and _DATE_ONLY.match(iso[:10]):
            iso = iso[:10] + "T" + iso[11:].strip()
        try:
            dt = datetime.fromisoformat(iso)
        except ValueError:
            try:
                dt = parsedate_to_datetime(s)
            except (TypeError, ValueError, IndexError):
                dt = _parse_loose(s)
        if dt is None:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


_LOOSE_FORMATS = (
    "%d-%b-%Y %H:%M:%S",
    "%d %B %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%Y/%m/%d",
    "%m/%d/%Y",
    "%Y/%m/%d %H:%M:%S",
)


def _parse_loose(s: str) -> datetime | None:
    for fmt in _LOOSE_FORMATS:
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


def iso(dt: datetime | None) -> str:
    """ISO 8601 UTC with a Z, second precision; "" for no date."""
    if not dt:
        return ""
    dt = dt.astimezone(UTC)
    if dt.year < 1000:  # strftime writes such years unpadded: keep its text
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    # the same text as that strftime, in a third of its time (once per article at ingest)
    return f"{dt.year}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def article_id(url: str, external_id: str, title: str, body: str) -> str:
    """The stable id (see the module docstring for the recipe); 16 hex digits."""
    if url:
        return _hashed("url\0" + url)
    norm = lambda s: " ".join(s.casefold().split())  # noqa: E731
    return _text_id(external_id, norm(title), norm(body))


def _text_id(external_id: str, title: str, body: str) -> str:
    """The text recipe's id of a title and body already casefolded and single-spaced."""
    return _hashed("text\0" + external_id + "\0" + title + "\0" + body)


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _clean_article_id(url: str, external_id: str, title: str, body: str) -> str:
    """:func:`article_id` of fields as ``_to_article`` cleans them, ~5x faster for text ids: after
    :func:`clean_line` the only whitespace is single spaces, after :func:`clean_text` single spaces
    and line breaks (at most two in a row, none at the ends), and no character casefolds to
    whitespace, so the recipe's "every run of whitespace is one space" is two replaces away."""
    if url:
        return article_id(url, external_id, title, body)
    return _text_id(external_id, title.casefold(), body.casefold().replace("\n\n", " ").replace("\n", " "))


MAX_METADATA_DEPTH = 20  # levels of lists/objects in one metadata value; JSON tools choke far deeper


def _not_finite(value: float) -> bool:
    return value != value or value in (float("inf"), float("-inf"))


def _check_metadata(metadata: dict, limit: int) -> str:
    """The top-level key whose value nests deeper than ``limit`` (iterative: no recursion), or "";
    when nothing is too deep, infinite and NaN floats (JSON's ``1e999``) are replaced by their
    text in place: strict JSON has no such numbers, so ``show --json`` and the API could not print
    them. One walk of every value of every record at ingest (the depth and the floats were two)."""
    fixes: list[tuple[Any, Any, str]] = []
    flat_lists = limit >= 1  # a list of strings is then neither too deep nor unfinite
    for key, value in metadata.items():
        kind = type(value)
        if kind is str:  # most values: nothing inside
            continue
        if kind is list and flat_lists and all(type(v) is str for v in value):  # tags, names, places
            continue
        if isinstance(value, float):
            if _not_finite(value):
                fixes.append((metadata, key, str(value)))
            continue
        if not isinstance(value, dict | list):
            continue
        stack = [(value, 1)]
        while stack:
            item, depth = stack.pop()
            if depth > limit:
                return str(key)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for k, child in pairs:
                if isinstance(child, dict | list):
                    stack.append((child, depth + 1))
                elif isinstance(child, float) and _not_finite(child):
                    fixes.append((item, k, str(child)))
    for item, k, text in fixes:
        item[k] = text
    return ""


def one_line(text: object, limit: int = 400) -> str:
    """Text fit for a one-line message: line breaks and controls out, lone surrogates replaced, capped."""
    text = _valid_unicode(str(text))
    text = " ".join(_CONTROL.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_article(rec: Record, ingested_at: str = "") -> Article | Reject:
    """Clean a Record into an Article, or say in one line why it cannot be one.

    Never raises: one odd record (a value of a type no reader expected) becomes a
    Reject instead of costing the batch it came in.
    """
    try:
        article = _to_article(rec, ingested_at)
    except Exception as err:
        return Reject(one_line(rec.provenance), one_line(f"cannot normalise: {type(err).__name__}: {err}"))
    if isinstance(article, Reject):
        return Reject(one_line(article.provenance), one_line(article.reason))
    return article


def _to_article(rec: Record, ingested_at: str) -> Article | Reject:
    from .readers.languages import resolve_language  # here: the readers package imports this module
    title = clean_line(rec.title)
    body = clean_text(rec.body)
    external_id = clean_line(str(rec.external_id)) if rec.external_id is not None else ""
    if not title and not body and not external_id and not canonical_url(rec.url):
        return Reject(rec.provenance, "no headline and no body (and no id or link)")
    if title and body.startswith(title) and body[len(title) : len(title) + 1] in ("", "\n"):
        body = body[len(title) :].lstrip()
    url = stored_url(clean_line(rec.url))
    too_deep = _check_metadata(rec.metadata, MAX_METADATA_DEPTH)  # non-finite floats fixed unless too deep
    if too_deep:
        return Reject(
            rec.provenance,
            f"metadata field {too_deep!r} is nested more than {MAX_METADATA_DEPTH} levels deep; "
            "flatten it or --map the fields you need",
        )
    published = ""
    if rec.published not in ("", None):
        dt = parse_date(rec.published)
        if dt is None:
            rec.metadata.setdefault("unparsed_date", str(rec.published))
        published = iso(dt)
    source = clean_line(rec.source) or (urlsplit(url).netloc.removeprefix("www.") if url else "")
    authors = [a for a in (clean_line(x) for x in rec.authors) if a]
    return Article(
        id=_clean_article_id(base_url(url), external_id, title, body),
        title=title,
        body=body,
        url=url,
        source=source,
        published=published,
        authors=authors,
        lang=resolve_language(clean_line(rec.lang or ""), title, body),
        external_id=external_id,
        metadata=rec.metadata,
        provenance=rec.provenance,
        ingested_at=ingested_at,
    )


def resolve_ids(
    batch: list[tuple], lookup: Callable[[list[str]], dict[str, tuple]]
) -> tuple[list[tuple], dict[str, tuple], int]:
    """Give each row of a batch (``store.article_values`` rows) its final id.

    ``lookup(ids)`` returns the stored rows (``store.COLUMNS`` order) of those ids
    that are stored. A URL's base id stays with the item that holds it, in the
    store or earlier in this batch; a distinct item that shares the URL gets
    :func:`qualified_id`. Returns the rows with their final ids (repeats within
    the batch dropped), the stored rows of the final ids that are stored already,
    and how many repeats were dropped.
    """
    held = lookup(list({v[0] for v in batch}))
    claims: dict[str, tuple[str, str, str, str]] = {i: (r[2], r[3], r[5], r[6]) for i, r in held.items()}
    out: list[tuple] = []
    seen: set[str] = set()
    repeats = 0
    for v in batch:
        ident = (v[1], v[2], v[4], v[5])
        vid = v[0]
        holder = claims.get(vid)
        if holder is not None and v[2] and not same_item(holder, ident):
            vid = qualified_id(v[2], v[1])
            v = (vid, *v[1:])
        if vid in seen:
            repeats += 1
            continue
        seen.add(vid)
        claims.setdefault(vid, ident)
        out.append(v)
    qualified = [v[0] for v in out if v[0] not in held]
    known = {i: r for i, r in held.items() if i in seen}
    if qualified:
        known.update(lookup(qualified))
    return out, known, repeats
