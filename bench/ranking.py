"""newsdesk's ranking against bm25s, raw tantivy and Lucene on every collection we have, dev and test.

Collections (each query set split in half, dev/test, by a fixed hash before any tuning:
bench/ranking_data.py ``split_of``):

* Reuters dev entity queries (shared) and TIME 1963 (shared): ad hoc, nDCG@10;
* CACM, CISI, Cranfield, MEDLINE, NPL (tests/data/ranking/, committed): ad hoc, nDCG@10;
* known-item queries written like the seed (2-4 words from an article's headline and lead)
  over Reuters, TIME and ECB+ news (tests/data/ranking/known_items/): MRR@10 and nDCG@10.

newsdesk runs through ``Desk.search`` (test queries as OR keywords, ``collapse=False`` as
``newsdesk eval`` does; known-item queries as a reader types them, with the default AND).
Peers run in-process on the same documents (bench/ranking_peers.py). Results are printed per
collection, split and query type (names / topics / long), then the experiments: each ranking
change tried, dev and test, against the baseline of the same run.

    python bench/ranking.py [--no-write] [--only NAME,...] [--no-experiments] [--no-lucene] [--pad N]

The length floor (newsdesk.index.lengths) is an index-time setting of each desk: the bench sets
it with ``Desk.set_length_floor`` (a reindex when it changes): 200 words for *before* (the fixed
floor before issue 16), ``auto`` for *shipped* (``--pad N``: N words instead).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from _common import CACHE, ROOT, ev, evalsets
from ranking_data import CLASSICS, CLASSICS_AT, DATA, Collection, classic, classic_dir, query_type
from ranking_peers import PEERS, lucene_status

import newsdesk
from newsdesk.model import Record

DOCS_MD = ROOT / "docs" / "benchmarks.md"
INTRO = (
    "Ten query sets, each split in half (dev/test) by a fixed hash before any tuning "
    "(bench/ranking_data.py): the shared Reuters dev entity queries and TIME (both were used to tune "
    "today's ranking before this split existed, so their test halves are not clean), the classic "
    "CACM, CISI, Cranfield, MEDLINE and NPL collections (tests/data/ranking, never tuned on before), "
    "and known-item queries written like the seed over Reuters (headline + body, never the tag "
    "fields), TIME and ECB+ news (KI-*; tests/data/ranking/known_items). newsdesk runs through "
    "`Desk.search` (ad hoc queries as OR keywords, known-item queries as typed: AND); peers run "
    "in-process on the same documents: raw tantivy (default tokenizer), bm25s (PyStemmer, stop "
    "words, k1 1.5, b 0.75) and Lucene BM25 via Pyserini 0.22.1 (Anserini defaults k1 0.9, b 0.4). "
    "*newsdesk before* is the ranking before issue 16 (plan.DROP_STOP_WORDS off, "
    "plan.TITLE_ALL_BOOST 0, every desk padded to 200 words); *newsdesk shipped* is the committed "
    "ranking (stop words out of queries, a clause for headlines holding every query word, the "
    "length floor chosen per desk: index/lengths.py, the top 10 of a plan whose words are all required, "
    "or of an OR request of six words or more, re-ordered by the learned model of search.rerank) with AND "
    "then OR (rank='relaxed', search.relax); *rank='ltr'* is that ranking with the top 20 of each pass, "
    "short OR queries too, re-ordered (opt-in). Equal scores are ordered by article id in every newsdesk run, so that figures do not "
    "depend on how a rebuild laid the index out."
)
SECTION = "ranking"
BEFORE_FLOOR = 200  # newsdesk.index.MIN_TEXT_WORDS before issue 16: every desk padded to 200 words
DEPTH = 100
Search = Callable[[str, int], list[str]]


# -- collections ----------------------------------------------------------------------
def reuters_docs() -> list[tuple[str, str, str]]:
    with gzip.open(evalsets.reuters_paths()["corpus"], "rt", encoding="utf-8") as fh:
        # headline and body only: the tag fields are the answers of held-out queries
        return [(o["id"], o.get("title", ""), o.get("body", "")) for o in map(json.loads, fh)]


def ecb_docs() -> list[tuple[str, str, str]]:
    path = evalsets.SHARED / "data" / "ecbplus" / "docs.jsonl"
    with open(path, encoding="utf-8") as fh:
        return [(o["id"], o.get("title", ""), o.get("body", "")) for o in map(json.loads, fh)]


def time_docs() -> list[tuple[str, str, str]]:
    return [(r.external_id, "", r.body) for r in evalsets.time_records()]


def known_items(name: str, corpus: str, docs) -> Collection:
    """A known-item set; an exact copy of the target (same headline and body: Reuters re-sent
    some stories) counts as the target too, since the reader gets the same article."""
    copies: dict[tuple[str, str], list[str]] = {}
    for did, title, body in docs:
        copies.setdefault((" ".join(title.split()).lower(), " ".join(body.split())), []).append(did)
    key_of = {did: k for k, ids in copies.items() for did in ids}
    queries, qrels, types = {}, {}, {}
    for line in (DATA / "known_items" / f"{corpus}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, kind, text, target = line.split("\t")
            same = copies.get(key_of.get(target), [target])
            queries[qid], qrels[qid], types[qid] = text, dict.fromkeys(same, 1), kind
    return Collection(name, docs, queries, qrels, kind="known-item", types=types)


def load_collections(only: set[str] | None) -> tuple[dict[str, tuple[Collection, str]], list[str]]:
    """name -> (collection, corpus key for the desk cache); plus notes on what was skipped."""
    out: dict[str, tuple[Collection, str]] = {}
    notes: list[str] = []

    def want(n: str) -> bool:
        return not only or n.lower() in only

    if evalsets.reuters_paths()["corpus"].exists():
        docs = reuters_docs()
        p = evalsets.reuters_paths()
        q, r = ev.load_queries(p["queries"]), ev.load_qrels(p["qrels"])
        types = {k: "topics" if k.startswith("topic-") else "names" for k in q}
        if want("reuters"):
            out["Reuters"] = (Collection("Reuters", docs, q, r, types=types), "reuters")
        if want("ki-reuters"):
            out["KI-Reuters"] = (known_items("KI-Reuters", "reuters", docs), "reuters")
    else:
        notes.append("Reuters and KI-Reuters skipped: ../shared/data/reuters21578 not found")
    if (evalsets.time_dir() / "TIME.ALL").exists():
        docs = time_docs()
        q, r = evalsets.time_queries(), evalsets.time_qrels()
        q = {k: v for k, v in q.items() if k in r}
        if want("time"):
            out["TIME"] = (Collection("TIME", docs, q, r, types={k: query_type(v) for k, v in q.items()}), "time")
        if want("ki-time"):
            out["KI-TIME"] = (known_items("KI-TIME", "time", docs), "time")
    else:
        notes.append("TIME and KI-TIME skipped: ../shared/data/time not found")
    if (evalsets.SHARED / "data" / "ecbplus" / "docs.jsonl").exists():
        if want("ki-ecb+"):
            out["KI-ECB+"] = (known_items("KI-ECB+", "ecbplus", ecb_docs()), "ecbplus")
    else:
        notes.append("KI-ECB+ skipped: ../shared/data/ecbplus not found")
    for name in CLASSICS:
        if want(name):
            if classic_dir(name) is None:
                notes.append(f"{name.upper()} skipped: not in " + " or ".join(str(b) for b in CLASSICS_AT)
                             + " (python bench/ranking_data.py --convert RAWDIR; see tests/data/ranking/README.md)")
                continue
            out[name.upper()] = (classic(name), name)
    return out, notes


# -- engines --------------------------------------------------------------------------
def newsdesk_desk(corpus: str, docs) -> newsdesk.Desk:
    """A cached desk over ``docs`` (rebuilt when the count differs)."""
    path = CACHE / "ranking-desks" / corpus  # beside, not inside, the collections' own folders
    desk = newsdesk.open(path)
    if desk.store.count() != len(docs):
        desk.close()
        shutil.rmtree(path, ignore_errors=True)
        desk = newsdesk.open(path)
        desk.ingest_records(Record(title=t, body=b, external_id=i, source=corpus) for i, t, b in docs)
    return desk


def set_floor(desk: newsdesk.Desk, value: int | str) -> None:
    """The desk's length floor (``auto`` or words); reindexes only when the padding changes."""
    desk.set_length_floor(value)


