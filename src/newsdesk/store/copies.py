"""The copies stage's tables: near-duplicate groups and the persisted LSH band table.

``copies`` holds one row per article the stage has seen: its copy group
(``grp``, the smallest seq of the group's members, so it changes only when two
groups merge), the seq of the group's original (``copy_of``; NULL on the
original itself) and how many distinct shingles it had. ``copy_keys`` and the
packed groups of :mod:`newsdesk.store.bands` are the LSH index, one (band key, article)
row each, new rows in ``copy_keys`` until the store packs them (:func:`pack_bands`), so a new article is matched
against everything the desk holds with one indexed lookup per band instead of
a pass over the desk; it can be rebuilt from the articles (see
:func:`newsdesk.enrich.copies.CopiesStage.rebuild_bands`).

Reads for the rest of newsdesk (search collapse, ``show``, ``top sources
--originals``, ``timeline --unit originals``) are the plain functions at the
end: :func:`copy_info`, :func:`groups_of`, :func:`originals_among`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import bands

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS copies (
    seq       INTEGER PRIMARY KEY,     -- the article
    grp       INTEGER NOT NULL,        -- copy group: smallest seq among its members
    copy_of   INTEGER,                 -- seq of the group's original; NULL on the original
    shingles  INTEGER NOT NULL         -- distinct word shingles (few: too short to compare)
);
CREATE INDEX IF NOT EXISTS copies_shared ON copies(grp) WHERE grp != seq;  -- see SHARED
CREATE TABLE IF NOT EXISTS copy_keys (
    key       INTEGER NOT NULL,        -- (time bucket + 1) << 32 | top 32 bits of the band key
    seq       INTEGER NOT NULL,        --   (enrich.copies.stored_key; bucket: days / 2 windows)
    PRIMARY KEY (key, seq)
) WITHOUT ROWID;
"""


#: the members of a group other than its smallest seq (whose ``grp`` is its own seq) are the
#: rows of ``copies_shared``: most articles are copies of none and nobody's original, so the
#: index of every row's group (12 MiB of a 1M desk) held one entry per article to find the
#: few groups with more than one. Its condition, written the same way in every query that
#: should use it (SQLite matches a partial index's WHERE by its terms; :func:`shared` under an alias)
SHARED = "grp != seq"


def shared(alias: str) -> str:
    """:data:`SHARED` for the ``copies`` table under ``alias`` (in a join)."""
    return f"{alias}.grp != {alias}.seq"


def migrate_shared_index(db: Any) -> None:
    """Schema 9: the index of every row's group gives way to ``copies_shared`` (made by the DDL)."""
    db.execute("DROP INDEX IF EXISTS copies_grp")


def migrate_bands(db: Any) -> None:
    """Schema 3: round 2's ``copy_bands (day, key, seq)`` rows become ``copy_keys (key, seq)``
    rows in SQL (no article is re-read or re-hashed), then the old table is dropped."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='copy_bands'").fetchone():
        return
    db.execute(
        "INSERT OR IGNORE INTO copy_keys (key, seq) "
        "SELECT ((day + 1) << 32) | (key >> 31), seq FROM copy_bands ORDER BY 1, 2"
    )
    db.execute("DROP TABLE copy_bands")


def drop_band_packs(db: Any) -> None:
    """Schema 6: drop the packed band tables of a store made while they existed (see
    store.schema); ``copy_keys`` is then empty and ``CopiesStage`` rebuilds it on its next batch."""
    for table in ("band_groups", "band_packs", "band_levels"):
        db.execute(f"DROP TABLE IF EXISTS {table}")


_CHUNK = 900  # SQLite's default limit on host parameters is 999


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- the band table: rows in copy_keys, packed groups in store.bands -----------
def band_hits(store: Store, wanted: Sequence[int]) -> dict[int, list[int]]:
    """{stored key: [seqs holding it]} for the stored keys ``wanted`` (repeats allowed), from
    both parts of the band table (rows not packed yet, packed buckets: store.bands).

    One statement per batch for the rows, the keys passed as one JSON array (SQLite turns ``IN
    (SELECT value FROM json_each(?))`` into one indexed seek per distinct key): a third less
    time than 900-key ``IN (?, ...)`` statements. The time bucket is in the key's high bits,
    so a stream in time order reads and writes only the newest part of the table."""
    import json

    out: dict[int, list[int]] = {}
    if not len(wanted):
        return out
    wanted = [int(k) for k in wanted]
    for key, seq in store.db.execute(
        "SELECT key, seq FROM copy_keys WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(wanted),)
    ):
        out.setdefault(key, []).append(seq)
    if bands.any_buckets(store):
        for key, seqs in bands.hits(store, wanted).items():
            out[key] = sorted(set(out.get(key, [])) | set(seqs))
    return out


def add_bands(store: Store, rows: Iterable[tuple[int, int]]) -> None:
    """Insert (stored key, seq) rows (already present ones are skipped); inside a transaction.
    Pass them sorted: the B-tree is then written in order, much faster than at random. They
    are packed when the store closes (:func:`pack_bands`)."""
    store.db.executemany("INSERT OR IGNORE INTO copy_keys (key, seq) VALUES (?, ?)", rows)
    store.bands_to_pack = True


def remove_bands(store: Store, rows: Iterable[tuple[int, int]]) -> None:
    """Delete exactly these (stored key, seq) rows (an article's own keys, before it is re-done)."""
    rows = list(rows)
    store.db.executemany("DELETE FROM copy_keys WHERE key = ? AND seq = ?", rows)
    if rows and bands.any_buckets(store):
        bands.remove(store, rows)


def band_rows(store: Store) -> int:
    """1 when the band table holds anything, else 0 (whether it must be rebuilt)."""
    if store.db.execute("SELECT 1 FROM copy_keys LIMIT 1").fetchone():
        return 1
    return int(bands.any_rows(store))


def band_count(store: Store) -> int:
    """How many (stored key, seq) rows the band table holds, both parts (tests, the bench)."""
    return store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0] + bands.count(store)


