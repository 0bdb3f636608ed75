"""The copies stage's LSH band table, kept as groups of rows packed in one blob each.

Logically the table is a set of (stored key, seq) rows: an article's 34 band keys, each with
its time bucket in the high bits (``enrich.copies.stored_key``), so a new article is matched
against everything the desk holds by looking its keys up. Round 3 kept one B-tree row per
(key, seq): 9 bytes of data and ~6 of SQLite's own (record header, cell size, cell pointer),
34 of them per article, a quarter of a data directory. Here rows that share their time
bucket and the top ``bits`` bits of their key are one row of ``band_groups`` whose blob
holds 7 bytes per (key, seq): the key's low 24 bits and the seq's 32, little-endian, sorted.
A lookup reads the groups its keys fall in (one seek each, as the single rows needed), an
insert rewrites the groups it adds to (inserting a row rewrote its B-tree page anyway).

How many bits pick a group is per time bucket (``band_levels``; 8 when absent, so 256
groups): a bucket whose group outgrows ``SPLIT_ROWS`` rows is regrouped on 4 more bits,
so a group stays a few hundred bytes to a couple of KB however dense a desk's days are.

``grp`` is ``(stored key >> 32) << 24`` plus the key's top ``bits`` bits placed at the top
of the low 24, so a bucket's groups are one contiguous range in key order whatever its level.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS band_groups (
    grp       INTEGER PRIMARY KEY,     -- (stored key >> 32) << 24 | the key's top bits (see module)
    entries   BLOB NOT NULL            -- 7 bytes a (key, seq) row, sorted: key's low 24 bits, seq
);
CREATE TABLE IF NOT EXISTS band_levels (
    bucket    INTEGER PRIMARY KEY,     -- stored key >> 32 (the time bucket + 1)
    bits      INTEGER NOT NULL         -- how many top key bits pick a group in that bucket
);
"""

BASE_BITS = 8  #: a bucket starts with 2^8 groups ...
STEP_BITS = 4  #: ... and is regrouped on 4 more bits ...
MAX_BITS = 24  #: ... up to 24 (the group number keeps 24 bits below the bucket)
SPLIT_ROWS = 256  #: ... when one of its groups holds more rows than this (1.8 KB)
ENTRY = 7  #: bytes a row takes in a group's blob
_LOW24 = (1 << 24) - 1
_LOW32 = (1 << 32) - 1


def _np() -> Any:
    import numpy as np  # the copies stage's extra (dedup); only it calls this module

    return np


def _pairs(rows: Any) -> tuple[Any, Any]:
    """(stored keys, seqs) as int64 arrays from (key, seq) pairs or an N x 2 array."""
    np = _np()
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    if len(arr) and (arr[:, 1].min() < 0 or arr[:, 1].max() > _LOW32):
        raise ValueError("the copies band table holds seqs of 0 to 2^32 - 1 only")
    return arr[:, 0], arr[:, 1]