def floor_note(desks: dict[str, newsdesk.Desk]) -> str:
    """Which floor ``auto`` chose for each desk, and the spread it was chosen from."""
    from newsdesk.index import lengths
    from newsdesk.store.lengths import sample_texts

    parts = []
    for corpus, desk in desks.items():
        spread = lengths.length_spread(sample_texts(desk.store, lengths.SAMPLE))
        parts.append(f"{corpus} {lengths.choose_floor(sample_texts(desk.store, lengths.SAMPLE))} "
                     f"(spread {spread:.2f})")
    return ("Length floor chosen by `auto` (words; spread = sd of log word counts, wire floor above "
            f"{lengths.SPREAD}): " + ", ".join(parts) + ".")


def copy_ties(colls, results) -> str:
    """How often a known-item target (dev splits) loses to a version of itself with the same headline
    (re-sent wire stories), and whether "the original" (stored first) or "the fuller text" would
    have put the target first: the evidence for a tie-break between articles of one story."""
    lost = earlier = longer = 0
    for _name, (coll, _c) in colls.items():
        if coll.kind != "known-item":
            continue
        order = {d: i for i, (d, _t, _b) in enumerate(coll.docs)}
        docs = {d: (t, b) for d, t, b in coll.docs}
        head = {d: " ".join(t.lower().split()) for d, (t, _b) in docs.items()}
        for qid in coll.split("dev"):
            ranked = sorted(results[_name]["shipped"].get(qid, {}).items(), key=lambda kv: -kv[1])
            target = set(coll.qrels[qid])
            ids = [d for d, _s in ranked]
            pos = next((i for i, d in enumerate(ids) if d in target), None)
            if not pos:
                continue
            tgt = next(d for d in ids if d in target)
            twins = [d for d in ids[:pos] if head[d] and head[d] == head[tgt]]
            if twins:
                lost += 1
                earlier += all(order[tgt] < order[d] for d in twins)
                longer += all(len(docs[tgt][1].split()) > len(docs[d][1].split()) for d in twins)
    return (f"Tie-breaks between versions of one story (known-item dev splits, shipped ranking): {lost} "
            f"targets are ranked below a version of themselves with the same headline; the target is the "
            f"one stored first in {earlier} and the longer one in {longer}, so neither 'the original' nor "
            "'the fuller text' would lift them all; no tie-break shipped.")


