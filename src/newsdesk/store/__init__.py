"""The store of record: one SQLite file holding every article, in full.

Everything else (the tantivy index, entity tables, caches) can be rebuilt
from here. Three ideas keep it safe:

* **Idempotent inserts.** ``articles.id`` is unique; inserting an article
  that is already there is a no-op that the caller counts as "already present".
* **A change counter.** Every insert or update of an article stamps it with the
  next value of ``meta.version``. The index remembers the highest version it
  has committed (``meta.indexed_version``), so on open it re-indexes exactly the
  rows that changed since, whether the last writer finished or was killed.
* **One writer.** A process that writes holds an exclusive ``flock`` on
  ``write.lock`` in the data directory; a second writer is told who holds it
  instead of corrupting anything. Readers never lock (SQLite WAL mode).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from ..errors import DataDirError, WriterBusyError
from ..model import Article, StoredRow
from .articles import Compactor, column_sql
from .schema import MIGRATIONS, SCHEMA_VERSION, all_ddl
from .texts import Codec

COLUMNS = (
    "seq", "id", "external_id", "url", "source", "title", "body", "published",
    "authors", "lang", "metadata", "provenance", "ingested_at", "version",
)


def select_list(columns: Iterable[str], prefix: str = "") -> str:
    """``columns`` of ``articles`` for a SELECT. The body comes back as stored (text, or zstd
    bytes): callers decode it with :func:`decoded` after fetching, in Python, never through a SQL
    function -- a Python SQL function on a connection that threads share can deadlock (one thread
    holds the connection's mutex inside the function waiting for the GIL while another holds the
    GIL waiting for the mutex), which hung `newsdesk serve` under concurrent top-terms load.
    ``provenance`` and ``ingested_at`` are stored compacted and read back as text here
    (:func:`newsdesk.store.articles.column_sql`)."""
    return ", ".join(column_sql(c, prefix) for c in columns)


def decoded(texts: Codec, rows: Iterable[tuple], at: int = 6) -> list[tuple]:
    """``rows`` with the stored body in column ``at`` turned back into text."""
    text = texts.text
    return [r[:at] + (text(r[at]),) + r[at + 1 :] if isinstance(r[at], bytes) else tuple(r) for r in rows]


_SELECT = "SELECT " + select_list(COLUMNS) + " FROM articles"
MMAP_BYTES = 256 * 2**20
INGEST_CACHE_KIB = 64 * 1024  #: SQLite page cache while an ingest writes (see Store.map_reads)
#: page size of a new store (SQLite's default is 4096). An article row is ~650 bytes with its
#: body compressed, so a 4 KB page holds six and leaves a tenth empty; 8 KB pages took a 30k
#: synthetic store's articles table 20.9 -> 19.8 MB (16 KB: 19.2 MB, but the band table grew
#: more than that saved). Only a new file takes it: an existing store keeps its pages.
PAGE_BYTES = 8192


def row_to_article(row: tuple) -> Article:
    """A database row (in COLUMNS order) as an Article."""
    return StoredRow._make(row).article()


def article_values(a: Article) -> tuple:
    """An Article as the values of an ``articles`` row (all columns but seq and version).

    Pure, so the reader process (newsdesk.pipeline) can prepare rows, JSON included.
    """
    return (
        a.id, a.external_id, a.url, a.source, a.title, a.body, a.published,
        _json(a.authors) if a.authors else "[]",
        a.lang,
        _json(a.metadata) if a.metadata else "{}",
        a.provenance, a.ingested_at,
    )


def _json(value: Any) -> str:
    """JSON text SQLite can store: UTF-8, falling back to \\u escapes for lone surrogates."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True, default=str)
    return text


_HIT_COLUMNS = select_list(COLUMNS[1:10])
_HIT_COLUMNS_NO_BODY = select_list(COLUMNS[1:6]) + ", ''," + select_list(COLUMNS[7:10])


