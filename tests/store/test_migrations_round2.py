"""Schema 3 upgrades a round-2 directory in place: the copies band table is converted in SQL,
and a copy ingested after the upgrade is still found against articles stored before it."""

from __future__ import annotations

import sqlite3

import pytest

from newsdesk.enrich import copies
from newsdesk.enrich.copies import CopiesStage
from newsdesk.store import Store
from newsdesk.store import copies as copies_db
from newsdesk.store.schema import SCHEMA_VERSION
from tests.enrich.test_copies import BODY, COPIES, TITLE, add, art, run

pytest.importorskip("rensa")


def make_round2(path) -> list[tuple[int, int]]:
    """A store whose band table is round 2's ``copy_bands (day, key, seq)``; returns the
    (stored key, seq) rows schema 3 must hold after the upgrade."""
    store = Store(str(path))
    rows = add(store, [art("orig", TITLE, BODY)])
    run(store, CopiesStage(), rows)
    sk = copies.sketch(rows[0].seq, TITLE, BODY, rows[0].published)
    day = copies.bucket(sk.day, copies.WINDOW_DAYS)
    store.close()
    db = sqlite3.connect(path / "newsdesk.db")
    db.executescript(
        "DROP TABLE copy_keys;"
        "CREATE TABLE copy_bands (day INTEGER NOT NULL, key INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " PRIMARY KEY (day, key, seq)) WITHOUT ROWID;"
        "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
    )
    db.executemany("INSERT INTO copy_bands VALUES (?, ?, ?)", [(day, k, sk.seq) for k in sk.keys])
    db.commit()
    db.close()
    return sorted((copies.stored_key(day, k), sk.seq) for k in sk.keys)


def test_round2_band_table_is_converted_and_still_finds_copies(tmp_path):
    expected = make_round2(tmp_path)
    store = Store(str(tmp_path))
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "copy_bands" not in tables
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.db.execute("SELECT key, seq FROM copy_keys ORDER BY key, seq").fetchall() == expected
    stage = CopiesStage()
    rows = add(store, [art("copy", *COPIES["credit"])])
    run(store, stage, rows)
    groups = copies_db.all_groups(store)
    assert groups[rows[0].seq] == groups[1], "the copy joins the group of the article stored before"
    store.close()
    copy_keys = len(copies.sketch(0, *COPIES["credit"]).keys)
    store = Store(str(tmp_path))  # opening again changes nothing (closing packed the rows)
    assert copies_db.band_count(store) == len(expected) + copy_keys
    store.close()
