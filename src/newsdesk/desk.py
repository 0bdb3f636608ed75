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
from typing import IO, Any

from . import search as search_mod
from .errors import BadParameter, DataDirError, NotEnrichedError, NotFoundError, WriterBusyError
from .index import Index
from .model import Article, IngestSummary, Record, Reject
from .normalize import resolve_ids, to_article

# what the interfaces need from below, named here so that they import only this module
from .periods import INTERVALS  # noqa: E402,F401
from .readers import (
    FORMATS,  # noqa: E402,F401
    Note,
    ReadOptions,
    read_inputs,
)
from .readers import background as pipeline
from .readers.fields import parse_mapping  # noqa: E402,F401
from .search import COLLAPSE_MODES, SORTS, Corpus, SearchResults, date_bound  # noqa: E402,F401
from .store import Store, WriteLock, article_values, revisions

DEFAULT_DATA = "newsdesk-data"
BATCH = 1000  # articles per store transaction
INDEX_COMMIT_EVERY = 50_000  # articles between index commits during one long ingest
INGEST_STAGES = ("copies",)  # enrichment stages cheap enough to run at ingest (``dedup=False``: none)

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
        from .enrich import all_stages
        from .enrich.hooks import entity_booster

        self._stages = all_stages()  # light: no stage imports its heavy parts (spaCy) until it runs
        self._boosters = (entity_booster,)
        self.index = Index(self.path, extras=self._index_extras)
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
            records = pipeline.read_in_background(paths, options, now)
            return self.ingest_records(records, progress, update=update, dedup=dedup)
        return self.ingest_records(read_inputs(paths, options), progress, update=update, dedup=dedup)

    def ingest_records(
        self,
        items: Iterable[Record | Article | Reject | Note | tuple],
        progress: Progress | None = None,
        *,
        update: bool = False,
        dedup: bool = True,
    ) -> IngestSummary:
        """Store and index Records or Articles (Rejects are logged); every ingest path ends here.

        ``dedup`` runs the cheap stages that belong to ingest (``INGEST_STAGES``: copies) on
        each batch before it is indexed, so search collapses copies at once.

        A tuple item is a row already prepared by :func:`newsdesk.store.article_values`.
        """
        from . import enrich

        summary = IngestSummary()
        started = time.monotonic()
        ingest_stages = self._ingest_stages(summary) if dedup else []
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
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
        summary.seconds = time.monotonic() - started
        return summary

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
        """Throw the index away and rebuild it from the store alone; returns articles indexed."""
        with self._exclusive():
            self.index.close_writer()
            self.index = _fresh_index(self.path, self._index_extras)
            return self.index.catch_up(self.store, progress)

    def refresh(self) -> None:
        """See what other processes committed since (reload the index's searcher)."""
        self.index.tv.reload()

    # -- the parts the lower layers are handed -------------------------------
    @property
    def corpus(self) -> Corpus:
        """Store + index + the enrichment stages' boosters: what search and analysis read."""
        return Corpus(store=self.store, index=self.index, boosters=self._boosters, hit_extras=self._hit_extras)

    def _hit_extras(self, seqs: list[int]) -> dict[int, dict[str, Any]]:
        """What each hit gains from the copies and stories stages: copies, copy_of, story."""
        from .enrich import groups

        return groups.columns(self.store, seqs)

    def _index_extras(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        """Index field values from every enrichment stage that provides some, merged per seq."""
        out: dict[int, dict[str, list[Any]]] = {}
        for stage in self._stages:
            if stage.info.index_fields:
                for seq, fields in stage.index_values(store, seqs).items():
                    out.setdefault(seq, {}).update(fields)
        return out

    # -- reading ------------------------------------------------------------
    def search(self, query: str, limit: int = 10, offset: int = 0, **filters: Any) -> SearchResults:
        """Ranked, highlighted hits for a query (see docs/query-language.md).

        Keyword filters: ``since``, ``until`` (dates), ``source`` (one or a list),
        ``sort`` ("relevance", "date", "date-asc"), ``snippets`` (bool),
        ``operator`` ("AND"/"OR"), ``recency`` (a half-life), ``collapse``.
        """
        return search_mod.search(self.corpus, query, limit=limit, offset=offset, **filters)

    def get(self, key: str) -> Article:
        """An article by its id or its external id; NotFoundError if there is none."""
        article = self.store.get(key)
        if article is None:
            raise NotFoundError(f"no article with id or external id {key!r} in {self.path}")
        return article

    def count(self) -> int:
        """How many articles the store holds."""
        return self.store.count()

    def stats(self) -> dict[str, Any]:
        """Counts: articles, sources, date range, per month; plus index health."""
        stats = self.store.stats()
        stats["indexed"] = self.index.num_docs()
        stats["data_dir"] = os.path.abspath(self.path)
        return stats

    def facets(
        self, query: str, since: Any = None, until: Any = None, source: str | list[str] | None = None,
        results: SearchResults | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Top sources, months and entities of ALL a query's matches (what refines a search).

        ``{"sources"|"months"|"entities": [{"value", "count"}, ...]}``; entities also
        carry ``type`` and are [] until ``newsdesk enrich`` has run. Pass the
        ``results`` of a search just run for the same query to reuse its parsed
        query and searcher snapshot (nothing is parsed or compiled twice).
        """
        from . import analysis

        if results is not None and results.plan is not None:
            return analysis.facets_for_plan(self.corpus, results.plan)
        return analysis.facets(self.corpus, query, since, until, source)

    def timeline(
        self, queries: list[str] | str, interval: str = "month", normalize: bool = False,
        since: Any = None, until: Any = None, source: Any = None, unit: str = "articles",
    ) -> dict[str, Any]:
        """Matching articles per period for each query, with their share of all coverage.

        ``unit``: ``articles`` (every match), ``originals`` (only articles that are nobody's
        copy) or ``stories`` (distinct stories), to see coverage with and without syndication.
        """
        from . import analysis
        from .enrich import groups

        def count_unit(rows: list, unit_: str, interval_: str) -> Any:
            return groups.counts(self.store, rows, unit_, interval_)

        return analysis.timeline(
            self.corpus, queries, interval, normalize, since, until, source, unit=unit, count_unit=count_unit
        )

    def top(
        self, kind: str, query: str = "*", n: int = 10, since: Any = None, until: Any = None, source: Any = None,
        originals: bool = False,
    ) -> list[dict[str, Any]]:
        """Top ``terms``, ``sources`` or ``entities`` of a query's matches ("*": all articles).

        Entities are [] until ``newsdesk enrich`` has run. ``originals`` (sources only): per
        source, ``articles``, ``originals`` and ``copies`` (of others' articles): who
        originates and who republishes.
        """
        from . import analysis

        if kind == "sources" and originals:
            from .enrich import groups
            from .search.match import all_seqs

            seqs = all_seqs(search_mod.make_plan(self.corpus, query, since, until, source))
            roles = groups.source_roles(self.store, seqs)
            ranked = sorted(roles.items(), key=lambda kv: (-kv[1]["articles"], kv[0]))[:n]
            return [{"source": s, "count": r["articles"], **r} for s, r in ranked]
        if kind == "terms":
            return analysis.top_terms(self.corpus, query, n, since, until, source)
        if kind == "sources":
            return analysis.top_sources(self.corpus, query, n, since, until, source)
        if kind == "entities":
            try:
                return self.entities(top=n, query=query, since=since, until=until, source=source)
            except NotEnrichedError:
                return []
        raise BadParameter("kind", kind, "choose terms, sources or entities")

    def iter_export(self, query: str, snippets: bool = True, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every match of a query as an export row, newest first (parsed now, streamed lazily)."""
        from . import analysis

        return analysis.iter_export(self.corpus, query, snippets=snippets, extras=self._export_extras, **filters)

    def export_lines(self, query: str, raw: bool = False, **filters: Any) -> Iterator[str]:
        """Every match as CSV text, header first, one line at a time (for streaming over HTTP)."""
        from . import analysis

        return analysis.csv_lines(self.iter_export(query, **filters), raw=raw)

    def export(self, query: str, fmt: str, out: IO[str], raw: bool = False, **filters: Any) -> int:
        """Write every match of ``query`` to ``out`` as ``csv`` or ``jsonl``; returns rows written."""
        from . import analysis

        return analysis.export(self.corpus, query, fmt, out, raw=raw, extras=self._export_extras, **filters)

    def _export_extras(self, seqs: list[int]) -> dict[int, dict[str, Any]]:
        """Columns the copies and stories stages add to export rows: copy_of, story."""
        from .enrich import groups

        return groups.export_columns(self.store, seqs)

    def article_info(self, key: str) -> dict[str, Any]:
        """One article as ``show --json`` prints it: every stored field, plus ``copy_of`` (the
        original's id, or None), ``copies`` (ids of the other members of its copy group),
        ``story`` (or None) and ``revisions`` (earlier texts, oldest first)."""
        from .enrich import groups

        art = self.get(key)
        seq = self.store.seq_of(art.id)
        extra = groups.columns(self.store, [seq]).get(seq, {}) if seq is not None else {}
        return {
            **art.to_dict(),
            "copy_of": extra.get("copy_of"),
            "copies": extra.get("copies", []),
            "story": extra.get("story"),
            "revisions": self.revisions(art.id),
        }

    # -- stories (the copies and stories stages) --------------------------------
    def stories(
        self, query: str | None = None, since: Any = None, until: Any = None, top: int = 20,
        order: str = "size",
    ) -> list[dict[str, Any]]:
        """Stories by size (``order="growth"``: growth over the period before; ``"recent"``),
        overall or among a query's matches; each with ``id``, ``title``, ``size``, ``sources``,
        ``originals``, ``first_published``, ``last_published``, ``article_ids``."""
        from .enrich import groups

        if order not in ("size", "growth", "recent"):
            raise BadParameter("order", order, "choose size, growth or recent")
        lo = search_mod.date_bound(since, "since")
        hi = search_mod.date_bound(until, "until", end=True)
        seqs = self._matching(query) if query else None
        iso = "%Y-%m-%dT%H:%M:%SZ"
        return groups.stories(
            self.store, seqs=seqs, since=lo.strftime(iso) if lo else "", until=hi.strftime(iso) if hi else "",
            top=top, order=order,
        )

    def story(self, story_id: int | str) -> dict[str, Any]:
        """One story: ``id``, ``title``, ``articles`` (``{id, title, source, published, copy_of}``
        in time order), ``timeline``, ``entities``, ``quotes``; NotFoundError if there is none."""
        from .enrich import groups

        try:
            number = int(story_id)
        except (TypeError, ValueError):
            raise BadParameter("story", story_id, "a story id is a number (see `newsdesk stories`)") from None
        found = groups.story(self.store, number)
        if found is None:
            raise NotFoundError(f"no story {number} in {self.path} (see `newsdesk stories`)")
        return found

    def similar(self, article: Article | str, n: int = 5) -> list[dict[str, str]]:
        """Articles like this one (an Article, or its id or external id)."""
        from .analysis import STOPWORDS
        from .search.similar import similar

        art = self.get(article) if isinstance(article, str) else article
        return similar(self.corpus, art, n, stop_words=sorted(STOPWORDS))

    def article_page(self, key: str) -> dict[str, Any]:
        """Everything an article's page shows: the article, its entities, quotes, similar articles
        and earlier revisions, looked up once."""
        from .enrich import groups, read

        art = self.get(key)
        entities, quotes = read.article_enrichment(self.store, art)
        seq = self.store.seq_of(art.id)
        return {
            "article": art,
            "entities": entities,
            "quotes": quotes,
            "similar": self.similar(art),
            "revisions": self.revisions(art.id),
            "groups": groups.columns(self.store, [seq]).get(seq, {}) if seq is not None
            else {"copies": [], "copy_of": None, "story": None},
        }

    # -- entities and quotes (the entities stage; need `newsdesk enrich` first) --
    def _matching(self, query: str | None, since: Any = None, until: Any = None, source: Any = None) -> list[int] | None:
        """Seqs of a query's matches, or None for no query / "*" (every article).

        Parsed before any "not enriched" check so that a query that does not
        parse is reported as such even on a desk that has not been enriched.
        """
        from .search.match import all_seqs

        if (not query or query.strip() == "*") and not (since or until or source):
            return None
        return all_seqs(search_mod.make_plan(self.corpus, query or "*", since, until, source))

    def entity(self, name: str) -> dict[str, Any]:
        """Everything about one entity (the object ``newsdesk entity NAME --json`` prints)."""
        from .enrich import read

        return read.entity_page(self.store, name)

    def entities(
        self, top: int = 20, type: str | None = None, query: str | None = None,  # noqa: A002
        since: Any = None, until: Any = None, source: Any = None,
    ) -> list[dict[str, Any]]:
        """The most covered entities, overall or among a query's matches."""
        from .enrich import read

        seqs = self._matching(query, since, until, source)
        return read.top_entities(self.store, top=top, type=type, seqs=seqs)

    def quotes(
        self, by: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        """Quotations, newest first, optionally by one speaker, of one kind (full/partial),
        or within a query's matches."""
        from .enrich import read

        seqs = self._matching(query)
        return read.list_quotes(self.store, by=by, seqs=seqs, limit=limit, offset=offset, kind=kind)

    # -- enrichment stages --------------------------------------------------
    def stages(self) -> list[dict[str, Any]]:
        """Every enrichment stage: name, version, summary, what it reads/writes, articles pending."""
        from . import enrich

        return [
            {
                "name": s.info.name, "version": s.info.version, "summary": s.info.summary,
                "reads": list(s.info.reads), "writes": list(s.info.writes),
                "index_fields": list(s.info.index_fields), "pending": len(enrich.pending(self.store, s)),
            }
            for s in self._stages
        ]

    def pending(self, stage: str = "entities") -> int:
        """How many articles one stage has not done yet."""
        from . import enrich

        return len(enrich.pending(self.store, enrich.get_stage(stage)))

    def enrich(
        self, stage: str | None = None, redo: str | None = None, progress: Progress | None = None,
        workers: int | None = None, batch_size: int | None = None,
    ) -> dict[str, int]:
        """Run enrichment stages over the articles they have not done; {stage: articles done now}.

        ``stage`` runs one stage only (default: every stage, in order). ``redo`` names
        a stage whose results are forgotten first so it runs on every article again
        (after its rules changed); the other stages are untouched.
        """
        from . import enrich

        everything = [s.info.name for s in self._stages]
        if stage is not None:
            enrich.get_stage(stage)  # unknown names fail before any work
        if redo not in (None, "*"):
            enrich.get_stage(redo)
        names = [stage] if stage else everything
        if redo not in (None, "*") and redo not in names:
            names.append(redo)
        redo_all = redo == "*"
        done: dict[str, int] = {}
        with self.writing():
            for name in names:
                done[name] = enrich.run_stage(
                    self.store, enrich.get_stage(name), progress=progress, workers=workers,
                    batch_size=batch_size or enrich.BATCH, redo=redo_all or name == redo,
                    catch_up=lambda: self.index.catch_up(self.store),
                )
        return done

    # -- API keys -------------------------------------------------------------
    def create_key(self, name: str = "") -> str:
        """Make a new API key and return it (the only time it is visible); only its hash is stored."""
        from .store import keys

        return keys.create_key(self.store, name)

    def verify_key(self, key: str | None) -> bool:
        """True when ``key`` is a live (not revoked) API key of this desk."""
        from .store import keys

        return keys.verify_key(self.store, key)

    def list_keys(self) -> list[dict[str, Any]]:
        """Every key's id, name, prefix and dates (never the key)."""
        from .store import keys

        return keys.list_keys(self.store)

    def revoke_key(self, key_id: int) -> None:
        """Revoke a key by its id (as ``keys list`` shows it)."""
        from .store import keys

        keys.revoke_key(self.store, key_id)

    # -- evaluation -------------------------------------------------------------
    def evaluate(
        self, queries: str | os.PathLike[str] | dict[str, str], qrels: str | os.PathLike[str] | dict[str, dict[str, int]],
        depth: int = 100, operator: str = "OR", collapse: bool = False, run_out: str | os.PathLike[str] | None = None,
    ) -> dict[str, Any]:
        """Measure ranking on judged queries (TREC files or dicts): nDCG@10, MAP, MRR@10, R@100, P@10.

        Returns the metrics plus ``queries`` (judged, measured) and ``unjudged`` (ids left out).
        Needs the ``eval`` extra (ir-measures).
        """
        from . import evaluate as ev

        if isinstance(queries, dict) and isinstance(qrels, dict):
            qs, qr, unjudged = ev.judged_set(queries, qrels)
        else:
            qs, qr, unjudged = ev.judged_files(queries, qrels)  # type: ignore[arg-type]
        metrics = ev.evaluate(self, qs, qr, depth, operator, collapse, run_out)
        return {**metrics, "unjudged": unjudged}

    def known_items(self, directory: str | os.PathLike[str], depth: int = 100, operator: str = "AND") -> dict[str, Any]:
        """Known-item search over seed-style pair files (first line the query, the file the article)."""
        from . import evaluate as ev

        return ev.known_items(self, directory, depth=depth, operator=operator).summary()

    # -- following the news: feeds, saved searches, alerts, snapshots (issue 10) -------------
    @property
    def follow(self) -> Any:
        """Feeds, polling, saved searches, alerts, spikes and snapshots: a
        :class:`newsdesk.alerts.following.Following` over this desk's parts."""
        from .alerts.following import Following

        return Following(self.store, self.index, self.path, self.ingest_records, self.search, self._thread_lock,
                         self.writing)


def check_writable(path: str | os.PathLike[str]) -> None:
    """NewsdeskError now, not after every query has run, if a run file cannot be written."""
    from . import evaluate as ev

    ev.check_writable(path)


def evaluate_collection(
    name: str, depth: int = 100, operator: str = "OR", collapse: bool = False,
    run_out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Evaluate a shared test collection (``time``, ``reuters``) in a temporary desk."""
    import tempfile

    from . import evaluate as ev

    inputs, queries, qrels = ev.collection(name)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp, Desk(tmp) as desk:
        items = list(inputs)
        if items and isinstance(items[0], str):
            desk.ingest(items)
        else:
            desk.ingest_records(items)
        return desk.evaluate(queries, qrels, depth, operator, collapse, run_out)


def _fresh_index(path: str, extras: Any = None) -> Index:
    """An empty index in ``path`` that knows it must be rebuilt from the store."""
    Index.wipe_dir(path)
    return Index(path, extras=extras)


def open(path: str | os.PathLike[str] | None = None, create: bool = True) -> Desk:  # noqa: A001
    """Open (or create) the desk in ``path`` (default: $NEWSDESK_DATA or ./newsdesk-data)."""
    return Desk(path, create=create)