class HitRow(NamedTuple):
    """The columns a search hit shows (the first ten of COLUMNS); ``authors`` is JSON text."""

    seq: int
    id: str
    external_id: str
    url: str
    source: str
    title: str
    body: str
    published: str
    authors: str
    lang: str


class WriteLock:
    """An exclusive, non-blocking ``flock`` on ``DIR/write.lock``; released on close or death."""

    def __init__(self, directory: str) -> None:
        self.path = os.path.join(directory, "write.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            directory = os.path.dirname(self.path)
            raise WriterBusyError(
                f"{directory} is being written by {holder}; wait for it to finish "
                "(searches still work meanwhile) or use another --data directory"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"newsdesk pid {os.getpid()}".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


class Store:
    """The SQLite store of record in one data directory."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, "newsdesk.db")
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as err:
            raise DataDirError(f"{self.path}: cannot open the database: {err}") from None
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.execute(f"PRAGMA page_size = {PAGE_BYTES}")  # before WAL: a new file's first write
        # a new file can give pages back (PRAGMA incremental_vacuum, after pack_bands): an old one
        # keeps its mode (SQLite changes it only on VACUUM) and reuses its free pages instead
        self.db.execute("PRAGMA auto_vacuum = INCREMENTAL")
        try:
            self.db.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as err:
            raise DataDirError(f"{self.path}: not a newsdesk database ({err})") from None
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.map_reads(True)
        self._migrate()
        self.texts = Codec(self.db, self.path)
        self._source_names: tuple[int, dict[str, str]] | None = None
        self.compact = Compactor()  # provenance and ingest stamps as rows store them (store.articles)
        self.bands_to_pack = False  # band rows were written: pack them on close (copies.pack_bands)

    # -- schema -------------------------------------------------------------
    def _migrate(self) -> None:
        have = self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        row = None
        if have:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row and int(row[0]) > SCHEMA_VERSION:
                raise DataDirError(
                    f"{self.path} was written by a newer newsdesk (schema {row[0]}, "
                    f"this one knows {SCHEMA_VERSION}); upgrade newsdesk"
                )
        stored = int(row[0]) if have and row else 0
        for ddl in all_ddl():
            self.db.executescript(ddl)
        with self.transaction():
            for version in range(stored + 1, SCHEMA_VERSION + 1):
                if version in MIGRATIONS:
                    MIGRATIONS[version](self.db)
            self.db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(max(stored, SCHEMA_VERSION)),),
            )
            self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('version', '0')")

    def map_reads(self, on: bool) -> None:
        """Read the file through a memory map (on by default) or through SQLite's page cache.

        Mapped, a page of hits from a 100k-article store reads ~25 % faster; the pages are the
        kernel's file cache, but they count in the process's resident size, so a long ingest
        (which reads the band and copies tables all the time) turns it off to stay flat, and
        gives SQLite's own page cache ``INGEST_CACHE_KIB`` instead of its default 2 MB: the
        band table's inserts land at random within a time bucket, and with 2 MB the same
        pages were read and spilled again and again (inserting Reuters' 730k band rows:
        2.8 -> 2.3 s CPU)."""
        self.db.execute(f"PRAGMA mmap_size = {MMAP_BYTES if on else 0}")
        self.db.execute(f"PRAGMA cache_size = {-2000 if on else -INGEST_CACHE_KIB}")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error: all or nothing."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            if hasattr(self, "compact"):
                self.compact.forget()  # prefixes added in this transaction are gone
            if hasattr(self, "texts"):
                self.texts.reload(self.db)  # a dictionary trained in this transaction is gone
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        """Pack the band rows this connection wrote (store.copies.pack_bands), then close.

        Packing is what keeps the band table small (100k synthetic articles: 52.4 -> 23.0 MiB); a
        failure to pack (another writer holding the file too long) leaves the rows as they are,
        still found by every lookup, and is logged, not raised: closing must not lose work."""
        try:
            if self.bands_to_pack:
                self.bands_to_pack = False
                self._pack_bands()
        finally:
            self.db.close()

    def _pack_bands(self) -> None:
        try:
            from .copies import pack_bands

            # a bucket at a time, in key order: SQLite's default 2 MB cache does (the ingest's
            # 64 MB would add itself to the process's peak: 100k synthetic +58 MiB RSS)
            self.db.execute("PRAGMA mmap_size = 0")
            self.db.execute("PRAGMA cache_size = -2000")
            if pack_bands(self) and self.db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
                self.db.executescript("PRAGMA incremental_vacuum;")  # every free page (execute: one)
        except (sqlite3.Error, ImportError) as err:
            logging.getLogger("newsdesk.store").warning("%s: band rows left unpacked: %s", self.path, err)

    # -- meta ---------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def version(self) -> int:
        return int(self.get_meta("version", "0"))

    def bump_version(self) -> int:
        """Next change stamp; call inside a transaction."""
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='version'")
        return self.version

    # -- writes -------------------------------------------------------------
    def add_values(self, values: list[tuple]) -> tuple[list[tuple], int]:
        """Insert rows made by :func:`article_values` whose id is not stored yet, in one transaction.

        Returns the rows that were new (in ``COLUMNS`` order, ready for the index, so
        the caller need not read them back) and how many were already present. Only
        the writer holding the lock inserts, so new rows simply take the next seqs and
        go in with one ``executemany``.
        """
        present_ids: set[str] = set()
        with self.transaction() as db:
            version = self.bump_version()
            ids = [v[0] for v in values]
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                marks = ",".join("?" * len(chunk))
                present_ids.update(r[0] for r in db.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk))
            seq = db.execute("SELECT coalesce(max(seq), 0) FROM articles").fetchone()[0]
            new_rows: list[tuple] = []
            for v in values:
                if v[0] in present_ids:
                    continue
                present_ids.add(v[0])  # a repeat within the batch is "present" too
                seq += 1
                new_rows.append(StoredRow(seq, *v, version))
            self.texts.maybe_train(db, [r[6] for r in new_rows])
            stored = self.compact.row
            db.executemany(
                "INSERT INTO articles (seq, id, external_id, url, source, title, body, published, "
                "authors, lang, metadata, provenance, ingested_at, version) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [stored(db, self.texts, r) for r in new_rows],
            )
        return new_rows, len(values) - len(new_rows)

    def touch(self, seqs: Iterable[int]) -> None:
        """Mark articles changed (e.g. enriched) so the index picks them up; inside a transaction."""
        version = self.bump_version()
        self.db.executemany(
            "UPDATE articles SET version=? WHERE seq=?", ((version, s) for s in seqs)
        )

    # -- reads --------------------------------------------------------------
    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def get(self, key: str) -> Article | None:
        """An article by id, else by external id (the first stored), else None."""
        row = self.db.execute(_SELECT + " WHERE id=?", (key,)).fetchone()
        if row is None:
            row = self.db.execute(
                _SELECT + " WHERE external_id=? ORDER BY seq LIMIT 1", (key,)
            ).fetchone()
        return row_to_article(decoded(self.texts, [row])[0]) if row else None

    def _by_seq(self, columns: str, seqs: list[int]) -> list[tuple]:
        """``SELECT seq, <columns>`` for the given seqs (those that exist), in no order."""
        out: list[tuple] = []
        for i in range(0, len(seqs), 900):  # under SQLite's variable limit
            part = seqs[i : i + 900]
            marks = ",".join("?" * len(part))
            out += self.db.execute(f"SELECT seq, {columns} FROM articles WHERE seq IN ({marks})", part).fetchall()
        return decoded(self.texts, out) if "body" in columns else out

    def rows_by_seq(self, seqs: list[int]) -> dict[int, StoredRow]:
        """Whole rows for the given seqs, keyed by seq."""
        return {r[0]: StoredRow._make(r) for r in self._by_seq(select_list(COLUMNS[1:]), seqs)}

    def seq_of(self, article_id: str) -> int | None:
        """The seq of the article with this id (one lookup on the unique ``id``)."""
        row = self.db.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def all_seqs(self) -> list[int]:
        """Every stored seq, in order."""
        return [s for (s,) in self.db.execute("SELECT seq FROM articles ORDER BY seq")]

    def ids_by_seq(self, seqs: list[int]) -> dict[int, str]:
        """Article ids of the given seqs (those that exist), keyed by seq."""
        return dict(self._by_seq("id", seqs))

    def sources_by_seq(self, seqs: list[int]) -> dict[int, str]:
        """Sources of the given seqs, keyed by seq."""
        return dict(self._by_seq("source", seqs))

    def published_days(self, seqs: list[int]) -> list[tuple[int, str]]:
        """(seq, published) of the given seqs that have a date."""
        return [(s, p) for s, p in self._by_seq("published", seqs) if p]

    def source_names(self) -> dict[str, str]:
        """Index keys of sources (lower-cased) back to the spelling the store keeps.

        Every facet request asks; ``SELECT DISTINCT source`` walks the whole source index
        (tens of ms at 1M articles), so the answer is kept until the change counter moves
        (one meta read), whoever wrote."""
        version = self.version
        cached = self._source_names
        if cached is not None and cached[0] == version:
            return cached[1]
        names = {s.lower(): s for (s,) in self.db.execute("SELECT DISTINCT source FROM articles")}
        self._source_names = (version, names)
        return names

    def hit_rows(self, seqs: list[int], body: bool = True) -> dict[int, HitRow]:
        """What a search hit shows (seq … published, authors), keyed by seq; ``body=False``
        leaves the body out (``""``): a page without snippets does not decompress any."""
        columns = _HIT_COLUMNS if body else _HIT_COLUMNS_NO_BODY
        return {r[0]: HitRow._make(r) for r in self._by_seq(columns, seqs)}

    def published_by_seq(self, seqs: list[int]) -> dict[int, str]:
        """Publication dates for the given seqs (recency ranking needs nothing else)."""
        return dict(self._by_seq("published", seqs))

    def changed_since(self, version: int, batch: int = 2000) -> Iterator[list[StoredRow]]:
        """Batches of rows whose change stamp is above ``version``, oldest change first."""
        last_seq = 1 << 62  # nothing of ``version`` itself: strictly newer changes only
        last_version = version
        while True:
            rows = self.db.execute(
                _SELECT + " WHERE (version > ? OR (version = ? AND seq > ?)) "
                "ORDER BY version, seq LIMIT ?",
                (last_version, last_version, last_seq, batch),
            ).fetchall()
            if not rows:
                return
            yield [StoredRow._make(r) for r in decoded(self.texts, rows)]
            last_version, last_seq = rows[-1][13], rows[-1][0]

    def iter_rows(self, batch: int = 2000) -> Iterator[list[StoredRow]]:
        """Every row, in seq order, in batches."""
        last = 0
        while True:
            rows = self.db.execute(
                _SELECT + " WHERE seq > ? ORDER BY seq LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield [StoredRow._make(r) for r in decoded(self.texts, rows)]
            last = rows[-1][0]

    def stats(self) -> dict[str, Any]:
        db = self.db
        articles = self.count()
        sources = db.execute("SELECT count(DISTINCT source) FROM articles").fetchone()[0]
        first, last = db.execute(
            "SELECT min(published), max(published) FROM articles WHERE published != ''"
        ).fetchone()
        per_month = [
            {"month": m, "articles": n}
            for m, n in db.execute(
                "SELECT substr(published, 1, 7) AS m, count(*) FROM articles "
                "WHERE published != '' GROUP BY m ORDER BY m"
            )
        ]
        top_sources = [
            {"source": s, "articles": n}
            for s, n in db.execute(
                "SELECT source, count(*) AS n FROM articles GROUP BY source ORDER BY n DESC LIMIT 10"
            )
        ]
        undated = db.execute("SELECT count(*) FROM articles WHERE published = ''").fetchone()[0]
        return {
            "articles": articles,
            "sources": sources,
            "first_published": first or "",
            "last_published": last or "",
            "undated": undated,
            "per_month": per_month,
            "top_sources": top_sources,
        }
