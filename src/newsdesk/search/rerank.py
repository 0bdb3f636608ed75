"""Learned re-ranking of the top candidates (learning to rank): the default ranking's
re-ordering of its top 10 (:func:`default_retriever`) and the opt-in ``rank="ltr"``.

BM25 gives one number per article; a reader's sense of "the article I mean" leans on more than
that: the words in the headline, in the first lines (news puts the point first), close
together, and a term-frequency curve closer to bm25s's k1 1.5 than tantivy's fixed 1.2 (which
tantivy-py does not let us set; a feature is the one place to try it).
:class:`RerankRetriever` takes the first ``DEPTH`` candidates of the ranking it wraps (the
shipped one: AND then OR), reads their headline and body from the store, computes the cheap
features of :data:`FEATURES` for each and orders them by a linear model (``WEIGHTS``). Articles
below ``DEPTH`` keep their order, below the re-ranked ones. With AND then OR
(:func:`relaxed_reranker`) each pass is re-ranked on its own, so articles holding every word
stay above those that do not (re-ranking the merged list let the features lift OR-only
matches over them, whose scores AND-then-OR packs just below the last AND match).

The weights are learned by ``bench/ltr.py`` with coordinate ascent (RankLib's method, numpy
only) on the pooled *dev* splits of the ranking bench's ten collections, objective the mean of
each collection's dev nDCG@10 (MRR@10 for the known-item sets), no collection's dev figure
allowed more than 0.01 below the shipped ranking; which features, depth and penalty was chosen
by leave-one-collection-out on dev. The chosen model is one feature: the share of the query's
idf in the headline and the body's first 40 words, weight 0.6 beside the first-pass score
(normalised by the query's best), over the top 20. Test splits, against the shipped ranking
(nDCG@10; MRR@10 for KI-): KI-Reuters 0.861 -> 0.890, TIME 0.742 -> 0.772, KI-TIME 0.935 ->
0.963, MEDLINE 0.694 -> 0.729, CISI 0.393 -> 0.412, NPL 0.405 -> 0.424, KI-ECB+ 0.587 -> 0.594,
Cranfield 0.370 -> 0.375; Reuters 0.763 -> 0.762, CACM unchanged (dev: Reuters -0.009, CACM
-0.008, the worst). Re-ranking every pass (``rank="ltr"``) stays opt-in: on OR plans, ad hoc
keywords, it moves Reuters' whole dev set below its MAP floor (0.6897 -> 0.6808) and reads the
top 20 of each pass.

The default ranking (:func:`default_retriever`, also each AND pass of ``rank="relaxed"``) is the
same model over the top :data:`DEFAULT_DEPTH` of a plan whose words are all required (as a reader
types a search) and of an OR request of :data:`LONG_OR` words or more (sentences). Short OR
plans, keywords such as Reuters' entity queries, keep BM25's order: those are the plans on which
the model lost on dev. Test splits against BM25's order (decision 48): known-item MRR@10
KI-Reuters 0.861 -> 0.890, KI-TIME 0.935 -> 0.963, KI-ECB+ 0.587 -> 0.599; nDCG@10 TIME 0.742 ->
0.764, CACM 0.446 -> 0.458, MED 0.694 -> 0.708, NPL 0.405 -> 0.412, CISI and Cranfield a little
up, Reuters unchanged. When only the score and the opening weigh (the shipped model) it reads
each candidate's opening words alone (:meth:`RerankRetriever.opening_model`), kept in the
search memo: +0.4 ms p50 a search with the memo off.

The feature matrix (:meth:`RerankRetriever.features`, the bench's other features) reads English
analysis (the ``text`` field's stemmed words); the opening path reads each article by its own
analysis (``text_de``..., Chinese and Japanese by character pairs of the first
:data:`CJK_LEAD_CHARS` characters).
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from typing import TYPE_CHECKING

import numpy as np

from .. import query as query_mod
from ..analyzers import analyze
from ..index.languages import ENGLISH, analysis_of, field_name, lang_code
from ..store.languages import ENGLISH_ONLY, analysis_mode
from .feedback import MAX_WORDS as LONG_QUERY  # above this a whole paragraph (an abstract used as a query)
from .feedback import MIN_WORDS as LONG_QUERY_MIN
from .hydrate import hit_rows
from .memo import memo_for, snapshot
from .plan import (
    SHORT_QUERY,  # words typed: up to this a reader's words for one article
    typed_words,
)
from .retrieve import Candidates, TantivyRetriever

if TYPE_CHECKING:
    from ..store import Store
    from .memo import Memo
    from .plan import Corpus, Plan
    from .retrieve import Retriever

DEPTH = 20  # candidates re-ranked (the rest keep BM25's order below them); 20 and 30 tie on dev
#: the default ranking's depth: on AND plans 10, 15, 20 and 30 give the same known-item dev
#: figures (5 loses 0.001 on KI-ECB+), on long OR requests 10 beats 20 on CACM's and NPL's dev;
#: and the page's own ten articles are the ones hydrating reads
DEFAULT_DEPTH = 10
#: OR plans of this many words or more (a request in sentences: the ranking bench's "long" type,
#: search.feedback's) are re-ordered by default, shorter ones (keywords, entity names) are not
LONG_OR = LONG_QUERY_MIN
LEAD_WORDS = 40  # the body's first words: news puts the point first
CJK_LEAD_CHARS = 80  # the same in Chinese and Japanese (a word is one to two characters)
WINDOW = 8  # positions: how close the query's words lie (proximity evidence)
K1, B = 1.5, 0.75  # bm25s's term-frequency curve, beside tantivy's k1 1.2
FEATURES = ("score", "bm25", "title", "lead", "cover", "window", "length", "opening")
KINDS = ("short", "medium", "long")
#: learned by bench/ltr.py on the pooled dev splits only, one set per kind of query (``score``
#: fixed at 1: the scale is free; a kind left out is not re-ranked). The setting chosen by
#: leave-one-collection-out on dev is one weight for every kind and one feature, the opening
#: (headline + first ``LEAD_WORDS`` words): models with every feature fitted the dev queries
#: (in-sample gains, held-out collections losing up to 0.04).
WEIGHTS: dict[str, dict[str, float]] = {kind: {"score": 1.0, "opening": 0.6} for kind in ("short", "medium", "long")}


def any_word(plan: Plan) -> bool:
    """Whether the plan asks for any of its words rather than all of them: an OR plan, or an
    explicit ``a OR b`` under the default AND; a plan with a required part (``+a b``, ``a AND
    b``) is not. One word (with or without exclusions) goes by the plan's default operator."""
    tree = plan.tree
    if isinstance(tree, query_mod.Bool) and (tree.must or len(tree.should) > 1):
        return not tree.must
    return plan.operator == "OR"


