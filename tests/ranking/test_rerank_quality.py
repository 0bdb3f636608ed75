"""The learned re-ranker on real news: known-item queries over TIME 1963 (shared data; the
queries are ours, tests/data/ranking/known_items/time.tsv). The issue's target for known items
is MRR@10 >= 0.95; the shipped ranking (AND then OR) is at 0.93 here, the re-ranker above it
(bench/ltr.py: dev 0.970, test 0.963)."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsdesk
from newsdesk import evaluate as ev
from newsdesk.evaluate import collections as evalsets
from newsdesk.search.relax import RelaxedRetriever
from newsdesk.search.rerank import default_retriever, relaxed_reranker

KNOWN = Path(__file__).resolve().parents[1] / "data" / "ranking" / "known_items" / "time.tsv"


@pytest.fixture(scope="module")
def time_desk(tmp_path_factory):
    if not (evalsets.time_dir() / "TIME.ALL").exists():
        pytest.skip("shared TIME collection not found")
    d = newsdesk.open(tmp_path_factory.mktemp("time") / "data")
    d.ingest_records(evalsets.time_records())
    yield d
    d.close()


def known_items() -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    queries, qrels = {}, {}
    for line in KNOWN.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, _kind, text, target = line.split("\t")
            queries[qid], qrels[qid] = text, {target: 1}
    return queries, qrels


def mrr(desk, retrievers) -> float:
    queries, qrels = known_items()
    run = {}
    for qid, q in queries.items():
        hits = ev.ranked_hits(desk, q, 10, collapse=False, retrievers=retrievers)
        run[qid] = {h.external_id: float(10 - i) for i, h in enumerate(hits)}
    return ev.measure(run, qrels, ["RR@10"])["MRR@10"]


def test_the_reranker_finds_the_known_item_first_more_often(time_desk):
    shipped = mrr(time_desk, [RelaxedRetriever(time_desk.corpus)])
    reranked = mrr(time_desk, [relaxed_reranker(time_desk.corpus)])
    assert reranked > shipped + 0.01
    assert reranked >= 0.95
    # the default ranking's re-ordering of AND plans, in each AND pass of rank="relaxed"
    default = mrr(time_desk, [RelaxedRetriever(time_desk.corpus, default_retriever(time_desk.corpus))])
    assert default > shipped + 0.01 and default >= 0.95
