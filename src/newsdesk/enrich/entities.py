"""The entities stage: named entities (spaCy) and quotations, with their speakers.

spaCy is imported only when this stage computes (``ner.load_nlp``), never when
it is merely listed, so ``newsdesk search`` and ``--help`` stay light. The
stage gives the index the ``entity`` field (every entity an article names, as
its lookup key) and ``salient`` (the ones the article is about), which
``entity:"…"`` queries and the search booster use.

Each article is read with the model of its ``lang`` (:func:`newsdesk.enrich.ner.entity_languages`
lists those installed); an article in a language without one is done with no entities (its
quotes are still found) and its language is remembered (:meth:`EntitiesStage.skipped_languages`),
so stats and the UI can say "no entities for xx". After installing a model for such a
language, ``newsdesk enrich --redo entities`` reads those articles again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..store import entities as store_entities
from .stage import StageInfo

if TYPE_CHECKING:
    from ..model import StoredRow
    from ..store import Store

SKIPPED_META = "entities:skipped_languages"  # JSON list of languages done without a model


class EntitiesStage:
    """Entities + quotes for each article (see :mod:`newsdesk.enrich.ner`, ``names``, ``quotes``)."""

    info = StageInfo(
        name=store_entities.STAGE,
        version=2,  # 2: NER on the name windows of the text, a model per language
        reads=("articles",),
        writes=("entities", "article_entities", "quotes"),
        index_fields=("entity", "salient"),
        summary="people, organisations and places (spaCy), and who-said-what quotations",
        parallel=True,
        extra="ner",
    )

    def available(self) -> str | None:
        """Loads the model (once per process); raises MissingExtraError without spaCy."""
        from . import ner

        ner.load_nlp()
        return None

    def compute(self, rows: Sequence[StoredRow]) -> list[dict[str, Any]]:
        from . import ner

        return ner.analyse([(r.seq, r.title, r.body, r.lang) for r in rows])

    def write(self, store: Store, rows: Sequence[StoredRow], computed: list[dict[str, Any]]) -> list[int]:
        store_entities.write_results(store, computed)
        skipped = {r["skipped"] for r in computed if r.get("skipped")}
        if skipped - set(self.skipped_languages(store)):
            store.set_meta(SKIPPED_META, json.dumps(sorted(skipped | set(self.skipped_languages(store)))))
        return [r.seq for r in rows]

    def reset(self, store: Store) -> None:
        store.touch(store_entities.forget_all(store))
        store.set_meta(SKIPPED_META, "[]")

    def skipped_languages(self, store: Store) -> list[str]:
        """Languages of articles this stage did without entities (no model for them here)."""
        return list(json.loads(store.get_meta(SKIPPED_META, "[]") or "[]"))

    def index_values(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        return store_entities.entity_fields(store, seqs)  # type: ignore[return-value]
