"""The ``articles`` and ``meta`` tables: the store of record itself."""

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
    authors      TEXT NOT NULL DEFAULT '[]',   -- JSON list
    lang         TEXT NOT NULL DEFAULT '',
    metadata     TEXT NOT NULL DEFAULT '{}',   -- JSON object: every unmapped input field
    provenance   TEXT NOT NULL DEFAULT '',
    ingested_at  TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL              -- change counter stamp, see module docstring
);
CREATE INDEX IF NOT EXISTS articles_external_id ON articles(external_id);
CREATE INDEX IF NOT EXISTS articles_version ON articles(version);
CREATE INDEX IF NOT EXISTS articles_published ON articles(published);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
"""
