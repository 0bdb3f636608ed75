"""Map a structured record (a JSON object, a CSV row) onto newsdesk's fields.

Exports name their columns differently; these defaults cover the usual names
and ``--map body=content,published=pub_date`` overrides them. Fields that map
to nothing are kept, untouched, as the article's metadata (Reuters' topic and
people tags, for example).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..model import Record

# our field -> candidate names in the input, first present wins (case-insensitive)
DEFAULT_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "heading", "name"),
    "body": (
        "body",
        "content",
        "text",
        "article",
        "maintext",
        "story",
        "description",
        "summary",
        "short_description",
    ),
    "published": (
        "published",
        "date",
        "pubdate",
        "pub_date",
        "publish_date",
        "published_at",
        "publication_date",
        "date_publish",
        "datetime",
        "timestamp",
        "created_at",
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


# a byline's comma part that names who published, not who wrote: "…, Reuters"
AGENCIES = {
    "reuters",
    "thomson reuters",
    "ap",
    "associated press",
    "the associated press",
    "afp",
    "agence france-presse",
    "agence france presse",
    "bloomberg",
    "bloomberg news",
    "dpa",
    "ansa",
    "efe",
    "xinhua",
    "upi",
    "pa",
    "press association",
    "cnn",
    "bbc",
    "bbc news",
    "kyodo",
    "kyodo news",
    "tass",
    "itar-tass",
    "yonhap",
    "anadolu",
    "aap",
    "cp",
    "the canadian press",
}
_ROLES = re.compile(
    r"\b(staff|correspondents?|reporters?|writers?|editors?|contributors?|columnist|bureau|"
    r"desk|newsroom|special to)\b",
    re.I,
)
_SPLIT_AUTHORS = re.compile(r"\s*(?:;|\||,|&|\band\b)\s*", re.I)


def as_byline(value: Any) -> tuple[list[str], str]:
    """A byline as author names plus the agency it names, if any.

    Every separator counts the same way wherever it stands (``;``, ``|``, ``,``,
    ``&``, ``and``), so ``"Josh Smith and Christine Kim, Reuters"`` gives
    ``(["Josh Smith", "Christine Kim"], "Reuters")``. A part that is a news
    agency becomes the source; a part that is a role ("Staff Writer") is dropped.
    """
    if value is None or value == "":
        return [], ""
    parts = [as_text(v) for v in value] if isinstance(value, list) else [as_text(value)]
    authors: list[str] = []
    agency = ""
    for part in parts:
        text = " ".join(part.split())
        if text.lower().startswith("by "):
            text = text[3:]
        for name in _SPLIT_AUTHORS.split(text):
            name = name.strip(" .-–—:")
            if not name:
                continue
            if name.lower() in AGENCIES:
                agency = agency or name
            elif not _ROLES.search(name) and name not in authors:
                authors.append(name)
    return authors, agency


def as_authors(value: Any) -> list[str]:
    """Author names of a byline (:func:`as_byline` without the agency)."""
    return as_byline(value)[0]


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """Column names compared loosely: "Pub Date", "pub-date" and "pub_date" are one name."""
    return name.lower().replace(" ", "").replace("_", "").replace("-", "")


def missing_columns(mapping: dict[str, str], columns: Iterable[str]) -> str:
    """ "" if every ``--map`` column is among ``columns``, else a one-line reason naming them.

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
    authors, agency = as_byline(get("authors"))
    return Record(
        title=as_text(get("title")),
        body=as_text(get("body")),
        url=as_text(get("url")),
        published=published if isinstance(published, int | float) else as_text(published),
        source=as_text(get("source")) or agency,
        authors=authors,
        lang=as_text(get("lang")),
        external_id=as_text(get("external_id")),
        metadata=metadata,
        provenance=provenance,
    )


class FieldTally:
    """Which of our fields a file names but never fills, for a :class:`~newsdesk.readers.Note`.

    An export whose ``content`` column is empty in every row stores headline-only
    articles without a single reject; saying so at the end of the file is what
    lets the user fix the mapping (``--map body=...``) and ``ingest --update``.
    """

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = {_key(col): ours for ours, col in mapping.items()}
        self.named: dict[str, str] = {}  # our field -> the first column named for it
        self.filled: set[str] = set()
        self.records = 0
        self._checked: set[str] = set()  # column names seen (each looked up once)

    def add(self, obj: dict[str, Any], rec: Record) -> None:
        self.records += 1
        for k in obj:
            if k in self._checked:
                continue
            self._checked.add(k)
            loose = _key(k)
            ours = self.mapping.get(loose) or (_LOOKUP.get(loose) or (None,))[0]
            if ours and ours not in self.named:
                self.named[ours] = k
        for ours in ("title", "body", "url", "published", "source", "authors"):
            if ours not in self.filled and getattr(rec, ours):
                self.filled.add(ours)

    def notes(self) -> list[str]:
        """One line per named field left empty in every record (only after 2 or more records)."""
        if self.records < 2:
            return []
        return [
            f"field {ours!r} (column {col!r}) is empty in all {self.records} records; "
            f"if another column holds it, re-run with --map {ours}=COLUMN --update"
            for ours, col in self.named.items()
            if ours in ("title", "body", "url", "published", "source", "authors") and ours not in self.filled
        ]
