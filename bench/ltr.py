"""Learning to rank for newsdesk: a linear re-ranker over the top candidates, trained on dev only.

    python bench/ltr.py [--only NAME,...] [--depths 20,30] [--features all,opening,...] [--no-test]
    python bench/ltr.py --singles     # dev only: each feature alone beside the first-pass score

What it does, in order (the ranking bench's collections and dev/test split, bench/ranking.py):

1. runs the shipped ranking (AND then OR, per-desk length floor) on every query of every
   collection, and records for the top candidates of each pass the features of
   ``newsdesk.search.rerank`` (first-pass score, a k1 1.5 BM25, idf-weighted shares of the query
   in the headline / lead / whole text / best 8-word window / headline + lead, log length);
2. learns weights by coordinate ascent (RankLib's method, numpy only) on the pooled dev splits:
   objective the mean over collections of dev nDCG@10 (MRR@10 for known-item sets), refusing
   any step that puts a collection's dev figure more than 0.01 below the shipped one (the keep
   rule, applied on dev so that the test splits are read once); each pass of AND-then-OR is
   re-ranked on its own, as the re-ranker does;
3. chooses the setting (depth, which features, one weight for every kind of query or one per
   kind, an L2 pull toward BM25 alone) by leave-one-collection-out on dev: trained on nine
   collections' dev splits, scored on the tenth's; the setting whose held-out collections lose
   least at worst (nothing below -0.01), then gain most on average;
4. only then (without ``--no-test``) scores the chosen model, trained on all dev splits, on the
   test splits, through ``Desk.search`` and evaluation's tie rule like every other bench row.

The weights it prints go into ``newsdesk.search.rerank.WEIGHTS`` by hand; bench/ranking.py's
experiments table then measures them beside every other change (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from _common import ev

from newsdesk.search import rerank
from newsdesk.search.relax import RelaxedRetriever
from ranking import load_collections, newsdesk_desk, newsdesk_search, run, score, set_floor

GRID = np.round(np.arange(-2.0, 4.01, 0.1), 2)
ROUNDS = 4


class Recorder(rerank.RerankRetriever):
    """Each pass of the shipped ranking (AND, then OR when AND matches too few) with the features
    of its candidates, kept for training (no re-ranking): ``calls`` holds (features, seqs, total)."""

    def __init__(self, corpus, depth: int) -> None:
        super().__init__(corpus, depth=depth)
        self.whole = True  # every feature, for training
        self.calls: list[tuple[np.ndarray, list[int], int]] = []

    def retrieve(self, plan, fetch, sort, group_fields):
        cands = self.inner.retrieve(plan, max(fetch, self.depth), sort, group_fields)
        x = self.features(plan, cands) if len(cands.hits) else None
        seqs = [seq for _s, seq, _g in cands.hits[: self.depth]]
        self.calls.append((x if x is not None else np.zeros((len(seqs), len(rerank.FEATURES))), seqs, cands.total))
        return cands


def tiers(calls) -> tuple[np.ndarray, list[int], list[int]]:
    """The merged candidate list of AND-then-OR: features, seqs and the pass each came from (0: AND,
    1: an OR match filling the page), as the re-ranker sees them (each pass re-ranked on its own)."""
    x, seqs, total = calls[0]
    if len(calls) < 2 or calls[1][2] <= total:
        return x, seqs, [0] * len(seqs)
    x2, seqs2, _t = calls[1]
    seen = set(seqs)
    keep = [i for i, s in enumerate(seqs2) if s not in seen]
    return (np.vstack([x, x2[keep]]) if keep else x, seqs + [seqs2[i] for i in keep],
            [0] * len(seqs) + [1] * len(keep))


def query_text(text: str, known_item: bool) -> str:
    return ev.clip(text if known_item else ev.as_keywords(text))


def collect(coll, desk, depth: int) -> dict[str, dict]:
    """qid -> {x: features (K x F), gain: per candidate, ideal: the qrels' best DCG@10 gains}."""
    ki = coll.kind == "known-item"
    rec = Recorder(desk.corpus, depth)
    relaxed = RelaxedRetriever(desk.corpus, rec)
    ext = {}
    out = {}
    for qid, text in coll.queries.items():
        q = query_text(text, ki)
        kw = {} if ki else {"operator": "OR"}
        desk.search(q, limit=depth, snippets=False, collapse=False, retrievers=[relaxed], **kw)
        x, seqs, tier = tiers(rec.calls) if rec.calls else (np.zeros((0, len(rerank.FEATURES))), [], [])
        rec.calls = []
        missing = [s for s in seqs if s not in ext]
        if missing:
            for seq, row in desk.store.hit_rows(missing, body=False).items():
                ext[seq] = row.external_id or row.id
        rels = coll.qrels.get(qid, {})
        gain = np.asarray([max(0, rels.get(ext.get(s, ""), 0)) for s in seqs], dtype=np.float64)
        ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:10]
        kind = rerank.KINDS.index(rerank.kind_of(len(q.split())))
        out[qid] = {"x": x, "gain": gain, "ideal": ideal, "group": kind, "tier": tier, "seqs": seqs}
    return out