def newsdesk_search(desk: newsdesk.Desk, known_item: bool, **extra) -> Search:
    """Our plan's BM25 alone unless ``extra`` names the retrievers (the default ranking re-orders
    AND plans by search.rerank: the rows built on the ranking before issue 16 must not)."""
    if "retrievers" not in extra:
        from newsdesk.search.retrieve import TantivyRetriever

        extra["retrievers"] = [TantivyRetriever()]

    def search(q: str, k: int) -> list[str]:
        # equal scores by document key, the cut fetched past until its score is not shared
        # (evaluate.ranked_hits): a rebuild (a multi-threaded writer) lays documents out
        # differently each time, and on sets with exact copies that alone moved dev figures by
        # up to 0.007 between identical rebuilds
        if known_item:  # as a reader types it: the default operator (AND)
            hits = ev.ranked_hits(desk, q, k, collapse=False, **extra)
        else:
            hits = ev.ranked_hits(desk, ev.as_keywords(q), k, operator="OR", collapse=False, **extra)
        return [h.external_id or h.id for h in hits]

    return search


def run(search: Search, queries: dict[str, str], known_item: bool) -> dict[str, dict[str, float]]:
    out = {}
    for qid, text in queries.items():
        # newsdesk refuses queries over 1,000 characters: every engine gets the same cut
        q = ev.clip(text if known_item else ev.as_keywords(text))
        ranked = search(q, DEPTH)
        out[qid] = {d: float(DEPTH - i) for i, d in enumerate(dict.fromkeys(ranked))}
    return out


def score(coll: Collection, runs: dict, part: str, qtype: str | None = None) -> dict[str, float]:
    """nDCG@10 (and MRR@10 for known items) over the queries of one split (and type)."""
    qids = [q for q in coll.split(part) if qtype is None or coll.types.get(q) == qtype]
    qrels = {q: coll.qrels[q] for q in qids if q in coll.qrels}
    if not qrels:
        return {}
    metrics = ("nDCG@10", "RR@10") if coll.kind == "known-item" else ("nDCG@10",)
    m = ev.measure({q: runs.get(q, {}) for q in qrels}, qrels, metrics)
    return m


