"""Learned re-ranking of the top candidates (learning to rank; opt-in, ``rank="ltr"``).

BM25 gives one number per article; a reader's sense of "the article I mean" leans on more than
that: the words in the headline, in the first lines (news puts the point first), close
together, and a term-frequency curve closer to bm25s's k1 1.5 than tantivy's fixed 1.2.
:class:`RerankRetriever` takes the first ``DEPTH`` candidates of the ranking it wraps (the
shipped one: AND then OR), reads their headline and body from the store, computes the cheap
features of :data:`FEATURES` for each and orders them by a linear model (``WEIGHTS``). Articles
below ``DEPTH`` keep their order, below the re-ranked ones.

The weights are learned by ``bench/ltr.py`` with coordinate ascent (RankLib's method, numpy
only) on the pooled *dev* splits of the ranking bench's ten collections, objective the mean of
each collection's dev nDCG@10 (MRR@10 for the known-item sets); see docs/benchmarks.md (ranking
section) for dev and test figures and what it costs. Reading ``DEPTH`` articles and analysing
them costs milliseconds a query, so it is not the default.

The features are English-analysis ones (the ``text`` field's stemmed words); on a desk with
other analyses the first-pass score still carries their evidence.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

from .. import query as query_mod
from ..analyzers import analyze
from .retrieve import Candidates, TantivyRetriever

if TYPE_CHECKING:
    from ..store import Store
    from .plan import Corpus, Plan
    from .retrieve import Retriever

DEPTH = 30  # candidates re-ranked (the rest keep BM25's order below them)
LEAD_WORDS = 40  # the body's first words: news puts the point first
WINDOW = 8  # positions: how close the query's words lie (proximity evidence)
K1, B = 1.5, 0.75  # bm25s's term-frequency curve, beside tantivy's k1 1.2
FEATURES = ("score", "bm25", "title", "lead", "cover", "window", "length")
SHORT_QUERY = 5  # words typed: up to this a reader's words for one article, above a request
#: learned by bench/ltr.py on the dev splits only, one set for short queries and one for long
#: (``score`` fixed at 1: the scale is free)
WEIGHTS: dict[str, dict[str, float]] = {
    "short": {"score": 1.0, "bm25": 0.0, "title": 0.0, "lead": 0.0, "cover": 0.0, "window": 0.0, "length": 0.0},
    "long": {"score": 1.0, "bm25": 0.0, "title": 0.0, "lead": 0.0, "cover": 0.0, "window": 0.0, "length": 0.0},
}
SAMPLE = 500  # articles read once for the desk's mean length (BM25's avgdl)
STEP = 1e-5  # re-ranked scores differ by at least this (Hit.score keeps 6 decimals)


@dataclasses.dataclass
class Doc:
    """One candidate's analysed words: headline and body."""

    title: list[str]
    body: list[str]


def idf(df: int, n_docs: int) -> float:
    """BM25's idf as Lucene and bm25s write it (never below zero)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def doc_features(terms: list[str], weights: dict[str, float], doc: Doc, avg_len: float) -> list[float]:
    """The features of one candidate except ``score`` (see :data:`FEATURES`).

    ``terms``: the query's distinct words, ``weights``: their idf. Shares are idf-weighted, so a
    rare name counts for more than a common word."""
    text = doc.title + doc.body
    total = sum(weights.values()) or 1.0
    if not text:
        return [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    counts: dict[str, int] = {}
    for t in text:
        if t in weights:
            counts[t] = counts.get(t, 0) + 1
    norm = K1 * (1 - B + B * len(text) / max(avg_len, 1.0))
    bm25 = sum(weights[t] * n * (K1 + 1) / (n + norm) for t, n in counts.items())
    title = sum(weights[t] for t in set(doc.title) if t in weights) / total
    lead = sum(weights[t] for t in set(doc.body[:LEAD_WORDS]) if t in weights) / total
    cover = sum(weights[t] for t in counts) / total
    return [bm25, title, lead, cover, window_share(text, weights) / total, math.log1p(len(text)) / 7.0]


def window_share(text: list[str], weights: dict[str, float]) -> float:
    """The most idf weight of distinct query words found within any ``WINDOW`` positions."""
    hits = [(i, t) for i, t in enumerate(text) if t in weights]
    if len(weights) < 2 or not hits:
        return 0.0
    best = 0.0
    start = 0
    inside: dict[str, int] = {}
    for pos, term in hits:
        inside[term] = inside.get(term, 0) + 1
        while pos - hits[start][0] >= WINDOW:
            old = hits[start][1]
            inside[old] -= 1
            if not inside[old]:
                del inside[old]
            start += 1
        best = max(best, sum(weights[t] for t in inside))
    return best


def feature_matrix(scores: list[float], terms: list[str], weights: dict[str, float], docs: list[Doc],
                   avg_len: float) -> np.ndarray:
    """One row per candidate, one column per :data:`FEATURES` name; scores are divided by the
    query's best (first-pass score and bm25), so one set of weights fits every query."""
    rows = [[s, *doc_features(terms, weights, d, avg_len)] for s, d in zip(scores, docs, strict=True)]
    x = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    for col in (0, 1):
        top = x[:, col].max(initial=0.0)
        if top > 0:
            x[:, col] /= top
    return x


