"""An article's sketch for the copies stage: its word shingles, MinHash signature and LSH keys.

Steps 1-3 of the method in :mod:`newsdesk.enrich.copies` (which re-exports every name here):
normalise the body to words, shingle them, MinHash the shingles (``rensa``) and hash the
signature's bands (plus the lead words) to the keys the band table holds. The keys are part of
the desk's stored format (``copies.SCHEME``): any faster way here must give the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

SHINGLE = 3  #: words per shingle
NUM_PERM = 128  #: MinHash slots
BANDS = 32  #: LSH bands ...
ROWS = 4  #: ... of this many slots each (BANDS * ROWS == NUM_PERM); knee near Jaccard 0.42
LEAD_KEYS = 2  #: extra keys from words [0:8], [8:16] of the body, for excerpts
LEAD_WORDS = 8
MIN_SHINGLES = 5  #: articles with fewer shingles are never matched (too little text)
SEED = 20261201  #: MinHash seed: fixed, the band table depends on it

_CREDITS = frozenset({"reuters", "reuter", "ap", "afp"})
_MASK63 = (1 << 63) - 1
#: every character below U+3000 that is not a letter or digit becomes a space (then str.split)
_SPACES = {c: " " for c in range(0x3000) if not chr(c).isalnum()}
#: the same for ASCII text as one byte table (``bytes.translate`` is ~30x ``str.translate``)
_ASCII_SPACES = bytes(c if chr(c).isalnum() else 0x20 for c in range(128)) + b" " * 128


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits) of ``text`` without wire credits."""
    text = text.lower()
    if text.isascii():
        ws = text.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    else:
        ws = text.translate(_SPACES).split()
    if _CREDITS.isdisjoint(ws):
        return ws
    return [w for w in ws if w not in _CREDITS]


def _shingle_list(title: str, body: str, k: int = SHINGLE) -> tuple[list[str], list[str]]:
    """(shingles in text order, repeats kept; body words): what :func:`shingles` makes a set of.
    MinHash takes the list as it is (a repeated shingle changes no minimum)."""
    ws = words(body)
    if len(ws) < k + MIN_SHINGLES - 1:
        ws = words(title) + ws
    if len(ws) < k:
        return [], ws
    if k == 3:
        return list(map(" ".join, zip(ws, ws[1:], ws[2:], strict=False))), ws
    return [" ".join(ws[i : i + k]) for i in range(len(ws) - k + 1)], ws


def shingles(title: str, body: str, k: int = SHINGLE) -> tuple[set[str], list[str]]:
    """(shingle set, body words) of an article; the headline is used only when the body is too short."""
    listed, ws = _shingle_list(title, body, k)
    return set(listed), ws