class Pool:
    """One split of one collection as padded arrays, scored for any weight vector at once."""

    def __init__(self, data: dict[str, dict], qids: list[str], known_item: bool, depth: int) -> None:
        qids = [q for q in qids if data[q]["ideal"]]
        n, f = len(qids), len(rerank.FEATURES)
        self.n = n
        self.x = np.zeros((n, depth, f))
        self.gain = np.zeros((n, depth))
        self.valid = np.zeros((n, depth), dtype=bool)
        self.tier = np.zeros((n, depth))
        self.tie = np.zeros((n, depth))  # equal model scores by seq, as the re-ranker orders them
        self.group = np.asarray([data[q]["group"] for q in qids], dtype=np.int64)
        self.known_item = known_item
        disc = 1.0 / np.log2(np.arange(2, 12))
        self.idcg = np.asarray([sum(g * d for g, d in zip(data[q]["ideal"], disc, strict=False)) for q in qids])
        for i, q in enumerate(qids):
            k = min(depth, len(data[q]["gain"]))
            self.x[i, :k] = data[q]["x"][:k]
            self.gain[i, :k] = data[q]["gain"][:k]
            self.valid[i, :k] = True
            self.tier[i, :k] = data[q]["tier"][:k]
            self.tie[i, :k] = -np.argsort(np.argsort(data[q]["seqs"][:k])) * 1e-9

    def metric(self, w: np.ndarray) -> float:
        if not self.n:
            return float("nan")
        s = np.einsum("qkf,qf->qk", self.x, w[self.group]) + self.tie - 1e6 * self.tier
        s = np.where(self.valid, s, -np.inf)
        order = np.argsort(-s, axis=1, kind="stable")[:, :10]
        g = np.take_along_axis(self.gain, order, axis=1)
        if self.known_item:
            hit = g > 0
            first = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
            return float(np.where(first >= 0, 1.0 / (np.maximum(first, 0) + 1), 0.0).mean())
        disc = 1.0 / np.log2(np.arange(2, 2 + g.shape[1]))
        return float(((g * disc).sum(axis=1) / self.idcg).mean())


def base_weights() -> np.ndarray:
    """kinds of query (rerank.KINDS) x features: BM25's first-pass score alone."""
    w = np.zeros((len(rerank.KINDS), len(rerank.FEATURES)))
    w[:, 0] = 1.0
    return w


def objective(pools: dict[str, Pool], w: np.ndarray, base: dict[str, float], l2: float = 0.0) -> float:
    vals = {n: p.metric(w) for n, p in pools.items()}
    if any(vals[n] < base[n] - 0.01 for n in vals):
        return -1.0
    return float(np.mean(list(vals.values()))) - l2 * float(((w - base_weights()) ** 2).sum())


