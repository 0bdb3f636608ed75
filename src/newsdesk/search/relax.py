"""AND first, then OR: a short query that is one word too specific still finds its article.

A reader types ``west germany overeating`` for an article that says "adipose society": under
AND nothing matches, and the article they mean is lost. Web engines rank the articles that
have every word first and then those that have most of them. :class:`RelaxedRetriever` does
that: it takes the AND matches in BM25 order and, only when they are fewer than the page
asks for, fills the rest with OR matches of the same query (same filters, same ranking
clauses and boosters), each scored below the last AND match so the AND matches stay on top.
When it fills, ``total`` is the number of OR matches (what the pages can reach).

Measured by bench/ranking.py on the known-item sets (MRR@10, test split): KI-TIME
0.778 -> 0.944, KI-ECB+ 0.522 -> 0.532, KI-Reuters unchanged; nothing else changes, since ad hoc
evaluation already runs with OR. It costs a second search only when the AND page is short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .memo import memo_for, snapshot
from .plan import make_plan
from .retrieve import Candidates, TantivyRetriever

if TYPE_CHECKING:
    from .plan import Corpus, Plan
    from .retrieve import Retriever

BELOW = 0.999  # an OR-only match scores at most this share of the last AND match


class RelaxedRetriever:
    """AND matches, then OR matches to fill a short page (see the module docstring)."""

    def __init__(self, corpus: Corpus, plain: Retriever | None = None) -> None:
        self.corpus = corpus
        self.plain: Retriever = plain or TantivyRetriever()  # each pass (search.rerank wraps it)

    def retrieve(self, plan: Plan, fetch: int, sort: str, group_fields: tuple[str, ...]) -> Candidates:
        strict = self.plain.retrieve(plan, fetch, sort, group_fields)
        if strict.fetched >= fetch or sort != "relevance":
            return strict
        loose = self.plain.retrieve(self.loose_plan(plan), fetch, sort, group_fields)
        if loose.total <= strict.total:
            return strict
        seen = {seq for _s, seq, _g in strict.hits}
        extra = [h for h in loose.hits if h[1] not in seen]
        if strict.hits and extra:
            floor = min(s for s, _q, _g in strict.hits) * BELOW
            top = max(s for s, _q, _g in extra) or 1.0
            extra = [(s / top * floor, seq, g) for s, seq, g in extra]
        hits = (strict.hits + extra)[:fetch]
        return Candidates(hits=hits, total=loose.total, fetched=min(loose.fetched, len(hits)))

    def loose_plan(self, plan: Plan) -> Plan:
        """The plan's words with OR (same filters), kept in the search memo beside a kept plan,
        so that what is kept for it (the re-ordering's scores) comes back too."""
        memo = memo_for(self.corpus.store) if plan.kept else None
        snap = snapshot(plan.searcher)
        kept = memo.kept_for("loose", plan.query, snap) if memo is not None else None
        if kept is None:
            loose = make_plan(self.corpus, plan.q, operator="OR", searcher=plan.searcher, extra_filters=plan.filters)
            if memo is not None:
                loose.kept = True
                memo.keep_for("loose", plan.query, loose, snap)
            return loose
        return kept.on(plan.searcher)  # the kept queries, on this search's searcher