def _h63(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") & _MASK63


def batch_keys(docs: Sequence[tuple[set[str], list[str]]]) -> list[list[int]]:
    """LSH keys of many articles: per band, the hash of (band number, its ROWS slots).

    Python's tuple hash of ints is deterministic across processes (only str/bytes hashing is
    salted); :data:`SCHEME` carries a fingerprint of it, so a Python whose tuple hash differs
    rebuilds the band table instead of silently missing matches. The tuple hashes are
    computed for the whole batch at once (:func:`_band_hashes`, the same numbers)."""
    return _keys([sh for sh, _ws in docs], [len(sh) for sh, _ws in docs], [ws for _sh, ws in docs])


def _keys(tokens: Sequence[Any], distinct: Sequence[int], body_words: Sequence[list[str]]) -> list[list[int]]:
    """Band keys (then lead keys) of articles given their shingles (any iterable, repeats
    harmless), their distinct shingle counts and their words."""
    from rensa import RMinHash

    todo = [i for i, n in enumerate(distinct) if n >= MIN_SHINGLES]
    out: list[list[int]] = [[] for _ in distinct]
    if not todo:
        return out
    sigs = RMinHash.digest_matrix_from_token_sets([tokens[i] for i in todo], NUM_PERM, SEED).to_rows()
    for i, keys in zip(todo, _band_hashes(sigs), strict=True):
        ws = body_words[i]
        for j in range(LEAD_KEYS):
            lead = ws[j * LEAD_WORDS : (j + 1) * LEAD_WORDS]
            if len(lead) == LEAD_WORDS:
                keys.append(_h63(f"lead{j}\0" + " ".join(lead)))
        out[i] = keys
    return out


# CPython's tuple hash (Objects/tupleobject.c, xxHash-style, 3.8+) on 64-bit builds
_XXPRIME_1, _XXPRIME_2, _XXPRIME_5 = 11400714785074694791, 14029467366897019727, 2870177450012600261
_HASH_MODULUS = (1 << 61) - 1  #: sys.hash_info.modulus: hash(n) == n % this for n >= 0


def _band_hashes(sigs: list[list[int]]) -> list[list[int]]:
    """``[hash((band, *sig[band * ROWS:(band + 1) * ROWS])) & _MASK63 for band in range(BANDS)]``
    of every signature, in numpy: the tuple hash's arithmetic in uint64, which wraps as the
    C code does (tests compare it with ``hash`` itself; ~20x faster than a tuple per band)."""
    import numpy as np

    lanes = np.array(sigs, dtype=np.uint64).reshape(len(sigs), BANDS, ROWS) % np.uint64(_HASH_MODULUS)
    with np.errstate(over="ignore"):
        acc = np.full((len(sigs), BANDS), _XXPRIME_5, dtype=np.uint64)
        p1, p2 = np.uint64(_XXPRIME_1), np.uint64(_XXPRIME_2)
        columns = [np.broadcast_to(np.arange(BANDS, dtype=np.uint64), acc.shape)]
        columns += [lanes[:, :, r] for r in range(ROWS)]
        for lane in columns:
            acc += lane * p2
            acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
            acc *= p1
        acc += np.uint64((ROWS + 1) ^ (_XXPRIME_5 ^ 3527539))
    acc[acc == np.uint64(0xFFFFFFFFFFFFFFFF)] = np.uint64(1546275796)  # hash() is never -1
    return (acc & np.uint64(_MASK63)).astype(np.int64).tolist()


class Sketch:
    """What compute() gives write() for one article: its band keys, day and shingle count.

    The shingle set itself is needed only to verify a candidate pair, which few articles
    have; a sketch made in the reader process (:func:`prepare_rows`) carries the text
    instead and shingles it again only when asked (``shingles``), so the shingle sets of
    an ingest never cross the process boundary."""

    __slots__ = ("_shingles", "_text", "day", "keys", "n_shingles", "seq")

    def __init__(
        self, seq: int, shingle_set: set[str] | None, keys: list[int], day: float | None,
        n_shingles: int | None = None, text: tuple[str, str] = ("", ""),
    ) -> None:
        self.seq, self.keys, self.day = seq, keys, day
        self._shingles = shingle_set
        self.n_shingles = len(shingle_set) if shingle_set is not None else int(n_shingles or 0)
        self._text = text

    @property
    def shingles(self) -> set[str]:
        if self._shingles is None:
            self._shingles = shingles(*self._text)[0]
        return self._shingles


def day_number(published: str) -> float | None:
    """Days since 1970 of an ISO timestamp (None when it has none or it is unreadable): how the
    copies and stories stages compare dates."""
    if not published:
        return None
    try:
        return datetime.fromisoformat(published.replace("Z", "+00:00")).timestamp() / 86400.0
    except ValueError:
        return None


def sketch(seq: int, title: str, body: str, published: str = "") -> Sketch:
    return sketches([(seq, title, body, published)])[0]


def sketches(docs: Sequence[tuple[int, str, str, str]]) -> list[Sketch]:
    """Sketches of (seq, title, body, published) tuples."""
    shs = [shingles(title, body) for _, title, body, _ in docs]
    keys = batch_keys(shs)
    return [Sketch(d[0], sh[0], k, day_number(d[3])) for d, sh, k in zip(docs, shs, keys, strict=True)]


def text_key(title: str, body: str) -> tuple[str, str]:
    """What a sketch made in the reader process is found again by: the text it was made from."""
    return (title, body)


def prepare_rows(rows: Sequence[tuple]) -> dict[tuple[str, str], tuple[int, list[int]]]:
    """{text_key: (shingle count, band keys)} of ``store.article_values`` rows.

    Run by the ingest's reader process (:mod:`newsdesk.readers.background`) on its own core,
    so shingling and MinHash, about a third of an ingest's CPU time with dedup, leave the
    process that stores and indexes. A module-level function so that it pickles by name.
    Only the count of distinct shingles is needed here, not their set: MinHash reads the
    shingles in text order, repeats and all."""
    made = [_shingle_list(v[4], v[5]) for v in rows]
    distinct = [len(set(listed)) for listed, _ws in made]
    keys = _keys([listed for listed, _ws in made], distinct, [ws for _listed, ws in made])
    return {text_key(v[4], v[5]): (n, k) for v, n, k in zip(rows, distinct, keys, strict=True)}
