"""Schema 5 upgrades a schema-4 directory in place: round 3's ``copy_keys (key, seq)`` rows are
packed into band groups, every row kept, and a copy ingested after the upgrade is still found
against the articles stored before it."""

from __future__ import annotations

import sqlite3

import pytest

from newsdesk.enrich import copies
from newsdesk.enrich.copies import CopiesStage
from newsdesk.store import Store, bands
from newsdesk.store import copies as copies_db
from newsdesk.store.schema import SCHEMA_VERSION
from tests.enrich.test_copies import BODY, COPIES, TITLE, add, art, run

pytest.importorskip("rensa")


def make_schema4(path, extra: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A schema-4 store: the copies stage ran on one article, its band rows are in round 3's
    ``copy_keys`` table (plus ``extra`` rows: a crowded bucket); returns the rows it holds."""
    store = Store(str(path))
    rows = add(store, [art("orig", TITLE, BODY)])
    run(store, CopiesStage(), rows)
    sk = copies.sketch(rows[0].seq, TITLE, BODY, rows[0].published)
    held = sorted({(copies.stored_key(copies.bucket(sk.day, copies.WINDOW_DAYS), k), sk.seq) for k in sk.keys}
                  | set(extra))
    store.close()
    db = sqlite3.connect(path / "newsdesk.db")
    db.executescript(
        "DROP TABLE band_packs; DROP TABLE band_levels;"
        "CREATE TABLE copy_keys (key INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (key, seq)) WITHOUT ROWID;"
        "UPDATE meta SET value = '4' WHERE key = 'schema_version';"
    )
    db.executemany("INSERT INTO copy_keys VALUES (?, ?)", held)
    db.commit()
    db.close()
    return held


def test_schema4_band_rows_are_grouped_and_still_find_copies(tmp_path):
    crowded = [((9 << 32) | (i * 7919 % (1 << 32)), 1000 + i // 34) for i in range(40_000)]
    held = make_schema4(tmp_path, crowded)
    store = Store(str(tmp_path))
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "copy_keys" not in tables
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    got = [tuple(r) for r in copies_db.bucket_rows(store, -(1 << 62), 1 << 62).tolist()]
    assert got == held
    # the crowded bucket got more bits at once, so its groups stay small
    assert dict(store.db.execute("SELECT bucket, bits FROM band_levels")) == {9: bands.BASE_BITS + bands.STEP_BITS}
    stage = CopiesStage()
    rows = add(store, [art("copy", *COPIES["credit"])])
    run(store, stage, rows)
    groups = copies_db.all_groups(store)
    assert groups[rows[0].seq] == groups[1], "the copy joins the group of the article stored before"
    count = copies_db.band_count(store)
    store.close()
    store = Store(str(tmp_path))  # opening again changes nothing
    assert copies_db.band_count(store) == count == len(held) + len(copies.sketch(0, *COPIES["credit"]).keys)
    store.close()
