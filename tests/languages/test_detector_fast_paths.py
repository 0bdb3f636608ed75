"""The language detector's fast paths give exactly what the plain ways give.

``_Model._states`` finds the scanner's state after every byte at once (a window of
``depth`` bytes per position) instead of walking the bytes one by one; ``_plainly_english``
finds words with ``bytes.translate`` instead of a regular expression. Both are only
allowed because they answer the same: these tests walk and match the plain way and compare."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from newsdesk.readers import languages

pytest.importorskip("py3langid.langid")


def _walk(model: languages._Model, data: bytes) -> list[int]:
    """The scanner's states one byte at a time, as py3langid's ``visit_counts`` walks."""
    state, out = 0, []
    for byte in data:
        state = int(model.nextmove[model.rowbase[state] + byte])
        out.append(state)
    return out


def _samples() -> list[bytes]:
    rnd = random.Random(13)
    letters = "abcdefghij klmnop ABC éèü ß 中国经济 ПРАВ שלום 0123 .,\n"
    texts = [b"", b"a", b"ab", b"the", b"Die Regierung hat am Montag"]
    texts += ["".join(rnd.choice(letters) for _ in range(rnd.randint(1, 400))).encode() for _ in range(150)]
    texts += [bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 200))) for _ in range(150)]
    return texts


def test_states_at_once_equal_the_byte_by_byte_walk(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = languages._Model.load()
    assert model.depth >= 4  # byte 1- to 4-grams at least: a smaller depth would be a wrong model
    for data in _samples():
        got = model._states(np.frombuffer(data, dtype=np.uint8)).tolist()
        assert got == _walk(model, data), data[:40]


def _deepest_path(model: languages._Model) -> bytes:
    """Bytes that lead the scanner from its start to one of its deepest states (breadth first)."""
    nm, rowbase = np.asarray(model.nextmove), np.asarray(model.rowbase)
    path = {0: b""}
    frontier = [0]
    while frontier:
        nxt = []
        for state in frontier:
            for byte, target in enumerate(nm[rowbase[state] : rowbase[state] + 256].tolist()):
                if target not in path:
                    path[target] = path[state] + bytes([byte])
                    nxt.append(target)
        if not nxt:
            return path[frontier[0]]
        frontier = nxt
    raise AssertionError("unreachable")


def test_fewer_steps_than_the_depth_would_miss_states(monkeypatch, tmp_path):
    """The window must be the automaton's full depth: one byte less misses its deepest states
    (so the test above would catch a depth computed too small)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    model = languages._Model.load()
    deep = b"xyz " + _deepest_path(model)
    assert len(deep) == 4 + model.depth
    assert model._states(np.frombuffer(deep, dtype=np.uint8)).tolist() == _walk(model, deep)
    model.depth -= 1
    assert model._states(np.frombuffer(deep, dtype=np.uint8)).tolist() != _walk(model, deep)


@pytest.mark.parametrize(
    "text",
    [
        "The company said it was raising its dividend, and the board of the bank agreed to it.",
        "SHOWERS CONTINUED THROUGHOUT THE WEEK IN THE BAHIA COCOA ZONE",
        "u.s. it's 3rd-qtr o'neill\tand\nthe_of-to  in",
        "Qtly div eights cts vs 7.5 cts prior Pay April 15 Record April one",
        "", "12345 !!! 678", "a" * 50,
    ],
)
def test_plain_english_words_are_the_regex_words(text):
    words = re.findall(r"[a-z]+", text.lower())
    assert text.encode("ascii").translate(languages._ASCII_WORD_BYTES).split() == [w.encode() for w in words]
    common = [w for w in words if w in languages._EN_WORDS]
    want = len(words) >= languages.EN_MIN_WORDS and len(common) >= languages.EN_MIN_SHARE * len(words) and len(
        set(common)
    ) >= 4
    assert languages._plainly_english(text) == want


def test_writing_the_cache_drops_this_models_older_formats_only(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = languages._cache_path()
    stem = folder.name.rpartition("-")[0]
    older = folder.parent / f"{stem}-{languages._CACHE_FORMAT - 1}"
    other_model = folder.parent / "langid-9.9.9-1-2-1"
    for path in (older, other_model):
        path.mkdir(parents=True)
        (path / "ptc.npy").write_bytes(b"old")
    languages._Model.load()  # no cache of this format yet: unpacks and writes it
    assert (folder / "ptc.npy").is_file()
    assert not older.exists()
    assert (other_model / "ptc.npy").is_file()
