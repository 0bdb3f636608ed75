"""Map a structured record (a JSON object, a CSV row) onto newsdesk's fields.

Exports name their columns differently; these defaults cover the usual names
and ``--map body=content,published=pub_date`` overrides them. Fields that map
to nothing are kept, untouched, as the article's metadata (Reuters' topic and
people tags, for example).
"""

from __future__ import annotations

from typing import Any

from ..model import Record

# our field -> candidate names in the input, first present wins (case-insensitive)
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "name"),
    "body": ("body", "content", "text", "article", "maintext", "story", "description", "summary"),
    "published": (
        "published", "date", "pubdate", "pub_date", "publish_date", "published_at",
        "publication_date", "date_publish", "datetime", "timestamp", "created_at",
    ),
    "url": ("url", "link", "href", "canonical_url", "source_url"),
    "source": ("source", "outlet", "site", "source_name", "publisher", "domain", "source_domain"),
    "authors": ("authors", "author", "byline", "creator", "writer"),
    "lang": ("lang", "language"),
    "external_id": ("id", "docid", "doc_id", "guid", "docno", "uuid", "article_id", "_id"),
}
FIELDS = tuple(DEFAULT_NAMES)


def parse_mapping(spec: str | list[str] | None) -> dict[str, str]:
    """``"body=content,published=pub_date"`` -> ``{"body": "content", ...}``; ValueError if bad."""
    if not spec:
        return {}
    items = spec if isinstance(spec, list) else [spec]
    mapping: dict[str, str] = {}
    for item in items:
        for pair in item.split(","):
            pair = pair.strip()
            if not pair:
                continue
            ours, sep, theirs = pair.partition("=")
            ours, theirs = ours.strip(), theirs.strip()
            if not sep or not theirs:
                raise ValueError(f"--map {pair!r}: expected FIELD=COLUMN, e.g. body=content")
            if ours not in DEFAULT_NAMES:
                raise ValueError(f"--map {pair!r}: unknown field {ours!r}; one of {', '.join(FIELDS)}")
            mapping[ours] = theirs
    return mapping


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n\n".join(as_text(v) for v in value if v is not None)
    if isinstance(value, dict):
        for key in ("name", "value", "text", "#text"):
            if key in value:
                return as_text(value[key])
        return ""
    return str(value)


def as_authors(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [a for a in (as_text(v).strip() for v in value) if a]
    text = as_text(value).strip()
    if text.lower().startswith("by "):
        text = text[3:]
    for sep in (";", "|", " and ", ","):
        if sep in text:
            return [a.strip() for a in text.split(sep) if a.strip()]
    return [text] if text else []


def _key(name: str) -> str:
    """Column names compared loosely: "Pub Date", "pub-date" and "pub_date" are one name."""
    return name.lower().replace(" ", "").replace("_", "").replace("-", "")


def to_record(obj: dict[str, Any], mapping: dict[str, str], provenance: str) -> Record:
    """Pick newsdesk's fields out of ``obj`` (mapping first, then defaults); keep the rest."""
    lower = {_key(k): k for k in obj}
    used: set[str] = set()
    values: dict[str, Any] = {}
    for ours, names in DEFAULT_NAMES.items():
        candidates = (mapping[ours],) if ours in mapping else names
        for name in candidates:
            key = name if name in obj else lower.get(_key(name))
            if key is None or key in used:
                continue
            used.add(key)  # an empty value is still this field, not metadata
            if obj[key] not in (None, "", []):
                values[ours] = obj[key]
                break
    metadata = {k: v for k, v in obj.items() if k not in used}
    published = values.get("published", "")
    return Record(
        title=as_text(values.get("title")),
        body=as_text(values.get("body")),
        url=as_text(values.get("url")),
        published=published if isinstance(published, int | float) else as_text(published),
        source=as_text(values.get("source")),
        authors=as_authors(values.get("authors")),
        lang=as_text(values.get("lang")),
        external_id=as_text(values.get("external_id")),
        metadata=metadata,
        provenance=provenance,
    )
