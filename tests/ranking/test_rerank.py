"""The learned re-ranker (newsdesk.search.rerank): its features, and what it does to a ranking."""

from __future__ import annotations

import random

import pytest

import newsdesk
from newsdesk.model import Record
from newsdesk.search import rerank
from newsdesk.search.relax import RelaxedRetriever
from newsdesk.search.rerank import Doc, RerankRetriever, doc_features, opening_words, window_share
from newsdesk.search.retrieve import TantivyRetriever

from .harbour import VOCAB, harbour_desk

ONLY_SCORE = {kind: {"score": 1.0} for kind in ("short", "long")}


def weights(**w: float) -> dict[str, dict[str, float]]:
    return {kind: {"score": 1.0, **w} for kind in ("short", "long")}


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """Twelve articles with "harbour strike" deep in the body, one in the headline, one in the lead."""
    with harbour_desk(tmp_path_factory.mktemp("rerank"), 5, deep=12, others=20) as d:
        yield d


def ids(desk, q: str, retriever=None, **kw) -> list[str]:
    extra = {"retrievers": [retriever]} if retriever else {}
    return [h.external_id for h in desk.search(q, limit=kw.pop("limit", 20), snippets=False, collapse=False,
                                               **extra, **kw).hits]


def test_window_share_counts_distinct_words_close_together():
    w = {"a": 1.0, "b": 2.0}
    assert window_share(["a", "x", "b"], w) == 3.0
    assert window_share(["a"] + ["x"] * rerank.WINDOW + ["b"], w) == 2.0  # apart: the best one alone
    assert window_share(["b", "b", "b"], w) == 2.0  # a word counts once
    assert window_share(["a"], {"a": 1.0}) == 0.0  # one-word queries have no proximity


def test_features_see_headline_lead_and_cover():
    w = {"harbour": 2.0, "strike": 1.0}
    head = doc_features(list(w), w, Doc(["harbour", "strike"], ["x"] * 40, ["x"] * 100), 100.0)
    deep = doc_features(list(w), w, Doc(["x"], ["x"] * 40, ["x"] * 100 + ["harbour"]), 100.0)
    names = rerank.FEATURES[1:]
    head_f, deep_f = dict(zip(names, head, strict=True)), dict(zip(names, deep, strict=True))
    assert head_f["title"] == 1.0 and deep_f["title"] == 0.0
    assert head_f["cover"] == 1.0 and deep_f["cover"] == pytest.approx(2 / 3)
    assert deep_f["lead"] == 0.0 and deep_f["opening"] == 0.0 and head_f["opening"] == 1.0
    assert doc_features(list(w), w, Doc([], [], []), 100.0) == [0.0] * len(names)
    # without the whole body its features are 0; the headline and lead are still read
    short = dict(zip(names, doc_features(list(w), w, Doc(["harbour"], ["strike"]), 100.0), strict=True))
    assert short["cover"] == 0.0 and short["opening"] == 1.0 and short["lead"] == pytest.approx(1 / 3)


def test_score_alone_keeps_the_first_pass_order_with_ties_by_seq(desk):
    hits = desk.search("harbour strike", limit=20, snippets=False, collapse=False,
                       retrievers=[TantivyRetriever()]).hits
    stored = {h.external_id: desk.store.seq_of(h.id) for h in hits}
    expected = [h.external_id for h in sorted(hits, key=lambda h: (-h.score, stored[h.external_id]))]
    assert len({h.score for h in hits}) < len(hits)  # the deep articles tie: the case the order is for
    got = ids(desk, "harbour strike", RerankRetriever(desk.corpus, weights=ONLY_SCORE))
    assert got == expected


def test_the_weights_move_articles_by_their_features(desk):
    plain = ids(desk, "harbour strike", TantivyRetriever())
    assert plain[0] == "headline"  # the shipped headline clauses
    lead = ids(desk, "harbour strike", RerankRetriever(desk.corpus, weights=weights(lead=5.0)))
    assert plain.index("lead") > 0 and lead[0] == "lead"
    assert sorted(lead) == sorted(plain)  # re-ordered, nothing added or lost
    down = ids(desk, "harbour strike", RerankRetriever(desk.corpus, weights=weights(title=-5.0)))
    assert down.index("headline") > 0