class RerankRetriever:
    """The wrapped ranking's top ``depth``, re-ordered by the learned model (module docstring)."""

    def __init__(self, corpus: Corpus, inner: Retriever | None = None, depth: int = DEPTH,
                 weights: dict[str, dict[str, float]] | None = None) -> None:
        self.store: Store = corpus.store
        self.inner = inner or TantivyRetriever()
        self.depth = depth
        w = weights or WEIGHTS
        self.w = {kind: np.asarray([w[kind].get(f, 0.0) for f in FEATURES], dtype=np.float64) for kind in w}
        self._avg: tuple[int, float] | None = None  # (num_docs it was read at, mean length)

    def retrieve(self, plan: Plan, fetch: int, sort: str, group_fields: tuple[str, ...]) -> Candidates:
        cands = self.inner.retrieve(plan, max(fetch, self.depth), sort, group_fields)
        if sort != "relevance" or len(cands.hits) < 2:
            return cands
        x = self.features(plan, cands)
        if x is None:
            return cands
        kind = "short" if len(plan.q.split()) <= SHORT_QUERY else "long"
        return reorder(cands, x @ self.w[kind], self.depth, fetch)

    def features(self, plan: Plan, cands: Candidates) -> np.ndarray | None:
        """The feature matrix of the top ``depth`` candidates, or None (no query words)."""
        terms = list(dict.fromkeys(query_mod.positive_terms(plan.tree)))
        if not terms:
            return None
        searcher = plan.searcher
        n_docs = max(searcher.num_docs, 1)
        weights = {t: idf(searcher.doc_freq("text", t), n_docs) for t in terms}
        top = cands.hits[: self.depth]
        rows = self.store.rows_by_seq([seq for _s, seq, _g in top])
        docs = []
        for _s, seq, _g in top:
            row = rows.get(seq)
            docs.append(Doc(analyze("text", row.title), analyze("text", row.body)) if row else Doc([], []))
        return feature_matrix([s for s, _q, _g in top], terms, weights, docs, self.avg_len(n_docs))

    def avg_len(self, n_docs: int) -> float:
        """The desk's mean length in words (a sample, read again when the desk grew by a tenth)."""
        if self._avg is None or abs(n_docs - self._avg[0]) > 0.1 * max(self._avg[0], 1):
            from ..store.lengths import sample_texts

            texts = sample_texts(self.store, SAMPLE)
            mean = sum(len(analyze("text", f"{t}\n{b}")) for t, b in texts) / max(len(texts), 1)
            self._avg = (n_docs, mean or 1.0)
        return self._avg[1]


def reorder(cands: Candidates, model: np.ndarray, depth: int, fetch: int) -> Candidates:
    """The top ``depth`` hits by ``model`` (ties: first-pass order), scored with the first pass's
    scores in descending order so that the rest stays below them; then the rest as it was."""
    top = cands.hits[:depth]
    order = sorted(range(len(top)), key=lambda i: (-model[i], i))
    ranked = sorted((s for s, _q, _g in top), reverse=True)
    n = len(top)
    hits = [(ranked[p] + (n - p) * STEP, top[i][1], top[i][2]) for p, i in enumerate(order)]
    hits += cands.hits[depth:]
    return Candidates(hits=hits[: max(fetch, 1)], total=cands.total, fetched=min(cands.fetched, max(fetch, 1)))
