"""The ranking changes tried by bench/ranking.py: each measured on dev and test of every collection.

A change is kept only if it wins on the test splits of most collections and loses on none by
more than 0.01 (primary metric: nDCG@10 ad hoc, MRR@10 known-item). Knob values are chosen on
the dev splits only (``tune``), then the test splits are read once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

import tantivy
from _common import ev, percentile
from ranking_shipped import (
    AND_ONLY_NOTE,
    FLOOR_NOTE,
    FLOOR_ONE_NOTE,
    LTR_ALL_NOTE,
    LTR_NOTE,
    LTR_WEIGHTS,
    OPENING_NOTE,
    VECTORS,
    shipped,
    shipped_hybrid,
    shipped_ltr,
    shipped_ltr_all,
    shipped_reordered,
    shipped_rm3,
    shipped_unranked,
)

from ranking import BEFORE_FLOOR, Search, constants, newsdesk_search, run, score, set_floor

STOP_EN = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).filter(
    tantivy.Filter.stopword("english")).build()
LONG = 6  # words: a "long" natural-language query


def primary(coll) -> str:
    return "MRR@10" if coll.kind == "known-item" else "nDCG@10"


def drop_stopwords(q: str, only_long: bool = True) -> str:
    """Leave out English stop words (tantivy's list), in long queries only by default."""
    words = q.split()
    if only_long and len(words) < LONG:
        return q
    kept = [w for w in words if STOP_EN.analyze(w)]
    return " ".join(kept) if kept else q


# the ranking before issue 16, for the baseline row: plan.py's switches for the shipped changes off
BEFORE = {"TITLE_ALL_BOOST": 0.0, "DROP_STOP_WORDS": False, "PROX_SLOP_SHORT": 1, "QUERY_TF": False}


class Variant:
    """A named ranking change: module constants to set over the ranking before issue 16
    (``BEFORE``; ``current`` keeps the committed constants), and/or a search built per desk."""

    def __init__(self, name: str, consts: dict | None = None,
                 make: Callable[..., Search] | None = None, note: str = "", current: bool = False,
                 floor: int | str | dict[str, int | str] | None = None, extra_length: float = 0.0,
                 on_shipped: bool = False) -> None:
        self.name, self.make, self.note = name, make, note
        self.on_shipped = on_shipped  # a change to the shipped ranking: judged against the SHIPPED row too
        self.extra_length = extra_length  # pad every text by this share of the desk's mean length
        self.consts = dict(consts or {}) if current else {**BEFORE, **(consts or {})}
        # the desks' length floor (an index-time setting: a reindex when it changes); a dict:
        # per desk (corpus key), ``auto`` for the rest
        self.floor = floor if floor is not None else ("auto" if current else BEFORE_FLOOR)

    def search(self, desk, coll) -> Search:
        ki = coll.kind == "known-item"
        return self.make(desk, coll) if self.make else newsdesk_search(desk, ki)


def evaluate(variant: Variant, colls, desks) -> dict[str, dict[str, float]]:
    """collection -> {"dev": metric, "test": metric} for one variant."""
    out = {}
    padded: set[str] = set()
    try:
        with constants(**variant.consts):
            for name, (coll, corpus) in colls.items():
                floor = variant.floor.get(corpus, "auto") if isinstance(variant.floor, dict) else variant.floor
                set_floor(desks[corpus], floor)
                if variant.extra_length and corpus not in padded:
                    with extra_length(desks[corpus], variant.extra_length):
                        desks[corpus].reindex()
                    padded.add(corpus)
                runs = run(variant.search(desks[corpus], coll), coll.queries, coll.kind == "known-item")
                out[name] = {p: score(coll, runs, p).get(primary(coll), float("nan")) for p in ("dev", "test")}
    finally:
        for corpus in padded:
            desks[corpus].reindex()  # back to the desk's own padding
    return out


@contextmanager
def extra_length(desk, share: float):
    """Index with every text ``share`` x the desk's mean length longer (pad words after the floor).

    BM25's length norm is 1 - b + b * dl / avgdl; adding c to every dl gives the same ranking as
    b' = b * avgdl / (avgdl + c): the only way to try a lower b (Lucene's 0.4) with tantivy-py,
    whose b is fixed at 0.75. share 1.0 -> b' 0.375."""
    import newsdesk.index as ix
    from newsdesk.index.lengths import floor_for
    from newsdesk.store.lengths import sample_texts

    texts = sample_texts(desk.store, 2000)
    mean = sum(len(f"{t} {b}".split()) for t, b in texts) / max(1, len(texts))
    floor = floor_for(desk.store, fresh=False)
    add = int(share * max(mean, floor))
    original = ix.to_document

    def padded(row, extras=None, english_only=False, _floor=None):
        title, body = row[5], row[6]
        text = f"{title}\n{body}" if title else body
        words = text.count(" ") + text.count("\n") + 1
        target = max(words, floor) + add
        row = row[:6] + (body + (" " + ix.PAD_TOKEN) * (target - words),) + row[7:]
        return original(row, extras, english_only, 0)

    ix.to_document = padded
    try:
        yield
    finally:
        ix.to_document = original


def mean_dev(res) -> float:
    return sum(r["dev"] for r in res.values()) / len(res)


def dev_objective(res, base) -> float:
    """Mean dev metric, or -1 when any collection's dev metric drops by more than 0.01
    (the keep rule, applied on dev so that the test splits are only read once)."""
    if any(res[n]["dev"] < base[n]["dev"] - 0.01 for n in res):
        return -1.0
    return mean_dev(res)


def tune(base: dict, grid: dict[str, list], colls, desks, log) -> tuple[dict, dict]:
    """Coordinate ascent over ``grid`` on the mean dev metric; returns (best constants, result)."""
    best = dict(base)
    base_res = best_res = evaluate(Variant("tune", best), colls, desks)
    for _round in range(2):
        changed = False
        for knob, values in grid.items():
            for v in values:
                if v == best[knob]:
                    continue
                trial = dict(best, **{knob: v})
                res = evaluate(Variant("tune", trial), colls, desks)
                log(f"  tune {trial}: mean dev {mean_dev(res):.4f}, objective {dev_objective(res, base_res):.4f}")
                if dev_objective(res, base_res) > dev_objective(best_res, base_res) + 1e-4:
                    best, best_res, changed = trial, res, True
        if not changed:
            break
    return best, best_res


# -- the search variants ----------------------------------------------------------------------
def stopword_search(only_long: bool):
    def make(desk, coll):
        inner = newsdesk_search(desk, coll.kind == "known-item")
        return lambda q, k: inner(drop_stopwords(q, only_long), k)
    return make


def known_item_or(desk, coll):
    """Known-item queries joined by OR (as the peers do), not the default AND."""
    if coll.kind != "known-item":
        return newsdesk_search(desk, False)
    inner = newsdesk_search(desk, False)
    return inner


def and_then_or(desk, coll):
    """AND matches first; when they are fewer than asked for, OR matches fill the page below them."""
    strict = newsdesk_search(desk, coll.kind == "known-item")
    if coll.kind != "known-item":
        return strict
    loose = newsdesk_search(desk, False)

    def search(q: str, k: int) -> list[str]:
        first = strict(q, k)
        if len(first) >= k:
            return first
        return list(dict.fromkeys(first + loose(q, k)))[:k]
    return search


def relaxed(desk, coll):
    """The shipped AND-then-OR retriever (newsdesk.search.relax) on the known-item sets."""
    from newsdesk.search.relax import RelaxedRetriever

    return newsdesk_search(desk, coll.kind == "known-item", retrievers=[RelaxedRetriever(desk.corpus)])


def rm3(fb_docs=10, fb_terms=20, weight=0.7, min_words=LONG, max_words=0):
    def make(desk, coll):
        from newsdesk.search.feedback import FeedbackRetriever

        retr = FeedbackRetriever(desk.store, fb_docs, fb_terms, weight, min_words, max_words)
        return newsdesk_search(desk, coll.kind == "known-item", retrievers=[retr])
    return make




def hybrid(pool: int = 200, min_words: int = 0):
    def make(desk, coll):
        if min_words and coll.kind == "known-item":
            return newsdesk_search(desk, True)
        from newsdesk.search.dense import DenseRetriever, Vectors
        from newsdesk.search.retrieve import TantivyRetriever

        vecs = VECTORS.setdefault(desk.path, Vectors(desk.store))
        both = newsdesk_search(desk, coll.kind == "known-item",
                               retrievers=[TantivyRetriever(), DenseRetriever(vecs, pool)])
        plain = newsdesk_search(desk, coll.kind == "known-item")
        return lambda q, k: (both if len(q.split()) >= min_words else plain)(q, k)
    return make


def lead_rerank(weight: float, lead_words: int = 40, depth: int = 30):
    """Prototype of a lead field: re-score the top ``depth`` hits by the share of the query's
    words found in the first ``lead_words`` words of the body (news puts the point first)."""
    from newsdesk.analyzers import analyze

    def make(desk, coll):
        ki = coll.kind == "known-item"

        def search(q: str, k: int) -> list[str]:
            text = q if ki else ev.as_keywords(q)
            kw = dict(snippets=False, collapse=False) if ki else dict(snippets=False, collapse=False, operator="OR")
            hits = desk.search(text, limit=k, **kw).hits
            words = set(analyze("text", text))
            if not words or not hits:
                return [h.external_id or h.id for h in hits]
            head = hits[:depth]
            rows = desk.store.rows_by_seq([desk.store.seq_of(h.id) for h in head])
            by_id = {r.id: r for r in rows.values()}
            rescored = []
            for h in head:
                r = by_id.get(h.id)
                lead = set(analyze("text", " ".join(r.body.split()[:lead_words]))) if r else set()
                rescored.append((h.score * (1 + weight * len(words & lead) / len(words)), h))
            rescored.sort(key=lambda x: -x[0])
            return [h.external_id or h.id for _s, h in rescored] + [h.external_id or h.id for h in hits[depth:]]
        return search
    return make


def latency(desk, queries: list[str], **extra) -> float:
    """p50 ms of the interactive search (snippets, collapse) over ``queries``, three rounds."""
    for q in queries:
        desk.search(q, limit=10, **extra)
    times = []
    for _ in range(3):
        for q in queries:
            t = time.perf_counter()
            desk.search(q, limit=10, **extra)
            times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 0.5)


