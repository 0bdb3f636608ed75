"""Schema 6: a directory written while the band table was packed into groups (schema 5, two
reverted commits) drops those tables; the copies stage rebuilds its band rows from the articles
and still finds a copy of an article stored before."""

from __future__ import annotations

import sqlite3

import pytest

from newsdesk.enrich.copies import CopiesStage
from newsdesk.store import Store
from newsdesk.store import copies as copies_db
from newsdesk.store.schema import SCHEMA_VERSION
from tests.enrich.test_copies import BODY, COPIES, TITLE, add, art, run

pytest.importorskip("rensa")


def test_packed_band_tables_are_dropped_and_rebuilt_as_rows(tmp_path):
    store = Store(str(tmp_path))
    rows = add(store, [art("orig", TITLE, BODY)])
    run(store, CopiesStage(), rows)
    store.close()
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    db.executescript(
        "DELETE FROM copy_keys; DROP TABLE band_blobs; DROP TABLE band_buckets;"
        "CREATE TABLE band_packs (grp INTEGER PRIMARY KEY, seq_bytes INTEGER NOT NULL, entries BLOB NOT NULL);"
        "CREATE TABLE band_levels (bucket INTEGER PRIMARY KEY, bits INTEGER NOT NULL);"
        "INSERT INTO band_packs VALUES (1, 1, x'00000001');"
        "UPDATE meta SET value = '5' WHERE key = 'schema_version';"
    )
    db.commit()
    db.close()
    store = Store(str(tmp_path))
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert not tables & {"band_packs", "band_levels", "band_groups"}
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert not copies_db.band_rows(store)
    new = add(store, [art("copy", *COPIES["credit"])])
    run(store, CopiesStage(), new)  # rebuilds the band rows of "orig" first, then matches
    assert copies_db.band_rows(store)
    groups = copies_db.all_groups(store)
    assert groups[new[0].seq] == groups[rows[0].seq], "the copy joins the group of the article stored before"
    store.close()
