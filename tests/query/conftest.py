"""Fixtures for the query tests: a small real desk, and a RAM tantivy index with the real schema.

The RAM index holds documents built straight from the index schema, so the
compiler can be checked against the engine without the rest of the pipeline.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import tantivy

import newsdesk
from newsdesk.index import build_schema, memory_index
from newsdesk.model import Record

ARTICLES = [
    Record(
        title="Cocoa prices rise",
        body="Cocoa futures rose in March on Bahia weather.",
        published="1987-03-10",
        source="Reuters",
        external_id="a1",
        authors=["Ann Smith"],
    ),
    Record(
        title="Sugar talks",
        body="Sugar and cocoa traders met in London.",
        published="1987-04-02",
        source="Reuters",
        external_id="a2",
    ),
    Record(
        title="Baker at the Treasury",
        body="James Baker spoke at the Treasury about the dollar.",
        published="1987-03-15",
        source="AP",
        external_id="a3",
    ),
    Record(
        title="Baker in Tokyo",
        body="James Baker met Japanese officials. No word on budgets.",
        published="1987-03-20",
        source="AP",
        external_id="a4",
    ),
    Record(
        title="OPEC output",
        body="Saudi Arabia said OPEC would hold output steady.",
        published="1987-05-01",
        source="Reuters",
        external_id="a5",
    ),
    Record(
        title="Oil prices",
        body="Oil prices fell as Saudi supply rose. Immigration rules changed.",
        published="1987-05-02",
        source="Reuters",
        external_id="a6",
    ),
    Record(
        title="Oil demand",
        body="Oil demand grew; prices in Asia were flat.",
        published="1987-05-03",
        source="Reuters",
        external_id="a7",
    ),
    Record(
        title="Baker, James and others",
        body="Baker said James would lead.",
        published="1987-06-01",
        source="UPI",
        external_id="a8",
    ),
]


@pytest.fixture(scope="package")
def small(tmp_path_factory):
    d = newsdesk.open(tmp_path_factory.mktemp("q") / "d")
    d.ingest_records(ARTICLES)
    yield d
    d.close()


def ids(desk, q, **kw) -> set[str]:
    return {h.external_id for h in desk.search(q, limit=50, snippets=False, **kw)}


class RamIndex:
    """A tantivy index in memory with newsdesk's schema; ``match(query)`` -> external ids."""

    def __init__(self, records: list[Record]) -> None:
        self.schema = build_schema()
        self.tv = memory_index()
        writer = self.tv.writer(heap_size=15_000_000, num_threads=1)
        self.ids: dict[int, str] = {}
        for seq, rec in enumerate(records, 1):
            doc = tantivy.Document()
            doc.add_unsigned("seq", seq)
            doc.add_text("id", rec.external_id)
            doc.add_text("text", f"{rec.title}\n{rec.body}")
            doc.add_text("title", rec.title)
            doc.add_text("body", rec.body)
            doc.add_text("source", (rec.source or "").lower())
            for author in rec.authors or []:
                doc.add_text("author", author)
            doc.add_text("url", rec.url or "")
            doc.add_date("published", datetime.fromisoformat(rec.published).replace(tzinfo=UTC))
            writer.add_document(doc)
            self.ids[seq] = rec.external_id
        writer.commit()
        writer.wait_merging_threads()
        self.tv.reload()

    def match(self, query: tantivy.Query) -> set[str]:
        searcher = self.tv.searcher()
        hits = searcher.search(query, 100).hits
        return {self.ids[searcher.doc(addr)["seq"][0]] for _score, addr in hits}

    def scores(self, query: tantivy.Query) -> list[float]:
        return [score for score, _addr in self.tv.searcher().search(query, 100).hits]


@pytest.fixture(scope="package")
def ram() -> RamIndex:
    return RamIndex(ARTICLES)