def test_pages_extend_each_other(desk):
    r = RerankRetriever(desk.corpus, weights=weights(title=5.0, lead=1.0), depth=8)
    whole = ids(desk, "harbour OR strike OR filler1", r, limit=12)
    pages = [h.external_id for off in (0, 4, 8) for h in desk.search(
        "harbour OR strike OR filler1", limit=4, offset=off, snippets=False, collapse=False, retrievers=[r]).hits]
    assert pages == whole


def test_date_order_is_left_alone(desk):
    r = RerankRetriever(desk.corpus, weights=weights(title=5.0))
    assert ids(desk, "harbour strike", r, sort="date") == ids(desk, "harbour strike", sort="date")


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    """As ``desk``, with four deep articles: the lead article is inside the default's depth."""
    with harbour_desk(tmp_path_factory.mktemp("rerank-few"), 7, deep=4, others=20) as d:
        yield d


def test_the_default_ranking_reorders_and_plans(few):
    """The default ranking puts the article with the words in its opening (headline or lead)
    above those that repeat them deep in the body, for a query whose words are all required;
    an OR query (ad hoc keywords) keeps BM25's order."""
    bm25 = ids(few, "harbour strike", TantivyRetriever())
    default = ids(few, "harbour strike")
    assert bm25[0] == "headline" and bm25.index("lead") > 1  # BM25 alone: the deep bodies outrank the lead
    assert default[:2] == ["headline", "lead"] and sorted(default) == sorted(bm25)
    assert ids(few, "harbour strike", operator="OR") == ids(few, "harbour strike", TantivyRetriever(), operator="OR")


def test_a_long_or_request_is_reordered_and_keywords_are_not(few):
    """OR plans of LONG_OR words or more (a request in sentences) are re-ordered by default."""
    request = "the harbour strike that the dockers called this week"
    assert len(request.split()) >= rerank.LONG_OR
    bm25 = ids(few, request, TantivyRetriever(), operator="OR")
    default = ids(few, request, operator="OR")
    assert default != bm25 and sorted(default) == sorted(bm25)
    assert default.index("headline") < bm25.index("headline")  # its opening holds the words
    short = "harbour strike dockers"
    assert ids(few, short, operator="OR") == ids(few, short, TantivyRetriever(), operator="OR")
    # keywords joined by OR by hand are keywords too, and the operators are not words
    for q in ("harbour OR strike", "harbour OR strike OR dockers OR port OR pay"):
        assert rerank.typed_words(q) < rerank.LONG_OR
        assert ids(few, q) == ids(few, q, TantivyRetriever()), q
    assert ids(few, "+harbour strike", operator="OR") != ids(few, "+harbour strike", TantivyRetriever(),
                                                               operator="OR")  # a required word: re-ordered


def test_the_default_reorders_its_depth_only(desk):
    """Twelve deep articles tie above the lead one: at depth 10 it stays where BM25 put it."""
    bm25 = ids(desk, "harbour strike", TantivyRetriever())
    assert bm25.index("lead") >= rerank.DEFAULT_DEPTH
    assert ids(desk, "harbour strike") == bm25
    deeper = RerankRetriever(desk.corpus, depth=20, or_words=rerank.LONG_OR)
    assert ids(desk, "harbour strike", deeper)[:2] == ["headline", "lead"]


def test_relaxed_reorders_its_and_pass_and_not_its_or_fill(few):
    q = "harbour strike nowhereword"  # no article has every word: the page is OR matches alone
    plain = ids(few, q, RelaxedRetriever(few.corpus))
    assert ids(few, q, rank="relaxed") == plain and "lead" in plain
    assert ids(few, "harbour strike", rank="relaxed")[:2] == ["headline", "lead"]


def test_the_opening_path_gives_the_feature_path_order(desk):
    """The default's shortcut (only the score and the opening weigh: read the opening's words
    alone) orders as the feature matrix with the same weights does."""
    fast = RerankRetriever(desk.corpus)
    slow = RerankRetriever(desk.corpus)
    slow.opening_only = False
    assert fast.opening_only
    for q in ("harbour strike", "harbour", "strike filler3", "harbour OR filler7"):
        assert ids(desk, q, fast) == ids(desk, q, slow), q


def test_opening_words_are_the_headline_and_lead_analysed():
    body = " ".join(["Strikes"] + [f"w{i}" for i in range(rerank.LEAD_WORDS)] + ["harbours"])
    words = opening_words("Harbour workers", body)
    assert {"harbour", "worker", "strike"} <= words  # stemmed as the text field is
    assert f"w{rerank.LEAD_WORDS - 2}" in words and f"w{rerank.LEAD_WORDS - 1}" not in words
    assert "harbours" not in words and opening_words("", "") == frozenset()


