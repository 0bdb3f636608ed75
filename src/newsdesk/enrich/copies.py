"""Near-duplicates: which earlier articles an article's text reproduces (wire copy, re-sends, excerpts).

Method (details and measured figures in ``docs/explanation/stories.md``; steps 1-3, the
article's sketch, are :mod:`newsdesk.enrich.sketch`):

1. **Normalise** the body: lower-case word tokens (letters and digits), with the
   wire credits ("Reuters", "Reuter", "AP", "AFP") dropped, so a dateline,
   "(Reuters) -" or the old "Reuter" sign-off adds next to nothing. The headline
   is left out (copies get new headlines) unless the body is too short.
2. **Shingle**: the set of overlapping word ``SHINGLE``-grams. Re-wrapping
   changes nothing; reordering paragraphs changes only the shingles that cross
   a paragraph boundary; a changed word changes ``SHINGLE`` shingles.
3. **MinHash** (``rensa`` R-MinHash, ``NUM_PERM`` slots; chosen over
   ``datasketch`` by measurement: 64x faster signatures here) and **LSH**:
   ``BANDS`` bands of ``ROWS`` slots, each hashed to a 63-bit key; plus
   ``LEAD_KEYS`` keys hashed from the first words of the body, so an excerpt
   (the first paragraphs of a longer version, Jaccard too low for the bands) is
   still a candidate. Keys live in the store (``copy_keys``) under the article's
   day, so a new article is compared only with the stored articles of the days
   within ``WINDOW_DAYS`` sharing a key: no all-pairs pass, and on a stream in time
   order the band table is read and written only near its newest end (the cost per
   article stays flat as the desk grows).
4. **Verify** every candidate exactly on the shingle sets (re-shingling stored
   candidates from their text): a copy when Jaccard >= ``JACCARD`` or, for an
   excerpt, containment of the smaller in the larger >= ``CONTAINMENT`` (the
   smaller having at least ``MIN_CONTAINED`` shingles).
5. **Group**: verified pairs join copy groups (union-find, merging stored
   groups). The group key is the smallest seq among the members (changes only
   when groups merge); the *original* is the earliest published member, ties by
   source then id; every other member gets ``copy_of`` = the original.

Groups are connected components of verified pairs, so matching a batch against
the store gives the same groups as matching everything at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from .bands import BandCache
from .sketch import (  # noqa: F401  (the sketch side, re-exported: copies.sketches, copies.SHINGLE, ...)
    BANDS,
    LEAD_KEYS,
    LEAD_WORDS,
    MIN_SHINGLES,
    NUM_PERM,
    ROWS,
    SEED,
    SHINGLE,
    Sketch,
    day_number,
    prepare_rows,
    shingles,
    sketch,
    sketches,
    text_key,
    words,
)
from .stage import StageInfo

if TYPE_CHECKING:
    from ..model import StoredRow
    from ..store import Store

JACCARD = 0.6  #: verified copy when shingle Jaccard >= this ...
CONTAINMENT = 0.9  #: ... or the smaller's shingles are this much inside the larger
MIN_CONTAINED = 15  #: an excerpt needs at least this many shingles to count by containment
WINDOW_DAYS = 2.0  #: copies are published within this many days of each other (0: no limit)
SCHEME = (
    f"rminhash-{NUM_PERM}-{BANDS}x{ROWS}-k{SHINGLE}-lead{LEAD_KEYS}x{LEAD_WORDS}-s{SEED}-buckets2w"
    f"-th{hash((1, 2, 3, 4, 5)) & 0xFFFFFFFF:08x}"
)


def is_copy(a: set[str], b: set[str]) -> bool:
    """The exact verification of one candidate pair."""
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return False
    inter = len(a & b)
    if not inter:
        return False
    if inter / (len(a) + len(b) - inter) >= JACCARD:
        return True
    small = min(len(a), len(b))
    return small >= MIN_CONTAINED and inter / small >= CONTAINMENT


def bucket(day: float | None, window: float) -> int:
    """The band table's time bucket of an article: its day divided by twice the window, so all
    its possible copies (published within the window) are in at most two buckets; 0 for all
    when there is no window; -1 for undated articles (compared with undated ones only)."""
    if day is None:
        return -1
    return int(math.floor(day / (2 * window))) if window else 0


def buckets_near(day: float | None, window: float) -> list[int]:
    """The (one or two) buckets an article's copies can be in."""
    if day is None or not window:
        return [bucket(day, window)]
    lo, hi = bucket(day - window, window), bucket(day + window, window)
    return [lo] if lo == hi else [lo, hi]


def near_in_time(a: float | None, b: float | None, window: float = WINDOW_DAYS) -> bool:
    """Whether two publication days are close enough for one to copy the other."""
    return not window or a is None or b is None or abs(a - b) <= window


KEY_BITS = 32  #: bits of a band key the band table keeps (the top ones of its 63)


