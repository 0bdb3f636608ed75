"""Updates in place and the revisions they leave: an article's earlier texts, with their times.

``ingest --update`` (and polled feeds) re-read an article that is stored already.
When what the source says now differs from what is stored, the row is replaced
*keeping its id and seq* (search results, links and entity rows keep pointing
at it), stamped with a new change-counter version so the index re-indexes it,
and the enrichment checkpoints of that seq are dropped so every stage redoes it.
The text it replaced goes into ``revisions``: what it said, when newsdesk first
saw that text (``seen_at``, the replaced row's ``ingested_at``) and when it was
replaced. Nothing is ever lost by an update.

Also here: the id lookups ingest needs to decide identity (see
``normalize.same_item``), which read whole rows by id or by external id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS revisions (
    seq          INTEGER NOT NULL,             -- the article (articles.seq)
    n            INTEGER NOT NULL,             -- 1 for the first text replaced, then 2, ...
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    published    TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    authors      TEXT NOT NULL DEFAULT '[]',
    metadata     TEXT NOT NULL DEFAULT '{}',
    provenance   TEXT NOT NULL DEFAULT '',
    seen_at      TEXT NOT NULL DEFAULT '',     -- when this text was ingested
    replaced_at  TEXT NOT NULL DEFAULT '',     -- when a newer text replaced it
    PRIMARY KEY (seq, n)
) WITHOUT ROWID;
"""

#: ``article_values`` positions compared to decide whether an update changes anything
#: (external_id, url, source, title, body, published, authors, lang, metadata;
#: not provenance nor ingested_at, which differ on every read)
COMPARED = range(1, 10)


def _select() -> str:
    from . import COLUMNS, select_list  # noqa: PLC0415 - the package imports this module while it loads

    return "SELECT " + select_list(COLUMNS) + " FROM articles"


def rows_by_id(store: Store, ids: Iterable[str]) -> dict[str, tuple]:
    """Whole stored rows (``COLUMNS`` order) for those of ``ids`` that are stored, keyed by id."""
    from . import decoded  # noqa: PLC0415 - the package imports this module while it loads

    ids = list(dict.fromkeys(ids))
    found: dict[str, tuple] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i : i + 900]
        marks = ",".join("?" * len(chunk))
        for row in decoded(store.texts, store.db.execute(f"{_select()} WHERE id IN ({marks})", chunk)):
            found[row[1]] = row
    return found


def rows_by_external_id(store: Store, external_id: str, limit: int = 2) -> list[tuple]:
    """Stored rows without a URL whose external id is ``external_id`` (at most ``limit``)."""
    from . import decoded  # noqa: PLC0415 - the package imports this module while it loads

    rows = store.db.execute(
        f"{_select()} WHERE external_id = ? AND url = '' ORDER BY seq LIMIT ?", (external_id, limit)
    ).fetchall()
    return decoded(store.texts, rows)


def differs(stored: tuple, values: tuple) -> bool:
    """Whether ``values`` (an ``article_values`` row) says something other than the ``stored`` row."""
    return any(_merged(stored, values, i) != stored[i + 1] for i in COMPARED)


def _merged(stored: tuple, values: tuple, i: int) -> Any:
    """Field ``i`` of the replacement: an incoming record without an external id keeps the stored one."""
    if i == 1 and not values[1]:
        return stored[2]
    return values[i]


def replace(store: Store, changes: list[tuple[tuple, tuple]], now: str) -> list[tuple]:
    """Replace stored rows by newer values in one transaction, keeping id and seq; keep revisions.

    ``changes`` pairs a stored row (``COLUMNS`` order) with its ``article_values``
    replacement. Returns the replaced rows as stored now (``COLUMNS`` order, for
    the index). Each changed seq loses its ``stage_runs`` checkpoints.
    """
    if not changes:
        return []
    out: list[tuple] = []
    with store.transaction() as db:
        version = store.bump_version()
        for stored, values in changes:
            seq = stored[0]
            n = db.execute("SELECT coalesce(max(n), 0) + 1 FROM revisions WHERE seq = ?", (seq,)).fetchone()[
                0
            ]
            db.execute(
                "INSERT INTO revisions (seq, n, title, body, published, url, authors, metadata, provenance, "
                "seen_at, replaced_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    seq,
                    n,
                    stored[5],
                    stored[6],
                    stored[7],
                    stored[3],
                    stored[8],
                    stored[10],
                    stored[11],
                    stored[12],
                    now,
                ),
            )
            new = (seq, stored[1], *(_merged(stored, values, i) for i in range(1, 12)), version)
            db.execute(
                "UPDATE articles SET external_id=?, url=?, source=?, title=?, body=?, published=?, "
                "authors=?, lang=?, metadata=?, provenance=?, ingested_at=?, version=? WHERE seq=?",
                (*store.compact.row(db, store.texts, new)[2:], seq),
            )
            db.execute("DELETE FROM stage_runs WHERE seq = ?", (seq,))
            out.append(new)
    return out


def of(store: Store, seq: int) -> list[dict[str, Any]]:
    """An article's earlier texts, oldest first: what it said and when (``seen_at``, ``replaced_at``)."""
    import json  # noqa: PLC0415

    return [
        {
            "n": n,
            "title": title,
            "body": body,
            "published": published,
            "url": url,
            "authors": json.loads(authors),
            "metadata": json.loads(metadata),
            "provenance": provenance,
            "seen_at": seen_at,
            "replaced_at": replaced_at,
        }
        for n, title, body, published, url, authors, metadata, provenance, seen_at, replaced_at in store.db.execute(
            "SELECT n, title, body, published, url, authors, metadata, provenance, seen_at, replaced_at "
            "FROM revisions WHERE seq = ? ORDER BY n",
            (seq,),
        )
    ]


def seq_of(store: Store, article_id: str) -> int | None:
    """The seq of a stored article id, or None."""
    row = store.db.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()
    return row[0] if row else None
