"""Per-stage checkpoints: which article each enrichment stage has done, at which version.

A row ``(stage, seq, version)`` is written in the same transaction as the
stage's results for that article, so after a SIGKILL a stage resumes exactly
where its last committed batch ended. An article whose row carries an older
version than the stage's current one is pending again (the rules changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS stage_runs (
    stage     TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    version   INTEGER NOT NULL,
    PRIMARY KEY (stage, seq)
) WITHOUT ROWID;
"""


def migrate_drop_at(db: Any) -> None:
    """Schema 4: checkpoints lose their ``at`` timestamp. Nothing read it, and at 20 bytes it
    was half of each row: 2 MB of a 100k-article store per stage. Rebuilt rather than
    ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35+), so any Python's SQLite can open old desks."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(stage_runs)")}
    if "at" not in columns:
        return
    db.execute("ALTER TABLE stage_runs RENAME TO stage_runs_old")
    db.execute(DDL)  # the table as this module declares it
    db.execute("INSERT INTO stage_runs (stage, seq, version) SELECT stage, seq, version FROM stage_runs_old")
    db.execute("DROP TABLE stage_runs_old")


def pending(store: Store, stage: str, version: int, limit: int | None = None) -> list[int]:
    """Seqs of stored articles the stage has not done at ``version``, in seq order."""
    sql = (
        "SELECT a.seq FROM articles a LEFT JOIN stage_runs r ON r.stage = ? AND r.seq = a.seq "
        "WHERE r.seq IS NULL OR r.version != ? ORDER BY a.seq"
    )
    params: tuple = (stage, version)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    return [s for (s,) in store.db.execute(sql, params)]


def count_done(store: Store, stage: str, version: int) -> int:
    return store.db.execute(
        "SELECT count(*) FROM stage_runs WHERE stage = ? AND version = ?", (stage, version)
    ).fetchone()[0]


def mark_done(store: Store, stage: str, version: int, seqs: Iterable[int]) -> None:
    """Record the checkpoint for ``seqs``; call inside the transaction that wrote their results."""
    store.db.executemany(
        "INSERT OR REPLACE INTO stage_runs (stage, seq, version) VALUES (?, ?, ?)",
        ((stage, s, version) for s in seqs),
    )


def forget(store: Store, stage: str) -> None:
    """Drop every checkpoint of one stage (``--redo``); inside a transaction."""
    store.db.execute("DELETE FROM stage_runs WHERE stage = ?", (stage,))


def other_versions(store: Store, stage: str, version: int) -> bool:
    """Whether some article was done by another version of the stage (its rules changed)."""
    return store.db.execute(
        "SELECT 1 FROM stage_runs WHERE stage = ? AND version != ? LIMIT 1", (stage, version)
    ).fetchone() is not None