def clear_bands(store: Store) -> None:
    store.db.execute("DELETE FROM copy_keys")
    bands.clear(store)


def _bucket_arrays(store: Store, span: tuple[int, int]) -> Any:
    """The ``copy_keys`` rows in ``span`` as an N x 2 int64 array, read as two lists of numbers
    that numpy parses: a tenth of the time of a Python tuple per row (3.4M rows: ~3 s)."""
    import numpy as np

    keys, seqs = store.db.execute(
        "SELECT group_concat(key), group_concat(seq) FROM (SELECT key, seq FROM copy_keys "
        "WHERE key >= ? AND key < ? ORDER BY key, seq)", span
    ).fetchone()
    if not keys:
        return np.zeros((0, 2), dtype=np.int64)
    return np.column_stack((np.fromstring(keys, dtype=np.int64, sep=","), np.fromstring(seqs, dtype=np.int64, sep=",")))


def pack_bands(store: Store, per_transaction: int = 5_000_000) -> int:
    """Move every ``copy_keys`` row into the packed groups (store.bands), a time bucket at a time,
    in transactions of about ``per_transaction`` rows (a reader or the next writer waits for
    one, not for all); returns the rows moved. Logically nothing changes: lookups ask both
    parts. A store that wrote band rows calls this when it closes; killed half-way, the rows
    not moved yet are simply still rows. 100k synthetic articles' 3.4M rows: ~4 s CPU."""
    moved, lo = 0, -(1 << 63)
    while True:
        with store.transaction() as db:
            start, n, done = lo, 0, False
            while n < per_transaction:
                first = db.execute("SELECT key FROM copy_keys WHERE key >= ? ORDER BY key LIMIT 1", (lo,)).fetchone()
                if first is None:
                    done = True
                    break
                bucket = first[0] >> 32
                span = (bucket << 32, (bucket + 1) << 32)
                rows = _bucket_arrays(store, span)
                bands.add(store, rows)
                n += len(rows)
                lo = span[1]
            if done and start == -(1 << 63):
                db.execute("DELETE FROM copy_keys")  # all of it: SQLite drops the pages, not row by row
            else:
                db.execute("DELETE FROM copy_keys WHERE key >= ? AND key < ?", (start, lo))
        moved += n
        if done:
            return moved


def done_seqs(store: Store, after: int = 0, limit: int = 5000) -> list[int]:
    """Seqs the stage has recorded, above ``after``, in order (paging for a band rebuild)."""
    return [
        s
        for (s,) in store.db.execute(
            "SELECT seq FROM copies WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
        )
    ]


