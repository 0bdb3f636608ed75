"""enrich.bands.BandCache answers exactly what the band table's point lookups answer, and is
never stale: another connection's commit drops it, its own inserts join it."""

from __future__ import annotations

import random

import pytest

from newsdesk.enrich import bands
from newsdesk.enrich.bands import BandCache
from newsdesk.store import Store
from newsdesk.store import copies as db

pytest.importorskip("numpy")


def key(bucket: int, short: int) -> int:
    return ((bucket + 1) << 32) | short


@pytest.fixture()
def store(tmp_path):
    s = Store(str(tmp_path))
    yield s
    s.db.close()


def fill(store: Store, rows: list[tuple[int, int]]) -> None:
    with store.transaction():
        db.add_bands(store, sorted(rows))


def test_same_hits_as_point_lookups(store):
    rnd = random.Random(7)
    rows = [(key(rnd.randrange(3), rnd.randrange(5000)), seq) for seq in range(1, 400) for _ in range(20)]
    fill(store, rows)
    cache = BandCache()
    for _ in range(5):
        wanted = [key(rnd.randrange(4), rnd.randrange(5000)) for _ in range(800)] + [k for k, _ in rows[:50]]
        got = {k: sorted(v) for k, v in cache.hits(store, wanted).items()}
        want = {k: sorted(v) for k, v in db.band_hits(store, wanted).items()}
        assert got == want and want  # something found, and the same


def test_own_inserts_join_and_other_commits_clear(store, tmp_path):
    fill(store, [(key(1, 10), 1)])
    cache = BandCache()
    assert cache.hits(store, [key(1, 10), key(1, 11)]) == {key(1, 10): [1]}
    with store.transaction():  # the stage's own write: told to the cache
        db.add_bands(store, [(key(1, 11), 2)])
        cache.add(store, [(key(1, 11), 2)])
    assert cache.hits(store, [key(1, 11)]) == {key(1, 11): [2]}
    other = Store(str(tmp_path))  # another process's connection commits a row
    try:
        with other.transaction():
            db.add_bands(other, [(key(1, 12), 3)])
    finally:
        other.db.close()
    assert cache.hits(store, [key(1, 12)]) == {key(1, 12): [3]}  # not the stale bucket


def test_spread_batch_keeps_point_lookups_and_memory_is_bounded(store, monkeypatch):
    rows = [(key(b, 1), b + 1) for b in range(50)]
    fill(store, rows)
    cache = BandCache()
    got = cache.hits(store, [k for k, _ in rows])  # 50 buckets in one batch: none loaded
    assert got == {k: [s] for k, s in rows}
    assert not cache._buckets
    monkeypatch.setattr(bands, "MAX_ROWS", 3)
    fill(store, [(key(60, i), 100 + i) for i in range(2)] + [(key(61, i), 200 + i) for i in range(2)])
    cache.hits(store, [key(60, 0)])
    cache.hits(store, [key(61, 0)])
    assert cache._rows <= 3 and list(cache._buckets) == [62]  # the older bucket went
    assert cache.hits(store, [key(60, 1)]) == {key(60, 1): [101]}  # reloaded when asked again