def _levels(store: Store, buckets: Any) -> dict[int, int]:
    """{bucket: bits} for these buckets (those without a row are at ``BASE_BITS``)."""
    wanted = _np().unique(buckets).tolist()
    out = dict.fromkeys(wanted, BASE_BITS)
    if wanted:
        out.update(store.db.execute(
            "SELECT bucket, bits FROM band_levels WHERE bucket IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        ))
    return out


def _group_of(keys: Any, levels: dict[int, int]) -> Any:
    """The group number of each stored key (an int64 array), given its bucket's level."""
    np = _np()
    buckets = keys >> 32
    bits = np.fromiter((levels[b] for b in buckets.tolist()), dtype=np.int64, count=len(keys))
    return (buckets << 24) | (((keys & _LOW32) >> (32 - bits)) << (24 - bits))


def _decode(groups: list[int], blobs: list[bytes]) -> tuple[Any, Any]:
    """(stored keys, seqs) of the rows in these groups' blobs, in the groups' order."""
    np = _np()
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(-1, ENTRY)
    wide = np.zeros((len(raw), 8), dtype=np.uint8)
    wide[:, :ENTRY] = raw
    values = wide.view("<u8").ravel().astype(np.int64)
    grp = np.repeat(np.asarray(groups, dtype=np.int64), [len(b) // ENTRY for b in blobs])
    top8 = (grp >> 16) & 0xFF  # the key's top 8 bits: the top of grp's low 24, at every level
    keys = ((grp >> 24) << 32) | (top8 << 24) | (values >> 32)
    return keys, values & _LOW32


def _encode(keys: Any, seqs: Any) -> bytes:
    """The blob of rows (sorted by the caller) whose keys share a group."""
    np = _np()
    values = (((keys & _LOW24) << 32) | seqs).astype("<u8")
    return values.view(np.uint8).reshape(-1, 8)[:, :ENTRY].tobytes()


def _read(store: Store, groups: Any) -> tuple[list[int], list[bytes]]:
    wanted = _np().unique(groups).tolist()
    if not wanted:
        return [], []
    rows = store.db.execute(
        "SELECT grp, entries FROM band_groups WHERE grp IN (SELECT value FROM json_each(?)) ORDER BY grp",
        (json.dumps(wanted),),
    ).fetchall()
    return [g for g, _ in rows], [b for _, b in rows]


def hits(store: Store, wanted: Any) -> dict[int, list[int]]:
    """{stored key: [seqs holding it]} for the stored keys ``wanted`` (repeats allowed)."""
    np = _np()
    keys = np.unique(np.asarray(wanted, dtype=np.int64))
    if not len(keys):
        return {}
    held_keys, held_seqs = _decode(*_read(store, _group_of(keys, _levels(store, keys >> 32))))
    order = np.lexsort((held_seqs, held_keys))
    held_keys, held_seqs = held_keys[order], held_seqs[order]
    lo = np.searchsorted(held_keys, keys, side="left")
    hi = np.searchsorted(held_keys, keys, side="right")
    found = hi > lo
    return {k: held_seqs[a:z].tolist() for k, a, z in zip(keys[found].tolist(), lo[found].tolist(),
                                                           hi[found].tolist(), strict=True)}


def _write(store: Store, groups: Any, keys: Any, seqs: Any, touched: Iterable[int]) -> None:
    """Replace the groups ``touched`` by these rows (any order; sorted and made distinct
    here): a group left without rows is deleted."""
    np = _np()
    order = np.lexsort((seqs, keys, groups))
    groups, keys, seqs = groups[order], keys[order], seqs[order]
    if len(keys):
        keep = np.concatenate(([True], (keys[1:] != keys[:-1]) | (seqs[1:] != seqs[:-1])))
        groups, keys, seqs = groups[keep], keys[keep], seqs[keep]
    if len(groups):
        cuts = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1])))
    else:
        cuts = np.zeros(0, dtype=np.int64)
    ends = np.append(cuts[1:], len(groups)).astype(np.int64)[: len(cuts)]
    blob = _encode(keys, seqs)
    store.db.executemany(
        "INSERT OR REPLACE INTO band_groups (grp, entries) VALUES (?, ?)",
        [(g, blob[a * ENTRY : z * ENTRY]) for g, a, z in zip(groups[cuts].tolist(), cuts.tolist(),
                                                             ends.tolist(), strict=True)],
    )
    gone = sorted(set(touched) - set(groups[cuts].tolist()))
    if gone:
        store.db.execute("DELETE FROM band_groups WHERE grp IN (SELECT value FROM json_each(?))",
                         (json.dumps(gone),))
    big = (ends - cuts) > SPLIT_ROWS
    for bucket in np.unique(groups[cuts][big] >> 24).tolist():
        _regroup(store, bucket)


