"""The Desk: the one object that the CLI, the HTTP API, the web UI and tests drive.

A desk is a data directory: ``newsdesk.db`` (the SQLite store of record),
``index/`` (tantivy, derived), ``rejects.log`` and ``write.lock``. Opening a
desk reconciles the index with the store when nobody else is writing, so an
ingest killed between the two is finished by whoever opens the desk next.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from ..errors import DataDirError, WriterBusyError
from ..index import Index
from ..model import Article, IngestSummary, Record, Reject
from ..normalize import resolve_ids, to_article

# what the interfaces need from below, named here so that they import only this module
from ..periods import INTERVALS  # noqa: E402,F401
from ..readers import (
    FORMATS,  # noqa: E402,F401
    Note,
    ReadOptions,
    read_inputs,
)
from ..readers import background as pipeline
from ..readers.fields import parse_mapping  # noqa: E402,F401
from ..search import COLLAPSE_MODES, RANKS, SORTS, Corpus, SearchResults, date_bound  # noqa: E402,F401
from ..store import Store, WriteLock, article_values, revisions
from .importing import Importing
from .reading import Reading
from .stages import Stages

DEFAULT_DATA = "newsdesk-data"
BATCH = 1000  # articles per store transaction
INDEX_COMMIT_EVERY = 50_000  # articles between index commits during one long ingest
INGEST_STAGES = ("copies",)  # enrichment stages cheap enough to run at ingest (``dedup=False``: none)

Progress = Callable[[int], Any]


def default_data_dir() -> str:
    return os.environ.get("NEWSDESK_DATA") or DEFAULT_DATA


class Desk(Reading, Stages, Importing):
    """A newsdesk data directory, open for searching (and writing, one writer at a time)."""

    def __init__(
        self, path: str | os.PathLike[str] | None = None, create: bool = True, reconcile: bool = True
    ) -> None:
        """``reconcile=False``: leave bringing the index up to date to the caller, who may show
        progress for it (:meth:`index_rebuild_pending`, :meth:`reconcile`)."""
        self.path = os.fspath(path) if path is not None else default_data_dir()
        if not os.path.isdir(self.path):
            if not create:
                raise DataDirError(
                    f"{self.path}: no such data directory; ingest something first "
                    "(newsdesk --data DIR ingest FILE) or pass --data"
                )
            try:
                os.makedirs(self.path, exist_ok=True)
            except OSError as err:
                raise DataDirError(f"{self.path}: cannot create the data directory: {err}") from None
        self.store = Store(self.path)
        from ..enrich import all_stages
        from ..enrich.hooks import entity_booster

        self._stages = all_stages()  # light: no stage imports its heavy parts (spaCy) until it runs
        self._boosters = (entity_booster,)
        self.index = Index(self.path, extras=self._index_extras)
        self._lock = WriteLock(self.path)
        self._thread_lock = threading.RLock()
        if reconcile:
            self.reconcile()

    # -- lifecycle ----------------------------------------------------------
    def packing_pending(self) -> bool:
        """Whether closing will pack the band rows this process wrote (store.copies.pack_bands):
        seconds on a big ingest (~4 s CPU at 100k articles), so an interface can say so."""
        return self.store.bands_to_pack

    def close(self) -> None:
        self.index.close_writer()
        try:
            # packing the band rows this process wrote (store.copies.pack_bands) writes: it takes
            # the write lock like any write; another writer at work leaves them unpacked (still found)
            if self.store.bands_to_pack and not self._lock.held:
                try:
                    self._lock.acquire()
                except WriterBusyError:
                    self.store.bands_to_pack = False
            self.store.close()
        finally:
            self._lock.release()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[bool]:
        """Hold this process's lock and the data directory's write lock; yields False when
        this thread already held them (re-entry), so only the outermost block releases."""
        with self._thread_lock:
            if self._lock.held:
                yield False
                return
            self._lock.acquire()
            try:
                yield True
            finally:
                self.index.close_writer()
                self._lock.release()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock for a block of writes, the index caught up with the store first."""
        with self._exclusive() as outermost:
            if outermost:
                self.index.catch_up(self.store)
            yield

    def index_rebuild_pending(self) -> int:
        """How many articles opening this desk must index from scratch: all of them when its index
        is missing or from another schema (an upgrade), else 0 (catching up is quick)."""
        return self.store.count() if self.index.rebuilt else 0

    def reconcile(self, progress: Progress | None = None) -> int:
        """Index whatever the store holds that the index lacks; skipped if someone is writing."""
        if int(self.store.get_meta("indexed_version", "0")) >= self.store.version and not self.index.rebuilt:
            return 0
        try:
            with self._exclusive():
                return self.index.catch_up(self.store, progress)
        except WriterBusyError:
            return 0  # the writer catches up itself

    # -- writing ------------------------------------------------------------
    def ingest(
        self,
        inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
        mapping: dict[str, str] | None = None,
        fetch_pages: bool = False,
        format: str | None = None,
        progress: Progress | None = None,
        update: bool = False,
        dedup: bool = True,
    ) -> IngestSummary:
        """Read files, directories, globs or feed URLs and store + index every new article.

        ``update``: replace stored articles whose text changed (keeping id and revisions).
        ``dedup``: find copies of what the desk holds as the articles go in (the copies stage)."""
        if isinstance(inputs, str | os.PathLike):
            inputs = [inputs]
        options = ReadOptions(mapping=mapping or {}, fetch_pages=fetch_pages, format=format)
        paths = [os.fspath(i) for i in inputs]
        if pipeline.worth_it(paths, options):
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            # the ingest stages' text work (copies: shingles + MinHash) runs in the reader process too
            prepare = next((s.prepare_in_reader for s in self._stages if s.info.name in INGEST_STAGES
                            and hasattr(s, "prepare_in_reader") and s.available() is None), None)
            prepared: dict[Any, Any] = {}
            records = pipeline.read_in_background(
                paths, options, now, prepare=prepare if dedup else None, prepared=prepared
            )
            return self.ingest_records(records, progress, update=update, dedup=dedup, prepared=prepared)
        return self.ingest_records(read_inputs(paths, options), progress, update=update, dedup=dedup)

    def ingest_records(
        self,
        items: Iterable[Record | Article | Reject | Note | tuple],
        progress: Progress | None = None,
        *,
        update: bool = False,
        dedup: bool = True,
        prepared: dict[Any, Any] | None = None,
    ) -> IngestSummary:
        """Store and index Records or Articles (Rejects are logged); every ingest path ends here.

        ``dedup`` runs the cheap stages that belong to ingest (``INGEST_STAGES``: copies) on
        each batch before it is indexed, so search collapses copies at once.

        A tuple item is a row already prepared by :func:`newsdesk.store.article_values`.
        ``prepared``: what the ingest stages' ``prepare_in_reader`` made of the rows in the reader
        process (filled as ``items`` is read; each batch's entries are dropped once it is stored).
        """
        summary = IngestSummary()
        started = time.monotonic()
        ingest_stages = self._ingest_stages(summary) if dedup else []
        for stage in ingest_stages:
            if hasattr(stage, "prepared"):
                stage.prepared = prepared
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.store.map_reads(False)  # memory stays flat however long the ingest (see Store.map_reads)
        try:
            self._ingest_items(items, summary, ingest_stages, update, now, progress, prepared)
        finally:
            self.store.map_reads(True)
            for stage in ingest_stages:
                if hasattr(stage, "prepared"):
                    stage.prepared = None
        summary.seconds = time.monotonic() - started
        return summary

    def _ingest_items(
        self, items: Iterable[Any], summary: IngestSummary, ingest_stages: list[Any], update: bool,
        now: str, progress: Progress | None, prepared: dict[Any, Any] | None,
    ) -> None:
        """The loop of :meth:`ingest_records`: batches stored, staged and indexed in turn."""
        from .. import enrich

        with self.writing(), builtins.open(os.path.join(self.path, "rejects.log"), "a", encoding="utf-8") as log:
            cursor = self.store.version
            since_commit = 0
            batch: list[tuple] = []  # store.article_values rows
            seen: set[tuple] = set()

            def flush() -> None:
                nonlocal cursor, since_commit
                if not batch:
                    return
                rows, present = self._store_batch(batch, update, summary, now)
                summary.new += len(rows)
                summary.present += present
                if rows:  # new ids: nothing to replace in the index
                    for stage in ingest_stages:  # copies: their fields go into the first indexing
                        enrich.run_on_rows(self.store, stage, rows)
                    self.index.add_rows(self.store, rows, replace=False)
                cursor = self.store.version
                since_commit += len(rows)
                if progress:
                    progress(len(batch))
                if prepared:
                    for v in batch:
                        prepared.pop((v[4], v[5]), None)
                batch.clear()
                seen.clear()
                if since_commit >= INDEX_COMMIT_EVERY:
                    self.index.commit(self.store, cursor)
                    since_commit = 0

            for item in items:
                if isinstance(item, Record):
                    item = to_article(item, now)
                if isinstance(item, Note):
                    summary.notes.append(str(item))
                    continue
                if isinstance(item, Reject):
                    summary.rejected += 1
                    if len(summary.rejects) < 1000:
                        summary.rejects.append(item)
                    log.write(f"{now}\t{item}\n")
                    continue
                values = article_values(item) if isinstance(item, Article) else item
                if values[:3] in seen:  # the same article twice in one batch (id, external id, url)
                    summary.present += 1
                    continue
                seen.add(values[:3])
                batch.append(values)
                if len(batch) >= BATCH:
                    flush()
            flush()
            for stage in ingest_stages:  # articles an earlier, interrupted run stored but did not do
                enrich.run_stage(self.store, stage)
            self.index.commit(self.store, self.store.version)
            self.follow.after_ingest()  # issue 10: percolate the new seqs into saved searches, send what is due

    def _ingest_stages(self, summary: IngestSummary) -> list[Any]:
        """The stages run at ingest that can run here (a missing extra becomes a note, not an error)."""
        out = []
        for stage in self._stages:
            if stage.info.name in INGEST_STAGES:
                reason = stage.available()
                if reason is None:
                    out.append(stage)
                else:
                    summary.notes.append(f"copies not detected: {reason}")
        return out

    def _store_batch(
        self, batch: list[tuple], update: bool, summary: IngestSummary, now: str
    ) -> tuple[list[tuple], int]:
        """Store one batch of rows: settle ids (docs/explanation/identity.md), insert the new
        ones, and with ``update`` replace stored ones whose text changed (index re-indexes
        them, stages redo them, the old text becomes a revision). Returns the new rows and
        how many were present (updated ones included; ``summary.updated`` counts those)."""
        rows, known, repeats = resolve_ids(batch, lambda ids: revisions.rows_by_id(self.store, ids))
        if update:  # an article without a URL is found again by its external id when its text changed
            for i, v in enumerate(rows):
                if v[0] not in known and not v[2] and v[1]:
                    stored = revisions.rows_by_external_id(self.store, v[1])
                    if len(stored) == 1 and stored[0][1] not in known:
                        rows[i] = (stored[0][1], *v[1:])
                        known[stored[0][1]] = stored[0]
        new_rows, present = self.store.add_values([v for v in rows if v[0] not in known])
        changes = [(known[v[0]], v) for v in rows if update and v[0] in known and revisions.differs(known[v[0]], v)]
        changed = revisions.replace(self.store, changes, now)
        if changed:
            self.index.add_rows(self.store, changed, replace=True)
        summary.updated += len(changed)
        return new_rows, present + repeats + sum(1 for v in rows if v[0] in known)

    def revisions(self, key: str) -> list[dict[str, Any]]:
        """An article's earlier texts (id or external id), oldest first; [] if it never changed."""
        seq = revisions.seq_of(self.store, self.get(key).id)
        return revisions.of(self.store, seq) if seq is not None else []

    def reindex(self, progress: Progress | None = None) -> int:
        """Rebuild the index from the store alone, beside the live one, then switch to it
        atomically (searches here and in other processes never see it empty); returns
        articles indexed."""
        with self._exclusive():
            return self.index.rebuild(self.store, progress)

    def set_length_floor(self, value: int | str = "auto", progress: Progress | None = None) -> int:
        """Pad texts shorter than ``value`` words for BM25, or ``auto`` (the default: chosen from the
        desk's own lengths, newsdesk.index.lengths); kept in the store, reindexes when the padding
        changes. Returns articles re-indexed."""
        from ..index import lengths

        with self._exclusive():
            changed = lengths.change_setting(self.store, value)
            return self.index.rebuild(self.store, progress) if changed and self.store.count() else 0

    def refresh(self) -> None:
        """See what other processes committed since (follow a reindex, reload the index's searcher)."""
        self.index.reload()

    # -- the parts the lower layers are handed -------------------------------
    @property
    def corpus(self) -> Corpus:
        """Store + index + the enrichment stages' boosters: what search and analysis read."""
        return Corpus(store=self.store, index=self.index, boosters=self._boosters, hit_extras=self._hit_extras)

    def _hit_extras(self, seqs: list[int]) -> dict[int, dict[str, Any]]:
        """What each hit gains from the copies and stories stages: copies, copy_of, story."""
        from ..enrich import groups

        return groups.columns(self.store, seqs)

    def _index_extras(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        """Index field values from every enrichment stage that provides some, merged per seq."""
        out: dict[int, dict[str, list[Any]]] = {}
        for stage in self._stages:
            if stage.info.index_fields:
                for seq, fields in stage.index_values(store, seqs).items():
                    out.setdefault(seq, {}).update(fields)
        return out

    # -- following the news: feeds, saved searches, alerts, snapshots (issue 10) -------------
    @property
    def follow(self) -> Any:
        """Feeds, polling, saved searches, alerts, spikes and snapshots: a
        :class:`newsdesk.alerts.following.Following` over this desk's parts."""
        from ..alerts.following import Following

        # polled feeds keep revisions: an entry whose text changed at the source replaces the stored one
        ingest = functools.partial(self.ingest_records, update=True)
        return Following(self.store, self.index, self.path, ingest, self.search, self._thread_lock,
                         self.writing)


def check_writable(path: str | os.PathLike[str]) -> None:
    """NewsdeskError now, not after every query has run, if a run file cannot be written."""
    from .. import evaluate as ev

    ev.check_writable(path)


def evaluate_collection(
    name: str, depth: int = 100, operator: str = "OR", collapse: bool = False,
    run_out: str | os.PathLike[str] | None = None, peers: bool = False, rank: str = "bm25",
) -> dict[str, Any]:
    """Evaluate a shared test collection (``time``, ``reuters``) in a temporary desk."""
    import tempfile

    from .. import evaluate as ev

    inputs, queries, qrels = ev.collection(name)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp, Desk(tmp) as desk:
        items = list(inputs)
        if items and isinstance(items[0], str):
            desk.ingest(items)
        else:
            desk.ingest_records(items)
        return desk.evaluate(queries, qrels, depth, operator, collapse, run_out, peers=peers, rank=rank)


def open(  # noqa: A001
    path: str | os.PathLike[str] | None = None, create: bool = True, analysis: str | None = None
) -> Desk:
    """Open (or create) the desk in ``path`` (default: $NEWSDESK_DATA or ./newsdesk-data).

    ``analysis``: ``"languages"`` (each article by its own language's rules; the default) or
    ``"english"`` (English stemming for every article, as before issue 15; for side-by-side
    comparisons). Kept in the desk (meta.analysis): later opens and reindexes follow it."""
    desk = Desk(path, create=create)
    if analysis is not None:
        desk.set_analysis(analysis)
    return desk
