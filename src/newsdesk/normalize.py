"""Turn a reader's loose :class:`Record` into a clean :class:`Article`.

Dates become ISO 8601 UTC, URLs are canonicalised (host lower-cased, tracking
parameters and fragments dropped), whitespace is tidied, and the article gets
its stable id. The id is what makes ingest idempotent, so its recipe is fixed:

* a canonical URL, when there is one: ``sha256("url\\0" + url)``;
* otherwise the record's own identifier plus its normalised headline and body:
  ``sha256("text\\0" + external_id + "\\0" + headline + "\\0" + body)``.
  The external id is part of the recipe so that a collection's distinct
  records that happen to share their text (Reuters-21578 has 298) stay
  distinct, while the same input ingested twice still maps to the same id.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
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
        return datetime.fromtimestamp(seconds, UTC)
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
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else ""


def article_id(url: str, external_id: str, title: str, body: str) -> str:
    """The stable id (see the module docstring for the recipe); 16 hex digits."""
    if url:
        key = "url\0" + url
    else:
        norm = lambda s: " ".join(s.casefold().split())  # noqa: E731
        key = "text\0" + external_id + "\0" + norm(title) + "\0" + norm(body)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def to_article(rec: Record, ingested_at: str = "") -> Article | Reject:
    """Clean a Record into an Article, or say in one line why it cannot be one.

    Never raises: one odd record (a value of a type no reader expected) becomes a
    Reject instead of costing the batch it came in.
    """
    try:
        return _to_article(rec, ingested_at)
    except Exception as err:
        return Reject(rec.provenance, f"cannot normalise: {type(err).__name__}: {err}")


def _to_article(rec: Record, ingested_at: str) -> Article | Reject:
    title = clean_line(rec.title)
    body = clean_text(rec.body)
    external_id = clean_line(str(rec.external_id)) if rec.external_id is not None else ""
    if not title and not body and not external_id:
        return Reject(rec.provenance, "no headline and no body")
    if title and body.startswith(title) and body[len(title) : len(title) + 1] in ("", "\n"):
        body = body[len(title) :].lstrip()
    url = canonical_url(rec.url)
    published = ""
    if rec.published not in ("", None):
        dt = parse_date(rec.published)
        if dt is None:
            rec.metadata.setdefault("unparsed_date", str(rec.published))
        published = iso(dt)
    source = clean_line(rec.source) or (urlsplit(url).netloc.removeprefix("www.") if url else "")
    authors = [a for a in (clean_line(x) for x in rec.authors) if a]
    return Article(
        id=article_id(url, external_id, title, body),
        title=title,
        body=body,
        url=url,
        source=source,
        published=published,
        authors=authors,
        lang=(rec.lang or "").strip().lower()[:8],
        external_id=external_id,
        metadata=rec.metadata,
        provenance=rec.provenance,
        ingested_at=ingested_at,
    )
