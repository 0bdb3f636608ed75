"""Schema 4 upgrades a round-3 directory in place: stage checkpoints lose their ``at``
timestamp and keep every (stage, seq, version), so no stage runs again on what it had done."""

from __future__ import annotations

import sqlite3

from newsdesk.store import Store, stages
from newsdesk.store.schema import SCHEMA_VERSION
from tests.enrich.test_copies import BODY, TITLE, add, art


def make_round3(path) -> list[tuple[str, int, int]]:
    """A schema-3 store whose ``stage_runs`` rows carry ``at``; returns the rows it holds."""
    store = Store(str(path))
    rows = add(store, [art(f"a{i}", f"{TITLE} {i}", BODY) for i in range(3)])
    store.close()
    db = sqlite3.connect(path / "newsdesk.db")
    db.executescript(
        "DROP TABLE stage_runs;"
        "CREATE TABLE stage_runs (stage TEXT NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL,"
        " at TEXT NOT NULL, PRIMARY KEY (stage, seq)) WITHOUT ROWID;"
        "UPDATE meta SET value = '3' WHERE key = 'schema_version';"
    )
    kept = [("entities", rows[0].seq, 2), ("entities", rows[1].seq, 1), ("copies", rows[0].seq, 1)]
    db.executemany("INSERT INTO stage_runs VALUES (?, ?, ?, '2026-11-30T10:00:00Z')", kept)
    db.commit()
    db.close()
    return sorted(kept)


def test_round3_checkpoints_keep_their_rows_without_a_timestamp(tmp_path):
    kept = make_round3(tmp_path)
    store = Store(str(tmp_path))
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert [r[1] for r in store.db.execute("PRAGMA table_info(stage_runs)")] == ["stage", "seq", "version"]
    assert sorted(store.db.execute("SELECT stage, seq, version FROM stage_runs")) == kept
    # what was done at the current version stays done; the older version and the rest are pending
    assert stages.pending(store, "entities", 2) == [s for s in (1, 2, 3) if s != kept[1][1]]
    with store.transaction():
        stages.mark_done(store, "entities", 2, [3])
    assert stages.count_done(store, "entities", 2) == 2
    store.close()
    Store(str(tmp_path)).close()  # opening again changes nothing
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    assert db.execute("SELECT count(*) FROM stage_runs").fetchone()[0] == 4
    db.close()
