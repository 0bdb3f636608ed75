"""The packed part of the copies stage's LSH band table: rows grouped into one blob each.

Logically the band table is a set of (stored key, seq) rows: an article's 34 band keys, each
with its time bucket in the high bits (``enrich.copies.stored_key``), so a new article is
matched against everything the desk holds by looking its keys up. One B-tree row per (key,
seq) (``copy_keys``) costs 9 bytes of data and ~6 of SQLite's own (record header, cell size,
cell pointer), 34 of them per article: a quarter of a data directory. Here rows that share
their time bucket and the top ``bits`` bits of their key are one row of ``band_blobs`` whose
blob holds the key's low 24 bits and the seq, little-endian, in ``3 + seq_bytes`` bytes a
row (``seq_bytes``: what the group's largest seq needs, 1 to 4; 3 up to 16.7M articles).

Writing rows into groups as they arrive is cheap in time order (a batch touches a bucket or
two) but not for an archive in random date order, where each batch of 1,000 articles reads
and rewrites ~30k groups: 2.8x the CPU of row inserts, measured. So new rows go into
``copy_keys`` as before and are moved here in bulk, a bucket at a time
(:func:`newsdesk.store.copies.pack_bands`, when a writing store closes); lookups ask both.

A bucket is here once it has a ``band_buckets`` row, which also says how many key bits pick
its group (8 at least: 256 groups); a bucket whose group outgrows ``SPLIT_ROWS`` rows is
regrouped on one more bit, so a group stays 64 to 256 rows (~400 bytes to 1.5 KB) however
dense a desk's days are. ``grp`` is ``(stored key >> 32) << 24`` plus the key's top ``bits``
bits placed at the top of the low 24, so a bucket's groups are one contiguous range.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS band_blobs (
    grp       INTEGER PRIMARY KEY,     -- (stored key >> 32) << 24 | the key's top bits (see module)
    seq_bytes INTEGER NOT NULL,        -- bytes of a seq in this group's rows (1 to 4)
    entries   BLOB NOT NULL            -- (3 + seq_bytes) bytes a row: key's low 24 bits, seq
);
CREATE TABLE IF NOT EXISTS band_buckets (
    bucket    INTEGER PRIMARY KEY,     -- stored key >> 32 (the time bucket + 1): packed here
    bits      INTEGER NOT NULL         -- how many top key bits pick a group in that bucket
);
"""

#: each row keeps the key's low 24 bits, so the group number holds at least the top 8. Fewer,
#: bigger groups would save most of a group's ~10 bytes (100k synthetic: 4 bits and 1,024-row
#: groups would be 21.7 MiB against 23.0) but need 28-bit key parts, a byte more a row
BASE_BITS = 8  #: a bucket starts with 2^8 groups ...
STEP_BITS = 1  #: ... and is regrouped on one more bit at a time (groups stay 64-256 rows) ...
MAX_BITS = 24  #: ... up to 24 (the group number keeps 24 bits below the bucket)
SPLIT_ROWS = 256  #: ... when one of its groups holds more rows than this (1.8 KB)
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
    """{bucket: bits} for those of these buckets that are packed."""
    wanted = _np().unique(buckets).tolist()
    if not wanted:
        return {}
    return dict(store.db.execute(
        "SELECT bucket, bits FROM band_buckets WHERE bucket IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),),
    ))


