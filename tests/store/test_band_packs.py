"""The band table in two parts (rows in ``copy_keys``, packed groups in store.bands) answers as
one plain set of (stored key, seq) rows would: after any mix of inserts, repeats, removals,
packings and regroupings, in any time bucket (undated and before 1970 included); a rolled-back
transaction leaves nothing behind; a closing store packs what it wrote and gives the pages back."""

from __future__ import annotations

import os
import random

import pytest

from newsdesk.store import Store, bands
from newsdesk.store import copies as db

pytest.importorskip("numpy")


def key(bucket: int, short: int) -> int:
    return ((bucket + 1) << 32) | short


@pytest.fixture()
def store(tmp_path):
    s = Store(str(tmp_path))
    yield s
    s.close()


def reference_hits(held: set[tuple[int, int]], wanted: list[int]) -> dict[int, list[int]]:
    asked = set(wanted)
    out: dict[int, list[int]] = {}
    for k, s in sorted(held):
        if k in asked:
            out.setdefault(k, []).append(s)
    return out


def check(store: Store, held: set[tuple[int, int]], rnd: random.Random, buckets: list[int]) -> None:
    asked = [k for k, _ in rnd.sample(sorted(held), min(len(held), 300))]
    asked += [key(rnd.choice(buckets), rnd.randrange(1 << 32)) for _ in range(300)]
    assert {k: sorted(v) for k, v in db.band_hits(store, asked).items()} == reference_hits(held, asked)
    for b in buckets:
        lo, hi = (b + 1) << 32, (b + 2) << 32
        got = [tuple(r) for r in db.bucket_rows(store, lo, hi).tolist()]
        assert got == sorted((k, s) for k, s in held if lo <= k < hi)
    assert db.band_count(store) == len(held)


@pytest.mark.parametrize("split", [bands.SPLIT_ROWS, 3])
def test_same_answers_as_a_set_of_rows(store, monkeypatch, split):
    monkeypatch.setattr(bands, "SPLIT_ROWS", split)  # 3: buckets regroup again and again
    rnd = random.Random(split)
    buckets = [-1, -7000, 0, 5, 6, 13000]  # undated, 1893, 1970, ..., 2112
    held: set[tuple[int, int]] = set()
    for step in range(12):
        rows = [(key(rnd.choice(buckets), rnd.randrange(1 << 32) if rnd.random() < 0.9 else 77), seq)
                for seq in range(step * 40 + 1, step * 40 + 41) for _ in range(34)]
        with store.transaction():
            db.add_bands(store, sorted(rows))
        held |= set(rows)
        gone = rnd.sample(sorted(held), min(len(held), 50))
        with store.transaction():
            db.remove_bands(store, gone)
        held -= set(gone)
        check(store, held, rnd, buckets)
        if step % 3 == 1:
            assert db.pack_bands(store, per_transaction=500) > 0  # several transactions
            assert store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0] == 0
            check(store, held, rnd, buckets)
    if split == 3:
        levels = dict(store.db.execute("SELECT bucket, bits FROM band_buckets"))
        assert levels and any(bits > bands.BASE_BITS for bits in levels.values())


def test_removing_everything_leaves_no_group(store):
    rows = [(key(3, i * 1000), i) for i in range(1, 100)]
    with store.transaction():
        db.add_bands(store, rows)
    db.pack_bands(store)
    with store.transaction():
        db.remove_bands(store, rows)
    assert not db.band_rows(store)
    assert store.db.execute("SELECT count(*) FROM band_blobs").fetchone()[0] == 0


def test_rolled_back_packing_loses_nothing(store):
    with store.transaction():
        db.add_bands(store, [(key(2, 5), 1), (key(2, 6), 2)])
    with pytest.raises(RuntimeError), store.transaction():
        bands.add(store, [(key(2, 5), 1)])
        store.db.execute("DELETE FROM copy_keys")
        raise RuntimeError("killed while packing")
    assert db.band_hits(store, [key(2, 5), key(2, 6)]) == {key(2, 5): [1], key(2, 6): [2]}
    assert not bands.any_buckets(store)


def test_seqs_of_every_width_share_a_group(store):
    seqs = [1, 255, 256, 65_535, 65_536, (1 << 24) - 1, 1 << 24, (1 << 32) - 1]
    rows = [(key(4, 0xABCDEF00 + i), s) for i, s in enumerate(seqs)] + [(key(4, 0xAB000001), 3)]
    with store.transaction():
        bands.add(store, rows[:1] + rows[-1:])  # a 1-byte group first, then it widens
        bands.add(store, rows)
    assert db.band_hits(store, [k for k, _ in rows]) == {k: [s] for k, s in sorted(rows)}
    assert [w for (w,) in store.db.execute("SELECT seq_bytes FROM band_blobs")] == [4]
    with store.transaction():
        db.remove_bands(store, rows[1:-1])
    assert [w for (w,) in store.db.execute("SELECT seq_bytes FROM band_blobs")] == [1]


def test_a_seq_past_32_bits_is_refused(store):
    with pytest.raises(ValueError, match="2\\^32"), store.transaction():
        bands.add(store, [(key(1, 1), 1 << 32)])


def test_a_closing_store_packs_its_rows_and_gives_pages_back(tmp_path):
    (tmp_path / "d").mkdir()
    store = Store(str(tmp_path / "d"))
    rnd = random.Random(3)
    rows = sorted({(key(rnd.randrange(20), rnd.randrange(1 << 32)), seq) for seq in range(1, 3001) for _ in range(34)})
    with store.transaction():
        db.add_bands(store, rows)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = os.path.getsize(tmp_path / "d" / "newsdesk.db")
    store.close()
    store = Store(str(tmp_path / "d"))
    assert store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0] == 0
    assert db.band_count(store) == len(rows)
    assert db.band_hits(store, [rows[0][0]]) == {rows[0][0]: [rows[0][1]]}
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert os.path.getsize(tmp_path / "d" / "newsdesk.db") < before * 0.7
    store.close()


def test_a_copy_is_found_against_packed_rows(tmp_path):
    pytest.importorskip("rensa")
    from newsdesk.enrich.copies import CopiesStage
    from tests.enrich.test_copies import BODY, COPIES, TITLE, add, art, run

    store = Store(str(tmp_path))
    first = add(store, [art("orig", TITLE, BODY)])
    run(store, CopiesStage(), first)
    store.close()  # packs the original's band rows
    store = Store(str(tmp_path))
    assert store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0] == 0 and bands.any_rows(store)
    later = add(store, [art("copy", *COPIES["credit"])])
    run(store, CopiesStage(), later)
    groups = db.all_groups(store)
    assert groups[later[0].seq] == groups[first[0].seq], "the copy joins the packed original's group"
    store.close()


def test_the_desk_says_when_closing_will_pack(tmp_path):
    """The CLI shows a spinner for the pack only when there is one to do (Desk.packing_pending)."""
    import newsdesk
    from newsdesk.model import Record

    records = [Record(title=f"Harbour strike day {i}", body=("dock workers walked out again " * 30) + str(i),
                      external_id=f"r{i}") for i in range(5)]
    desk = newsdesk.open(tmp_path / "data")
    assert not desk.packing_pending()
    desk.ingest_records(records)
    assert desk.packing_pending()
    desk.close()
    with newsdesk.open(tmp_path / "data") as again:
        assert not again.packing_pending()