# -- the experiment list and its report ---------------------------------------------------------
def candidates(tuned: dict) -> list[Variant]:
    """Every change tried, in the order the closing note lists them (knobs chosen on dev), with
    what became of it (``note``): shipped, opt-in, or dropped and why."""
    dropped_dev = "dropped: loses > 0.01 on a dev split"
    return [
        Variant("field weights + proximity + common-word cut, tuned on dev", tuned,
                note="dropped: the dev-tuned constants lose > 0.01 on a test split"),
        Variant("headline weight 0.4", {"TITLE_BOOST": 0.4}, note=dropped_dev + " (Reuters)"),
        Variant("stop words dropped from long queries (bench prototype)", make=stopword_search(True),
                note="superseded by the next row"),
        Variant("stop words dropped from every query", {"DROP_STOP_WORDS": True},
                note="SHIPPED (plan.DROP_STOP_WORDS): wins on every ad hoc set it touches"),
        Variant("known-item queries with OR", make=known_item_or, note="superseded by the next row"),
        Variant("AND, then OR to fill a short page (search.relax)", make=relaxed,
                note="SHIPPED as rank='relaxed' (search/__init__ patch); default is the lead's call"),
        Variant("RM3 on long queries (Anserini: 10 docs, 10 terms, 0.5)", make=rm3(10, 10, 0.5),
                note="dropped: the next row wins on dev"),
        Variant("RM3 on long queries (10 docs, 20 terms, 0.7)", make=rm3(10, 20, 0.7),
                note="opt-in rank='rm3' before issue 16's second round; as a default " + dropped_dev + " (CACM)"),
        Variant("RM3 on queries of 6-20 words (10 docs, 30 terms, 0.7; chosen on dev)", make=rm3(10, 30, 0.7, LONG, 20),
                note="opt-in rank='rm3' (these knobs: search.feedback); a second search, so not the default"),
        Variant("lead prototype (x0.3, first 40 words)", make=lead_rerank(0.3), note="dropped: KI-ECB+ test -0.044"),
        Variant("repeated query words weigh once per repeat (Lucene/bm25s query tf)", {"QUERY_TF": True},
                note=dropped_dev + " (TIME, MED)"),
        Variant("proximity window 4 for queries of up to 5 words", {"PROX_SLOP_SHORT": 4},
                note="dropped: wins on 3 of the 6 test splits it changes"),
        Variant("proximity window 6 for queries of up to 5 words (2-12 tried on dev)", {"PROX_SLOP_SHORT": 6},
                note="dropped: wins on 3 of the 6 test splits it changes (plan.PROX_SLOP_SHORT stays 1)"),
        Variant("headline holds every query word (x0.5)", {"TITLE_ALL_BOOST": 0.5}, note="x1.5 wins on dev"),
        Variant("headline holds every query word (x3)", {"TITLE_ALL_BOOST": 3.0}, note="ties x1.5 on dev"),
        Variant("headline holds every query word (x1.5, chosen on dev)", {"TITLE_ALL_BOOST": 1.5},
                note="SHIPPED (plan.TITLE_ALL_BOOST): the name/known-item evidence"),
        Variant("hybrid RRF k=60, WordLlama over the BM25 top 200", make=hybrid(200),
                note="opt-in rank='hybrid': " + dropped_dev + " (Reuters, KI-ECB+) as a default"),
        Variant("hybrid, long queries only", make=hybrid(200, LONG),
                note="opt-in: " + dropped_dev + " (TIME); needs article vectors (~2.5 ms each)"),
        Variant("no length floor on any desk (0 words)", floor=0,
                note=dropped_dev + " (Reuters: the wire's briefs outrank its stories)"),
        Variant("length floor 100 words on every desk", floor=100, note=dropped_dev + " (Reuters)"),
        Variant("lower BM25 b by padding every text (b 0.5: +0.5 x mean length), per-desk floor", floor="auto",
                extra_length=0.5, note=dropped_dev + " (TIME, KI-TIME; against the per-desk floor alone "
                "CISI and MED too): b 0.75 suits these sets"),
        Variant("lower BM25 b by padding every text (b 0.375: +1 x mean length), per-desk floor", floor="auto",
                extra_length=1.0, note=dropped_dev + " (TIME, KI-TIME; against the per-desk floor alone CISI too)"),
        Variant("length floor per desk (auto: 200 where lengths spread like a wire's, else 0)", floor="auto",
                note="SHIPPED (index/lengths.py, Desk.set_length_floor): the spread threshold set on dev"),
        Variant("SHIPPED + learned re-ranker: opening share (headline + first 40 words) x0.6 over the top 20, "
                "each AND/OR pass apart (bench/ltr.py, chosen on dev by leave-one-collection-out)", make=shipped_ltr,
                current=True, note=LTR_NOTE, on_shipped=True),
        Variant("SHIPPED + learned re-ranker, every feature (its best dev setting: lead, cover, window x0.1 each)",
                make=shipped_ltr_all, current=True, note=LTR_ALL_NOTE, on_shipped=True),
        Variant("SHIPPED + no length floor where briefs (< 20 words) are under 3% or over half of a desk "
                "(ECB+ 1%, CACM 62%; Reuters 8% keeps 200)", floor={"ecbplus": 0, "cacm": 0}, make=shipped_unranked,
                current=True, note=FLOOR_NOTE, on_shipped=True),
        Variant("SHIPPED + no length floor where briefs are under 3% of a desk (ECB+)", floor={"ecbplus": 0},
                make=shipped_unranked, current=True, note=FLOOR_ONE_NOTE, on_shipped=True),
        Variant("SHIPPED + the learned model on AND plans only, top 10", make=shipped_reordered(10**9, 10),
                current=True, note=AND_ONLY_NOTE, on_shipped=True),
        Variant("SHIPPED + the learned model on AND plans and OR requests of 4+ words, top 10",
                make=shipped_reordered(4, 10), current=True, note="ties 6+ words on dev", on_shipped=True),
        Variant("SHIPPED + the learned model on AND plans and OR requests of 8+ words, top 10",
                make=shipped_reordered(8, 10), current=True, note="below 6+ words on dev (TIME)", on_shipped=True),
        Variant("SHIPPED + the learned model on AND plans and OR requests of 6+ words, top 20",
                make=shipped_reordered(6, 20), current=True, note="below top 10 on dev (CACM, NPL)", on_shipped=True),
        Variant("SHIPPED + the learned model on AND plans and OR requests of 6+ words, top 10 (the default from "
                "this round)", make=shipped, current=True, note=OPENING_NOTE, on_shipped=True),
        Variant("SHIPPED: stop words + headline-holds-all + AND then OR + length floor per desk (the previous "
                "round's ranking)", make=shipped_unranked, current=True,
                note="the committed ranking before the AND-plan re-ordering; the rows marked 'against SHIPPED' "
                     "are judged against it"),
        Variant("SHIPPED + rank='rm3' (feedback on 6-20 word queries, opt-in)", make=shipped_rm3, current=True,
                note="what a reader gets asking for feedback (rank modes are exclusive: no AND-then-OR here)"),
        Variant("SHIPPED + hybrid", make=shipped_hybrid, current=True,
                note="stop words + headline clause + hybrid (rank modes are exclusive: no AND-then-OR here)"),
    ]


