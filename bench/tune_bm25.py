"""Tune newsdesk's ranking knobs on Reuters dev and TIME; prints one line per setting.

tantivy-py fixes BM25 at k1=1.2, b=0.75, so the knobs are ours: the headline
boost, the proximity boost and its slop (newsdesk.search), and - as an
experiment - a re-rank of the top candidates with BM25 at other k1/b computed
in Python from the index's term statistics (``--k1b``).

    python bench/tune_bm25.py            # grid over the boosts
    python bench/tune_bm25.py --k1b      # also the k1/b re-rank experiment
    python bench/tune_bm25.py --no-grid --pad   # the minimum-length padding sweep
"""

from __future__ import annotations

import argparse
import itertools
import math
import time

from _common import collections, ev

from newsdesk import query as query_mod
from newsdesk import search as S


def evaluate_all(cols, **kw) -> dict[str, dict[str, float]]:
    out = {}
    for name, (desk, queries, qrels) in cols.items():
        run = ev.run_queries(desk, queries, depth=100, **kw)
        out[name] = ev.measure(run, qrels)
    return out


def fmt(res: dict[str, dict[str, float]]) -> str:
    return "  ".join(f"{n}: nDCG@10 {m['nDCG@10']:.4f} MAP {m['MAP']:.4f}" for n, m in res.items())


def grid(cols) -> None:
    best = None
    for tb, pb, slop in itertools.product([0.0, 0.2, 0.3, 0.5, 1.0], [0.0, 0.2, 0.3, 0.5, 1.0], [1, 2, 4]):
        if pb == 0.0 and slop != 1:
            continue
        S.TITLE_BOOST, S.PROX_BOOST, S.PROX_SLOP = tb, pb, slop
        res = evaluate_all(cols)
        mean = sum(m["nDCG@10"] + m["MAP"] for m in res.values()) / (2 * len(res))
        print(f"title {tb:<4} prox {pb:<4} slop {slop}  mean {mean:.4f}  {fmt(res)}", flush=True)
        if best is None or mean > best[0]:
            best = (mean, tb, pb, slop)
    print(f"best: title {best[1]} prox {best[2]} slop {best[3]} (mean of nDCG@10 and MAP {best[0]:.4f})")


def k1b_rerank(cols, pool: int = 100) -> None:
    """BM25 at other k1/b over the top ``pool`` candidates, from term stats + analysed lengths."""
    for name, (desk, queries, qrels) in cols.items():
        searcher = desk.index.searcher()
        n_docs = searcher.num_docs
        lengths: dict[int, int] = {}
        tfs: dict[int, dict[str, int]] = {}
        for rows in desk.store.iter_rows():
            for r in rows:
                toks = query_mod.STEM_ANALYZER.analyze(f"{r[5]}\n{r[6]}" if r[5] else r[6])
                lengths[r[0]] = len(toks)
                counts: dict[str, int] = {}
                for t in toks:
                    counts[t] = counts.get(t, 0) + 1
                tfs[r[0]] = counts
        avgdl = sum(lengths.values()) / max(1, len(lengths))
        cands = {}
        for qid, text in queries.items():
            q = ev.as_keywords(text)
            res = desk.search(q, limit=pool, snippets=False, operator="OR", collapse=False)
            hits = res.hits  # seqs resolved once here, not once per k1/b setting
            seq_of = dict(desk.store.db.execute(
                f"SELECT id, seq FROM articles WHERE id IN ({','.join('?' * len(hits))})", [h.id for h in hits]
            )) if hits else {}
            cands[qid] = (query_mod.positive_terms(query_mod.parse_tree(q, "OR")),
                          [(seq_of[h.id], h.external_id or h.id) for h in hits])
        stats = {}
        for k1, b in [(1.2, 0.75), (0.9, 0.4), (1.2, 0.4), (0.9, 0.75), (1.5, 0.75), (2.0, 0.75), (1.2, 0.9)]:
            t0 = time.perf_counter()
            run = {}
            for qid, (terms, hits) in cands.items():
                scored = []
                for seq, docid in hits:
                    s = 0.0
                    for t in set(terms):
                        df = stats.get(t)
                        if df is None:
                            df = stats[t] = searcher.doc_freq("text", t)
                        tf = tfs[seq].get(t, 0)
                        if tf:
                            idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
                            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[seq] / avgdl))
                    scored.append((s, docid))
                scored.sort(key=lambda x: -x[0])
                run[qid] = {d: float(len(scored) - i) for i, (_s, d) in enumerate(scored)}
            m = ev.measure(run, qrels)
            dt = (time.perf_counter() - t0) / len(cands) * 1000
            print(f"{name}: k1 {k1} b {b}: nDCG@10 {m['nDCG@10']:.4f} MAP {m['MAP']:.4f} ({dt:.2f} ms/query)")


def pad_sweep(cols) -> None:
    """The length floor for BM25's length norm (a per-desk setting, newsdesk.index.lengths): set + eval."""
    for words in (0, 50, 100, 150, 200, 300):
        for desk, _q, _r in cols.values():
            desk.set_length_floor(words)  # reindexes when the padding changes
        print(f"length floor {words:<4} {fmt(evaluate_all(cols))}", flush=True)
    for desk, _q, _r in cols.values():
        desk.set_length_floor("auto")
    print(f"length floor auto {fmt(evaluate_all(cols))}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k1b", action="store_true", help="also run the k1/b re-rank experiment")
    ap.add_argument("--pad", action="store_true", help="sweep the minimum text length (index padding)")
    ap.add_argument("--no-grid", action="store_true")
    args = ap.parse_args()
    cols = collections()
    if not args.no_grid:
        grid(cols)
    if args.pad:
        pad_sweep(cols)
    if args.k1b:
        k1b_rerank(cols)


if __name__ == "__main__":
    main()