def test_a_repeated_search_scores_its_candidates_once(tmp_path, monkeypatch):
    """The default's scores for a kept plan's candidates come from the search memo the second
    time (tantivy still runs); a new store version scores afresh."""
    rng = random.Random(3)

    def filler(n: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(n))

    calls = []
    real = RerankRetriever._model

    def counting(self, plan, cands, kind):
        calls.append(plan.q)
        return real(self, plan, cands, kind)

    monkeypatch.setattr(RerankRetriever, "_model", counting)
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records([Record(title=filler(6), body=f"{filler(150)} dock strike {filler(20)} dock strike",
                                 external_id=f"deep{i}") for i in range(3)])
        first = ids(d, "dock strike")
        assert ids(d, "dock strike") == first and calls == ["dock strike"]
        ids(d, "dock strike", limit=5)  # another page size: the same candidates, the same scores
        assert len(calls) == 1
        d.ingest_records([Record(title="Dock strike called", body=filler(80), external_id="new")])
        assert ids(d, "dock strike")[0] == "new" and len(calls) == 2


def test_pages_of_the_default_ranking_extend_each_other(desk):
    """Paging through the default ranking (memo on, copies collapsed) shows every article once."""
    whole = [h.id for h in desk.search("harbour strike", limit=30, snippets=False).hits]
    for size in (1, 3, 4, 7):
        pages = [h.id for off in range(0, 30, size)
                 for h in desk.search("harbour strike", limit=size, offset=off, snippets=False).hits]
        assert pages == whole, size


def test_an_opening_is_read_by_its_articles_analysis():
    from newsdesk.analyzers import analyze

    title, body = "Streik in den Häfen", "Die Hafenarbeiter streiken seit Montag"
    assert opening_words(title, body, "de") == frozenset(analyze("text", f"{title}\n{body}", "de"))
    assert opening_words(title, body, "de") != opening_words(title, body)  # German stems, not English
    # Chinese has no spaces between words: the lead is its first CJK_LEAD_CHARS characters
    body = "港口" * rerank.CJK_LEAD_CHARS + "罢工"
    assert "罢工" not in opening_words("", body, "cjk") and "港口" in opening_words("", body, "cjk")


def test_a_reindex_elsewhere_is_searched_at_once(tmp_path):
    """A reindex by another process (here another Desk on the folder) keeps the store's version
    and can keep the index's shape; the next AND-then-OR search reads the new index, with no
    plan, OR plan or scores kept from the old one."""
    q = "harbour strike dockers"  # no article has every word: the OR pass fills the page
    with harbour_desk(tmp_path, 7, deep=4, others=20) as a:
        def scored(d):
            return [(h.external_id, h.score) for h in d.search(q, rank="relaxed", snippets=False).hits]

        before = scored(a)
        with newsdesk.open(tmp_path / "data") as b:
            b.set_length_floor(400)  # every text padded to 400 words: other scores
            fresh = scored(b)
        assert fresh != before
        assert scored(a) == fresh


def test_reordered_scores_fall_by_a_step_that_survives_rounding():
    """Re-ordered scores fall strictly, by at least STEP (Hit.score keeps 6 decimals, and
    evaluation breaks ties by key); the block's last place keeps the lowest first-pass score,
    so the hits after the block stay below it."""
    import numpy as np

    from newsdesk.search.retrieve import Candidates

    cases = [[5.0000004, 5.0, 4.0], [5.000005, 5.0, 5.0, 5.0, 4.0], [3.0, 2.0, 2.0, 1.0]]
    for scores in cases:
        hits = [(s, i + 1, ()) for i, s in enumerate(scores)] + [(0.5, 99, ())]
        model = np.arange(len(scores), dtype=float)  # the reverse of the first pass
        out = rerank.reorder(Candidates(hits=hits, total=len(hits), fetched=len(hits)), model, len(scores), 10)
        seqs = [q for _s, q, _g in out.hits]
        assert seqs == [*range(len(scores), 0, -1), 99]
        shown = [round(s, 6) for s, _q, _g in out.hits]
        assert all(a > b for a, b in zip(shown, shown[1:], strict=False)), shown
        assert out.hits[len(scores) - 1][0] == min(scores)  # the rest stays below, as it was