def stored_key(bucket_: int, key: int) -> int:
    """The band table's one integer for (time bucket, band key): the bucket (+1, so undated -1
    is 0) in the high bits, so a stream in time order writes near the end of the B-tree, and the
    key's top ``KEY_BITS`` bits below. Two keys that share those bits make a false candidate,
    which the exact verification drops; one 6-byte integer per row instead of two columns
    (8 + 2 bytes) makes the table ~30% smaller and its inserts cheaper."""
    return ((bucket_ + 1) << KEY_BITS) | (key >> (63 - KEY_BITS))


def sorted_keys(items: list[Sketch], window: float) -> tuple[Any, Any, Any, Any]:
    """The batch's band keys as numpy arrays: (short keys, seqs) sorted by key (for
    :func:`candidate_pairs`), the (stored key, seq) rows to insert, one per line of an N x 2
    array sorted as the table is (so the B-tree is written in order), and the stored keys to
    look up (each article's keys in the one or two buckets its copies can be in; with
    repeats). Arrays, not lists: the band cache works on arrays (enrich.bands)."""
    import numpy as np

    lens = [len(s.keys) for s in items]
    n = sum(lens)
    shift = 63 - KEY_BITS
    short = np.fromiter(chain.from_iterable(s.keys for s in items), dtype=np.int64, count=n) >> shift
    seqs = np.repeat(np.fromiter((s.seq for s in items), dtype=np.int64, count=len(items)), lens)

    def buckets(offset: float) -> Any:
        return np.repeat(
            np.fromiter(
                (bucket(None if s.day is None else s.day + offset, window) for s in items),
                dtype=np.int64, count=len(items),
            ),
            lens,
        )

    home = ((buckets(0.0) + 1) << KEY_BITS) | short
    by_row = np.lexsort((seqs, home))
    rows = np.column_stack((home[by_row], seqs[by_row]))
    if window:
        lo = ((buckets(-window) + 1) << KEY_BITS) | short
        hi = ((buckets(window) + 1) << KEY_BITS) | short
        wanted = np.concatenate((lo, hi))  # repeats are harmless (see band_hits)
    else:
        wanted = home
    order = np.argsort(short, kind="stable")
    return short[order], seqs[order], rows, wanted


