"""Peer engines over a desk's own articles, for ``newsdesk eval --peers``.

A figure alone says little: 0.40 nDCG@10 is poor on one collection and the state of the art on
another. So eval can rank the same queries with two plain BM25 engines built in-process over
the same articles (headline + body) and print their figures beside newsdesk's: raw tantivy
(default tokenizer and query parser, no stemming; always installed) and bm25s (PyStemmer
English stemming and stop words, k1 1.5, b 0.75; the ``bench`` extra, skipped without it).
Building them takes a few seconds per ten thousand articles. Lucene (Pyserini) needs Java and
stays in bench/ranking.py.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from typing import Any

Search = Callable[[str, int], list[str]]


def _articles(desk: Any) -> Iterator[tuple[str, str, str]]:
    """(id as runs name it, headline, body) for every stored article."""
    for batch in desk.store.iter_rows():
        for row in batch:
            yield (row.external_id or row.id, row.title, row.body)


def tantivy_peer(docs: list[tuple[str, str, str]]) -> Search:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=False)
    sb.add_text_field("body", stored=False)
    index = tantivy.Index(sb.build())  # in memory
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for did, title, body in docs:
        writer.add_document(tantivy.Document(id=did, title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(q: str, k: int) -> list[str]:
        query, _errors = index.parse_query_lenient(q, ["title", "body"])
        return [searcher.doc(a)["id"][0] for _s, a in searcher.search(query, k).hits]

    return search


def bm25s_peer(docs: list[tuple[str, str, str]]) -> Search:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    ids = [d[0] for d in docs]
    tokens = bm25s.tokenize([f"{t}\n{b}" for _i, t, b in docs], stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)

    def search(q: str, k: int) -> list[str]:
        qt = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        if not qt.vocab or not ids:
            return []
        res, _scores = retriever.retrieve(qt, k=min(k, len(ids)), show_progress=False, n_threads=1)
        return [ids[i] for i in res[0]]

    return search


def peers(desk: Any) -> tuple[dict[str, Search], list[str]]:
    """The peers that can run here over ``desk``'s articles, and a note for each that cannot."""
    docs = list(_articles(desk))
    out: dict[str, Search] = {"tantivy": tantivy_peer(docs)}
    notes = []
    if importlib.util.find_spec("bm25s") and importlib.util.find_spec("Stemmer"):
        out["bm25s"] = bm25s_peer(docs)
    else:
        notes.append("bm25s skipped: not installed (pip install 'newsdesk[bench]')")
    return out, notes