# -- groups --------------------------------------------------------------------
def texts(store: Store, seqs: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """{seq: (title, body, published)} of stored articles (to re-shingle a candidate)."""
    out: dict[int, tuple[str, str, str]] = {}
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        for seq, title, body, published in store.db.execute(
            f"SELECT seq, title, body, published FROM articles WHERE seq IN ({marks})", part
        ).fetchall():
            out[seq] = (title, store.texts.text(body), published)
    return out


def groups_of(store: Store, seqs: Iterable[int]) -> dict[int, int]:
    """{seq: copy group} for the seqs the stage has done."""
    out: dict[int, int] = {}
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        out.update(store.db.execute(f"SELECT seq, grp FROM copies WHERE seq IN ({marks})", part))
    return out


def members(store: Store, groups: Iterable[int]) -> dict[int, list[int]]:
    """{group: [member seqs]}: the group's own seq (its smallest member) and the rows of
    ``copies_shared`` naming it."""
    out: dict[int, list[int]] = {}
    for grp, seq in _member_rows(store, groups):
        out.setdefault(grp, []).append(seq)
    return out


def _member_rows(store: Store, groups: Iterable[int], ids: bool = False) -> Iterator[tuple]:
    """(group, seq) of every member of these groups (with the article's id when ``ids``), in no
    particular order: the head by primary key, the rest through ``copies_shared``."""
    columns, join = ("c.grp, c.seq, a.id", " JOIN articles a ON a.seq = c.seq") if ids else ("c.grp, c.seq", "")
    for part in _chunks(sorted(set(groups)), _CHUNK // 2):
        marks = ",".join("?" * len(part))
        yield from store.db.execute(
            f"SELECT {columns} FROM copies c{join} WHERE c.seq IN ({marks}) AND c.grp = c.seq UNION ALL "
            f"SELECT {columns} FROM copies c{join} WHERE c.grp IN ({marks}) AND {shared('c')}",
            [*part, *part],
        )


def order_keys(store: Store, seqs: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """{seq: (published, source, id)}: what decides which member of a group is the original."""
    out: dict[int, tuple[str, str, str]] = {}
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        for seq, pub, src, aid in store.db.execute(
            f"SELECT seq, published, source, id FROM articles WHERE seq IN ({marks})", part
        ):
            out[seq] = (pub or "9999", src or "", aid)
    return out


def put(store: Store, rows: Iterable[tuple[int, int, int | None, int]]) -> None:
    """Write (seq, grp, copy_of, shingles) rows, replacing what was there; inside a transaction."""
    store.db.executemany(
        "INSERT OR REPLACE INTO copies (seq, grp, copy_of, shingles) VALUES (?, ?, ?, ?)", list(rows)
    )


def delete(store: Store, seqs: Iterable[int]) -> None:
    """Drop the rows of these seqs (before they are re-done); inside a transaction."""
    store.db.executemany("DELETE FROM copies WHERE seq = ?", [(s,) for s in seqs])


def update_groups(store: Store, rows: Iterable[tuple[int, int | None, int]]) -> None:
    """Set (grp, copy_of) of existing rows: (grp, copy_of, seq) triples."""
    store.db.executemany("UPDATE copies SET grp = ?, copy_of = ? WHERE seq = ?", list(rows))


def reset(store: Store) -> None:
    """Forget every group and band (``--redo copies``); inside a transaction."""
    store.db.execute("DELETE FROM copies")
    clear_bands(store)


# -- reads for search, show, timeline and top sources --------------------------
def copy_info(store: Store, seqs: Iterable[int]) -> dict[int, dict]:
    """{seq: {"group": int, "copy_of": seq | None, "copies": [seqs]}} for done seqs.

    ``copies`` lists the *other* members of the article's group in seq order (the
    copies of an original, or the original and sibling copies of a copy), which is
    what a hit's "+N copies" and ``show --json`` need. Map seqs to ids with the store.
    """
    groups = groups_of(store, seqs)
    by_group = members(store, set(groups.values()))
    out: dict[int, dict] = {}
    copy_of: dict[int, int | None] = {}
    for part in _chunks(sorted(groups)):
        marks = ",".join("?" * len(part))
        copy_of.update(store.db.execute(f"SELECT seq, copy_of FROM copies WHERE seq IN ({marks})", part))
    for seq, grp in groups.items():
        others = sorted(s for s in by_group.get(grp, ()) if s != seq)
        out[seq] = {"group": grp, "copy_of": copy_of.get(seq), "copies": others}
    return out


def originals_among(store: Store, seqs: Iterable[int]) -> set[int]:
    """The seqs that are originals (no ``copy_of``), counting articles not yet done as originals.

    For ``timeline --unit originals`` and ``top sources --originals``: count an
    article when it is in the returned set.
    """
    seqs = sorted(set(seqs))
    copies: set[int] = set()
    for part in _chunks(seqs):
        marks = ",".join("?" * len(part))
        copies.update(
            s
            for (s,) in store.db.execute(
                f"SELECT seq FROM copies WHERE seq IN ({marks}) AND copy_of IS NOT NULL", part
            )
        )
    return set(seqs) - copies


def source_roles(store: Store, seqs: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
    """{source: {"articles", "originals", "copies", "copies_of_others"}} over ``seqs`` (all
    articles when None), for ``top sources --originals``: who originates, who republishes.

    ``originals``: articles that are nobody's copy (or not yet done by the stage); ``copies``:
    articles with a ``copy_of``; ``copies_of_others``: those whose original has another source."""
    sql = (
        "SELECT a.source, count(*), sum(c.copy_of IS NULL), sum(c.copy_of IS NOT NULL), "
        "sum(c.copy_of IS NOT NULL AND o.source IS NOT a.source) FROM articles a "
        "LEFT JOIN copies c ON c.seq = a.seq LEFT JOIN articles o ON o.seq = c.copy_of"
    )
    out: dict[str, dict[str, int]] = {}

    def add(rows: Iterable[tuple]) -> None:
        for src, n, orig, cop, others in rows:
            d = out.setdefault(src, {"articles": 0, "originals": 0, "copies": 0, "copies_of_others": 0})
            d["articles"] += n
            d["originals"] += int(orig or 0)
            d["copies"] += int(cop or 0)
            d["copies_of_others"] += int(others or 0)

    if seqs is None:
        add(store.db.execute(sql + " GROUP BY a.source"))
    else:
        for part in _chunks(sorted(set(seqs))):
            marks = ",".join("?" * len(part))
            add(store.db.execute(sql + f" WHERE a.seq IN ({marks}) GROUP BY a.source", part))
    return out


def group_stats(store: Store) -> tuple[int, int]:
    """(groups with more than one member, articles in them): for ``stats`` and the bench."""
    # each group's rows in copies_shared, plus its head (the row whose seq is the group) when that
    # row is still in the group: a redo can move a head to a lower group and leave its members
    row = store.db.execute(
        "SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) + EXISTS (SELECT 1 FROM copies h "
        f"WHERE h.seq = s.grp AND h.grp = h.seq) AS n FROM copies s WHERE {SHARED} GROUP BY grp) WHERE n > 1"
    ).fetchone()
    return int(row[0]), int(row[1])


def all_groups(store: Store) -> dict[int, int]:
    """{seq: group} for every done article (the bench and tests read a whole desk's groups)."""
    return dict(store.db.execute("SELECT seq, grp FROM copies"))


def hit_columns(store: Store, seqs: Sequence[int]) -> dict[int, dict]:
    """{seq: {"copies": [ids], "copy_of": id | None, "story": int | None}} for search hits, in
    one query (plus one for the member ids of the few groups with more than one member): a search
    page pays for its copy and story columns once, not per table."""
    import json

    if not seqs:
        return {}
    rows = store.db.execute(
        "SELECT s.value, c.grp, o.id, m.story, "
        f"{shared('c')} OR EXISTS (SELECT 1 FROM copies g WHERE g.grp = c.seq AND {shared('g')}) "
        "FROM json_each(?) s LEFT JOIN copies c ON c.seq = s.value "
        "LEFT JOIN articles o ON o.seq = c.copy_of LEFT JOIN story_members m ON m.seq = s.value",
        (json.dumps(list(seqs)),),
    ).fetchall()
    many = sorted({grp for _s, grp, _o, _st, shares in rows if grp is not None and shares})
    group_ids: dict[int, list[tuple[int, str]]] = {}
    for grp, seq, aid in sorted(_member_rows(store, many, ids=True)):  # the member ids in the same read
        group_ids.setdefault(grp, []).append((seq, aid))
    return {
        seq: {
            "copies": [aid for other, aid in group_ids.get(grp, []) if other != seq] if grp is not None else [],
            "copy_of": original,
            "story": story,
        }
        for seq, grp, original, story, _n in rows
    }


# -- the band table, a time bucket at a time (enrich.bands.BandCache) ----------
def bucket_rows(store: Store, lo: int, hi: int) -> Any:
    """(stored key, seq) rows with ``lo <= key < hi`` in key order, an N x 2 array: one time
    bucket's rows (the bucket is the key's high bits), read by one range scan of each part."""
    import numpy as np

    rows = _bucket_arrays(store, (lo, hi))
    if not bands.any_buckets(store):
        return rows
    both = np.concatenate((rows, bands.bucket_rows(store, lo, hi)))
    both = both[np.lexsort((both[:, 1], both[:, 0]))]
    if len(both):
        keep = np.concatenate(([True], (both[1:] != both[:-1]).any(axis=1)))
        both = both[keep]
    return both


def data_version(store: Store) -> int:
    """SQLite's ``data_version``: it changes when another connection commits to the file, so
    what this connection keeps in memory about the band table is stale exactly then."""
    return int(store.db.execute("PRAGMA data_version").fetchone()[0])
