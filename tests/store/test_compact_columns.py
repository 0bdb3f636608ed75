"""Provenance and ingest stamps are stored compacted (store.articles) and every read gives back
exactly the text that was stored: through whole rows, search-hit rows, the stories rebuild, the
feed counts and revisions; rows written as plain text before read as they are; a rolled-back
transaction takes its new prefixes with it without breaking later rows."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from newsdesk.model import Article, StoredRow
from newsdesk.store import Store, article_values, feeds, revisions, stories

PROVENANCES = [
    "/data/wire/2026-12-01.jsonl.gz:1", "/data/wire/2026-12-01.jsonl.gz:17", "https://ex.org/feed.xml#entry3",
    "https://ex.org/feed.xml#entry12", "notes/a.txt", "", "x", "a:007", "run:1234567890123456",
    "\x1fstarts with the mark:5", "dir/\x1fodd\x1f:9", "d:0",
]
STAMPS = ["2026-12-01T18:44:16Z", "2026-12-01T18:44:16Z", "", "2026-12-01T18:44:17Z", "\x1f", "soon"]


def art(i: int, provenance: str, stamp: str) -> Article:
    return Article(id=f"id{i}", external_id=f"e{i}", url="", source="s", title=f"title {i}", body=f"body {i}",
                   published=f"2026-11-{i % 28 + 1:02d}T00:00:00Z", authors=[], lang="en", metadata={},
                   provenance=provenance, ingested_at=stamp)


@pytest.fixture()
def store(tmp_path):
    s = Store(str(tmp_path))
    yield s
    s.close()


def stored(store: Store) -> dict[str, tuple[str, str]]:
    return {r.id: (r.provenance, r.ingested_at) for batch in store.iter_rows() for r in batch}


def test_every_read_gives_back_the_text(store):
    articles = [art(i, p, STAMPS[i % len(STAMPS)]) for i, p in enumerate(PROVENANCES)]
    new, _ = store.add_values([article_values(a) for a in articles])
    want = {a.id: (a.provenance, a.ingested_at) for a in articles}
    assert {r[1]: (r[11], r[12]) for r in new} == want  # what the index is handed
    assert stored(store) == want
    raw = dict(store.db.execute("SELECT id, provenance FROM articles"))
    assert raw["id0"].startswith("\x1f") and len(raw["id0"]) < 10, "the file name is kept once"
    assert sum(len(v) for v in raw.values()) < sum(len(p) for p in PROVENANCES) / 2
    for a in articles:
        got = store.get(a.id)
        assert (got.provenance, got.ingested_at) == want[a.id]
    by_seq = store.rows_by_seq([r[0] for r in new])
    assert {r.id: (r.provenance, r.ingested_at) for r in by_seq.values()} == want
    assert {r.id: (r.provenance, r.ingested_at) for b in store.changed_since(0) for r in b} == want
    rebuilt = [r for b in stories.rows_by_published(store, StoredRow) for r in b]
    assert {r.id: (r.provenance, r.ingested_at) for r in rebuilt} == want
    assert feeds.new_per_feed(store, 0)["https://ex.org/feed.xml"] == 2
    assert revisions.rows_by_id(store, ["id3"])["id3"][11:13] == want["id3"]


def test_plain_rows_of_older_stores_read_as_they_are(store):
    store.add_values([article_values(art(1, "f.jsonl:1", STAMPS[0]))])
    with store.transaction():
        store.db.execute("UPDATE articles SET provenance = 'old/file.jsonl:9', ingested_at = '2025-01-01T00:00:00Z'")
    assert stored(store) == {"id1": ("old/file.jsonl:9", "2025-01-01T00:00:00Z")}


def test_a_rolled_back_prefix_does_not_break_later_rows(store, tmp_path):
    with pytest.raises(RuntimeError), store.transaction():
        store.compact.provenance(store.db, "rolled/back.jsonl:1")
        raise RuntimeError("the batch fails")
    store.add_values([article_values(art(1, "kept/file.jsonl:2", STAMPS[0]))])
    store.add_values([article_values(art(2, "rolled/back.jsonl:3", STAMPS[3]))])
    want = {"id1": ("kept/file.jsonl:2", STAMPS[0]), "id2": ("rolled/back.jsonl:3", STAMPS[3])}
    assert stored(store) == want
    store.close()
    assert stored(Store(str(tmp_path))) == want  # another connection reads the same


def test_replacing_a_text_compacts_its_new_provenance(store):
    new, _ = store.add_values([article_values(art(1, "a/first.jsonl:1", STAMPS[0]))])
    later = dataclasses.replace(art(1, "a/second.jsonl:4", STAMPS[3]), body="a new body")
    revisions.replace(store, [(new[0], article_values(later))], now="2026-12-02T00:00:00Z")
    assert stored(store) == {"id1": ("a/second.jsonl:4", STAMPS[3])}
    assert revisions.of(store, new[0][0])[0]["provenance"] == "a/first.jsonl:1"


def test_the_directory_says_a_schema_older_newsdesks_refuse(tmp_path):
    Store(str(tmp_path)).close()
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    assert int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]) >= 7
    db.close()


def test_empty_authors_and_metadata_are_stored_empty_and_read_as_json(store):
    """No authors and no unmapped fields (most rows) are stored as '' and read back as [] and {}
    through every read; filled ones, older rows' '[]'/'{}' and a replaced text keep their JSON."""
    full = dataclasses.replace(art(2, "f:2", STAMPS[0]), authors=["Ann Lee"], metadata={"desk": "x"})
    new, _ = store.add_values([article_values(a) for a in (art(1, "f:1", STAMPS[0]), full)])
    raw = {i: (au, md) for i, au, md in store.db.execute("SELECT id, authors, metadata FROM articles")}
    assert raw == {"id1": ("", ""), "id2": ('["Ann Lee"]', '{"desk": "x"}')}
    assert store.get("id1").authors == [] and store.get("id1").metadata == {}
    assert store.get("id2").authors == ["Ann Lee"] and store.get("id2").metadata == {"desk": "x"}
    assert {r.id: (r.authors, r.metadata) for b in store.changed_since(0) for r in b} == {
        "id1": ("[]", "{}"), "id2": ('["Ann Lee"]', '{"desk": "x"}')}
    assert store.hit_rows([new[0][0]])[new[0][0]].authors == "[]"
    with store.transaction():
        store.db.execute("UPDATE articles SET authors = '[]', metadata = '{}' WHERE id = 'id2'")
    assert store.get("id2").authors == [] and store.get("id2").metadata == {}
    changed = dataclasses.replace(art(1, "f:1", STAMPS[0]), body="a new body")
    revisions.replace(store, [(new[0], article_values(changed))], now="2026-12-02T00:00:00Z")
    assert store.db.execute("SELECT authors, metadata FROM articles WHERE id = 'id1'").fetchone() == ("", "")
    assert store.get("id1").metadata == {} and store.get("id1").body == "a new body"
    assert revisions.of(store, new[0][0])[0]["metadata"] == {}
    assert revisions.of(store, new[0][0])[0]["authors"] == []