def kind_of(n_words: int) -> str:
    """Which weights a query of ``n_words`` words (as typed) gets: one of :data:`KINDS`."""
    return "short" if n_words <= SHORT_QUERY else "medium" if n_words <= LONG_QUERY else "long"
SAMPLE = 500  # articles read once for the desk's mean length (BM25's avgdl)
STEP = 1e-5  # re-ranked scores differ by at least this (Hit.score keeps 6 decimals)


BODY_FEATURES = ("bm25", "cover", "window", "length")  # these read the whole body (the rest its first words)


OPENING = FEATURES.index("opening")


def opening_words(title: str, body: str, analysis: str = ENGLISH) -> frozenset[str]:
    """The analysed words of the headline and the body's first ``LEAD_WORDS`` words (split at
    white space): in English the union of :class:`Doc`'s ``title`` and ``lead`` (one analysis:
    no token spans the line break); ``analysis``: the ``text`` field's rules of that analysis."""
    if analysis == "cjk":  # no spaces between words: about as much text as 40 words of English
        lead = body[:CJK_LEAD_CHARS]
    else:
        lead = " ".join(body.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
    return frozenset(analyze("text", f"{title}\n{lead}", analysis))


@dataclasses.dataclass
class Doc:
    """One candidate's analysed words: headline, the body's first ``LEAD_WORDS`` words, and the
    whole body (None when no feature with a weight reads it: analysing bodies is the cost)."""

    title: list[str]
    lead: list[str]
    body: list[str] | None = None

    @classmethod
    def of(cls, title: str, body: str, whole: bool) -> Doc:
        lead = analyze("text", " ".join(body.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS]))
        return cls(analyze("text", title), lead, analyze("text", body) if whole else None)


