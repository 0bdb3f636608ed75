"""Article bodies compressed in the store: zstd with a dictionary trained on the desk's own articles.

Bodies are most of a desk's bytes (114 of 245 MB for 100,000 synthetic articles), and a news
body is short (about 1 KB), too short for a compressor to learn much from the body alone:
zstd on each body alone keeps 55-59 % of it; with a 110 KB dictionary trained on the desk's
first articles it keeps about 40 %, and decompresses a body in about 4-7 µs (a page of ten hits:
~0.04 ms). Measured with ``python bench/scale.py`` (docs/benchmarks.md).

How a value in ``articles.body`` is read:

* ``TEXT``: stored as it is (round 1 and 2 directories, and bodies under ``MIN_BYTES``);
* ``BLOB`` starting with zstd's magic number: a zstd frame; its header names the dictionary
  (``text_dicts.id``, 0 for none) (stores before round 5, and bodies compressed before the
  desk trained its dictionary);
* ``BLOB`` starting with ``COMPACT``: a zstd frame without magic number or dictionary id,
  compressed with the store's dictionary (a store trains one, once): 15 bytes a body fewer
  (14 MiB of a 1M desk; issue 13).

So old rows need no rewrite and a store is readable whatever mix it holds. Statements select
the body as stored and decode it in Python after fetching (``store.decoded``, ``Codec.text``).
Not through a SQL function: a Python function called from inside SQLite on a connection that
threads share deadlocks when one thread waits in it for the GIL while holding the connection's
mutex and another holds the GIL waiting for that mutex (seen: `newsdesk serve` hung under
concurrent top-terms requests).

The first batch of at least ``TRAIN_MIN`` bodies trains the dictionary, inside that batch's
transaction; a dictionary is never changed or deleted once a body uses it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

import zstandard

DDL = """
CREATE TABLE IF NOT EXISTS text_dicts (
    id        INTEGER PRIMARY KEY,     -- the zstd dictionary id its frames name
    data      BLOB NOT NULL            -- the dictionary (never changed once used)
);
"""

LEVEL = 3  #: zstd level: 3 keeps 42 % at 13.5 µs a body, 1 keeps 45 % at 8 µs (synthetic, 32 KB dictionary)
MIN_BYTES = 64  #: shorter bodies are stored as text (a frame header would eat the gain)
#: zstd's own default size. Against 32 KB, trained on the same first 500 bodies: bodies kept
#: 42.3 -> 40.3 % (100k synthetic), 41.5 -> 40.2 % (Reuters); compressing and decompressing a
#: body as fast (~20 / ~7 us synthetic), training 0.2 s once per desk. A desk keeps the
#: dictionary it trained, so only new desks take this size
DICT_BYTES = 110 * 1024
MIN_DICT_BYTES = 32 * 1024  #: the size before (and the least a batch's samples train: 8x it)
TRAIN_MIN = 500  #: bodies a batch needs to train the dictionary from
COMPACT = 0x01  #: first byte of a compact frame (a zstd frame's first byte is 0x28)
_COMPACT_PREFIX = bytes([COMPACT])


#: zstd frames without the 4-byte magic number and the 4-byte dictionary id (their first byte,
#: ``COMPACT``, says which they are); the content size stays (decompressing in one call)
_COMPACT_PARAMS = zstandard.ZstdCompressionParameters.from_level(
    LEVEL, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_content_size=1, write_dict_id=0
)


class Codec:
    """Compresses bodies for one store connection and decompresses any the store holds."""

    def __init__(self, db: sqlite3.Connection, path: str) -> None:
        self.path = path
        self._dicts: dict[int, zstandard.ZstdCompressionDict] = {}
        self._local = threading.local()  # zstd (de)compressors are not shareable between threads
        self._newest = 0
        self.reload(db)

    def reload(self, db: sqlite3.Connection | None = None) -> None:
        """Read the dictionaries again: after a rolled-back transaction (which may have trained
        one that is now gone), or when a body names one another process trained since (read
        through a connection of its own: a SQL function cannot query its own connection)."""
        own = db is None
        conn = sqlite3.connect(self.path) if own else db
        try:
            rows = conn.execute("SELECT id, data FROM text_dicts ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # before the DDL ran
            rows = []
        finally:
            if own:
                conn.close()
        self._dicts = {did: zstandard.ZstdCompressionDict(data) for did, data in rows}
        self._digested: set[int] = set()
        self._newest = rows[-1][0] if rows else 0
        self._local = threading.local()

    def _tools(self) -> tuple[Any, dict[int, Any]]:
        local = self._local
        if getattr(local, "newest", None) != self._newest:
            d = self._dicts.get(self._newest)
            local.compact = d is not None and len(self._dicts) == 1
            if d is not None and self._newest not in self._digested:  # once, not per body: -20 %
                if local.compact:
                    d.precompute_compress(compression_params=_COMPACT_PARAMS)
                else:
                    d.precompute_compress(level=LEVEL)
                self._digested.add(self._newest)
            if local.compact:
                local.compressor = zstandard.ZstdCompressor(compression_params=_COMPACT_PARAMS, dict_data=d)
            else:  # no dictionary yet (or a store of several, which compact frames cannot name)
                local.compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=d, write_content_size=True)
            local.newest = self._newest
            local.decompressors = {}
        return local.compressor, local.decompressors

    def pack(self, body: str) -> str | bytes:
        """What to store for ``body``: a compact frame (a zstd frame when the store has no
        dictionary yet), or the text itself when short."""
        if len(body) < MIN_BYTES:
            return body
        compressor = self._tools()[0]
        if not self._local.compact:
            return compressor.compress(body.encode("utf-8"))
        return _COMPACT_PREFIX + compressor.compress(body.encode("utf-8"))

    def text(self, value: Any) -> Any:
        """The body text of a stored value (text as it is; zstd bytes decompressed)."""
        if not isinstance(value, bytes):
            return value
        decompressors = self._tools()[1]
        if value[:1] == _COMPACT_PREFIX:
            return self._compact_decompressor(decompressors).decompress(value[1:]).decode("utf-8")
        did = zstandard.get_frame_parameters(value).dict_id
        dec = decompressors.get(did)
        if dec is None:
            if did and did not in self._dicts:
                self.reload()
                if did not in self._dicts:
                    raise ValueError(f"{self.path}: an article body names compression dictionary {did}, "
                                     "which the store lacks (text_dicts)")
                decompressors = self._tools()[1]
            dec = zstandard.ZstdDecompressor(dict_data=self._dicts[did]) if did else zstandard.ZstdDecompressor()
            decompressors[did] = dec
        return dec.decompress(value).decode("utf-8")

    def _compact_decompressor(self, decompressors: dict[Any, Any]) -> Any:
        dec = decompressors.get(COMPACT)
        if dec is None:
            if len(self._dicts) != 1:
                self.reload()  # trained by another process since this one read the dictionaries
                if len(self._dicts) != 1:
                    raise ValueError(f"{self.path}: an article body is compressed with the store's one dictionary, "
                                     f"but text_dicts holds {len(self._dicts)}")
                decompressors = self._tools()[1]
            (d,) = self._dicts.values()
            dec = zstandard.ZstdDecompressor(dict_data=d, format=zstandard.FORMAT_ZSTD1_MAGICLESS)
            decompressors[COMPACT] = dec
        return dec

    def maybe_train(self, db: sqlite3.Connection, bodies: Sequence[str]) -> None:
        """Train and keep the desk's dictionary from ``bodies`` if it has none yet (call
        inside the transaction that stores them, so the dictionary and its first users
        commit together)."""
        if self._newest or len(bodies) < TRAIN_MIN:
            return
        self.reload(db)  # another writer (an earlier process) may have trained one
        if self._newest:
            return
        samples = [b.encode("utf-8") for b in bodies if len(b) >= MIN_BYTES]
        total = sum(map(len, samples))
        if len(samples) < TRAIN_MIN or total < 8 * MIN_DICT_BYTES:
            return
        try:  # a quarter of the samples at most: Reuters' first 1,000 bodies are ~700 KB
            d = zstandard.train_dictionary(min(DICT_BYTES, max(MIN_DICT_BYTES, total // 4)), samples, level=LEVEL)
        except zstandard.ZstdError:  # too little variety to learn from: go on without
            return
        db.execute("INSERT INTO text_dicts (id, data) VALUES (?, ?)", (d.dict_id(), d.as_bytes()))
        self._dicts[d.dict_id()] = d
        self._newest = d.dict_id()