def bits_for(rows: int) -> int:
    """The fewest key bits that keep a bucket of ``rows`` rows at ``SPLIT_ROWS / 2`` a group."""
    bits = BASE_BITS
    while bits < MAX_BITS and rows > (SPLIT_ROWS // 2) << bits:
        bits += STEP_BITS
    return bits


def _packed(keys: Any, levels: dict[int, int]) -> Any:
    """Which of these stored keys fall in a packed bucket (a boolean array)."""
    np = _np()
    return np.isin(keys >> 32, np.fromiter(levels, dtype=np.int64, count=len(levels)))


def _group_of(keys: Any, levels: dict[int, int]) -> Any:
    """The group number of each stored key (an int64 array), given its bucket's level."""
    np = _np()
    buckets = keys >> 32
    known = np.unique(buckets)
    bits = np.fromiter((levels[b] for b in known.tolist()), dtype=np.int64, count=len(known))
    bits = bits[np.searchsorted(known, buckets)]
    return (buckets << 24) | (((keys & _LOW32) >> (32 - bits)) << (24 - bits))


def _decode(rows: list[tuple[int, int, bytes]]) -> tuple[Any, Any, Any]:
    """(group, stored key, seq) of every row in these (grp, seq_bytes, entries) groups, in no
    particular order (callers sort)."""
    np = _np()
    parts = []
    for width in {w for _g, w, _b in rows}:
        mine = [(g, b) for g, w, b in rows if w == width]
        size = 3 + width
        raw = np.frombuffer(b"".join(b for _g, b in mine), dtype=np.uint8).reshape(-1, size)
        wide = np.zeros((len(raw), 8), dtype=np.uint8)
        wide[:, :size] = raw
        values = wide.view("<u8").ravel().astype(np.int64)
        grp = np.repeat(np.asarray([g for g, _b in mine], dtype=np.int64), [len(b) // size for _g, b in mine])
        top8 = (grp >> 16) & 0xFF  # the key's top 8 bits: the top of grp's low 24, at every level
        keys = ((grp >> 24) << 32) | (top8 << 24) | (values >> (8 * width))
        parts.append((grp, keys, values & ((1 << (8 * width)) - 1)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))  # type: ignore[return-value]


def _encode(keys: Any, seqs: Any, width: int) -> bytes:
    """The blob of rows (sorted by the caller) whose keys share a group, ``width``-byte seqs."""
    np = _np()
    values = (((keys & _LOW24) << (8 * width)) | seqs).astype("<u8")
    return values.view(np.uint8).reshape(-1, 8)[:, : 3 + width].tobytes()


def _read(store: Store, groups: Any) -> list[tuple[int, int, bytes]]:
    wanted = _np().unique(groups).tolist()
    if not wanted:
        return []
    return store.db.execute(
        "SELECT grp, seq_bytes, entries FROM band_blobs WHERE grp IN (SELECT value FROM json_each(?))",
        (json.dumps(wanted),),
    ).fetchall()


def hits(store: Store, wanted: Any) -> dict[int, list[int]]:
    """{stored key: [seqs holding it]} here for the stored keys ``wanted`` (repeats allowed)."""
    np = _np()
    keys = np.unique(np.asarray(wanted, dtype=np.int64))
    levels = _levels(store, keys >> 32)
    if not levels:
        return {}
    keys = keys[_packed(keys, levels)]
    _g, held_keys, held_seqs = _decode(_read(store, _group_of(keys, levels)))
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
    # the bytes a seq needs in each group: its largest seq's
    top = np.maximum.reduceat(seqs, cuts) if len(cuts) else cuts
    widths = np.searchsorted(np.asarray([1 << 8, 1 << 16, 1 << 24]), top, side="right") + 1
    blobs: dict[int, bytes] = {}
    for width in np.unique(widths).tolist():
        mask = np.repeat(widths == width, ends - cuts)
        blobs[width] = _encode(keys[mask], seqs[mask], width)
    out, at = [], dict.fromkeys(blobs, 0)
    for g, n, width in zip(groups[cuts].tolist(), (ends - cuts).tolist(), widths.tolist(), strict=True):
        size = (3 + width) * n
        out.append((g, width, blobs[width][at[width] : at[width] + size]))
        at[width] += size
    store.db.executemany("INSERT OR REPLACE INTO band_blobs (grp, seq_bytes, entries) VALUES (?, ?, ?)", out)
    gone = sorted(set(touched) - set(groups[cuts].tolist()))
    if gone:
        store.db.execute("DELETE FROM band_blobs WHERE grp IN (SELECT value FROM json_each(?))",
                         (json.dumps(gone),))
    big = (ends - cuts) > SPLIT_ROWS
    for bucket in np.unique(groups[cuts][big] >> 24).tolist():
        _regroup(store, bucket)


def add(store: Store, rows: Any) -> None:
    """Insert (stored key, seq) rows (pairs or an N x 2 array; those present are skipped); a
    bucket not packed yet becomes packed, with the bits its rows call for; inside a transaction."""
    np = _np()
    keys, seqs = _pairs(rows)
    if not len(keys):
        return
    levels = _levels(store, keys >> 32)
    buckets, counts = np.unique(keys >> 32, return_counts=True)
    new = [(b, bits_for(n)) for b, n in zip(buckets.tolist(), counts.tolist(), strict=True) if b not in levels]
    if new:
        store.db.executemany("INSERT INTO band_buckets (bucket, bits) VALUES (?, ?)", new)
        levels.update(new)
    groups = _group_of(keys, levels)
    held = _read(store, groups)
    old_groups, old_keys, old_seqs = _decode(held)
    _write(store, np.concatenate((old_groups, groups)), np.concatenate((old_keys, keys)),
           np.concatenate((old_seqs, seqs)), [g for g, _w, _b in held])


def remove(store: Store, rows: Any) -> None:
    """Delete exactly these (stored key, seq) rows from the packed buckets; inside a transaction."""
    np = _np()
    keys, seqs = _pairs(rows)
    levels = _levels(store, keys >> 32)
    if not levels:
        return
    mine = _packed(keys, levels)
    keys, seqs = keys[mine], seqs[mine]
    held = _read(store, _group_of(keys, levels))
    old_groups, old_keys, old_seqs = _decode(held)
    drop = np.isin(old_keys, keys)  # then the exact (key, seq) pairs among those
    if drop.any():
        pairs = set(zip(keys.tolist(), seqs.tolist(), strict=True))
        drop[drop] = [p in pairs for p in zip(old_keys[drop].tolist(), old_seqs[drop].tolist(), strict=True)]
    keep = ~drop
    _write(store, old_groups[keep], old_keys[keep], old_seqs[keep], [g for g, _w, _b in held])


def bucket_rows(store: Store, lo: int, hi: int) -> Any:
    """The rows with ``lo <= key < hi`` as an N x 2 int64 array in (key, seq) order, read by
    one range scan of the groups (a time bucket's groups are contiguous)."""
    np = _np()
    rows = store.db.execute(
        "SELECT grp, seq_bytes, entries FROM band_blobs WHERE grp >= ? AND grp < ?",
        ((lo >> 32) << 24, (((hi - 1) >> 32) + 1) << 24),
    ).fetchall()
    _g, keys, seqs = _decode(rows)
    inside = (keys >= lo) & (keys < hi)
    keys, seqs = keys[inside], seqs[inside]
    order = np.lexsort((seqs, keys))
    return np.column_stack((keys[order], seqs[order]))


def _regroup(store: Store, bucket: int) -> None:
    """Give ``bucket`` the bits its row count calls for, and rewrite its groups if that changes them."""
    lo, hi = bucket << 24, (bucket + 1) << 24
    rows = store.db.execute(
        "SELECT coalesce(sum(length(entries) / (3 + seq_bytes)), 0) FROM band_blobs WHERE grp >= ? AND grp < ?",
        (lo, hi),
    ).fetchone()[0]
    bits = bits_for(rows)
    if bits <= _levels(store, _np().asarray([bucket]))[bucket]:
        return  # one crowded group (many articles sharing keys): more bits would not split it
    held = bucket_rows(store, bucket << 32, (bucket + 1) << 32)
    store.db.execute("DELETE FROM band_blobs WHERE grp >= ? AND grp < ?", (lo, hi))
    store.db.execute("UPDATE band_buckets SET bits = ? WHERE bucket = ?", (bits, bucket))
    keys, seqs = held[:, 0], held[:, 1]
    _write(store, _group_of(keys, {bucket: bits}), keys, seqs, [])


def any_buckets(store: Store) -> bool:
    """Whether any bucket is packed (if not, lookups need not ask this part)."""
    return store.db.execute("SELECT 1 FROM band_buckets LIMIT 1").fetchone() is not None


def any_rows(store: Store) -> bool:
    return store.db.execute("SELECT 1 FROM band_blobs LIMIT 1").fetchone() is not None


def count(store: Store) -> int:
    """How many (key, seq) rows the table holds."""
    return store.db.execute("SELECT coalesce(sum(length(entries) / (3 + seq_bytes)), 0) FROM band_blobs").fetchone()[0]


def clear(store: Store) -> None:
    store.db.execute("DELETE FROM band_blobs")
    store.db.execute("DELETE FROM band_buckets")