def idf(df: int, n_docs: int) -> float:
    """BM25's idf as Lucene and bm25s write it (never below zero)."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def doc_features(terms: list[str], weights: dict[str, float], doc: Doc, avg_len: float) -> list[float]:
    """The features of one candidate except ``score`` (see :data:`FEATURES`).

    ``terms``: the query's distinct words, ``weights``: their idf. Shares are idf-weighted, so a
    rare name counts for more than a common word. Without the whole body (``doc.body`` None) its
    features are 0."""
    total = sum(weights.values()) or 1.0
    in_title, in_lead = set(doc.title), set(doc.lead)
    title = sum(w for t, w in weights.items() if t in in_title) / total
    lead = sum(w for t, w in weights.items() if t in in_lead) / total
    opening = sum(w for t, w in weights.items() if t in in_title or t in in_lead) / total
    text = doc.title + doc.body if doc.body is not None else []
    if not text:
        return [0.0, title, lead, 0.0, 0.0, 0.0, opening]
    counts: dict[str, int] = {}
    for t in text:
        if t in weights:
            counts[t] = counts.get(t, 0) + 1
    norm = K1 * (1 - B + B * len(text) / max(avg_len, 1.0))
    bm25 = sum(weights[t] * n * (K1 + 1) / (n + norm) for t, n in counts.items())
    cover = sum(weights[t] for t in counts) / total
    return [bm25, title, lead, cover, window_share(text, weights) / total, math.log1p(len(text)) / 7.0, opening]


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


@dataclasses.dataclass(frozen=True)
class Model:
    """A set of weights made ready once (the default retriever is made for every search)."""

    w: dict[str, np.ndarray]  # per kind of query: one weight per FEATURES name
    whole: bool  # some weighed feature reads the whole body
    opening_only: bool  # only the first-pass score and the opening weigh: the opening is all it reads
    key: tuple  # the weights as a hashable value

    @classmethod
    def of(cls, weights: dict[str, dict[str, float]]) -> Model:
        w = {kind: np.asarray([weights[kind].get(f, 0.0) for f in FEATURES], dtype=np.float64) for kind in weights}
        return cls(w=w, whole=any(weights[k].get(f, 0.0) for k in weights for f in BODY_FEATURES),
                   opening_only=all(not v for k in weights for f, v in weights[k].items()
                                    if f not in ("score", "opening")),
                   key=tuple((k, tuple(v.tolist())) for k, v in sorted(w.items())))


class RerankRetriever:
    """The wrapped ranking's top ``depth``, re-ordered by the learned model (module docstring)."""

    def __init__(self, corpus: Corpus, inner: Retriever | None = None, depth: int = DEPTH,
                 weights: dict[str, dict[str, float]] | None = None, or_words: int = 0,
                 memo: Memo | None = None) -> None:
        self.store: Store = corpus.store
        #: the store's search memo: the model's scores for a kept plan's candidates are kept for
        #: its snapshot (a repeated search then costs what BM25's does, plus the re-ordering)
        self.memo = memo
        self.inner = inner or TantivyRetriever()
        self.depth = depth
        #: an OR plan (ad hoc keywords, AND-then-OR's fill) of fewer words than this keeps the
        #: first pass's order (the default ranking's rule, module docstring); 0: every plan re-ranked
        self.or_words = or_words
        model = _DEFAULT_MODEL if weights is None else Model.of(weights)
        self.w, self.whole, self.opening_only = model.w, model.whole, model.opening_only
        #: what makes two re-rankers score alike (the memo's key beside the plan and candidates)
        self.signature = (depth, or_words, model.key)
        # the analysed candidates of the query being answered: AND then OR, and collapsing's
        # deeper fetches, ask again for many of the same articles
        self._docs: dict[int, Doc] = {}
        self._for: str | None = None

    def retrieve(self, plan: Plan, fetch: int, sort: str, group_fields: tuple[str, ...]) -> Candidates:
        cands = self.inner.retrieve(plan, max(fetch, self.depth), sort, group_fields)
        words = typed_words(plan.q)
        kind = kind_of(words)
        if (sort != "relevance" or len(cands.hits) < 2 or kind not in self.w
                or (words < self.or_words and any_word(plan))):
            return cands
        model = self.model(plan, cands, kind)
        return cands if model is None else reorder(cands, model, self.depth, fetch)

    def model(self, plan: Plan, cands: Candidates, kind: str) -> np.ndarray | None:
        """The model's score of each of the top ``depth`` candidates (None: the query has no
        words to weigh). Kept in the search memo for the plan, its snapshot and these
        candidates: tantivy still runs every search (decision 38), the re-ordering's reads and
        analyses run once."""
        if self.memo is None or not plan.kept:  # a plan made afresh never comes back
            return self._model(plan, cands, kind)
        snap = snapshot(plan.searcher)
        key = (tuple(seq for _s, seq, _g in cands.hits[: self.depth]), kind, self.signature)
        kept = self.memo.kept_for("reranked", plan.query, snap, key)
        if kept is None:
            kept = self._model(plan, cands, kind)
            if kept is not None:
                self.memo.keep_for("reranked", plan.query, kept, snap, key)
        return kept

    def _model(self, plan: Plan, cands: Candidates, kind: str) -> np.ndarray | None:
        if self.opening_only:
            return self.opening_model(plan, cands, self.w[kind])
        x = self.features(plan, cands)
        return None if x is None else x @ self.w[kind]

    def opening_model(self, plan: Plan, cands: Candidates, w: np.ndarray) -> np.ndarray | None:
        """The model's scores when only the first-pass score and the opening weigh: what
        :meth:`features` gives those two columns on English articles, reading each candidate's
        opening words only (kept in the search memo per store version: queries share
        candidates). An article of another analysis (``text_de``...) is read by its own rules,
        against the query's words analysed by them and their idf in its own field."""
        top = cands.hits[: self.depth]
        memo = memo_for(self.store)
        seqs = [seq for _s, seq, _g in top]
        found = (memo.many("openings", seqs, lambda missing: self._openings(missing, memo)) if memo is not None
                 else self._openings(seqs, None))
        searcher = plan.searcher
        n_docs = max(searcher.num_docs, 1)
        weights: dict[str, dict[str, float]] = {}
        for analysis in dict.fromkeys(a for a, _words in found.values()):
            terms = dict.fromkeys(query_mod.positive_terms(plan.tree, analysis=analysis))
            name = field_name("text", analysis)
            weights[analysis] = {t: idf(searcher.doc_freq(name, t), n_docs) for t in terms}
        if not any(weights.values()):
            return None
        scores = np.asarray([s for s, _q, _g in top], dtype=np.float64)
        best = scores.max(initial=0.0)
        if best > 0:
            scores /= best
        share = np.zeros(len(seqs), dtype=np.float64)
        for i, seq in enumerate(seqs):
            analysis, words = found.get(seq, (ENGLISH, frozenset()))
            wanted = weights.get(analysis) or {}
            total = sum(wanted.values()) or 1.0
            share[i] = sum(v for t, v in wanted.items() if t in words) / total
        return w[0] * scores + w[OPENING] * share

    def _openings(self, seqs: list[int], memo: Memo | None) -> dict[int, tuple[str, frozenset[str]]]:
        """Each article's analysis and opening words (headline and first ``LEAD_WORDS`` words,
        analysed as the index analysed the article: index.to_document's choice)."""
        rows = hit_rows(self.store, seqs, True, memo)
        english_only = analysis_mode(self.store) == ENGLISH_ONLY
        out = {}
        for seq, row in rows.items():
            analysis = ENGLISH if english_only else analysis_of(lang_code(row.lang))
            out[seq] = (analysis, opening_words(row.title, row.body, analysis))
        return out

    def features(self, plan: Plan, cands: Candidates) -> np.ndarray | None:
        """The feature matrix of the top ``depth`` candidates, or None (no query words)."""
        terms = list(dict.fromkeys(query_mod.positive_terms(plan.tree)))
        if not terms:
            return None
        searcher = plan.searcher
        n_docs = max(searcher.num_docs, 1)
        weights = {t: idf(searcher.doc_freq("text", t), n_docs) for t in terms}
        top = cands.hits[: self.depth]
        if plan.q != self._for:
            self._docs, self._for = {}, plan.q
        missing = [seq for _s, seq, _g in top if seq not in self._docs]
        if missing:
            # through the search memo's rows, which hydrating the page reads again
            rows = hit_rows(self.store, missing, True, memo_for(self.store))
            for seq in missing:
                row = rows.get(seq)
                self._docs[seq] = Doc.of(row.title, row.body, self.whole) if row else Doc([], [], [])
        docs = [self._docs[seq] for _s, seq, _g in top]
        avg = self.avg_len(n_docs) if self.whole else 1.0
        return feature_matrix([s for s, _q, _g in top], terms, weights, docs, avg)

    def avg_len(self, n_docs: int) -> float:
        """The desk's mean length in words (a sample, read again when the desk grew by a tenth;
        kept per store, since a ranking mode makes a retriever per search)."""
        kept = _AVG.get(self.store)
        if kept is None or abs(n_docs - kept[0]) > 0.1 * max(kept[0], 1):
            from ..store.lengths import sample_texts

            texts = sample_texts(self.store, SAMPLE)
            mean = sum(len(analyze("text", f"{t}\n{b}")) for t, b in texts) / max(len(texts), 1)
            kept = _AVG[self.store] = (n_docs, mean or 1.0)
        return kept[1]


