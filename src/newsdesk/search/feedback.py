"""Pseudo-relevance feedback (RM3, as Anserini implements it) for long natural-language queries.

A reader who writes a whole sentence ("what problems arise when flying at supersonic speed")
uses words the articles may not; the articles the first pass ranks highest usually do. RM3
takes the top ``FB_DOCS`` articles, builds a relevance model from their words (each article's
term frequencies, normalised by its length, weighted by its score), keeps the ``FB_TERMS``
best words, and re-ranks with the original query (weight ``ORIGINAL_WEIGHT``) plus those
words. Anserini's defaults are 10 docs, 10 terms, 0.5; on the ranking bench's dev splits
10 docs, 30 terms, 0.7, for queries of 6 to 20 words, do best (with the per-desk length floor:
mean dev nDCG@10 over the six ad hoc sets +0.013, none below today's by more than 0.003; without
the upper bound CACM and CISI lose). Knobs tried on dev: docs 5/10/20, terms 10/20/30/40,
weight 0.5-0.9, upper bound none/15/20/25/30/40.

It costs a second search and reading the feedback articles from the store, so it is opt-in
(``rank="rm3"``) and only acts on queries of ``MIN_WORDS`` to ``MAX_WORDS`` words; other queries,
date sorts and empty first passes fall through to plain BM25. The expansion words are SHOULD
clauses beside the original query, which stays MUST: feedback re-orders the matches and the
total, filters and facets are those of the query as written.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import TYPE_CHECKING

import tantivy

from .. import query as query_mod
from ..analyzers import analyze
from ..index import PAD_TOKEN
from .plan import typed_words
from .retrieve import Candidates, Retriever, TantivyRetriever

if TYPE_CHECKING:
    from ..store import Store
    from .plan import Plan

FB_DOCS = 10
FB_TERMS = 30
ORIGINAL_WEIGHT = 0.7
MIN_WORDS = 6  # "long" queries: the ranking bench's query type for natural-language requests
# queries of more than MAX_WORDS words (whole abstracts: CISI's median request is 50 words) already
# say what they want; feedback words only blur them (dev: CACM/CISI lose without this bound)
MAX_WORDS = 20
MAX_DF = 0.1  # words in more than this share of articles are not expansion candidates
FIELD = "text"


class FeedbackRetriever:
    """BM25, then RM3 re-ranking for long queries (see the module docstring)."""

    def __init__(self, store: Store, fb_docs: int = FB_DOCS, fb_terms: int = FB_TERMS,
                 original_weight: float = ORIGINAL_WEIGHT, min_words: int = MIN_WORDS,
                 max_words: int = MAX_WORDS, plain: Retriever | None = None) -> None:
        self.store = store
        self.fb_docs, self.fb_terms = fb_docs, fb_terms
        self.original_weight, self.min_words = original_weight, min_words
        self.max_words = max_words  # 0: no upper bound (the bench's "before")
        self.plain: Retriever = plain or TantivyRetriever()  # the ranking each plan, expanded or not, goes through

    def retrieve(self, plan: Plan, fetch: int, sort: str, group_fields: tuple[str, ...]) -> Candidates:
        words = list(dict.fromkeys(query_mod.positive_terms(plan.tree)))
        # "long" as the reader wrote it (common words count), as the ranking bench's query types
        n_words = typed_words(plan.q)
        too_long = bool(self.max_words) and n_words > self.max_words
        if sort != "relevance" or n_words < self.min_words or too_long or not words:
            return self.plain.retrieve(plan, fetch, sort, group_fields)
        expanded = self.expand(plan, words)
        if expanded is None:
            return self.plain.retrieve(plan, fetch, sort, group_fields)
        # a new query object each time: nothing kept for it could come back (kept=False)
        return self.plain.retrieve(dataclasses.replace(plan, query=expanded, kept=False), fetch, sort, group_fields)

    def expand(self, plan: Plan, words: list[str]) -> tantivy.Query | None:
        """The plan's query plus the RM3 expansion words as weighted SHOULD clauses."""
        searcher = plan.searcher
        first = searcher.search(plan.query, self.fb_docs).hits
        if not first:
            return None
        addrs = [a for _s, a in first]
        seqs = [int(s) for s in searcher.fast_field_values("seq", addrs)]
        rows = self.store.rows_by_seq(seqs)
        top = max(s for s, _a in first)
        model: Counter[str] = Counter()
        for (score, _a), seq in zip(first, seqs, strict=True):
            row = rows.get(seq)
            if row is None:
                continue
            terms = analyze(FIELD, f"{row.title}\n{row.body}")
            if not terms:
                continue
            weight = math.exp(score - top)  # P(D|Q) up to a constant, from the BM25 score
            for term, tf in Counter(terms).items():
                model[term] += weight * tf / len(terms)
        n_docs = max(searcher.num_docs, 1)
        original = set(words)
        candidates = [
            (w, t) for t, w in model.most_common(self.fb_terms * 10)
            if t not in original and t != PAD_TOKEN and len(t) > 1 and not t.isdigit()
            and searcher.doc_freq(FIELD, t) <= MAX_DF * n_docs
        ][: self.fb_terms]
        if not candidates:
            return None
        total = sum(w for w, _t in candidates)
        # RM3 interpolates L1-normalised vectors: each original word weighs alpha/|q|, each
        # expansion word (1-alpha)*p(t). With the original query kept whole at boost 1 (one
        # BM25 score per word), an expansion word's boost is its weight relative to one word's.
        alpha = self.original_weight
        scale = (1 - alpha) / alpha * len(words)
        clauses = [(tantivy.Occur.Must, plan.query)]
        for w, t in candidates:
            term = tantivy.Query.term_query(plan.schema, FIELD, t)
            clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, scale * w / total)))
        return tantivy.Query.boolean_query(clauses)
