"""More like this: articles whose words resemble one article's (a tantivy more-like-this query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import tantivy

if TYPE_CHECKING:
    from ..model import Article
    from .plan import Corpus


def similar(corpus: Corpus, article: Article, n: int = 5, stop_words: list[str] | None = None) -> list[dict[str, str]]:
    """Up to ``n`` articles like this one: a more-like-this query on its title and body."""
    text = f"{article.title}\n{article.body}"[:20_000]
    try:
        mlt = tantivy.Query.more_like_this_document_fields_query(
            corpus.index.schema, {"text": [text]}, min_doc_frequency=2, min_term_frequency=1,
            max_query_terms=25, min_word_length=3, stop_words=stop_words or [],
        )
        searcher = corpus.index.searcher()
        res = searcher.search(mlt, n + 1)
    except ValueError:
        return []
    seqs = searcher.fast_field_values("seq", [addr for _s, addr in res.hits])
    rows = corpus.store.rows_by_seq([int(s) for s in seqs if s is not None])
    out = []
    for s in seqs:
        row = rows.get(int(s)) if s is not None else None
        if row is None or row.id == article.id:
            continue
        out.append({"id": row.id, "title": row.title, "published": row.published, "source": row.source})
    return out[:n]
