"""The Desk's reading door: search, facets, timelines, top lists, export, articles, stories,
entities and quotes. Each method composes the layers below; none holds SQL or tantivy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from .. import search as search_mod
from ..errors import BadParameter, NotEnrichedError, NotFoundError
from ..model import Article
from ..search import Corpus, SearchResults
from ..store import languages as store_languages

if TYPE_CHECKING:
    from ..index import Index
    from ..store import Store


class Reading:
    """Mixed into :class:`newsdesk.desk.Desk`: everything that reads a desk."""

    path: str
    store: Store
    index: Index

    @property
    def corpus(self) -> Corpus:  # provided by Desk
        raise NotImplementedError

    def revisions(self, key: str) -> list[dict[str, Any]]:  # provided by Desk
        raise NotImplementedError

    def reindex(self, progress: Any = None) -> int:  # provided by Desk
        raise NotImplementedError

    # -- analysis setting (issue 15) ----------------------------------------
    @property
    def analysis(self) -> str:
        """How the index analyses text: ``languages`` (each article with its own language's
        stemming, folding and CJK bigrams; the default) or ``english`` (English stemming for
        every article, as before; for side-by-side comparisons)."""
        return store_languages.analysis_mode(self.store)

    def set_analysis(self, mode: str) -> int:
        """Switch the analysis setting (kept in the store, so every later reindex follows it);
        re-indexes what the desk holds when it changes. Returns articles re-indexed.

        ``newsdesk.desk.open(path, analysis="english")`` does this on opening."""
        if mode not in store_languages.ANALYSIS_MODES:
            raise BadParameter("analysis", mode, f"choose {' or '.join(store_languages.ANALYSIS_MODES)}")
        if mode == self.analysis and self.store.get_meta(store_languages.ANALYSIS_KEY):
            return 0
        store_languages.set_analysis_mode(self.store, mode)
        return self.reindex() if self.store.count() else 0

    # -- reading ------------------------------------------------------------
    def search(self, query: str, limit: int = 10, offset: int = 0, **filters: Any) -> SearchResults:
        """Ranked, highlighted hits for a query (see docs/query-language.md).

        Keyword filters: ``since``, ``until`` (dates), ``source`` (one or a list),
        ``sort`` ("relevance", "date", "date-asc"), ``snippets`` (bool),
        ``operator`` ("AND"/"OR"), ``recency`` (a half-life), ``collapse``, ``lang`` (ISO codes),
        ``rank`` ("bm25"; opt-in "relaxed" = AND then OR, "rm3" = feedback for long queries,
        "hybrid" = BM25 + static embeddings fused by RRF, needs the ``semantic`` extra).
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
        """Counts: articles, sources, date range, per month, per language (``languages``:
        ``[{"lang", "articles", "entities"}]``, ``und`` for undetermined; ``entities`` says whether
        that language gets entities here); the analysis setting; index health."""
        from ..enrich import ner

        stats = self.store.stats()
        with_entities = ner.entity_languages()
        stats["languages"] = [
            {**row, "entities": ner.model_language(row["lang"]) in with_entities}
            for row in store_languages.per_language(self.store)
        ]
        stats["entity_languages"] = sorted(with_entities)
        stats["analysis"] = self.analysis
        from ..index import lengths

        stats["length_floor"] = lengths.describe(self.store)  # issue 16: padding for BM25
        stats["indexed"] = self.index.num_docs()
        stats["data_dir"] = os.path.abspath(self.path)
        return stats

    def facets(
        self,
        query: str,
        since: Any = None,
        until: Any = None,
        source: str | list[str] | None = None,
        results: SearchResults | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """Top sources, months and entities of ALL a query's matches (what refines a search).

        ``{"sources"|"months"|"lang"|"entities": [{"value", "count"}, ...]}``; entities also
        carry ``type`` and are [] until ``newsdesk enrich`` has run. Pass the
        ``results`` of a search just run for the same query to reuse its parsed
        query and searcher snapshot (nothing is parsed or compiled twice).
        """
        from .. import analysis

        if results is not None and results.plan is not None:
            return analysis.facets_for_plan(self.corpus, results.plan)
        return analysis.facets(self.corpus, query, since, until, source)

    def timeline(
        self,
        queries: list[str] | str,
        interval: str = "month",
        normalize: bool = False,
        since: Any = None,
        until: Any = None,
        source: Any = None,
        unit: str = "articles",
    ) -> dict[str, Any]:
        """Matching articles per period for each query, with their share of all coverage.

        ``unit``: ``articles`` (every match), ``originals`` (only articles that are nobody's
        copy) or ``stories`` (distinct stories), to see coverage with and without syndication.
        """
        from .. import analysis
        from ..enrich import groups

        def count_unit(rows: list, unit_: str, interval_: str) -> Any:
            return groups.counts(self.store, rows, unit_, interval_)

        return analysis.timeline(
            self.corpus, queries, interval, normalize, since, until, source, unit=unit, count_unit=count_unit
        )

    def top(
        self,
        kind: str,
        query: str = "*",
        n: int = 10,
        since: Any = None,
        until: Any = None,
        source: Any = None,
        originals: bool = False,
    ) -> list[dict[str, Any]]:
        """Top ``terms``, ``sources`` or ``entities`` of a query's matches ("*": all articles).

        Entities are [] until ``newsdesk enrich`` has run. ``originals`` (sources only): per
        source, ``articles``, ``originals`` and ``copies`` (of others' articles): who
        originates and who republishes.
        """
        from .. import analysis

        if kind == "sources" and originals:
            from ..enrich import groups
            from ..search.match import all_seqs

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
        from .. import analysis

        return analysis.iter_export(
            self.corpus, query, snippets=snippets, extras=self._export_extras, **filters
        )

    def export_lines(self, query: str, raw: bool = False, **filters: Any) -> Iterator[str]:
        """Every match as CSV text, header first, one line at a time (for streaming over HTTP)."""
        from .. import analysis

        return analysis.csv_lines(self.iter_export(query, **filters), raw=raw)

    def export(self, query: str, fmt: str, out: IO[str], raw: bool = False, **filters: Any) -> int:
        """Write every match of ``query`` to ``out`` as ``csv`` or ``jsonl``; returns rows written."""
        from .. import analysis

        return analysis.export(self.corpus, query, fmt, out, raw=raw, extras=self._export_extras, **filters)

    def _export_extras(self, seqs: list[int]) -> dict[int, dict[str, Any]]:
        """Columns the copies and stories stages add to export rows: copy_of, story."""
        from ..enrich import groups

        return groups.export_columns(self.store, seqs)

    def article_info(self, key: str) -> dict[str, Any]:
        """One article as ``show --json`` prints it: every stored field, plus ``copy_of`` (the
        original's id, or None), ``copies`` (ids of the other members of its copy group),
        ``story`` (or None) and ``revisions`` (earlier texts, oldest first)."""
        from ..enrich import groups

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
        self,
        query: str | None = None,
        since: Any = None,
        until: Any = None,
        top: int = 20,
        order: str = "size",
    ) -> list[dict[str, Any]]:
        """Stories by size (``order="growth"``: growth over the period before; ``"recent"``),
        overall or among a query's matches; each with ``id``, ``title``, ``size``, ``sources``,
        ``originals``, ``first_published``, ``last_published``, ``article_ids``."""
        from ..enrich import groups

        if order not in ("size", "growth", "recent"):
            raise BadParameter("order", order, "choose size, growth or recent")
        lo = search_mod.date_bound(since, "since")
        hi = search_mod.date_bound(until, "until", end=True)
        seqs = self._matching(query) if query else None
        iso = "%Y-%m-%dT%H:%M:%SZ"
        return groups.stories(
            self.store,
            seqs=seqs,
            since=lo.strftime(iso) if lo else "",
            until=hi.strftime(iso) if hi else "",
            top=top,
            order=order,
        )

    def story(self, story_id: int | str) -> dict[str, Any]:
        """One story: ``id``, ``title``, ``articles`` (``{id, title, source, published, copy_of}``
        in time order), ``timeline``, ``entities``, ``quotes``; NotFoundError if there is none."""
        from ..enrich import groups

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
        from ..analysis import STOPWORDS
        from ..search.similar import similar

        art = self.get(article) if isinstance(article, str) else article
        return similar(self.corpus, art, n, stop_words=sorted(STOPWORDS))

    def article_page(self, key: str) -> dict[str, Any]:
        """Everything an article's page shows: the article, its entities, quotes, similar articles
        and earlier revisions, looked up once."""
        from ..enrich import groups, ner, read

        art = self.get(key)
        entities, quotes = read.article_enrichment(self.store, art)
        seq = self.store.seq_of(art.id)
        return {
            "article": art,
            "entities": entities,
            "quotes": quotes,
            "similar": self.similar(art),
            "revisions": self.revisions(art.id),
            "entities_note": ner.skip_reason(art.lang),  # None: its language gets entities
            "groups": groups.columns(self.store, [seq]).get(seq, {})
            if seq is not None
            else {"copies": [], "copy_of": None, "story": None},
        }

    # -- entities and quotes (the entities stage; need `newsdesk enrich` first) --
    def _matching(
        self, query: str | None, since: Any = None, until: Any = None, source: Any = None
    ) -> list[int] | None:
        """Seqs of a query's matches, or None for no query / "*" (every article).

        Parsed before any "not enriched" check so that a query that does not
        parse is reported as such even on a desk that has not been enriched.
        """
        from ..search.match import all_seqs

        if (not query or query.strip() == "*") and not (since or until or source):
            return None
        return all_seqs(search_mod.make_plan(self.corpus, query or "*", since, until, source))

    def entity(self, name: str) -> dict[str, Any]:
        """Everything about one entity (the object ``newsdesk entity NAME --json`` prints)."""
        from ..enrich import read

        return read.entity_page(self.store, name)

    def entities(
        self,
        top: int = 20,
        type: str | None = None,
        query: str | None = None,  # noqa: A002
        since: Any = None,
        until: Any = None,
        source: Any = None,
    ) -> list[dict[str, Any]]:
        """The most covered entities, overall or among a query's matches."""
        from ..enrich import read

        seqs = self._matching(query, since, until, source)
        return read.top_entities(self.store, top=top, type=type, seqs=seqs)

    def quotes(
        self,
        by: str | None = None,
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
        kind: str | None = None,
    ) -> list[dict[str, Any]]:
        """Quotations, newest first, optionally by one speaker, of one kind (full/partial),
        or within a query's matches."""
        from ..enrich import read

        seqs = self._matching(query)
        return read.list_quotes(self.store, by=by, seqs=seqs, limit=limit, offset=offset, kind=kind)