def candidate_pairs(keys: Any, seqs: Any, hits: dict[int, list[int]]) -> set[tuple[int, int]]:
    """(smaller seq, larger seq) pairs sharing a key: a batch article with a stored one (``hits``)
    or with another of the batch. numpy finds the shared keys (``keys`` sorted), so the Python
    work is per candidate pair, not per key."""
    import numpy as np

    if not len(keys):
        return set()
    same = keys[1:] == keys[:-1]
    shared = np.zeros(len(keys), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    if hits:
        shared |= np.isin(keys, np.fromiter(hits, dtype=np.int64, count=len(hits)))
    pairs: set[tuple[int, int]] = set()
    run_key, run = None, []
    for k, seq in zip(keys[shared].tolist(), seqs[shared].tolist(), strict=True):
        if k != run_key:
            run_key, run = k, list(hits.get(k, ()))
        pairs.update((c, seq) if c < seq else (seq, c) for c in run if c != seq)
        run.append(seq)
    return pairs


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class CopiesStage:
    """The ``copies`` enrichment stage (see the module docstring for the method).

    Index field ``copy_group``: one integer per article, the smallest seq of its
    copy group (an article with no copies is its own group, key = its seq), so
    search can collapse hits on it.
    """

    info = StageInfo(
        name="copies",
        version=1,
        reads=("articles",),
        writes=("copies", "copy_keys"),
        index_fields=("copy_group",),
        summary="near-duplicates: copy groups and the original of each (MinHash LSH)",
        parallel=False,
        at_ingest=True,
        extra="dedup",
    )

    #: run in the ingest's reader process on each batch of rows (see :func:`prepare_rows`)
    prepare_in_reader = staticmethod(prepare_rows)

    def __init__(self, window_days: float = WINDOW_DAYS) -> None:
        self.window = window_days
        #: what the reader process prepared (``prepare_rows``), set by the ingest that runs it
        self.prepared: dict[tuple[str, str], tuple[int, list[int]]] | None = None
        #: the band table's recently asked time buckets, in memory (enrich.bands)
        self.bands = BandCache()

    def available(self) -> str | None:
        try:
            import numpy  # noqa: F401
            import rensa  # noqa: F401
        except ImportError as err:
            return (
                f"the copies stage needs the dedup extra ({err.name} is missing): "
                "pip install 'newsdesk[dedup]'"
            )
        return None

    def compute(self, rows: Sequence[StoredRow]) -> list[Sketch]:
        ready = self.prepared or {}
        out: list[Sketch | None] = []
        todo = []
        for r in rows:
            got = ready.get(text_key(r.title, r.body))
            if got is None:
                todo.append(len(out))
                out.append(None)
            else:
                out.append(Sketch(r.seq, None, got[1], day_number(r.published), got[0], (r.title, r.body)))
        if todo:
            made = sketches([(r.seq, r.title, r.body, r.published) for r in (rows[i] for i in todo)])
            for i, sk in zip(todo, made, strict=True):
                out[i] = sk
        return out  # type: ignore[return-value]

    # -- write ------------------------------------------------------------------
    def write(self, store: Store, rows: Sequence[StoredRow], computed: Any) -> list[int]:
        from ..store import copies as db

        items: list[Sketch] = sorted(
            computed if computed is not None else self.compute(rows), key=lambda s: s.seq
        )
        if not items:
            return []
        self._ensure_bands(store)
        redo = db.groups_of(store, [s.seq for s in items])
        if redo:  # re-doing articles already done: drop their old rows first
            self.bands.clear()
            db.remove_bands(
                store,
                [(stored_key(bucket(s.day, self.window), k), s.seq) for s in items if s.seq in redo for k in s.keys],
            )
            db.delete(store, list(redo))
        batch = {s.seq: s for s in items}

        keys, seqs, band_rows, wanted = sorted_keys(items, self.window)
        mask = (1 << KEY_BITS) - 1
        hits: dict[int, list[int]] = {}
        for key, held in self.bands.hits(store, wanted).items():
            hits.setdefault(key & mask, []).extend(held)
        stored_cands = {seq for held in hits.values() for seq in held if seq not in batch}
        stored_sh = {
            seq: (shingles(title, body)[0], day_number(pub))
            for seq, (title, body, pub) in db.texts(store, stored_cands).items()
        }
        pairs = candidate_pairs(keys, seqs, hits)
        uf = _UnionFind()
        stored_matched: set[int] = set()
        for c, seq in pairs:
            if seq not in batch:
                c, seq = seq, c
            s = batch[seq]
            other = (batch[c].shingles, batch[c].day) if c in batch else stored_sh.get(c)
            if (
                other is not None
                and near_in_time(s.day, other[1], self.window)
                and is_copy(s.shingles, other[0])
            ):
                uf.union(seq, c)
                if c not in batch:
                    stored_matched.add(c)
        db.add_bands(store, band_rows.tolist())
        self.bands.add(store, band_rows)
        # merge with the stored groups of matched stored articles
        old_group = db.groups_of(store, stored_matched)
        for seq, grp in old_group.items():
            uf.union(seq, grp)
        groups_members = db.members(store, set(old_group.values()))
        for grp, ms in groups_members.items():
            for m in ms:
                uf.union(m, grp)
        components: dict[int, set[int]] = {}
        for seq in list(batch) + [m for ms in groups_members.values() for m in ms]:
            components.setdefault(uf.find(seq), set()).add(seq)
        current = {
            seq: (info["group"], info["copy_of"])
            for seq, info in db.copy_info(store, [m for ms in groups_members.values() for m in ms]).items()
        }
        keys = db.order_keys(store, [m for c in components.values() for m in c])
        new_rows, updates, changed = [], [], []
        for comp in components.values():
            grp = min(comp)
            original = min(comp, key=lambda m: (keys.get(m, ("9999", "", "")), m))
            for m in comp:
                copy_of = None if m == original else original
                if m in batch:
                    new_rows.append((m, grp, copy_of, batch[m].n_shingles))
                    changed.append(m)
                elif current.get(m) != (grp, copy_of):
                    updates.append((grp, copy_of, m))
                    if current.get(m, (None,))[0] != grp:
                        changed.append(m)
        db.put(store, new_rows)
        db.update_groups(store, updates)
        return sorted(changed)

    def _ensure_bands(self, store: Store) -> None:
        """Rebuild the band table from the articles when it was lost (or made by another scheme).

        Checked on every batch (three one-row queries), not once per process: a rebuild that a
        failed transaction rolled back must be redone, and another process may have dropped it."""
        from ..store import copies as db

        scheme = store.get_meta("copies.scheme", "")
        if db.done_seqs(store, 0, 1) and (scheme != SCHEME or not db.band_rows(store)):
            self.rebuild_bands(store)
        if scheme != SCHEME:
            store.set_meta("copies.scheme", SCHEME)

    def rebuild_bands(self, store: Store) -> int:
        """Recompute every done article's band keys from its stored text (inside a transaction)."""
        from ..store import copies as db

        db.clear_bands(store)
        self.bands.clear()
        after, n = 0, 0
        while True:
            seqs = db.done_seqs(store, after)
            if not seqs:
                return n
            texts = db.texts(store, seqs)
            db.add_bands(
                store,
                sorted(
                    (stored_key(bucket(sk.day, self.window), k), sk.seq)
                    for sk in sketches([(s, t, b, p) for s, (t, b, p) in texts.items()])
                    for k in sk.keys
                ),
            )
            n += len(seqs)
            after = seqs[-1]

    def reset(self, store: Store) -> None:
        from ..store import copies as db

        db.reset(store)
        self.bands.clear()

    def index_values(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        """{seq: {"copy_group": [int]}} for every seq asked (not yet done: its own seq)."""
        from ..store import copies as db

        groups = db.groups_of(store, seqs)
        return {s: {"copy_group": [groups.get(s, s)]} for s in seqs}
