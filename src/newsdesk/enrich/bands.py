"""The copies stage's band table, a time bucket at a time in memory, while a stream goes in.

Matching a batch of 500 articles against the stored band table asks for ~34,000 keys (34
per article, in the one or two time buckets its copies can be in). As point lookups that is
one B-tree seek per key, the largest single cost of an ingest's storing side: 4-6 s of
Reuters' ~11 s (``SELECT ... WHERE key IN (json_each(?))``, measured through a timing
proxy on the connection). News arrives in time order, so consecutive batches ask the same
few buckets: one range scan loads a bucket's rows (its keys are contiguous, the bucket being
their high bits) and numpy's ``searchsorted`` answers every later lookup in it.

Kept honest:

* **Stale never.** The rows belong to this connection's view of the file; SQLite's
  ``data_version`` changes when any other connection commits, and then everything is
  dropped. The stage adds its own inserts (:meth:`BandCache.add`) as it writes them.
* **A rolled-back batch** can leave rows here that the file does not hold: they can only
  propose a candidate, which the exact verification on the stored text then rejects.
* **Memory stays flat.** At most ``MAX_ROWS`` rows (~32 MB) are kept, least recently used
  buckets go first, and a batch spread over many buckets (an archive in random date order)
  loads none: its lookups stay point lookups, as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Store

BUCKET_SHIFT = 32  #: a stored key's bucket is ``key >> 32`` (enrich.copies.KEY_BITS)
MAX_ROWS = 2_000_000  #: rows kept in memory at most (two int64 arrays: ~32 MB)
MAX_LOADS = 4  #: buckets a batch may load; a batch asking more keeps point lookups for them


class BandCache:
    """(key, seq) rows of recently asked time buckets, sorted by key, per bucket."""

    def __init__(self) -> None:
        self._buckets: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self._rows = 0
        self._owner: tuple[int, int] | None = None  # (id of the store, its data_version)

    def clear(self) -> None:
        self._buckets.clear()
        self._rows = 0

    def _check(self, store: Store) -> None:
        from ..store import copies as db

        owner = (id(store), db.data_version(store))
        if owner != self._owner:
            self.clear()
            self._owner = owner

    def hits(self, store: Store, wanted: Any) -> dict[int, list[int]]:
        """{stored key: [seqs holding it]} for the keys ``wanted`` (a list or an array; as
        ``store.copies.band_hits``)."""
        import numpy as np

        from ..store import copies as db

        self._check(store)
        if not len(wanted):
            return {}
        keys = _distinct(np.asarray(wanted, dtype=np.int64))
        buckets = keys >> BUCKET_SHIFT
        asked = _distinct(buckets).tolist()
        missing = [b for b in asked if b not in self._buckets]
        if len(missing) <= MAX_LOADS:
            for b in missing:
                self._load(store, b)
        out: dict[int, list[int]] = {}
        cached = [b for b in asked if b in self._buckets]
        if len(cached) < len(asked):
            point = keys[~np.isin(buckets, np.asarray(cached, dtype=np.int64))]
            out.update(db.band_hits(store, point.tolist()))
        for b in cached:
            self._buckets.move_to_end(b)
            held_keys, held_seqs = self._buckets[b]
            if not len(held_keys):
                continue
            mine = keys[buckets == b]
            lo = np.searchsorted(held_keys, mine, side="left")
            hi = np.searchsorted(held_keys, mine, side="right")
            for key, a, z in zip(mine.tolist(), lo.tolist(), hi.tolist(), strict=True):
                if z > a:
                    out[key] = held_seqs[a:z].tolist()
        return out

    def _load(self, store: Store, b: int) -> None:
        import numpy as np

        from ..store import copies as db

        rows = np.array(db.bucket_rows(store, b << BUCKET_SHIFT, (b + 1) << BUCKET_SHIFT), dtype=np.int64)
        rows = rows.reshape(-1, 2)
        self._buckets[b] = (rows[:, 0].copy(), rows[:, 1].copy())
        self._rows += len(rows)
        self._evict()

    def add(self, store: Store, rows: Any) -> None:
        """The (stored key, seq) rows just inserted (pairs, or an N x 2 array): merged into the
        buckets held here."""
        import numpy as np

        self._check(store)  # our own commits leave data_version as it is
        if not len(rows) or not self._buckets:
            return
        pairs = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
        keys, seqs = pairs[:, 0], pairs[:, 1]
        buckets = keys >> BUCKET_SHIFT
        for b in _distinct(buckets).tolist():
            if b not in self._buckets:
                continue
            sel = buckets == b
            held_keys, held_seqs = self._buckets[b]
            all_keys = np.concatenate((held_keys, keys[sel]))
            all_seqs = np.concatenate((held_seqs, seqs[sel]))
            order = np.argsort(all_keys, kind="stable")  # two sorted runs: a merge
            self._buckets[b] = (all_keys[order], all_seqs[order])
            self._rows += int(sel.sum())
        self._evict()

    def _evict(self) -> None:
        while self._rows > MAX_ROWS and len(self._buckets) > 1:
            _b, (keys, _seqs) = self._buckets.popitem(last=False)
            self._rows -= len(keys)


def _distinct(values: Any) -> Any:
    """The distinct values, sorted (``np.unique`` hashes int64 in numpy 2: 20 ms against 1 ms for a batch's 34k keys)."""
    import numpy as np

    if not len(values):
        return values
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))]