def add(store: Store, rows: Any) -> None:
    """Insert (stored key, seq) rows (pairs or an N x 2 array; those present are skipped);
    inside a transaction."""
    np = _np()
    keys, seqs = _pairs(rows)
    if not len(keys):
        return
    groups = _group_of(keys, _levels(store, keys >> 32))
    names, blobs = _read(store, groups)
    old_keys, old_seqs = _decode(names, blobs)
    old_groups = np.repeat(np.asarray(names, dtype=np.int64), [len(b) // ENTRY for b in blobs])
    _write(store, np.concatenate((old_groups, groups)), np.concatenate((old_keys, keys)),
           np.concatenate((old_seqs, seqs)), names)


def remove(store: Store, rows: Any) -> None:
    """Delete exactly these (stored key, seq) rows; inside a transaction."""
    np = _np()
    keys, seqs = _pairs(rows)
    if not len(keys):
        return
    names, blobs = _read(store, _group_of(keys, _levels(store, keys >> 32)))
    old_keys, old_seqs = _decode(names, blobs)
    old_groups = np.repeat(np.asarray(names, dtype=np.int64), [len(b) // ENTRY for b in blobs])
    drop = np.isin(old_keys, keys)  # then the exact (key, seq) pairs among those
    if drop.any():
        pairs = set(zip(keys.tolist(), seqs.tolist(), strict=True))
        drop[drop] = [p in pairs for p in zip(old_keys[drop].tolist(), old_seqs[drop].tolist(), strict=True)]
    keep = ~drop
    _write(store, old_groups[keep], old_keys[keep], old_seqs[keep], names)


def bucket_rows(store: Store, lo: int, hi: int) -> Any:
    """The rows with ``lo <= key < hi`` as an N x 2 int64 array in (key, seq) order, read by
    one range scan of the groups (a time bucket's groups are contiguous)."""
    np = _np()
    rows = store.db.execute(
        "SELECT grp, entries FROM band_groups WHERE grp >= ? AND grp < ? ORDER BY grp",
        ((lo >> 32) << 24, (((hi - 1) >> 32) + 1) << 24),
    ).fetchall()
    keys, seqs = _decode([g for g, _ in rows], [b for _, b in rows])
    inside = (keys >= lo) & (keys < hi)
    keys, seqs = keys[inside], seqs[inside]
    order = np.lexsort((seqs, keys))
    return np.column_stack((keys[order], seqs[order]))


def _regroup(store: Store, bucket: int, rows: int | None = None) -> None:
    """Give ``bucket`` the fewest bits that keep its groups at ``SPLIT_ROWS / 2`` rows on
    average, and rewrite its groups if that changes them."""
    lo, hi = bucket << 24, (bucket + 1) << 24
    if rows is None:
        size = store.db.execute(
            "SELECT coalesce(sum(length(entries)), 0) FROM band_groups WHERE grp >= ? AND grp < ?", (lo, hi)
        ).fetchone()[0]
        rows = size // ENTRY
    bits = BASE_BITS
    while bits < MAX_BITS and rows > (SPLIT_ROWS // 2) << bits:
        bits += STEP_BITS
    if bits == _levels(store, _np().asarray([bucket]))[bucket]:
        return  # one crowded group (many articles sharing keys): more bits would not split it
    held = bucket_rows(store, bucket << 32, (bucket + 1) << 32)
    store.db.execute("DELETE FROM band_groups WHERE grp >= ? AND grp < ?", (lo, hi))
    store.db.execute("INSERT OR REPLACE INTO band_levels (bucket, bits) VALUES (?, ?)", (bucket, bits))
    keys, seqs = held[:, 0], held[:, 1]
    _write(store, _group_of(keys, {bucket: bits}), keys, seqs, [])


def any_rows(store: Store) -> bool:
    return store.db.execute("SELECT 1 FROM band_groups LIMIT 1").fetchone() is not None


def count(store: Store) -> int:
    """How many (key, seq) rows the table holds."""
    return store.db.execute("SELECT coalesce(sum(length(entries)), 0) FROM band_groups").fetchone()[0] // ENTRY


def clear(store: Store) -> None:
    store.db.execute("DELETE FROM band_groups")
    store.db.execute("DELETE FROM band_levels")


def migrate_rows(db: Any) -> None:
    """Schema 5: round 3's ``copy_keys (key, seq)`` rows become groups, a bucket at a time
    (levels chosen from each bucket's row count first, so no bucket is regrouped twice)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='copy_keys'").fetchone():
        return

    class _Conn:  # the functions above take a Store; inside the migration only its db exists
        def __init__(self, db: Any) -> None:
            self.db = db

    store: Any = _Conn(db)
    sizes = db.execute("SELECT key >> 32, count(*) FROM copy_keys GROUP BY 1").fetchall()
    for bucket, rows in sizes:
        bits = BASE_BITS
        while bits < MAX_BITS and rows > (SPLIT_ROWS // 2) << bits:
            bits += STEP_BITS
        if bits != BASE_BITS:
            db.execute("INSERT OR REPLACE INTO band_levels (bucket, bits) VALUES (?, ?)", (bucket, bits))
    for bucket, _rows in sizes:
        held = db.execute(
            "SELECT key, seq FROM copy_keys WHERE key >= ? AND key < ?", (bucket << 32, (bucket + 1) << 32)
        ).fetchall()
        add(store, held)
    db.execute("DROP TABLE copy_keys")
