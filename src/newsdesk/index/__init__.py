"""The tantivy index: derived from the store, rebuilt from it at will.

Fields (the query language's field names map onto these):

========  ===============================  =====================================
field     analysis                         used for
========  ===============================  =====================================
seq       u64, stored, fast, indexed       the store's row key (hydration)
dup       u64, fast                        content hash: exact duplicates collapse
id        raw                              delete-before-add on re-index
text      English stemming, positions      default search: headline + body
title     English stemming, positions      ``title:`` and the headline boost
body      English stemming, positions      ``body:``
source    raw, lower-cased, fast           ``source:``, filters, facets
author    simple (lower-cased words)       ``author:``
url       simple (lower-cased words)       ``url:``
lang      raw, fast (ISO 639-1, ``und``)   ``lang:``, the language facet
analysis  raw                              which analysis the text went through
text_XX   that language's analysis         ``text``/``title``/``body`` of articles in language XX
title_XX  (``de``... ``cjk``, ``simple``)  (English and ``und`` use the plain fields; see
body_XX                                    :mod:`newsdesk.index.languages`)
published date, fast, indexed              ranges, sort by date, timelines
entity    raw (normalised names), fast     ``entity:``, facets (enrichment)
salient   raw                              entities salient in the article
copy_group u64, fast, indexed              the copies stage's group: search collapses copies
story     u64, fast, indexed               the stories stage's story: ``story:ID``, collapse
========  ===============================  =====================================

The index records which store version it has committed in the store's
``meta.indexed_version``; :meth:`Index.catch_up` indexes every row changed
since, deleting each id before adding it so a replay never duplicates.

Each article fills the text fields of its own language's analysis only, so the
index holds each text once (:mod:`newsdesk.index.languages`). BM25 stays comparable
across languages because tantivy keeps term statistics per field but counts documents
over the whole index: a term's idf, ln(1 + (N - df + 0.5) / (df + 0.5)), takes N as
every article of the desk, so a German term's weight is its rarity among all articles,
as an English term's is. A field's average length is its tokens over all N articles,
so in a mixed desk each language's average is scaled by its share of the desk: its
articles look longer than they are, which strengthens length normalisation within that
language equally for all its articles (the order inside one language is not affected
by the others' sizes beyond that). An English-only desk is exactly as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import tantivy

from ..errors import DataDirError
from ..model import MAX_DATE, MIN_DATE
from ..store import Store
from ..store.languages import ENGLISH_ONLY, analysis_mode
from .languages import (
    ANALYSIS_FIELD,
    ENGLISH,
    UNDETERMINED,
    analysis_of,
    analysis_text,
    field_name,
    lang_code,
    register_tokenizers,
)
from .lengths import WIRE_FLOOR, floor_for
from .schema import build_schema

# 6: per-language fields (issue 15); 7: body fields without positions (issue 13); 8: body
# fields without frequencies either. Older indexes are rebuilt on open
INDEX_SCHEMA_VERSION = "8"
# BM25 in tantivy rewards short documents through length normalisation (b = 0.75, fixed
# in tantivy-py). On news that makes one-line briefs and headline-only items outrank the
# stories about a name or topic. Padding the default search field of texts shorter than
# MIN_TEXT_WORDS with a filler token makes every text at least that long for BM25's
# length norm, without touching longer texts. Measured with `python bench/tune_bm25.py
# --pad` (docs/benchmarks.md): Reuters dev nDCG@10 0.765 -> 0.805, MAP 0.666 -> 0.690;
# TIME (few texts under 200 words) -0.002. Per desk since issue 16 (index/lengths.py): desks
# whose lengths spread like a wire's keep this floor, desks of abstracts get none; this is the
# floor of a desk with none chosen (indexed before, or too small at its first build).
MIN_TEXT_WORDS = WIRE_FLOOR
PAD_TOKEN = "zqxnewsdeskpadzqx"
WRITER_THREADS = 1  #: indexing threads of a writer (see Index.writer)
log = logging.getLogger("newsdesk.index")


def content_hash(title: str, body: str) -> int:
    """64-bit identity of an article's text: headline (case and spacing normalised) + body.

    Kept as a fast field so search collapses exact duplicates (syndicated copies,
    re-sent wire stories) without reading their text from the store.
    """
    head = " ".join(title.lower().split()).encode("utf-8")
    digest = hashlib.blake2b(head + b"\0" + body.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def parse_iso(value: str) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


# What the enrichment stages give the index (their ``index_values``), handed in by the Desk:
# (store, seqs) -> {seq: {field: [values]}}; str values are text, int values unsigned
ExtrasProvider = Callable[[Store, list[int]], dict[int, dict[str, list[Any]]]]


def to_document(
    row: tuple, extras: dict[str, list[Any]] | None = None, english_only: bool = False,
    floor: int | None = None,
) -> tantivy.Document:
    """A store row (store.COLUMNS order) as a tantivy document.

    The text goes into the fields of the article's language's analysis (English and
    undetermined: ``text``/``title``/``body``); ``english_only`` puts every article there
    (the desk's ``english`` analysis setting)."""
    seq, aid, _ext, url, source, title, body, published, authors = row[:9]
    lang = lang_code(row[9])
    analysis = ENGLISH if english_only else analysis_of(lang)
    doc = tantivy.Document()
    doc.add_unsigned("seq", seq)
    doc.add_unsigned("dup", content_hash(title, body))
    doc.add_text("id", aid)
    title_a, body_a = (title, body) if analysis == ENGLISH else (analysis_text(analysis, title),
                                                                 analysis_text(analysis, body))
    text = f"{title_a}\n{body_a}" if title_a else body_a
    words = text.count(" ") + text.count("\n") + 1  # about the word count, at C speed
    floor = MIN_TEXT_WORDS if floor is None else floor  # the desk's length floor (index/lengths.py)
    if words < floor:  # short texts count as this long
        text += (" " + PAD_TOKEN) * (floor - words)
    doc.add_text(field_name("text", analysis), text)
    doc.add_text(field_name("title", analysis), title_a)
    doc.add_text(field_name("body", analysis), body_a)
    doc.add_text(ANALYSIS_FIELD, analysis)
    doc.add_text("source", source.lower())
    if authors != "[]":
        for author in json.loads(authors):
            doc.add_text("author", author)
    doc.add_text("url", url)
    doc.add_text("lang", lang or UNDETERMINED)
    dt = parse_iso(published)
    if dt is not None and MIN_DATE <= dt <= MAX_DATE:  # tantivy's date range; else undated
        doc.add_date("published", dt)
    for field, values in (extras or {}).items():
        for value in values:
            if isinstance(value, int):
                doc.add_unsigned(field, value)
            else:
                doc.add_text(field, value)
    return doc


POINTER = "index.current"  # names the live index folder; absent: "index"
BUILD_PREFIX = "index."  # a reindex builds in "index.<stamp>" beside the live one


def live_name(directory: str) -> str:
    """The name of the live index folder of the data directory ``directory``.

    A reindex builds a new index beside the live one and then switches by
    replacing this small pointer file (``os.replace`` is atomic), so a reader
    sees either the old complete index or the new complete one, never a
    half-built or empty one. Anything odd in the file falls back to ``index``.
    """
    try:
        with open(os.path.join(directory, POINTER), encoding="utf-8") as fh:
            name = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return "index"
    if name == "index" or (name.startswith(BUILD_PREFIX) and "/" not in name and "\\" not in name and ".." not in name):
        return name
    return "index"


def _pointer_stamp(directory: str) -> tuple[int, int] | None:
    try:
        st = os.stat(os.path.join(directory, POINTER))
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


class Index:
    """The live tantivy index of a data directory, opened for reading; writing on demand.

    ``path`` names another folder to open instead (a reindex's build folder).
    """

    def __init__(self, directory: str, extras: ExtrasProvider | None = None, path: str | None = None) -> None:
        self.directory = directory
        self.extras = extras
        self.schema = build_schema()
        self._writer: tantivy.IndexWriter | None = None
        self._switch = threading.Lock()
        self._stamp = _pointer_stamp(directory) if path is None else None
        self._follows = path is None
        self._open(path or os.path.join(directory, live_name(directory)))

    def _open(self, path: str) -> None:
        self.path = path
        os.makedirs(self.path, exist_ok=True)
        self._marker = os.path.join(self.path, "newsdesk-index.json")
        # The marker is written only once the index holds everything in the store, so an
        # index that is missing, from another schema, half rebuilt (a killed reindex) or
        # unreadable is thrown away and rebuilt from the store, which is the record.
        fresh = not self._complete_marker()
        if fresh:
            self.wipe()
        try:
            self.tv = _open_tantivy(self.schema, self.path)
        except ValueError:
            self.wipe()
            fresh = True
            try:
                self.tv = _open_tantivy(self.schema, self.path)
            except ValueError as err:
                raise DataDirError(
                    f"{self.path}: cannot create the search index: {err}; delete that folder "
                    "and run newsdesk reindex"
                ) from None
        self.tv.config_reader(reload_policy="commit")
        self.rebuilt = fresh
        #: the length floor the uncommitted batches are padded with: chosen once per commit, so
        #: the batches of one commit are never padded two ways (floor_for reads the store's meta
        #: and, for a fresh index, samples its texts)
        self._floor: int | None = None

    def _follow(self) -> None:
        """Move to the live index if a reindex (here or in another process) switched it.

        One ``stat`` per call when nothing changed. The old folder is deleted by
        the reindex, but searchers already taken keep reading it (open files
        outlive their names), so a search running across the switch still ends.
        """
        if not self._follows:
            return
        stamp = _pointer_stamp(self.directory)
        if stamp == self._stamp:
            return
        with self._switch:
            if stamp == self._stamp:
                return
            path = os.path.join(self.directory, live_name(self.directory))
            self._stamp = stamp
            if path == self.path:
                return
            old = self.path
            try:
                tv = _open_tantivy(self.schema, path)
            except ValueError:
                return  # not readable (deleted by a later switch?): keep the one we have
            tv.config_reader(reload_policy="commit")
            self.close_writer()
            self.tv, self.path = tv, path
            self._marker = os.path.join(path, "newsdesk-index.json")
            log.debug("index switched from %s to %s", old, path)

    def _complete_marker(self) -> bool:
        try:
            with open(self._marker) as fh:
                return json.load(fh).get("schema") == INDEX_SCHEMA_VERSION
        except (OSError, ValueError):
            return False

    def _mark_complete(self) -> None:
        tmp = self._marker + ".tmp"
        with open(tmp, "w") as fh:
            json.dump({"schema": INDEX_SCHEMA_VERSION, "tantivy": tantivy.__version__}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._marker)

    @staticmethod
    def wipe_dir(directory: str) -> None:
        """Delete the live index of the data directory ``directory`` (it is rebuilt on next open)."""
        path = os.path.join(directory, live_name(directory))
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)

    def wipe(self) -> None:
        """Delete this index's files; the next catch-up rebuilds everything from the store."""
        shutil.rmtree(self.path, ignore_errors=True)
        os.makedirs(self.path, exist_ok=True)

    # -- rebuilding beside the live index -------------------------------------
    def rebuild(self, store: Store, progress: Callable[[int], Any] | None = None) -> int:
        """Rebuild from the store in a new folder, then switch to it; returns articles indexed.

        Call with the write lock held. The live index keeps answering searches (here
        and in other processes) until the pointer file names the new folder; a
        process opening the desk meanwhile follows the pointer to the live index
        and never sees, nor deletes, the one being built. Killed half-way, the
        build folder is left behind unnamed and deleted by the next reindex.
        """
        self._follow()
        self.close_writer()
        self._drop_builds()
        name = BUILD_PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}"
        new = Index(self.directory, extras=self.extras, path=os.path.join(self.directory, name))
        target = store.version
        indexed = 0
        for rows in store.changed_since(0):
            new.add_rows(store, rows, replace=False)
            indexed += len(rows)
            if progress:
                progress(len(rows))
        new.writer().commit()  # the store's indexed_version is set only after the switch
        new.close_writer()
        new._mark_complete()
        _write_pointer(self.directory, name)
        store.set_meta("indexed_version", str(target))
        old = self.path
        with self._switch:
            new.tv.reload()
            self.tv, self.path, self._marker = new.tv, new.path, new._marker
            self._stamp = _pointer_stamp(self.directory)
            self.rebuilt = False
            self._floor = None
        if old != self.path:
            shutil.rmtree(old, ignore_errors=True)
        return indexed

    def _drop_builds(self) -> None:
        """Delete folders of reindexes that never switched (killed) and old live ones."""
        live = os.path.join(self.directory, live_name(self.directory))
        for entry in os.listdir(self.directory):
            path = os.path.join(self.directory, entry)
            if entry.startswith(BUILD_PREFIX) and entry != POINTER and path != live and os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)

    # -- writing ------------------------------------------------------------
    def writer(self) -> tantivy.IndexWriter:
        self._follow()
        if self._writer is None:
            # one indexing thread with the whole heap: half as many segments as two threads with
            # half each (each commit leaves one per thread; a segment repeats the term dictionary
            # and block overheads of its neighbours), at the same memory. The feeding Python is
            # the bottleneck of an ingest, not tantivy's tokenising
            self._writer = self.tv.writer(heap_size=256_000_000, num_threads=WRITER_THREADS)
        return self._writer

    def close_writer(self) -> None:
        if self._writer is not None:
            self._writer.wait_merging_threads()
            self._writer = None
        self._floor = None

    def add_rows(self, store: Store, rows: list[tuple], replace: bool = True) -> None:
        """Queue rows into the writer (uncommitted); ``replace`` deletes each id first."""
        writer = self.writer()
        extras = self.extras(store, [r[0] for r in rows]) if self.extras is not None else {}
        english_only = analysis_mode(store) == ENGLISH_ONLY
        if self._floor is None:
            self._floor = floor_for(store, fresh=self.tv.searcher().num_docs == 0)
        floor = self._floor
        for row in rows:
            if replace:
                writer.delete_documents_by_term("id", row[1])
            writer.add_document(to_document(row, extras.get(row[0]), english_only, floor))

    def commit(self, store: Store, version: int) -> None:
        """Commit the index, then record in the store which version it holds."""
        self.writer().commit()
        self._floor = None
        store.set_meta("indexed_version", str(version))
        self.tv.reload()

    def catch_up(self, store: Store, progress: Callable[[int], Any] | None = None) -> int:
        """Index every row changed since the last commit; returns how many were indexed."""
        done_version = int(store.get_meta("indexed_version", "0"))
        if self.rebuilt:
            done_version = 0
        target = store.version
        if done_version >= target:
            if self.rebuilt:  # an empty store: the empty index is complete
                self._mark_complete()
                self.rebuilt = False
            return 0
        # a fresh index holds nothing to replace; otherwise a crashed run may have
        # committed some of these rows to the index already: delete-before-add
        replace = self.searcher().num_docs > 0
        indexed = 0
        for rows in store.changed_since(done_version):
            self.add_rows(store, rows, replace=replace)
            indexed += len(rows)
            if progress:
                progress(len(rows))
        self.commit(store, target)
        if self.rebuilt:
            self._mark_complete()
            self.rebuilt = False
        return indexed

    # -- reading ------------------------------------------------------------
    def reload(self) -> None:
        """See what other processes committed: follow a reindex's switch first, then reload.

        Reloading without following would reopen the folder a reindex has just deleted (a
        server's 500 in the middle of a reindex); after a switch the new index is fresh anyway."""
        self._follow()
        try:
            self.tv.reload()
        except ValueError:  # the folder went away between the two: the next follow moves on
            self._follow()

    def searcher(self) -> tantivy.Searcher:
        self._follow()
        return self.tv.searcher()

    def num_docs(self) -> int:
        return self.searcher().num_docs


def memory_index() -> tantivy.Index:
    """A tantivy index in memory with newsdesk's schema and tokenizers (Spark partitions, tests)."""
    tv = tantivy.Index(build_schema())
    register_tokenizers(tv)
    return tv


def _open_tantivy(schema: tantivy.Schema, path: str) -> tantivy.Index:
    """Open (or create) the tantivy index in ``path`` with every per-language tokenizer registered:
    a tokenizer is not stored in the index folder, so each open must register them."""
    try:
        tv = tantivy.Index(schema, path=path, reuse=True)
    except ValueError as err:
        # an index written before NO_FIELDNORMS keeps every field's lengths: the same fields and
        # matches, and the same ranking (text, title); only a bare body:/author:/url:/entity:
        # query keeps ordering shorter fields first until a reindex writes it without them
        try:
            tv = tantivy.Index(build_schema(all_fieldnorms=True), path=path, reuse=True)
        except ValueError:
            raise err from None
    register_tokenizers(tv)
    return tv


def _write_pointer(directory: str, name: str) -> None:
    """Name ``name`` the live index: write a temporary file, fsync it, replace the pointer, fsync the folder."""
    tmp = os.path.join(directory, POINTER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(directory, POINTER))
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