_AVG: weakref.WeakKeyDictionary[Store, tuple[int, float]] = weakref.WeakKeyDictionary()
_DEFAULT_MODEL = Model.of(WEIGHTS)


def default_retriever(corpus: Corpus, memo: Memo | None = None) -> Retriever:
    """The default ranking: BM25, the top :data:`DEFAULT_DEPTH` re-ordered by the learned model
    for a plan whose words are all required or an OR plan of :data:`LONG_OR` words or more (a
    short OR plan, keywords, keeps BM25's order; module docstring)."""
    return RerankRetriever(corpus, TantivyRetriever(memo), depth=DEFAULT_DEPTH, or_words=LONG_OR, memo=memo)


def relaxed_reranker(corpus: Corpus, depth: int = DEPTH,
                     weights: dict[str, dict[str, float]] | None = None) -> Retriever:
    """AND then OR (:class:`~newsdesk.search.relax.RelaxedRetriever`), each pass re-ranked."""
    from .relax import RelaxedRetriever

    return RelaxedRetriever(corpus, RerankRetriever(corpus, depth=depth, weights=weights))


def reorder(cands: Candidates, model: np.ndarray, depth: int, fetch: int) -> Candidates:
    """The top ``depth`` hits by ``model`` (ties: by seq), scored with the first pass's
    scores in descending order so that the rest stays below them; then the rest as it was."""
    top = cands.hits[:depth]
    # equal model scores (copies of one text) by seq, the earlier stored first: a fixed order
    # whatever the index's layout, as evaluation orders ties (decision 41)
    order = sorted(range(len(top)), key=lambda i: (-model[i], top[i][1]))
    if order == list(range(len(top))):  # the model agrees with the first pass: its scores stand
        return Candidates(hits=cands.hits[: max(fetch, 1)], total=cands.total,
                          fetched=min(cands.fetched, max(fetch, 1)))
    # each position takes the first pass's score of that rank; where that would not fall (a run
    # of equal scores) it is raised to STEP above the one below, from the block's last place up,
    # so that the model's order survives evaluation's tie-break (by key). The block is the top of
    # the list, so a raised score passes nothing above it; the last place keeps its own score,
    # so the rest stays below.
    new = sorted((s for s, _q, _g in top), reverse=True)
    for p in range(len(new) - 2, -1, -1):
        if new[p] < new[p + 1] + STEP:  # a gap under STEP would not survive Hit.score's 6 decimals
            new[p] = new[p + 1] + STEP
    hits = [(new[p], top[i][1], top[i][2]) for p, i in enumerate(order)]
    hits += cands.hits[depth:]
    return Candidates(hits=hits[: max(fetch, 1)], total=cands.total, fetched=min(cands.fetched, max(fetch, 1)))
