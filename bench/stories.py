"""Copies and stories: quality on the gold set and ECB+, the Reuters near-duplicate count, and speed.

    python bench/stories.py               # quality (dev and test), baselines, ECB+, Reuters (a few minutes)
    python bench/stories.py --tune        # the dev-only grids the defaults were chosen from
    python bench/stories.py --scale 100000 [--cores 2]   # throughput and memory on synthetic news

Quality figures:
* copy pairs: precision/recall/F1 over all pairs of gold articles (same copy group or not),
  and per transformation kind (pairs that involve a copy of that kind);
* stories: BCubed precision/recall/F1 against the gold stories;
* the same for a plain datasketch MinHash LSH (threshold 0.5, 5-word shingles, no verification)
  and a TF-IDF single-pass clusterer (whole text, cosine to the centroid, no time, no window).
The stages run exactly as at ingest: a real Store, ``compute`` then ``write`` in one transaction
per batch of 100 articles, in arrival (published) order.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from newsdesk.enrich import copies as copies_mod  # noqa: E402
from newsdesk.enrich.copies import CopiesStage  # noqa: E402
from newsdesk.enrich.stories import StoriesStage  # noqa: E402
from newsdesk.model import Article, StoredRow  # noqa: E402
from newsdesk.store import Store, article_values  # noqa: E402
from newsdesk.store import copies as copies_db  # noqa: E402
from newsdesk.store import stories as stories_db  # noqa: E402

GOLD = ROOT / "tests" / "data" / "stories" / "gold.jsonl"
SHARED = ROOT.parent / "shared" / "data"
KINDS = (
    "natural",
    "headline",
    "dateline",
    "byline",
    "credit",
    "footer",
    "rewrap",
    "reorder",
    "truncate",
    "words",
    "excerpt",
    "combo",
)


# -- running the stages ----------------------------------------------------------------
def article(o: dict) -> Article:
    return Article(
        id=o["id"],
        external_id=o.get("external_id", o["id"]),
        url="",
        source=o.get("source") or "",
        title=o.get("title") or "",
        body=o.get("body") or "",
        published=o.get("published") or "",
        authors=[],
        lang="en",
        metadata={},
        provenance="bench",
        ingested_at="",
    )


def load_store(directory: str, docs: list[dict]) -> tuple[Store, list[StoredRow]]:
    store = Store(directory)
    new, _ = store.add_values([article_values(article(o)) for o in docs])
    return store, [StoredRow(*r) for r in new]


def run_stage(store: Store, stage, rows: list[StoredRow], batch: int = 100) -> float:
    """compute + write per batch, each write in its own transaction (as the runner does); seconds
    of CPU (process time: what the stage costs, whatever else the machine is running)."""
    t = time.process_time()
    for i in range(0, len(rows), batch):
        part = rows[i : i + batch]
        computed = stage.compute(part)
        with store.transaction():
            stage.write(store, part, computed)
    return time.process_time() - t


def run_desk(
    docs: list[dict], stories: StoriesStage | None = None, batch: int = 100
) -> tuple[dict, dict, float, float]:
    """({id: copy group}, {id: story}, copies seconds, stories seconds) for docs in arrival order."""
    docs = sorted(docs, key=lambda o: (o.get("published") or "", o["id"]))
    with tempfile.TemporaryDirectory() as tmp:
        store, rows = load_store(tmp, docs)
        id_of = {r.seq: r.id for r in rows}
        tc = run_stage(store, CopiesStage(), rows, batch)
        ts = run_stage(store, stories or StoriesStage(), rows, batch)
        groups = {id_of[s]: g for s, g in copies_db.all_groups(store).items()}
        story = {id_of[s]: g for s, g in stories_db.all_members(store).items()}
        store.close()
    return groups, story, tc, ts


# -- scores --------------------------------------------------------------------------------
def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def pair_scores(docs: list[dict], pred: dict[str, object]) -> dict[str, tuple]:
    """{kind or "all": (P, R, F1, gold pairs)} over pairs of docs; ``pred`` maps id -> group."""
    ids = [o["id"] for o in docs]
    gold = {o["id"]: o["group"] for o in docs}
    kind = {o["id"]: o["kind"] for o in docs}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            g, p = gold[a] == gold[b], pred.get(a, a) == pred.get(b, b)
            keys = {"all"} | {kind[x] for x in (a, b) if kind[x] != "original"}
            for k in keys:
                c = counts[k]
                if g and p:
                    c[0] += 1
                elif p:
                    c[1] += 1
                elif g:
                    c[2] += 1
                if g:
                    c[3] += 1
    return {k: (*prf(c[0], c[1], c[2]), c[3]) for k, c in counts.items()}


def bcubed(gold: dict[str, object], pred: dict[str, object]) -> tuple[float, float, float]:
    gc, pc = defaultdict(set), defaultdict(set)
    for i, g in gold.items():
        gc[g].add(i)
        pc[pred.get(i, ("own", i))].add(i)
    p = r = 0.0
    for i, g in gold.items():
        mine = pc[pred.get(i, ("own", i))]
        inter = len(mine & gc[g])
        p += inter / len(mine)
        r += inter / len(gc[g])
    n = len(gold)
    p, r = p / n, r / n
    return p, r, 2 * p * r / (p + r)


# -- baselines -------------------------------------------------------------------------------
def datasketch_groups(docs: list[dict]) -> dict[str, int]:
    """Plain MinHash LSH: datasketch, threshold 0.5, 128 perms, 5-word shingles, no verification."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    hashes = {}
    for o in docs:
        w = (o["body"] or o["title"]).lower().split()
        sh = {" ".join(w[i : i + 5]) for i in range(max(1, len(w) - 4))}
        m = MinHash(num_perm=128)
        m.update_batch([s.encode() for s in sh])
        hashes[o["id"]] = m
        lsh.insert(o["id"], m)
    parent = {i: i for i in hashes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in hashes.items():
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    index = {i: n for n, i in enumerate(sorted(hashes))}
    return {i: index[find(i)] for i in hashes}


_TOK = re.compile(r"[a-z][a-z0-9'-]+")


def tfidf_single_pass(docs: list[dict], threshold: float = 0.3) -> dict[str, int]:
    """Single-pass TF-IDF baseline: whole text, IDF over the set, cosine to each cluster centroid."""
    toks = {o["id"]: Counter(_TOK.findall((o["title"] + " " + o["body"]).lower())) for o in docs}
    df = Counter(t for c in toks.values() for t in c)
    n = len(docs)
    clusters: list[dict] = []
    out = {}
    for o in sorted(docs, key=lambda o: (o.get("published") or "", o["id"])):
        v = {t: c * math.log((n + 1) / (df[t] + 1)) for t, c in toks[o["id"]].items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        v = {t: x / norm for t, x in v.items()}
        best, best_s = None, threshold
        for k, c in enumerate(clusters):
            cn = c["norm"]
            s = sum(x * c["v"].get(t, 0.0) for t, x in v.items()) / cn
            if s >= best_s:
                best, best_s = k, s
        if best is None:
            clusters.append({"v": dict(v), "norm": 1.0})
            best = len(clusters) - 1
        else:
            c = clusters[best]
            for t, x in v.items():
                c["v"][t] = c["v"].get(t, 0.0) + x
            c["norm"] = math.sqrt(sum(x * x for x in c["v"].values()))
        out[o["id"]] = best
    return out


# -- reports ----------------------------------------------------------------------------------
def print_pairs(name: str, scores: dict[str, tuple]) -> None:
    print(f"  {name}: copy pairs P/R/F1 (gold pairs)")
    for k in ("all", *KINDS):
        if k in scores:
            p, r, f, g = scores[k]
            print(f"    {k:<9} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({g})")


def gold_sets() -> dict[str, list[dict]]:
    rows = [json.loads(line) for line in GOLD.open(encoding="utf-8")]
    return {s: [r for r in rows if r["split"] == s] for s in ("dev", "test")}


def quality() -> None:
    for split, docs in gold_sets().items():
        print(
            f"== gold {split}: {len(docs)} articles, {len({o['story'] for o in docs})} stories, "
            f"{sum(o['kind'] != 'original' for o in docs)} copies"
        )
        groups, story, tc, ts = run_desk(docs)
        print(
            f"  newsdesk (CPU per article, batches of 100): copies {tc * 1e6 / len(docs):.0f} us, "
            f"stories {ts * 1e6 / len(docs):.0f} us"
        )
        print_pairs("newsdesk copies", pair_scores(docs, groups))
        gold_story = {o["id"]: o["story"] for o in docs}
        p, r, f = bcubed(gold_story, story)
        print(
            f"  newsdesk stories: BCubed P {p:.3f}  R {r:.3f}  F1 {f:.3f}  "
            f"({len(set(story.values()))} stories found, {len(set(gold_story.values()))} gold)"
        )
        base = datasketch_groups(docs)
        s = pair_scores(docs, base)
        print_pairs("baseline datasketch LSH 0.5, 5-shingles", s)
        p, r, f = bcubed(gold_story, tfidf_single_pass(docs))
        print(f"  baseline TF-IDF single pass (cos 0.3): BCubed P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


def ecbplus() -> None:
    docs = [json.loads(line) for line in (SHARED / "ecbplus" / "docs.jsonl").open(encoding="utf-8")]
    gold = {
        json.loads(line)["id"]: json.loads(line)["cluster"]
        for line in (SHARED / "ecbplus" / "gold.jsonl").open(encoding="utf-8")
    }
    for o in docs:
        o["published"] = ""
    _, story, _, ts = run_desk(docs)
    p, r, f = bcubed(gold, story)
    print(f"== ECB+ ({len(docs)} articles, {len(set(gold.values()))} events; no dates, dev set)")
    print(
        f"  newsdesk stories: BCubed P {p:.3f}  R {r:.3f}  F1 {f:.3f}  ({len(set(story.values()))} stories)"
    )
    for th in (0.2, 0.3):
        p, r, f = bcubed(gold, tfidf_single_pass(docs, th))
        print(f"  baseline TF-IDF single pass (cos {th}): BCubed P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


def reuters_dups() -> None:
    """The Reuters near-duplicate count at Jaccard >= 0.8 (the reference pass), and our stage on Reuters."""
    from rensa import RMinHash, RMinHashLSH

    with gzip.open(SHARED / "reuters21578" / "reuters21578.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh]
    t = time.perf_counter()
    sh = {}
    for o in docs:
        w = re.findall(r"[a-z0-9]+", (o.get("body") or "").lower())
        s = {" ".join(w[i : i + 3]) for i in range(len(w) - 2)}
        if len(s) >= 5:
            sh[o["id"]] = s
    lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=32)
    mh = {}
    for i, s in sh.items():
        m = RMinHash(num_perm=128, seed=1)
        m.update(list(s))
        mh[i] = m
        lsh.insert(int(i), m)
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in mh.items():
        for j in lsh.query(m):
            j = str(j)
            if j != i:
                a, b = sh[i], sh[j]
                if len(a & b) / len(a | b) >= 0.8:
                    ra, rb = find(i), find(j)
                    if ra != rb:
                        parent[ra] = rb
    comp = Counter(find(i) for i in parent)
    big = [n for n in comp.values() if n > 1]
    print(f"== Reuters-21578 ({len(docs)} articles)")
    print(
        f"  reference pass (3-word shingles, exact J >= 0.8): {len(big)} clusters covering {sum(big)} articles "
        f"({time.perf_counter() - t:.1f} s)"
    )
    groups, story, tc, ts = run_desk(
        [{**o, "id": f"r{o['id']}", "source": "Reuters"} for o in docs], batch=1000
    )
    sizes = Counter(groups.values())
    multi = [n for n in sizes.values() if n > 1]
    print(
        f"  newsdesk copies stage: {len(multi)} copy groups covering {sum(multi)} articles; "
        f"{len(docs) / tc:,.0f} articles per CPU second ({tc * 1e6 / len(docs):.0f} us/article, batches of 1000)"
    )
    print(
        f"  newsdesk stories stage: {len(set(story.values()))} stories; {len(docs) / ts:,.0f} articles per CPU second "
        f"({ts * 1e6 / len(docs):.0f} us/article)"
    )


# -- tuning (dev only) -------------------------------------------------------------------------------
def tune() -> None:
    dev = gold_sets()["dev"]
    gold_story = {o["id"]: o["story"] for o in dev}
    print("== dev grid: copies (JACCARD, CONTAINMENT) -> all-pairs P/R/F1")
    saved = (copies_mod.JACCARD, copies_mod.CONTAINMENT)
    for jac in (0.5, 0.6, 0.7, 0.8):
        for con in (0.7, 0.8, 0.9):
            copies_mod.JACCARD, copies_mod.CONTAINMENT = jac, con
            groups, _, _, _ = run_desk(dev)
            p, r, f, _ = pair_scores(dev, groups)["all"]
            print(f"  J {jac} C {con}: P {p:.3f} R {r:.3f} F1 {f:.3f}")
    copies_mod.JACCARD, copies_mod.CONTAINMENT = saved
    print("== dev grid: stories (threshold, time_penalty) -> BCubed P/R/F1")
    for th in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        for tp in (0.0, 0.1, 0.2):
            _, story, _, _ = run_desk(dev, StoriesStage(threshold=th, time_penalty=tp))
            p, r, f = bcubed(gold_story, story)
            print(f"  threshold {th} time_penalty {tp}: P {p:.3f} R {r:.3f} F1 {f:.3f}")


# -- scale ---------------------------------------------------------------------------------------------
def synthetic(n: int, seed: int = 7):
    """N news-like articles in time order over 2015-2024 (make_corpus's sentence pool), ~10% of
    them copies of an article of the previous day (a credit, a footer, the last sentence cut or
    two words changed)."""
    from make_corpus import sentence_pool

    rnd = random.Random(seed)
    sentences, titles = sentence_pool()
    sources = [f"source-{i:03d}" for i in range(300)]
    t0 = datetime(2015, 1, 1, tzinfo=UTC)
    step = (datetime(2024, 12, 31, tzinfo=UTC) - t0).total_seconds() / max(n, 1)
    recent: list[tuple[float, str, str]] = []  # originals of the last day: copies come soon after
    for i in range(n):
        now = i * step
        when = (t0 + timedelta(seconds=now)).strftime("%Y-%m-%dT%H:%M:%SZ")
        while recent and now - recent[0][0] > 86400:
            recent.pop(0)
        copy = bool(recent) and rnd.random() < 0.1
        if copy:
            _, title, body = rnd.choice(recent)
            k = rnd.randrange(4)
            if k == 0:
                body = "LONDON (Reuters) - " + body
            elif k == 1:
                body += " Reporting by Jane Doe; Editing by John Roe. All rights reserved."
            elif k == 2:
                body = " ".join(body.split(". ")[:-1]) or body
            else:
                ws = body.split()
                for _ in range(2):
                    ws[rnd.randrange(len(ws))] = "changed"
                body = " ".join(ws)
        else:
            k = max(2, int(rnd.lognormvariate(2.0, 0.6)))
            title, body = rnd.choice(titles), " ".join(rnd.choice(sentences) for _ in range(k))
            recent.append((now, title, body))
            if len(recent) > 200:
                recent.pop(0)
        yield {
            "id": f"syn-{i}",
            "title": title,
            "body": body,
            "published": when,
            "source": rnd.choice(sources),
            "copy": copy,
        }


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scale(n: int) -> None:
    print(
        f"== scale: {n:,} synthetic articles (~10% injected copies), time order, batches of 1000; "
        f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        store = Store(tmp)
        t = time.perf_counter()
        buf, injected = [], 0
        for o in synthetic(n):
            injected += o["copy"]
            buf.append(article_values(article(o)))
            if len(buf) == 5000:
                store.add_values(buf)
                buf = []
        if buf:
            store.add_values(buf)
        print(f"  stored in {time.perf_counter() - t:.0f} s")
        for stage in (CopiesStage(), StoriesStage()):
            tenth = max(1, n // 10)
            t, cpu = time.perf_counter(), time.process_time()
            last_t, last_cpu, last_done, done, marks = t, cpu, 0, 0, []
            for rows in store_rows(store, 1000):
                computed = stage.compute(rows)
                with store.transaction():
                    stage.write(store, rows, computed)
                done += len(rows)
                if done % tenth < len(rows) or done == n:
                    now, now_cpu = time.perf_counter(), time.process_time()
                    marks.append(
                        (
                            done,
                            (done - last_done) / (now - last_t),
                            (done - last_done) / max(now_cpu - last_cpu, 1e-9),
                            rss_mb(),
                        )
                    )
                    last_t, last_cpu, last_done = now, now_cpu, done
            total, cpu = time.perf_counter() - t, time.process_time() - cpu
            print(
                f"  {stage.info.name}: {n / total:,.0f} articles/s wall ({total * 1e6 / n:.0f} us/article), "
                f"{n / cpu:,.0f} articles per CPU second ({cpu * 1e6 / n:.0f} us), "
                f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
            )
            per = "  ".join(f"{d // 1000}k:{rate:,.0f}/{crate:,.0f}/{m:.0f}MB" for d, rate, crate, m in marks)
            print(f"    by tenth (articles/s wall / per CPU second / RSS): {per}")
        groups, members = copies_db.group_stats(store)
        print(
            f"  copy groups {groups:,} covering {members:,} articles ({injected:,} copies injected, "
            f"{members - groups:,} found); stories "
            f"{store.db.execute('SELECT count(*) FROM stories').fetchone()[0]:,}"
        )
        print(f"  database {os.path.getsize(os.path.join(tmp, 'newsdesk.db')) / 2**20:.0f} MB")
        store.close()


def store_rows(store: Store, batch: int):
    after = 0
    while True:
        rows = store.db.execute(
            "SELECT seq, id, external_id, url, source, title, body, published, authors, lang, metadata, "
            "provenance, ingested_at, version FROM articles WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, batch),
        ).fetchall()
        if not rows:
            return
        yield [StoredRow(*r) for r in rows]
        after = rows[-1][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, help="run the stages over N synthetic articles instead")
    ap.add_argument("--tune", action="store_true", help="print the dev-only parameter grids")
    args = ap.parse_args()
    if args.scale:
        scale(args.scale)
    elif args.tune:
        tune()
    else:
        t = time.perf_counter()
        quality()
        ecbplus()
        reuters_dups()
        print(f"({time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
