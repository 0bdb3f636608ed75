"""The Desk's stage door: enrichment stages, API keys and ranking evaluation."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..index import Index
    from ..store import Store

Progress = Callable[[int], Any]


class Stages:
    """Mixed into :class:`newsdesk.desk.Desk`: enrichment, API keys, evaluation."""

    path: str
    store: Store
    index: Index
    _stages: list[Any]

    # -- enrichment stages --------------------------------------------------
    def stages(self) -> list[dict[str, Any]]:
        """Every enrichment stage: name, version, summary, what it reads/writes, articles pending."""
        from .. import enrich

        return [
            {
                "name": s.info.name,
                "version": s.info.version,
                "summary": s.info.summary,
                "reads": list(s.info.reads),
                "writes": list(s.info.writes),
                "index_fields": list(s.info.index_fields),
                "pending": len(enrich.pending(self.store, s)),
                **(
                    {"skipped_languages": s.skipped_languages(self.store)}
                    if hasattr(s, "skipped_languages")
                    else {}
                ),
            }
            for s in self._stages
        ]

    def entity_languages(self) -> list[str]:
        """ISO 639-1 codes whose articles get entities here (a spaCy model for them is installed).

        Articles in other languages are enriched without entities (their quotes are still
        found); ``stages()`` lists the languages met so far under ``skipped_languages``, so
        stats and the UI can say "no entities for xx". Cheap: spaCy is not imported."""
        from ..enrich import ner

        return sorted(ner.entity_languages())

    def pending(self, stage: str = "entities") -> int:
        """How many articles one stage has not done yet."""
        from .. import enrich

        return len(enrich.pending(self.store, enrich.get_stage(stage)))

    def enrich(
        self,
        stage: str | None = None,
        redo: str | None = None,
        progress: Progress | None = None,
        workers: int | None = None,
        batch_size: int | None = None,
    ) -> dict[str, int]:
        """Run enrichment stages over the articles they have not done; {stage: articles done now}.

        ``stage`` runs one stage only (default: every stage, in order). ``redo`` names
        a stage whose results are forgotten first so it runs on every article again
        (after its rules changed); the other stages are untouched.
        """
        from .. import enrich

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
                    self.store,
                    enrich.get_stage(name),
                    progress=progress,
                    workers=workers,
                    batch_size=batch_size,
                    redo=redo_all or name == redo,
                    catch_up=lambda: self.index.catch_up(self.store),
                )
        self.follow.percolate()  # entity: and story: alerts see what the stages just wrote
        return done

    def rebuild_stories(self, progress: Progress | None = None) -> int:
        """Re-cluster every article into stories in published order (after tuning the stage)."""
        from .. import enrich

        stage = enrich.get_stage("stories")
        with self.writing():
            with self.store.transaction():
                n = stage.rebuild(self.store)  # type: ignore[attr-defined]
                self.store.touch(self.store.all_seqs())  # every story value in the index may change
            self.index.catch_up(self.store)
        return n

    # -- API keys -------------------------------------------------------------
    def create_key(self, name: str = "") -> str:
        """Make a new API key and return it (the only time it is visible); only its hash is stored."""
        from ..store import keys

        return keys.create_key(self.store, name)

    def verify_key(self, key: str | None) -> bool:
        """True when ``key`` is a live (not revoked) API key of this desk."""
        from ..store import keys

        return keys.verify_key(self.store, key)

    def list_keys(self) -> list[dict[str, Any]]:
        """Every key's id, name, prefix and dates (never the key)."""
        from ..store import keys

        return keys.list_keys(self.store)

    def revoke_key(self, key_id: int) -> None:
        """Revoke a key by its id (as ``keys list`` shows it)."""
        from ..store import keys

        keys.revoke_key(self.store, key_id)

    # -- evaluation -------------------------------------------------------------
    def evaluate(
        self,
        queries: str | os.PathLike[str] | dict[str, str],
        qrels: str | os.PathLike[str] | dict[str, dict[str, int]],
        depth: int = 100,
        operator: str = "OR",
        collapse: bool = False,
        run_out: str | os.PathLike[str] | None = None,
        peers: bool = False,
        rank: str = "bm25",
    ) -> dict[str, Any]:
        """Measure ranking on judged queries (TREC files or dicts): nDCG@10, MAP, MRR@10, R@100, P@10.

        ``rank``: the ranking mode measured (as ``Desk.search``: bm25, relaxed, rm3, hybrid).

        Returns the metrics (also ``by_type``: names, topics, long) plus ``queries`` (judged,
        measured) and ``unjudged`` (ids left out); with ``peers``, ``peers`` holds the same figures
        for plain BM25 engines (raw tantivy, bm25s) over the same articles. Needs the ``eval`` extra.
        """
        from .. import evaluate as ev

        if isinstance(queries, dict) and isinstance(qrels, dict):
            qs, qr, unjudged = ev.judged_set(queries, qrels)
        else:
            qs, qr, unjudged = ev.judged_files(queries, qrels)  # type: ignore[arg-type]
        metrics = ev.evaluate(self, qs, qr, depth, operator, collapse, run_out, peers=peers, rank=rank)
        return {**metrics, "unjudged": unjudged}

    def known_items(
        self, directory: str | os.PathLike[str], depth: int = 100, operator: str = "AND"
    ) -> dict[str, Any]:
        """Known-item search over seed-style pair files (first line the query, the file the article)."""
        from .. import evaluate as ev

        return ev.known_items(self, directory, depth=depth, operator=operator).summary()
