"""The ``articles`` and ``meta`` tables: the store of record itself."""

from __future__ import annotations

import re
from typing import Any

#: the columns stored compacted (see the section at the end)
COMPACTED = frozenset({"provenance", "ingested_at"})

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    seq          INTEGER PRIMARY KEY,          -- insertion order; the index's doc key
    id           TEXT NOT NULL UNIQUE,         -- stable id (see normalize.article_id)
    external_id  TEXT NOT NULL DEFAULT '',     -- the record's own id (docid, guid, DOCNO)
    url          TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    published    TEXT NOT NULL DEFAULT '',     -- ISO 8601 UTC, '' when unknown
    authors      TEXT NOT NULL DEFAULT '[]',   -- JSON list; '' for none (EMPTY_JSON)
    lang         TEXT NOT NULL DEFAULT '',
    metadata     TEXT NOT NULL DEFAULT '{}',   -- JSON object: every unmapped input field; '' for none
    provenance   TEXT NOT NULL DEFAULT '',     -- where it was read (compacted: see column_sql)
    ingested_at  TEXT NOT NULL DEFAULT '',     -- ISO 8601 UTC (compacted: see column_sql)
    version      INTEGER NOT NULL              -- change counter stamp, see module docstring
);
CREATE INDEX IF NOT EXISTS articles_external_id ON articles(external_id);
CREATE INDEX IF NOT EXISTS articles_version ON articles(version);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE TABLE IF NOT EXISTS article_prefixes (
    id        INTEGER PRIMARY KEY,     -- 1, 2, ... (0 is '' and has no row)
    text      TEXT NOT NULL UNIQUE     -- a provenance up to its trailing number, an ingest stamp
);
"""

# -- compact provenance and ingest stamps ------------------------------------------
# An article row is ~650 bytes, and two of its columns repeat nearly the same text on every row
# of a batch: ``provenance`` ("FILE:LINE", "URL#entryN": ~28 bytes, all but the number the same
# for a whole file) and ``ingested_at`` (20 bytes of ISO time, one per batch). New rows keep
# that repeated part once, in ``article_prefixes``, and store ``\x1f<id>\x1f<the rest>``; every
# read turns it back into the very same text in SQL (:func:`column_sql`), so callers only ever
# see text, and rows written before (plain text) read as they are. Text, not integers or blobs:
# the columns have TEXT affinity, which would turn an integer into its digits. A value that
# itself starts with \x1f is stored as prefix 0 ('') plus itself, so every value round-trips.
# 100k synthetic articles: 48 -> 14 bytes a row for the two.
MARK = "\x1f"
_NUMBER = re.compile(r"[0-9]{1,12}\Z")


#: JSON columns whose empty value (most rows': no authors, no unmapped fields) new rows store
#: as '' (an empty text is a record header byte, no payload: 4 bytes a row, 4 MiB of a 1M desk)
EMPTY_JSON = {"authors": "[]", "metadata": "{}"}


def column_sql(column: str, prefix: str = "") -> str:
    """The SELECT expression that reads ``column`` of ``articles`` as the text it was given,
    however the row stored it (``prefix``: the table's alias with its dot)."""
    r = f"{prefix}{column}"
    if column in EMPTY_JSON:
        return f"CASE WHEN {r} = '' THEN '{EMPTY_JSON[column]}' ELSE {r} END"
    if column not in COMPACTED:
        return r
    return (
        f"CASE WHEN substr({r}, 1, 1) = char(31) THEN coalesce((SELECT x.text FROM article_prefixes x WHERE "
        f"x.id = CAST(substr({r}, 2) AS INTEGER)), '') || substr({r}, 2 + instr(substr({r}, 2), char(31))) "
        f"ELSE {r} END"
    )


class Compactor:
    """Turns one connection's rows into what ``articles`` stores (:meth:`row`): provenance and ingest
    stamps compacted, empty JSON as ''.

    Keeps the prefixes it knows (read once, then those it adds); :meth:`forget` after a
    rolled-back transaction, which may have taken prefixes it added with it."""

    def __init__(self) -> None:
        self._ids: dict[str, int] | None = None

    def forget(self) -> None:
        self._ids = None

    def _id(self, db: Any, text: str) -> int:
        if self._ids is None:
            self._ids = {"": 0, **dict(db.execute("SELECT text, id FROM article_prefixes"))}
        pid = self._ids.get(text)
        if pid is None:
            # another process may have stored it since the cache was read (writers take turns)
            db.execute("INSERT OR IGNORE INTO article_prefixes (text) VALUES (?)", (text,))
            pid = int(db.execute("SELECT id FROM article_prefixes WHERE text = ?", (text,)).fetchone()[0])
            self._ids[text] = pid
        return pid

    def provenance(self, db: Any, value: str) -> str:
        """What a row stores for this provenance (inside the transaction that writes the row):
        the part before a trailing number is kept once."""
        if value.startswith(MARK):
            return f"{MARK}0{MARK}{value}"
        m = _NUMBER.search(value)
        head = value[: m.start()] if m else value
        if len(head) < 4:  # nothing worth a reference
            return value
        return f"{MARK}{self._id(db, head)}{MARK}{value[len(head):]}"

    def row(self, db: Any, codec: Any, r: tuple) -> tuple:
        """The values an ``INSERT``/``UPDATE`` of ``articles`` stores for the row ``r`` (in
        ``COLUMNS`` order, seq first): the body packed by ``codec`` (store.texts), empty JSON as
        '', provenance and ingest stamp compacted."""
        return (*r[:6], codec.pack(r[6]), r[7], r[8] if r[8] != "[]" else "", r[9], r[10] if r[10] != "{}" else "",
                self.provenance(db, r[11]), self.stamp(db, r[12]), r[13])

    def stamp(self, db: Any, value: str) -> str:
        """What a row stores for this ``ingested_at``: the whole stamp is kept once."""
        if value.startswith(MARK):
            return f"{MARK}0{MARK}{value}"
        if len(value) < 4:
            return value
        return f"{MARK}{self._id(db, value)}{MARK}"
