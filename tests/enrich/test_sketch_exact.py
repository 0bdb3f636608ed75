"""The sketch side's fast paths give the numbers the plain code gave (the band table depends on them).

``words`` translates ASCII text as bytes, MinHash runs on a whole batch at once over the shingles
in text order (repeats kept), and the band keys' tuple hashes are computed in numpy. Each is
compared here with the plain way: ``str.translate``, one ``RMinHash`` per article over the shingle
set, ``hash(tuple)``. A difference would silently stop copies from matching across versions."""

from __future__ import annotations

import random

import pytest

from newsdesk.enrich import sketch

rensa = pytest.importorskip("rensa")
np = pytest.importorskip("numpy")


def _plain_words(text: str) -> list[str]:
    ws = text.lower().translate(sketch._SPACES).split()
    return [w for w in ws if w not in sketch._CREDITS]


def _plain_keys(title: str, body: str) -> tuple[int, list[int]]:
    ws = _plain_words(body)
    if len(ws) < sketch.SHINGLE + sketch.MIN_SHINGLES - 1:
        ws = _plain_words(title) + ws
    sh = {f"{a} {b} {c}" for a, b, c in zip(ws, ws[1:], ws[2:], strict=False)}
    if len(sh) < sketch.MIN_SHINGLES:
        return len(sh), []
    m = rensa.RMinHash(num_perm=sketch.NUM_PERM, seed=sketch.SEED)
    m.update(list(sh))
    sig = m.digest()
    cols = [sig[r :: sketch.ROWS] for r in range(sketch.ROWS)]
    keys = [hash(t) & sketch._MASK63 for t in zip(range(sketch.BANDS), *cols, strict=True)]
    for j in range(sketch.LEAD_KEYS):
        lead = ws[j * sketch.LEAD_WORDS : (j + 1) * sketch.LEAD_WORDS]
        if len(lead) == sketch.LEAD_WORDS:
            keys.append(sketch._h63(f"lead{j}\0" + " ".join(lead)))
    return len(sh), keys


def _articles() -> list[tuple[str, str]]:
    rnd = random.Random(5)
    vocab = ["the", "bank", "said", "rates", "Reuters", "AP", "oil", "prices", "rose", "3.5", "pct", "Ölpreis",
             "stieg", "中国", "经济", "ПРАВ", "déjà", "vu", "U.S.", "(Reuters)", "-", "\n\n", "don't", "x1"]
    arts = [("", ""), ("Short", "one two three"), ("Title words are used here", "too short body"),
            ("t", "Reuter a b c d e f g h i j k l m n o p AFP q r s"),
            ("BAHIA COCOA REVIEW", "Showers continued throughout the week in\nthe Bahia cocoa zone, alleviating " * 3)]
    for _ in range(300):
        body = " ".join(rnd.choice(vocab) for _ in range(rnd.randint(0, 200)))
        arts.append((rnd.choice(["", "Oil prices rise", "中国经济"]), body))
    arts += [(t, b + " repeated " + b) for t, b in arts[5:40]]  # repeated shingles
    return arts


def test_words_as_the_plain_translate():
    for title, body in _articles():
        assert sketch.words(body) == _plain_words(body)
        assert sketch.words(title) == _plain_words(title)


def test_reader_keys_and_counts_as_the_plain_way():
    arts = _articles()
    rows = [("id", "", "", "", t, b) for t, b in arts]
    got = sketch.prepare_rows(rows)
    for title, body in arts:
        assert got[sketch.text_key(title, body)] == _plain_keys(title, body), (title, body[:60])


def test_sketches_as_the_plain_way():
    arts = _articles()
    made = sketch.sketches([(i, t, b, "") for i, (t, b) in enumerate(arts)])
    for sk, (title, body) in zip(made, arts, strict=True):
        n, keys = _plain_keys(title, body)
        assert (sk.n_shingles, sk.keys) == (n, keys)
        assert sk.shingles == sketch.shingles(title, body)[0]


def test_band_hashes_are_pythons_tuple_hash():
    rnd = random.Random(9)
    sigs = [[rnd.randrange(1 << 32) for _ in range(sketch.NUM_PERM)] for _ in range(50)]
    sigs += [[rnd.randrange(1 << 64) for _ in range(sketch.NUM_PERM)] for _ in range(50)]  # beyond hash's modulus
    sigs.append([0] * sketch.NUM_PERM)
    want = [
        [hash((b, *sig[b * sketch.ROWS : (b + 1) * sketch.ROWS])) & sketch._MASK63 for b in range(sketch.BANDS)]
        for sig in sigs
    ]
    assert sketch._band_hashes(sigs) == want
