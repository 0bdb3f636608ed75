"""Map a structured record (a JSON object, a CSV row) onto newsdesk's fields.

Exports name their columns differently; these defaults cover the usual names
and ``--map body=content,published=pub_date`` overrides them. Fields that map
to nothing are kept, untouched, as the article's metadata (Reuters' topic and
people tags, for example).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
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


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """Column names compared loosely: "Pub Date", "pub-date" and "pub_date" are one name."""
    return name.lower().replace(" ", "").replace("_", "").replace("-", "")


def missing_columns(mapping: dict[str, str], columns: Iterable[str]) -> str:
    """"" if every ``--map`` column is among ``columns``, else a one-line reason naming them.

    A mistyped column would otherwise quietly store headline-only articles under new ids.
    """
    have = {_key(c) for c in columns}
    missing = [f"{ours}={col}" for ours, col in mapping.items() if _key(col) not in have]
    if not missing:
        return ""
    shown = ", ".join(sorted(columns)[:12])
    return f"--map {', '.join(missing)}: no such column here (columns: {shown})"


# loose column name -> (our field, rank among its candidates); built once
_LOOKUP: dict[str, tuple[str, int]] = {}
for _ours, _names in DEFAULT_NAMES.items():
    for _rank, _name in enumerate(_names):
        _LOOKUP.setdefault(_key(_name), (_ours, _rank))


def to_record(obj: dict[str, Any], mapping: dict[str, str], provenance: str) -> Record:
    """Pick newsdesk's fields out of ``obj`` (mapping first, then defaults); keep the rest.

    For each field the best-ranked usual name with a value wins; a usual name that
    is present but empty is consumed too (it is that field, just blank). Every
    other key, including usual names that lost to a better one, stays metadata.
    """
    chosen: dict[str, str] = {}  # our field -> their key
    consumed: set[str] = set()
    if mapping:
        loose = {_key(k): k for k in obj}
        for ours, col in mapping.items():
            key = col if col in obj else loose.get(_key(col))
            if key is not None:
                consumed.add(key)
                if obj[key] not in (None, "", []):
                    chosen[ours] = key
    ranks: dict[str, int] = {}
    for k, v in obj.items():
        hit = _LOOKUP.get(_key(k))
        if hit is None or k in consumed:
            continue
        ours, rank = hit
        if ours in mapping:
            continue
        if v in (None, "", []):
            consumed.add(k)
        elif ours not in ranks or rank < ranks[ours]:
            ranks[ours] = rank
            chosen[ours] = k
    consumed.update(chosen.values())
    metadata = {k: v for k, v in obj.items() if k not in consumed}
    get = lambda ours: obj[chosen[ours]] if ours in chosen else None  # noqa: E731
    published = get("published")
    return Record(
        title=as_text(get("title")),
        body=as_text(get("body")),
        url=as_text(get("url")),
        published=published if isinstance(published, int | float) else as_text(published),
        source=as_text(get("source")),
        authors=as_authors(get("authors")),
        lang=as_text(get("lang")),
        external_id=as_text(get("external_id")),
        metadata=metadata,
        provenance=provenance,
    )
