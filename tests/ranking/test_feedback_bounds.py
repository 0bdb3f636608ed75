"""RM3 acts on requests of 6 to 20 words only (search.feedback MIN_WORDS/MAX_WORDS, set on the
ranking bench's dev splits): whole abstracts as queries already say what they want."""

from __future__ import annotations

from newsdesk.search import feedback
from newsdesk.search.feedback import FeedbackRetriever
from newsdesk.search.retrieve import TantivyRetriever

MEDIUM = "oil prices fall as opec members disagree over production quotas"  # 10 words
LONG = ("oil prices fell sharply today as members of the organization of petroleum exporting countries "
        "disagreed again over production quotas and the output ceiling agreed in geneva last december")



def ids(desk, q: str, **kw) -> list[str]:
    return [h.id for h in desk.search(q, limit=20, operator="OR", snippets=False, collapse=False, **kw).hits]


def bm25(desk, q: str) -> list[str]:
    """The first pass alone (the default ranking re-orders long OR requests: search.rerank)."""
    return ids(desk, q, retrievers=[TantivyRetriever()])


def test_a_medium_request_is_expanded_and_a_whole_paragraph_is_not(news):
    assert len(MEDIUM.split()) <= feedback.MAX_WORDS < len(LONG.split())
    assert ids(news, MEDIUM, retrievers=[FeedbackRetriever(news.store)]) != bm25(news, MEDIUM)
    assert ids(news, LONG, retrievers=[FeedbackRetriever(news.store)]) == bm25(news, LONG)
    # without the upper bound the paragraph is expanded too
    assert ids(news, LONG, retrievers=[FeedbackRetriever(news.store, max_words=0)]) != bm25(news, LONG)


def test_rank_rm3_uses_the_bounds(news):
    # rank="rm3" is the default ranking with the expansion: a paragraph gets the default's order
    assert ids(news, LONG, rank="rm3") == ids(news, LONG)
    assert ids(news, MEDIUM, rank="rm3") != ids(news, MEDIUM)


def test_eval_measures_an_opt_in_rank_mode(news):
    from newsdesk import evaluate as ev

    queries = {"q1": MEDIUM, "q2": "coffee"}
    plain, fed = ev.run_queries(news, queries), ev.run_queries(news, queries, rank="rm3")
    assert fed["q2"] == plain["q2"]  # one word: feedback leaves it alone
    assert fed["q1"] != plain["q1"]
    deep = news.search(ev.as_keywords(MEDIUM), limit=1000, operator="OR", snippets=False, collapse=False, rank="rm3")
    ranked = [h.external_id for h in ev.ties_by_key(deep.hits)][:100]
    assert list(fed["q1"]) == ranked  # the run is the rm3 ranking, in order (ties by key, as eval orders them)
