"""Opt-in hybrid ranking: BM25 fused with a static-embedding ranking by reciprocal-rank fusion.

The embedding model is WordLlama (``wordllama`` extra: 256-dimension static token vectors,
16 MB, shipped inside its wheel and loaded with ``disable_download`` so nothing is fetched at
run time). A static model averages word vectors: no attention, microseconds per query, but on
public benchmarks it loses to BM25 alone, so the dense list is never used by itself. It ranks
the BM25 pool (the top ``POOL`` matches of the plan), and :func:`newsdesk.search.retrieve.rrf`
(k = 60, as Elasticsearch) fuses the two lists. Ranking the pool rather than the whole
collection keeps every hit a match of the query as written, inside its filters, with its
collapse groups read in the same pass.

Article vectors are computed on first need and kept in memory per store (about 2.5 ms per
article on two cores; the ranking bench in docs/benchmarks.md says what hybrid costs and wins).
"""

from __future__ import annotations

import os
import weakref
from typing import TYPE_CHECKING, Any

from ..errors import MissingExtraError
from .retrieve import Candidates

if TYPE_CHECKING:
    from ..store import Store
    from .plan import Plan

POOL = 200  # BM25 candidates the dense list re-ranks
MAX_CHARS = 2000  # headline + lead: what the static model sees of an article
# lower-cased: the model's vocabulary is cased, and some archives (TIME 1963) are all capitals

_MODEL: Any = None


def model() -> Any:
    """The WordLlama model from the files in its own wheel (no download); loaded once."""
    global _MODEL
    if _MODEL is None:
        try:
            import wordllama
        except ModuleNotFoundError:
            raise MissingExtraError("wordllama", "semantic") from None
        _MODEL = wordllama.WordLlama.load(cache_dir=os.path.dirname(wordllama.__file__), disable_download=True)
    return _MODEL


class Vectors:
    """Unit article vectors by seq, embedded on first need (the store stays the record)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.by_seq: dict[int, Any] = {}

    def get(self, seqs: list[int]) -> dict[int, Any]:
        missing = [s for s in seqs if s not in self.by_seq]
        if missing:
            rows = self.store.rows_by_seq(missing)
            found = [s for s in missing if s in rows]
            texts = [f"{rows[s].title}\n{rows[s].body}"[:MAX_CHARS].lower() for s in found]
            if texts:
                for s, v in zip(found, model().embed(texts, norm=True), strict=True):
                    self.by_seq[s] = v
        return {s: self.by_seq[s] for s in seqs if s in self.by_seq}


_BY_STORE: weakref.WeakKeyDictionary[Store, Vectors] = weakref.WeakKeyDictionary()


def vectors_for(store: Store) -> Vectors:
    """The one in-memory vector table of a store, so that vectors outlive a single search."""
    vecs = _BY_STORE.get(store)
    if vecs is None:
        vecs = _BY_STORE[store] = Vectors(store)
    return vecs


class DenseRetriever:
    """The BM25 pool re-ranked by cosine similarity to the query's embedding."""

    def __init__(self, vectors: Vectors, pool: int = POOL) -> None:
        self.vectors, self.pool = vectors, pool

    def retrieve(self, plan: Plan, fetch: int, sort: str, group_fields: tuple[str, ...]) -> Candidates:
        if sort != "relevance":
            return Candidates()
        searcher = plan.searcher
        result = searcher.search(plan.query, max(self.pool, fetch), count=True)
        addrs = [a for _s, a in result.hits]
        if not addrs:
            return Candidates(total=result.count or 0)
        seqs = [int(s) for s in searcher.fast_field_values("seq", addrs)]
        columns = [searcher.fast_field_values(f, addrs) for f in group_fields]
        groups = {s: tuple(int(c[i] or 0) for c in columns) for i, s in enumerate(seqs)}
        vecs = self.vectors.get(seqs)
        q = model().embed([plan.q.lower()], norm=True)[0]
        ranked = sorted(((float(vecs[s] @ q), s) for s in seqs if s in vecs), key=lambda x: (-x[0], x[1]))
        hits = [(score, s, groups[s]) for score, s in ranked[:fetch]]
        return Candidates(hits=hits, total=result.count or 0, fetched=len(hits))