GRID = {"TITLE_BOOST": [0.0, 0.1, 0.4, 0.8], "PROX_BOOST": [0.0, 0.15, 0.6, 1.0],
        "PROX_SLOP": [2, 4], "COMMON_DF": [0.2, 0.1]}


def run_experiments(colls, desks, results, log=print) -> str:
    from newsdesk.search import plan

    base_consts = {**{k: getattr(plan, k) for k in GRID}, **BEFORE}
    base = evaluate(Variant("baseline", base_consts), colls, desks)
    tuned, _res = tune(base_consts, GRID, colls, desks, log)
    rows = [("baseline (the ranking before issue 16)", base, "")]
    on_shipped: set[str] = set()
    for v in candidates(tuned):
        t0 = time.perf_counter()
        res = evaluate(v, colls, desks)
        rows.append((v.name, res, v.note))
        if v.on_shipped:
            on_shipped.add(v.name)
        log(f"{v.name}: {time.perf_counter() - t0:.0f}s")
    names = list(colls)
    head = "| change | " + " | ".join(names) + " | test wins / touched | worst test Δ | worst dev Δ | rule on test | what became of it |"
    out = ["Each cell: dev / test (nDCG@10; MRR@10 for KI- known-item sets). Δ against the baseline row. "
           "Rule: wins on most test splits it touches (a set it leaves unchanged neither wins nor loses) and loses "
           "none by more than 0.01; knobs and the ship decision come from dev.", "",
           head, "|---|" + "---:|" * (len(names) + 4) + "---|"]
    shipped_res = next((res for label, res, _n in rows if label.startswith("SHIPPED:")), None)
    for label, res, note in rows:
        cells = [f"{res[n]['dev']:.3f} / {res[n]['test']:.3f}" for n in names]
        if res is base:
            out.append(f"| {label} | " + " | ".join(cells) + " | | | | | |")
            continue
        wins, touched, worst, worst_dev, keep = rule(res, base, names)
        if shipped_res is not None and label in on_shipped:
            # a change made on top of the shipped ranking is judged against it as well
            w2, t2, worst2, dev2, keep2 = rule(res, shipped_res, names)
            note = (f"against SHIPPED: test wins {w2}/{t2}, worst test {worst2:+.3f}, worst dev {dev2:+.3f}, "
                    + ("keeps" if keep2 else "fails") + f"; {note}")
        out.append(f"| {label} | " + " | ".join(cells) + f" | {wins}/{touched} | {worst:+.3f} | {worst_dev:+.3f} | "
                   + ("keeps" if keep else "fails") + f" | {note} |")
    out += ["", f"Tuned constants (dev only): {tuned}; before: {base_consts}."]
    out += ["", *latency_table(colls, desks)]
    return "\n".join(out)