def train(pools: dict[str, Pool], grid: np.ndarray = GRID, l2: float = 0.0, kinds=(0, 1, 2),
          feats: tuple[int, ...] | None = None, tied: bool = False) -> np.ndarray:
    """Coordinate ascent from BM25 alone (``score`` fixed at 1), a grid per coordinate; ``l2``
    pulls the weights toward BM25 alone (a dev-chosen guard against fitting the dev queries)."""
    w = base_weights()
    base = {n: p.metric(w) for n, p in pools.items()}
    best = objective(pools, w, base, l2)
    for _r in range(ROUNDS):
        moved = False
        cols = feats or tuple(range(1, w.shape[1]))
        for g, j in [(g, j) for g in ((kinds,) if tied else kinds) for j in cols]:
            for v in grid:
                trial = w.copy()
                trial[g, j] = v
                got = objective(pools, trial, base, l2)
                if got > best + 1e-5:
                    best, w, moved = got, trial, True
        if not moved:
            break
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="")
    ap.add_argument("--depths", default="20,30", help="re-ranking depths tried")
    ap.add_argument("--bounds", default="1", help="weights tried within +-these (grid step 0.1)")
    ap.add_argument("--l2", default="0,0.005", help="penalties tried on the squared distance from BM25 alone")
    ap.add_argument("--kinds", default="short+medium+long",
                    help="which kinds of query get weights (the rest keep BM25's order), settings separated by commas")
    ap.add_argument("--features", default="all,opening,opening+window+title",
                    help="which features may get a weight (+-joined names, or all), settings separated by commas")
    ap.add_argument("--tied", default="no,yes", help="one weight per feature for every kind of query: no, yes or both")
    ap.add_argument("--singles", action="store_true",
                    help="dev only: each feature alone beside the first-pass score, one weight for every query")
    ap.add_argument("--no-test", action="store_true", help="dev only: leave the test splits unread")
    args = ap.parse_args()
    from newsdesk.search import memo

    memo.ENABLED = False
    only = {s.strip().lower() for s in args.only.split(",") if s.strip()} or None
    colls, notes = load_collections(only)
    for n in notes:
        print(n, file=sys.stderr)
    depths = [int(d) for d in args.depths.split(",")]
    bounds = [float(b) for b in args.bounds.split(",")]
    l2s = [float(v) for v in args.l2.split(",")]
    feat_sets = [None if f == "all" else tuple(rerank.FEATURES.index(x) for x in f.split("+"))
                 for f in args.features.split(",")]
    tie_opts = [t == "yes" for t in args.tied.split(",")]
    kind_sets = [tuple(rerank.KINDS.index(k) for k in ks.split("+")) for ks in args.kinds.split(",")]
    deepest = max(depths)
    desks, data = {}, {}
    t0 = time.perf_counter()
    for name, (coll, corpus) in colls.items():
        if corpus not in desks:
            desks[corpus] = newsdesk_desk(corpus, coll.docs)
            set_floor(desks[corpus], "auto")
        data[name] = collect(coll, desks[corpus], deepest)
        print(f"{name}: features ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)

    def pools(part: str, depth: int, names=None) -> dict[str, Pool]:
        return {n: Pool(data[n], list(colls[n][0].split(part)), colls[n][0].kind == "known-item", depth)
                for n in (names or colls)}

    names = list(colls)
    if args.singles:
        singles(pools("dev", depths[0]), names)
        return
    print("## dev: each setting trained on all dev splits (in-sample) and leave-one-collection-out (LOCO)\n")
    print("| kinds | depth | weights within | l2 | " + " | ".join(names) + " | mean LOCO Δ | worst LOCO Δ | LOCO wins |")
    print("|---|---:|---:|---:|" + "---:|" * (len(names) + 3))
    base = {n: p.metric(base_weights()) for n, p in pools("dev", deepest).items()}
    print("| shipped | | | | " + " | ".join(f"{base[n]:.3f}" for n in names) + " | | | |")
    choice = None
    for depth in depths:
        dev = pools("dev", depth)
        for bound in bounds:
            grid = np.round(np.arange(-bound, bound + 1e-9, 0.1), 2)
            for l2, kinds, feats, tied in [(a, b, c, d) for a in l2s for b in kind_sets for c in feat_sets
                                           for d in tie_opts]:
                loco = {}
                for held in names:
                    w_h = train({n: p for n, p in dev.items() if n != held}, grid, l2, kinds, feats, tied)
                    loco[held] = dev[held].metric(w_h) - base[held]
                mean_loco = float(np.mean(list(loco.values())))
                worst = min(loco.values())
                wins = sum(v > 5e-4 for v in loco.values())
                label = ("+".join(rerank.KINDS[k] for k in kinds) + (" tied" if tied else "") + ", "
                         + ("all features" if feats is None else "+".join(rerank.FEATURES[j] for j in feats)))
                print(f"| {label} | {depth} | ±{bound:g} | {l2:g} | " + " | ".join(f"{loco[n]:+.3f}" for n in names)
                      + f" | {mean_loco:+.4f} | {worst:+.3f} | {wins}/{sum(abs(v) > 5e-4 for v in loco.values())} |",
                      flush=True)
                # the setting whose held-out collections lose least at worst, then gain most on average
                key = (min(worst, -0.01) if worst < -0.01 else 0.0, mean_loco)
                if choice is None or key > choice[0]:
                    choice = (key, depth, grid, l2, kinds, feats, tied, label)
    assert choice is not None
    _k, depth, grid, l2, kinds, feats, tied, label = choice
    dev = pools("dev", depth)
    w = train(dev, grid, l2, kinds, feats, tied)
    fit = {n: p.metric(w) for n, p in dev.items()}
    print(f"\nchosen on dev (LOCO): {label}, depth {depth}, weights within ±{grid.max():g}, l2 {l2:g}; trained on all dev "
          "splits, in-sample dev: " + ", ".join(f"{n} {fit[n]:.3f}" for n in names))
    weights = as_dict(w)
    print(f"WEIGHTS = {weights}")
    if args.no_test:
        return
    print("\n## the chosen model through Desk.search (evaluation's tie rule), dev / test\n")
    print("| collection | shipped dev | ltr dev | shipped test | ltr test | Δ test |\n|---|---:|---:|---:|---:|---:|")
    for name, (coll, corpus) in colls.items():
        desk = desks[corpus]
        ki = coll.kind == "known-item"
        metric = "MRR@10" if ki else "nDCG@10"
        plain = newsdesk_search(desk, ki, retrievers=[RelaxedRetriever(desk.corpus)])
        ltr = newsdesk_search(desk, ki, retrievers=[rerank.relaxed_reranker(desk.corpus, depth, weights)])
        a, b = run(plain, coll.queries, ki), run(ltr, coll.queries, ki)
        sa = {p: score(coll, a, p)[metric] for p in ("dev", "test")}
        sb = {p: score(coll, b, p)[metric] for p in ("dev", "test")}
        print(f"| {name} | {sa['dev']:.3f} | {sb['dev']:.3f} | {sa['test']:.3f} | {sb['test']:.3f} | "
              f"{sb['test'] - sa['test']:+.3f} |")
    for d in desks.values():
        d.close()


def singles(dev: dict[str, Pool], names: list[str]) -> None:
    """One feature beside the first-pass score, one weight for every kind of query, chosen on
    the pooled dev splits (a one-parameter model: the least room to fit the dev queries)."""
    base = {n: p.metric(base_weights()) for n, p in dev.items()}
    grid = np.round(np.arange(-1.0, 2.01, 0.05), 2)
    print("| feature | weight | " + " | ".join(names) + " | mean dev Δ | worst dev Δ | dev wins |")
    print("|---|---:|" + "---:|" * (len(names) + 3))
    for j, feat in enumerate(rerank.FEATURES[1:], 1):
        best = None
        for v in grid:
            w = base_weights()
            w[:, j] = v
            got = {n: dev[n].metric(w) - base[n] for n in names}
            key = float(np.mean(list(got.values())))
            if best is None or key > best[0] + 1e-6:
                best = (key, v, got)
        assert best is not None
        mean, v, got = best
        print(f"| {feat} | {v:+.2f} | " + " | ".join(f"{got[n]:+.3f}" for n in names)
              + f" | {mean:+.4f} | {min(got.values()):+.3f} | {sum(g > 5e-4 for g in got.values())}"
              f"/{sum(abs(g) > 5e-4 for g in got.values())} |", flush=True)


def as_dict(w: np.ndarray) -> dict[str, dict[str, float]]:
    """The weights as newsdesk.search.rerank.WEIGHTS holds them."""
    return {kind: {f: round(float(v), 2) for f, v in zip(rerank.FEATURES, w[i], strict=True)}
            for i, kind in enumerate(rerank.KINDS) if np.any(w[i, 1:])}


if __name__ == "__main__":
    main()
