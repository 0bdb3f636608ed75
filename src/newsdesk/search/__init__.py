"""Search as a pipeline of small steps: parse once → retrieve → fuse → collapse → hydrate → highlight.

* **plan** (:mod:`.plan`): the query is parsed and compiled once, with filters,
  ranking clauses and the stages' boosters, against one searcher snapshot that
  hits, totals and facets share;
* **retrieve** (:mod:`.retrieve`): candidates from each retriever (by default tantivy's
  BM25 with its top 10 re-ordered by the learned model of :mod:`.rerank`; the ranking modes
  add AND-then-OR, feedback or a dense list);
* **fuse**: one list (identity for one retriever; reciprocal-rank fusion for more);
* **collapse** (:mod:`.collapse`): one hit per group (exact duplicates, or copy
  groups / stories), fetching deeper until the page is full; optional recency;
* **hydrate** (:mod:`.hydrate`): the page's rows from the store, snippets highlighted.

Nothing here knows the Desk: it takes a :class:`Corpus` (store + index + boosters).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from ..errors import BadParameter
from ..model import Hit
from . import plan as plan_mod
from .collapse import collapse, recency_rescore
from .hydrate import hydrate
from .memo import Memo, memo_for, snapshot
from .plan import (
    Booster,
    Corpus,
    Plan,
    date_bound,
    drop_common_words,
    filter_clauses,
    free_words,
    make_plan,
    ranking_clauses,
)
from .rerank import default_retriever
from .retrieve import SORTS, Candidates, Retriever, TantivyRetriever, identity, rrf

DEDUP_EXTRA = 5  # extra hits fetched so a page stays full after collapsing duplicates
RECENCY_POOL = 100  # candidates re-scored by the recency boost
MAX_WINDOW = 1_000_000  # deepest result a page may reach (offset + limit)
# collapse mode -> the index fast fields whose groups it collapses (each mode includes the ones before)
GROUP_FIELDS: dict[str, tuple[str, ...]] = {
    "exact": ("dup",),
    "copies": ("dup", "copy_group"),
    "stories": ("dup", "copy_group", "story"),
}
COLLAPSE_MODES = (*GROUP_FIELDS, "none")
# ranking modes (bench/ranking.py measures each): "relaxed" fills a short AND page with OR matches
# (search.relax); "rm3" adds pseudo-relevance feedback to long queries (search.feedback);
# "hybrid" fuses BM25 with WordLlama static embeddings by RRF k=60 (search.dense, `semantic` extra);
# "ltr" is "relaxed" with each pass's top 20 re-ordered by the learned model (search.rerank).
# "bm25" (the default) and "relaxed" re-order the top 10 of a plan whose words are all required
# (AND) or of an OR request of 6+ words by the same model (search.rerank.default_retriever);
# shorter OR plans (keywords) keep BM25's order
RANKS = ("bm25", "relaxed", "rm3", "hybrid", "ltr")

__all__ = [
    "COLLAPSE_MODES", "RANKS", "SORTS", "Booster", "Candidates", "Corpus", "Plan", "Retriever", "SearchResults", "TantivyRetriever",
    "date_bound", "drop_common_words", "filter_clauses", "free_words", "make_plan", "ranking_clauses",
    "planned", "rrf", "search", "search_plan",
]


@dataclass
class SearchResults:
    """One page of hits plus the total number of matches; iterate it for the hits."""

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    plan: Plan | None = field(default=None, repr=False, compare=False)  # for facets on the same snapshot

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


def half_life_days(recency: str | float | None) -> float | None:
    """A recency half-life in days from ``7d``, ``12h``, ``2w``, ``1y`` or a number of days."""
    if recency in (None, "", 0):
        return None
    if isinstance(recency, int | float):
        return float(recency)
    text = str(recency).strip().lower()
    units = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.0, "y": 365.0}
    try:
        if text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except (ValueError, IndexError):
        raise BadParameter("recency", recency, "give a half-life such as 7d, 12h, 2w or 1y") from None


def search(
    corpus: Corpus,
    q: str,
    limit: int = 10,
    offset: int = 0,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
    sort: str = "relevance",
    snippets: bool = True,
    operator: str = "AND",
    recency: str | float | None = None,
    collapse: bool | str = True,
    retrievers: list[Retriever] | None = None,
    rank: str = "bm25",
    lang: str | list[str] | None = None,
) -> SearchResults:
    """Run a search and return one page of highlighted hits.

    ``operator`` is the default operator between words ("AND" or "OR");
    ``recency`` a half-life (``7d``, ``12h``, days as a number) that multiplies
    each score by ``1 + 2^(-age/half_life)``; ``collapse`` True (exact duplicates),
    False, or the name of a group field mode (see ``GROUP_FIELDS``); ``rank`` one of ``RANKS``
    (heavier modes are opt-in: see docs/benchmarks.md, ranking section, for what each costs);
    ``lang`` only articles in these languages (ISO 639-1), analysed by their rules only.
    """
    if sort not in SORTS:
        raise BadParameter("sort", sort, f"choose one of {', '.join(SORTS)}")
    if limit < 0:
        raise BadParameter("limit", limit, "must not be negative")
    if offset < 0:
        raise BadParameter("offset", offset, "must not be negative")
    if offset + limit > MAX_WINDOW:
        raise BadParameter(
            "offset", offset, f"offset + limit may not exceed {MAX_WINDOW:,} (export every match instead)"
        )
    if rank not in RANKS:
        raise BadParameter("rank", rank, f"choose one of {', '.join(RANKS)}")
    memo = memo_for(corpus.store)
    plan = planned(corpus, memo, q, since, until, source, operator, lang)
    if retrievers is None and rank != "bm25":
        retrievers = rank_retrievers(corpus, rank, memo)
    return search_plan(corpus, plan, limit, offset, sort, snippets, recency, collapse, retrievers, memo=memo)


# the ranking knobs of search.plan (TITLE_BOOST, PROX_SLOP...): part of a kept plan's key, so a
# bench or test that changes one gets plans made with the new value (one C call, ~0.5 µs)
_KNOBS = attrgetter(*sorted(k for k, v in vars(plan_mod).items()
                            if k.isupper() and type(v) in (int, float, bool)))


_NOW = re.compile(r"\bnow", re.IGNORECASE)  # a date relative to now (query.dates): "snow" is not one


def _plan_key(corpus: Corpus, q: str, since: object, until: object, source: object, operator: str,
              lang: object) -> Hashable | None:
    """What a plan is made from, as a key; None when it must be made each time (dates
    relative to now, in the filters or in the query)."""
    if _NOW.search(q) or any(isinstance(d, str) and _NOW.search(d) for d in (since, until)):
        return None
    try:
        # the index folder too: a reindex (a new analysis setting, a length floor) switches to another
        key = (q, since, until, _as_tuple(source), operator, _as_tuple(lang), tuple(corpus.boosters),
               _KNOBS(plan_mod), corpus.index.path)
        hash(key)
    except TypeError:  # an unusual filter value (a set, a dict): not worth a key
        return None
    return key


def _as_tuple(value: object) -> object:
    return tuple(value) if isinstance(value, list | tuple) else value


def planned(
    corpus: Corpus, memo: Memo | None, q: str, since: str | datetime | None = None, until: str | datetime | None = None,
    source: str | list[str] | None = None, operator: str = "AND", lang: str | list[str] | None = None,
) -> Plan:
    """:func:`make_plan`, or the plan made for the same arguments on this store version and
    index snapshot, on the current searcher (parsing and compiling cost ~0.15 ms a query)."""
    # the searcher first: taking it follows a reindex (here or in another process) to the live
    # index folder, which the key names; keyed before, a switched index reused the old plan
    searcher = corpus.index.searcher()
    key = _plan_key(corpus, q, since, until, source, operator, lang) if memo is not None else None
    if key is None or memo is None:
        return make_plan(corpus, q, since, until, source, operator, searcher=searcher, lang=lang)
    snap = snapshot(searcher)
    kept = memo.get("plans", key)
    if kept is not None and kept[0] == snap:
        return kept[1].on(searcher)
    plan = make_plan(corpus, q, since, until, source, operator, searcher=searcher, lang=lang)
    plan.kept = True
    memo.put("plans", key, (snap, plan))
    return plan


def rank_retrievers(corpus: Corpus, rank: str, memo: Memo | None = None) -> list[Retriever]:
    """The retrievers of a ranking mode (imported on use: hybrid needs the semantic extra)."""
    if rank == "relaxed":
        from .relax import RelaxedRetriever

        return [RelaxedRetriever(corpus, default_retriever(corpus, memo))]
    if rank == "rm3":
        from .feedback import FeedbackRetriever

        # the default ranking under the expansion (an expanded plan is new each time: no memo)
        return [FeedbackRetriever(corpus.store, plain=default_retriever(corpus))]
    if rank == "ltr":
        from .rerank import relaxed_reranker

        return [relaxed_reranker(corpus)]
    from .dense import DenseRetriever, vectors_for

    return [default_retriever(corpus, memo), DenseRetriever(vectors_for(corpus.store))]


def _group_fields(collapse_mode: bool | str) -> tuple[str, ...]:
    if collapse_mode is False or collapse_mode in ("none", ""):
        return ()
    if collapse_mode is True:
        return GROUP_FIELDS["exact"]
    if collapse_mode not in GROUP_FIELDS:
        raise BadParameter("collapse", collapse_mode, f"choose one of {', '.join(COLLAPSE_MODES)}")
    return GROUP_FIELDS[str(collapse_mode)]


def search_plan(
    corpus: Corpus,
    plan: Plan,
    limit: int = 10,
    offset: int = 0,
    sort: str = "relevance",
    snippets: bool = True,
    recency: str | float | None = None,
    collapse_mode: bool | str = True,
    retrievers: list[Retriever] | None = None,
    memo: Memo | None = None,
) -> SearchResults:
    """The retrieve → fuse → collapse → hydrate steps for an already-made plan (``memo``: the
    store's, at the version the plan was made for; rows and snippets are reused from it)."""
    group_fields = _group_fields(collapse_mode)
    grouped = bool(group_fields)
    half_life = half_life_days(recency) if sort == "relevance" else None
    retrievers = retrievers or [default_retriever(corpus, memo)]
    fuse = identity if len(retrievers) == 1 else rrf
    want = offset + limit
    fetch = max(1, want + (DEDUP_EXTRA if grouped else 0))
    if half_life:
        fetch = max(fetch, RECENCY_POOL)
    while True:
        cands = fuse([r.retrieve(plan, fetch, sort, group_fields) for r in retrievers])
        hits = cands.hits
        if half_life:
            published = corpus.store.published_by_seq([seq for _s, seq, _g in hits])
            hits = recency_rescore(hits, published, half_life)
        keep, members = collapse(hits, want, grouped)
        # collapsing dropped duplicates: fetch deeper until the page is full or matches run out
        if len(keep) >= want or cands.fetched < fetch or fetch >= cands.total or not grouped:
            break
        fetch = min(max(cands.total, 1), 2 * fetch + 2 * (want - len(keep)))
    page = keep[offset:want]
    hits_out = hydrate(corpus.store, plan.tree, page, offset, snippets, corpus.hit_extras, memo)
    return SearchResults(query=plan.q, total=cands.total, hits=hits_out, offset=offset, plan=plan)