def rule(res, base, names) -> tuple[int, int, float, float, bool]:
    """The keep rule of ``res`` against ``base``: (test wins, sets touched, worst test Δ, worst dev Δ,
    keeps). A set the change leaves alone (same figures on dev and test) neither wins nor loses."""
    touched = [n for n in names if abs(res[n]["test"] - base[n]["test"]) > 5e-4
               or abs(res[n]["dev"] - base[n]["dev"]) > 5e-4]
    wins = sum(res[n]["test"] - base[n]["test"] > 5e-4 for n in touched)
    worst = min(res[n]["test"] - base[n]["test"] for n in names)
    worst_dev = min(res[n]["dev"] - base[n]["dev"] for n in names)
    keep = bool(touched) and wins > len(touched) / 2 and worst >= -0.01
    return wins, len(touched), worst, worst_dev, keep


def latency_table(colls, desks) -> list[str]:
    """p50 of the interactive search (snippets, collapse, limit 10), today's and each mode."""
    from newsdesk.search.dense import DenseRetriever, Vectors
    from newsdesk.search.feedback import FeedbackRetriever
    from newsdesk.search.relax import RelaxedRetriever
    from newsdesk.search.rerank import default_retriever, relaxed_reranker
    from newsdesk.search.retrieve import TantivyRetriever

    rows = ["| queries | before p50 ms | default, previous round p50 ms | default p50 ms | relaxed p50 ms "
            "| RM3 p50 ms | hybrid p50 ms | re-ranker p50 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, op in (("Reuters", "AND"), ("KI-ECB+", "AND"), ("TIME", "OR")):
        if name not in colls:
            continue
        coll, corpus = colls[name]
        desk = desks[corpus]
        qs = [ev.as_keywords(t) for t in coll.queries.values()]
        set_floor(desk, BEFORE_FLOOR)
        with constants(**BEFORE):
            today = latency(desk, qs, operator=op, retrievers=[TantivyRetriever()])
        set_floor(desk, "auto")
        previous = latency(desk, qs, operator=op, retrievers=[TantivyRetriever()])
        default = latency(desk, qs, operator=op)  # the default ranking, as Desk.search gives it
        ship = latency(desk, qs, operator=op, retrievers=[RelaxedRetriever(desk.corpus, default_retriever(desk.corpus))])
        fb = latency(desk, qs, operator=op,
                     retrievers=[FeedbackRetriever(desk.store, plain=default_retriever(desk.corpus))])
        vecs = VECTORS.setdefault(desk.path, Vectors(desk.store))
        hyb = latency(desk, qs, operator=op, retrievers=[default_retriever(desk.corpus), DenseRetriever(vecs)])
        ltr = latency(desk, qs, operator=op, retrievers=[relaxed_reranker(desk.corpus, 20, LTR_WEIGHTS)])
        rows.append(f"| {name} ({len(qs)}, {op}) | {today:.2f} | {previous:.2f} | {default:.2f} | {ship:.2f} "
                    f"| {fb:.2f} | {hyb:.2f} | {ltr:.2f} |")
    return ["Latency of `Desk.search` (snippets, collapse, top 10), warm, three rounds, search memo off (every "
            "query planned and hydrated afresh, as the first time it is asked; bench/api_load.py measures the "
            "memo); hybrid's article vectors already computed (first use embeds the BM25 pool: about 2.5 ms an "
            "article); the default ranking reads and analyses the headline and first 40 words of the top 10 of an "
            "AND plan or of an OR request of six words or more (keyword OR plans are not re-ordered), the re-ranker (rank='ltr') those of the top 20 of each pass. "
            "The length floor costs nothing at query time.", "", *rows]
