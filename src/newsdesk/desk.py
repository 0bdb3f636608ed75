"""The Desk: the one object that the CLI, the HTTP API, the web UI and tests drive.

A desk is a data directory: ``newsdesk.db`` (the SQLite store of record),
``index/`` (tantivy, derived), ``rejects.log`` and ``write.lock``. Opening a
desk reconciles the index with the store when nobody else is writing, so an
ingest killed between the two is finished by whoever opens the desk next.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from .readers import background as pipeline
from .errors import DataDirError, NotFoundError, WriterBusyError
from .index import Index
from .model import Article, IngestSummary, Record, Reject
from .normalize import to_article
from .readers import ReadOptions, read_inputs
from .search import SearchResults
from .search import search as _search
from .store import Store, WriteLock, article_values

DEFAULT_DATA = "newsdesk-data"
BATCH = 1000  # articles per store transaction
INDEX_COMMIT_EVERY = 50_000  # articles between index commits during one long ingest

Progress = Callable[[int], Any]


def default_data_dir() -> str:
    return os.environ.get("NEWSDESK_DATA") or DEFAULT_DATA


class Desk:
    """A newsdesk data directory, open for searching (and writing, one writer at a time)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, create: bool = True) -> None:
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
        _load_plugins()
        self.index = Index(self.path)
        self._lock = WriteLock(self.path)
        self._thread_lock = threading.RLock()
        self.reconcile()

    # -- lifecycle ----------------------------------------------------------
    def close(self) -> None:
        self.index.close_writer()
        self._lock.release()
        self.store.close()

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
    ) -> IngestSummary:
        """Read files, directories, globs or feed URLs and store + index every new article."""
        if isinstance(inputs, str | os.PathLike):
            inputs = [inputs]
        options = ReadOptions(mapping=mapping or {}, fetch_pages=fetch_pages, format=format)
        paths = [os.fspath(i) for i in inputs]
        if pipeline.worth_it(paths, options):
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return self.ingest_records(pipeline.read_in_background(paths, options, now), progress)
        return self.ingest_records(read_inputs(paths, options), progress)

    def ingest_records(
        self, items: Iterable[Record | Article | Reject | tuple], progress: Progress | None = None
    ) -> IngestSummary:
        """Store and index Records or Articles (Rejects are logged); every ingest path ends here.

        A tuple item is a row already prepared by :func:`newsdesk.store.article_values`.
        """
        summary = IngestSummary()
        started = time.monotonic()
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.writing(), builtins.open(os.path.join(self.path, "rejects.log"), "a", encoding="utf-8") as log:
            cursor = self.store.version
            since_commit = 0
            batch: list[tuple] = []  # store.article_values rows
            seen: set[str] = set()

            def flush() -> None:
                nonlocal cursor, since_commit
                if not batch:
                    return
                rows, present = self.store.add_values(batch)
                summary.new += len(rows)
                summary.present += present
                if rows:  # new ids: nothing to replace in the index
                    self.index.add_rows(self.store, rows, replace=False)
                cursor = self.store.version
                since_commit += len(rows)
                if progress:
                    progress(len(batch))
                batch.clear()
                seen.clear()
                if since_commit >= INDEX_COMMIT_EVERY:
                    self.index.commit(self.store, cursor)
                    since_commit = 0

            for item in items:
                if isinstance(item, Record):
                    item = to_article(item, now)
                if isinstance(item, Reject):
                    summary.rejected += 1
                    if len(summary.rejects) < 1000:
                        summary.rejects.append(item)
                    log.write(f"{now}\t{item}\n")
                    continue
                values = article_values(item) if isinstance(item, Article) else item
                if values[0] in seen:  # the same article twice in one batch
                    summary.present += 1
                    continue
                seen.add(values[0])
                batch.append(values)
                if len(batch) >= BATCH:
                    flush()
            flush()
            self.index.commit(self.store, self.store.version)
        summary.seconds = time.monotonic() - started
        return summary

    def reindex(self, progress: Progress | None = None) -> int:
        """Throw the index away and rebuild it from the store alone; returns articles indexed."""
        with self._exclusive():
            self.index.close_writer()
            self.index = _fresh_index(self.path)
            return self.index.catch_up(self.store, progress)

    # -- reading ------------------------------------------------------------
    def search(self, query: str, limit: int = 10, offset: int = 0, **filters: Any) -> SearchResults:
        """Ranked, highlighted hits for a query (see docs/query-language.md).

        Keyword filters: ``since``, ``until`` (dates), ``source`` (one or a list),
        ``sort`` ("relevance", "date", "date-asc"), ``snippets`` (bool).
        """
        return _search(self, query, limit=limit, offset=offset, **filters)

    def get(self, key: str) -> Article:
        """An article by its id or its external id; NotFoundError if there is none."""
        article = self.store.get(key)
        if article is None:
            raise NotFoundError(f"no article with id or external id {key!r} in {self.path}")
        return article

    def stats(self) -> dict[str, Any]:
        """Counts: articles, sources, date range, per month; plus index health."""
        stats = self.store.stats()
        stats["indexed"] = self.index.num_docs()
        stats["data_dir"] = os.path.abspath(self.path)
        return stats

    def facets(
        self, query: str, since: Any = None, until: Any = None, source: str | list[str] | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """Top sources, months and entities of ALL a query's matches (what refines a search).

        ``{"sources"|"months"|"entities": [{"value", "count"}, ...]}``; entities also
        carry ``type`` and are [] until ``newsdesk enrich`` has run.
        """
        from .analysis import facets

        return facets(self, query, since, until, source)

    # -- entities and quotes (implemented in newsdesk.enrich; need `newsdesk enrich` first) --
    def entity(self, name: str) -> dict[str, Any]:
        """Everything about one entity (the object ``newsdesk entity NAME --json`` prints)."""
        from .enrich.queries import entity_page

        return entity_page(self, name)

    def entities(self, top: int = 20, type: str | None = None, query: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """The most covered entities, overall or among a query's matches."""
        from .enrich.queries import top_entities

        return top_entities(self, top=top, type=type, query=query)

    def quotes(self, by: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Quotations, newest first, optionally by one speaker or within a query's matches."""
        from .enrich.queries import list_quotes

        return list_quotes(self, by=by, query=query, limit=limit, offset=offset)


_plugins_loaded = False


def _load_plugins() -> None:
    """Import the light modules of later stages that hook into indexing and search.

    ``newsdesk.enrich.hooks`` registers index fields (entity names) and search
    boosts; it reads SQLite only, so it is cheap and needs no spaCy.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    with contextlib.suppress(ModuleNotFoundError):
        import newsdesk.enrich.hooks  # noqa: F401


def _fresh_index(path: str) -> Index:
    """An empty index in ``path`` that knows it must be rebuilt from the store."""
    Index.wipe_dir(path)
    return Index(path)


def open(path: str | os.PathLike[str] | None = None, create: bool = True) -> Desk:  # noqa: A001
    """Open (or create) the desk in ``path`` (default: $NEWSDESK_DATA or ./newsdesk-data)."""
    return Desk(path, create=create)