@contextmanager
def constants(**values):
    """Set newsdesk.search.plan module constants for the length of a block (tuning in-process)."""
    from newsdesk.search import plan

    old = {k: getattr(plan, k) for k in values}
    for k, v in values.items():
        setattr(plan, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(plan, k, v)


# -- the report ---------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--only", default="", help="comma-separated collection names (e.g. time,cran)")
    ap.add_argument("--no-experiments", action="store_true", help="baseline and peers only")
    ap.add_argument("--no-lucene", action="store_true", help="skip Lucene even where it can run")
    ap.add_argument("--pad", type=int, default=None, help="build the newsdesk desks with this index padding "
                    "(newsdesk.index.MIN_TEXT_WORDS, default 200) in their own cache; implies --no-write")
    args = ap.parse_args()
    from newsdesk.search import memo

    # the search memo reuses plans until the store changes; the bench changes ranking constants and
    # reindexes in-process (neither moves the store's version), so every search here is made afresh
    memo.ENABLED = False
    if args.pad is not None:
        args.no_write = True
    shipped_floor: int | str = "auto" if args.pad is None else args.pad
    only = {s.strip().lower() for s in args.only.split(",") if s.strip()} or None
    colls, notes = load_collections(only)
    lucene_why = "skipped (--no-lucene)" if args.no_lucene else lucene_status()
    if lucene_why:
        notes.append(f"Lucene (Pyserini): {lucene_why}")
    peers = {n: b for n, b in PEERS.items() if not (n == "Lucene" and lucene_why)}
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-ranking-"))
    results: dict[str, dict[str, dict]] = {}  # collection -> engine -> runs
    desks: dict[str, newsdesk.Desk] = {}
    t0 = time.perf_counter()
    try:
        peer_cache: dict[tuple[str, str], Search] = {}
        for name, (coll, corpus) in colls.items():
            if corpus not in desks:
                desks[corpus] = newsdesk_desk(corpus, coll.docs)
            ki = coll.kind == "known-item"
            from ranking_experiments import BEFORE
            from ranking_shipped import shipped, shipped_ltr

            set_floor(desks[corpus], BEFORE_FLOOR)
            with constants(**BEFORE):
                before = run(newsdesk_search(desks[corpus], ki), coll.queries, ki)
            set_floor(desks[corpus], shipped_floor)
            results[name] = {"newsdesk": before, "shipped": run(shipped(desks[corpus], coll), coll.queries, ki),
                             "ltr": run(shipped_ltr(desks[corpus], coll), coll.queries, ki)}
            for peer, build in peers.items():
                key = (peer, corpus)
                if key not in peer_cache:
                    peer_cache[key] = build(coll.docs, tmp / f"{peer}-{corpus}")
                results[name][peer] = run(peer_cache[key], coll.queries, ki)
            print(f"{name}: ran ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
        table = render_main(colls, results, list(peers))
        notes.append(floor_note(desks))
        notes.append(copy_ties(colls, results))
        print(table)
        print("", *(f"* {n}" for n in notes), sep="\n")  # what was skipped, and why, among them
        experiments = ""
        if not args.no_experiments:
            from ranking_experiments import run_experiments

            experiments = run_experiments(colls, desks, results)
            print(experiments)
    finally:
        for d in desks.values():
            d.close()
        shutil.rmtree(tmp, ignore_errors=True)
    body = "\n".join([f"Measured {time.strftime('%Y-%m-%d')} by `python bench/ranking.py`.", "", INTRO, "",
                      table, "", *(f"* {n}" for n in notes), "", experiments])
    if not args.no_write and not only:
        write_section(body)
        print(f"wrote {DOCS_MD}")


def render_main(colls, results, peers: list[str]) -> str:
    head = ["collection", "split", "type", "queries", "metric", "newsdesk before", "newsdesk shipped",
            "rank='ltr'", *peers, "best peer", "ratio before", "ratio shipped", "ratio ltr"]
    ours = ["newsdesk", "shipped", "ltr"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * 4 + "---|" + "---:|" * (len(peers) + 7)]
    targets, targets_ltr = [], []
    for name, (coll, _c) in colls.items():
        types = sorted(set(coll.types.values()))
        for part in ("dev", "test"):
            for qtype in (None, *types) if len(types) > 1 else (None,):
                per = {e: score(coll, results[name][e], part, qtype) for e in [*ours, *peers]}
                if not per["newsdesk"]:
                    continue
                for metric in ("nDCG@10", "MRR@10") if coll.kind == "known-item" else ("nDCG@10",):
                    vals = {e: per[e][metric] for e in per}
                    best = max((vals[p], p) for p in peers) if peers else (float("nan"), "-")
                    ratios = {e: vals[e] / best[0] if best[0] else float("nan") for e in ours}
                    out.append(f"| {name} | {part} | {qtype or 'all'} | {per['newsdesk']['queries']} | {metric} | "
                               + " | ".join(f"{vals[e]:.3f}" for e in [*ours, *peers])
                               + f" | {best[1]} | " + " | ".join(f"{ratios[e]:.2f}" for e in ours) + " |")
                    if part == "test" and qtype is None:
                        for key, into in (("shipped", targets), ("ltr", targets_ltr)):
                            if metric == "nDCG@10":
                                met = "met" if ratios[key] >= 1.05 else "not met"
                                into.append(f"{name} {ratios[key]:.2f}x best peer ({met})")
                            else:
                                met = "met" if vals[key] >= 0.95 else "not met"
                                into.append(f"{name} MRR@10 {vals[key]:.3f} ({met})")
    return "\n".join([*out, "", "Targets on the test splits, shipped ranking (>= 1.05x the best peer's nDCG@10; "
                       "known-item MRR@10 >= 0.95): " + "; ".join(targets) + ".", "",
                       "The same with the opt-in re-ranker (rank='ltr', search.rerank; weights learned on the dev "
                       "splits by bench/ltr.py): " + "; ".join(targets_ltr) + "."])


def write_section(text: str) -> None:
    from _common import write_doc_section

    write_doc_section(SECTION, text, "Ranking on every collection (bench/ranking.py)")


if __name__ == "__main__":
    main()
