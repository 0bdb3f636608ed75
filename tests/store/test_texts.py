"""Bodies compressed in the store: every body reads back exactly, whichever way it was stored."""

from __future__ import annotations

import random
import sqlite3

import pytest

from newsdesk.model import Article
from newsdesk.store import Store, article_values
from newsdesk.store import texts as store_texts

WORDS = ["market", "shares", "bank", "rate", "oil", "tonnes", "said", "year", "pct", "company", "government", "trade", "prices", "export", "wheat", "dollar", "profit", "quarter", "billion", "million", "growth"]


def body(rnd: random.Random, n: int = 120) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n)) + " naïve café – “quoted” 東京"


def art(i: int, text: str) -> Article:
    return Article(id=f"id-{i}", external_id=str(i), url="", source="Wire", title=f"Title {i}", body=text,
                   published="2026-06-03T06:00:00Z", authors=[], lang="en", metadata={}, provenance="t",
                   ingested_at="2026-06-03T06:00:00Z")


def stored_types(path) -> dict[str, int]:
    db = sqlite3.connect(path / "newsdesk.db")
    out = dict(db.execute("SELECT typeof(body), count(*) FROM articles GROUP BY 1").fetchall())
    db.close()
    return out


def test_bodies_round_trip_compressed_with_a_trained_dictionary(tmp_path):
    rnd = random.Random(1)
    texts = [body(rnd) for _ in range(store_texts.TRAIN_MIN)] + ["short", "", "x" * 63, "ünïcödé " * 9]
    store = Store(str(tmp_path))
    store.add_values([article_values(art(i, t)) for i, t in enumerate(texts)])
    assert [store.get(f"id-{i}").body for i in range(len(texts))] == texts
    rows = store.rows_by_seq(list(range(1, len(texts) + 1)))
    assert [rows[s].body for s in sorted(rows)] == texts
    assert store.db.execute("SELECT count(*) FROM text_dicts").fetchone()[0] == 1
    store.close()
    types = stored_types(tmp_path)
    assert types["blob"] >= store_texts.TRAIN_MIN and types["text"] == 3  # the three under MIN_BYTES
    raw = sum(len(t.encode("utf-8")) for t in texts)
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    packed = db.execute("SELECT sum(length(CAST(body AS BLOB))) FROM articles").fetchone()[0]
    db.close()
    assert packed < 0.5 * raw, (packed, raw)


def test_plain_text_bodies_of_older_directories_read_as_they_are(tmp_path):
    Store(str(tmp_path)).close()
    db = sqlite3.connect(tmp_path / "newsdesk.db")
    db.execute("INSERT INTO articles (seq, id, title, body, version) VALUES (1, 'old', 't', ?, 1)", ("plain " * 40,))
    db.commit()
    db.close()
    store = Store(str(tmp_path))
    assert store.get("old").body == "plain " * 40
    assert store.hit_rows([1])[1].body == "plain " * 40


def test_a_dictionary_rolled_back_with_its_batch_is_never_used(tmp_path):
    rnd = random.Random(2)
    store = Store(str(tmp_path))
    batch = [article_values(art(i, body(rnd))) for i in range(store_texts.TRAIN_MIN)]
    with pytest.raises(RuntimeError), store.transaction():
        store.texts.maybe_train(store.db, [v[5] for v in batch])
        assert store.texts.pack("y" * 100)  # the new dictionary is in use inside the transaction
        raise RuntimeError("the batch fails")
    store.add_values([article_values(art(9999, body(rnd)))])  # one body: too few to train
    store.close()
    again = Store(str(tmp_path))
    assert again.db.execute("SELECT count(*) FROM text_dicts").fetchone()[0] == 0
    assert again.get("id-9999").body.startswith(tuple(WORDS))


def test_a_reader_opened_before_the_dictionary_reads_bodies_written_after(tmp_path):
    rnd = random.Random(3)
    reader = Store(str(tmp_path))
    texts = [body(rnd) for _ in range(store_texts.TRAIN_MIN + 10)]
    writer = Store(str(tmp_path))
    writer.add_values([article_values(art(i, t)) for i, t in enumerate(texts)])
    writer.close()
    assert reader.get("id-3").body == texts[3]
    assert reader.hit_rows([5])[5].body == texts[4]


def test_compact_frames_after_training_and_full_frames_of_older_stores_read_alike(tmp_path):
    """Once the store has its dictionary, bodies are compact frames (no magic number, no
    dictionary id: 8 header bytes fewer, one marker byte more); a body stored as a full zstd frame naming the same
    dictionary (round 4 stores) or none reads back the same."""
    import zstandard

    rnd = random.Random(4)
    texts = [body(rnd) for _ in range(store_texts.TRAIN_MIN + 2)]
    store = Store(str(tmp_path))
    store.add_values([article_values(art(i, t)) for i, t in enumerate(texts)])
    (did, data), = store.db.execute("SELECT id, data FROM text_dicts").fetchall()
    stored = dict(store.db.execute("SELECT id, body FROM articles"))
    assert all(v[0] == store_texts.COMPACT for v in stored.values())
    full = zstandard.ZstdCompressor(level=store_texts.LEVEL, dict_data=zstandard.ZstdCompressionDict(data),
                                    write_content_size=True).compress(texts[0].encode())
    assert zstandard.get_frame_parameters(full).dict_id == did and len(full) >= len(stored["id-0"]) + 7
    plain = zstandard.ZstdCompressor(level=store_texts.LEVEL).compress(texts[1].encode())
    with store.transaction():
        store.db.execute("UPDATE articles SET body = ? WHERE id = 'id-0'", (full,))
        store.db.execute("UPDATE articles SET body = ? WHERE id = 'id-1'", (plain,))
    store.close()
    again = Store(str(tmp_path))
    assert [again.get(f"id-{i}").body for i in range(len(texts))] == texts
    again.close()
