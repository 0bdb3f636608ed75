"""The records that travel through newsdesk, from reader to result.

A reader yields :class:`Record` (what the input said, loosely typed) or
:class:`Reject` (why a piece of input could not become a record).
``normalize`` turns a Record into an :class:`Article` (clean, typed, with a
stable id); the store keeps Articles; search returns :class:`Hit`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

# the dates the index can hold (tantivy's date range as newsdesk uses it); others count as undated
MIN_DATE = datetime(1700, 1, 1, tzinfo=UTC)
MAX_DATE = datetime(2260, 1, 1, tzinfo=UTC)


def now_iso() -> str:
    """The current UTC time as the store writes it everywhere: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Record:
    """One article as a reader found it: values are raw strings, not yet checked."""

    title: str = ""
    body: str = ""
    url: str = ""
    published: str = ""  # any date format a source uses; normalize parses it
    source: str = ""
    authors: list[str] = field(default_factory=list)
    lang: str = ""
    external_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    provenance: str = ""  # "path:line" or "path@offset" or a URL: where it came from


@dataclass(slots=True)
class Reject:
    """A piece of input that could not become an article, and why (one line)."""

    provenance: str
    reason: str

    def __str__(self) -> str:
        return f"{self.provenance}: {self.reason}"


@dataclass(slots=True)
class Article:
    """An article as the store of record keeps it."""

    id: str
    title: str
    body: str
    url: str = ""
    source: str = ""
    published: str = ""  # ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ", or "" when unknown
    authors: list[str] = field(default_factory=list)
    lang: str = ""
    external_id: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    provenance: str = ""
    ingested_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Hit:
    """One search result: the fields ``--json`` prints, plus a rank."""

    rank: int
    id: str
    external_id: str
    title: str
    url: str
    source: str
    published: str
    score: float  # to 6 decimals: eval orders equal scores by key, and RRF ranks ~50 apart differ by 1e-4
    snippet: str  # highlighted with <b>…</b>
    authors: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)  # ids of the other articles of its copy group
    copy_of: str | None = None  # the id of the original when this article is a copy
    story: int | None = None  # the story it belongs to (the stories stage), if any
    lang: str = ""  # ISO 639-1 (declared or detected), "und" or "" when undetermined

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class IngestSummary:
    """What one ingest did: counts plus the reasons for every rejection."""

    new: int = 0
    present: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    seconds: float = 0.0
    updated: int = 0  # stored articles whose text changed (ingest --update); counted in present too
    notes: list[str] = field(default_factory=list)  # e.g. a known field empty in every record of a file

    def __str__(self) -> str:
        updated = f" ({self.updated} updated)" if self.updated else ""
        return f"{self.new} new, {self.present} already present{updated}, {self.rejected} rejected"

    def to_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "present": self.present,
            "updated": self.updated,
            "rejected": self.rejected,
            "rejects": [str(r) for r in self.rejects],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


class StoredRow(NamedTuple):
    """One ``articles`` row as the store hands it out: named fields, still a tuple.

    JSON columns (``authors``, ``metadata``) are left as text; :meth:`article` decodes them.
    """

    seq: int
    id: str
    external_id: str
    url: str
    source: str
    title: str
    body: str
    published: str
    authors: str
    lang: str
    metadata: str
    provenance: str
    ingested_at: str
    version: int

    def article(self) -> Article:
        return Article(
            id=self.id, external_id=self.external_id, url=self.url, source=self.source,
            title=self.title, body=self.body, published=self.published,
            authors=json.loads(self.authors), lang=self.lang, metadata=json.loads(self.metadata),
            provenance=self.provenance, ingested_at=self.ingested_at,
        )
