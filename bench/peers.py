"""newsdesk against peer engines on the same documents and queries, in one run.

Engines: newsdesk (store + index, Python API with snippets), raw tantivy with
default settings, bm25s (PyStemmer, English stop words), SQLite FTS5 (porter,
bm25()) and Lucene BM25 through Pyserini when it can run here. Measures index
time and docs/s (from the Reuters JSONL file), on-disk size, top-10 latency
p50/p95 on the Reuters dev queries, and nDCG@10 / MAP / R@100 on Reuters dev
and TIME. Writes the tables into docs/benchmarks.md between the
``<!-- peers:start -->`` / ``<!-- peers:end -->`` markers.

    python bench/peers.py [--rounds 5] [--no-write]
    python bench/peers.py --only ingest [--ingest-rounds 3]   # just the whole processes below


It also times the whole ``newsdesk ingest`` process (reader process included) against a
process that indexes the same file with raw tantivy, wall and CPU seconds (user + sys,
threads and children included: the steadier figure on a loaded machine), and prints the
issue-13 ratios: ingest time over raw tantivy's, and ``Desk.search`` p50 minus tantivy's.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from _common import ROOT, ev, evalsets, percentile

import newsdesk

DOCS = ROOT / "docs" / "benchmarks.md"
Search = Callable[[str, int], list[str]]


def read_reuters(path: Path) -> list[tuple[str, str, str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [(o["id"], o.get("title", ""), o.get("body", "")) for o in map(json.loads, fh)]


def read_time() -> list[tuple[str, str, str]]:
    return [(r.external_id, "", r.body) for r in evalsets.time_records()]


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- engines: build(docs_or_file, dir) -> (search fn, latency fn) ------------------
def build_newsdesk(kind: str, where: Path):
    desk = newsdesk.open(where)
    if kind == "reuters":
        desk.ingest(str(evalsets.reuters_paths()["corpus"]))
    else:
        desk.ingest_records(evalsets.time_records())

    def search(q: str, k: int) -> list[str]:
        hits = desk.search(q, limit=k, snippets=False, operator="OR", collapse=False).hits
        return [h.external_id or h.id for h in hits]

    def interactive(q: str) -> object:  # what a user pays: snippets, collapse
        return desk.search(q, limit=10, operator="OR")

    return search, interactive, desk.close


def build_tantivy(kind: str, where: Path):
    import tantivy

    docs = read_reuters(evalsets.reuters_paths()["corpus"]) if kind == "reuters" else read_time()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=False)
    sb.add_text_field("body", stored=False)
    schema = sb.build()
    where.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(where))
    writer = index.writer()
    for did, title, body in docs:
        writer.add_document(tantivy.Document(id=did, title=title, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()

    def search(q: str, k: int) -> list[str]:
        s = index.searcher()
        query, _errors = index.parse_query_lenient(q, ["title", "body"])
        return [s.doc(a)["id"][0] for _sc, a in s.search(query, k).hits]

    return search, lambda q: search(q, 10), lambda: None


def build_bm25s(kind: str, where: Path):
    import bm25s
    import Stemmer

    docs = read_reuters(evalsets.reuters_paths()["corpus"]) if kind == "reuters" else read_time()
    stemmer = Stemmer.Stemmer("english")
    ids = [d[0] for d in docs]
    tokens = bm25s.tokenize([f"{t}\n{b}" for _i, t, b in docs], stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    retriever.save(str(where))

    def search(q: str, k: int) -> list[str]:
        qt = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        k = min(k, len(ids))
        res, _scores = retriever.retrieve(qt, k=k, show_progress=False, n_threads=1)
        return [ids[i] for i in res[0]]

    return search, lambda q: search(q, 10), lambda: None


def build_fts5(kind: str, where: Path):
    docs = read_reuters(evalsets.reuters_paths()["corpus"]) if kind == "reuters" else read_time()
    where.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(where / "fts.db")
    db.execute("CREATE VIRTUAL TABLE d USING fts5(did UNINDEXED, title, body, tokenize='porter unicode61')")
    with db:
        db.executemany("INSERT INTO d(did, title, body) VALUES (?,?,?)", docs)
    db.execute("INSERT INTO d(d) VALUES('optimize')")
    db.commit()

    def search(q: str, k: int) -> list[str]:
        words = [w.replace('"', "") for w in q.split()]
        match = " OR ".join(f'"{w}"' for w in words if w)
        if not match:
            return []
        rows = db.execute("SELECT did FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT ?", (match, k))
        return [r[0] for r in rows]

    return search, lambda q: search(q, 10), db.close


def _java_env() -> dict[str, str]:
    env = dict(os.environ)
    if "JAVA_HOME" not in env:
        for cand in ("/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-21-openjdk-amd64"):
            if Path(cand).exists():
                env["JAVA_HOME"] = cand
                break
    return env


def build_pyserini(kind: str, where: Path):
    """Lucene BM25 (Anserini defaults: k1=0.9, b=0.4, Porter, stop words) via Pyserini's jar."""
    import subprocess
    import sys

    docs = read_reuters(evalsets.reuters_paths()["corpus"]) if kind == "reuters" else read_time()
    coll = where.parent / f"{where.name}-json"
    coll.mkdir(parents=True, exist_ok=True)
    with open(coll / "docs.jsonl", "w", encoding="utf-8") as fh:
        for did, title, body in docs:
            fh.write(json.dumps({"id": did, "contents": f"{title}\n{body}"}) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pyserini.index.lucene", "--collection", "JsonCollection", "--input", str(coll),
         "--index", str(where), "--generator", "DefaultLuceneDocumentGenerator", "--threads", "2"],
        check=True, env=_java_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.environ.update({k: v for k, v in _java_env().items() if k == "JAVA_HOME"})
    # pyserini.search imports faiss/torch encoders; the Lucene searcher itself needs only the jar
    from pyserini.pyclass import autoclass

    searcher = autoclass("io.anserini.search.SimpleSearcher")(str(where))

    def search(q: str, k: int) -> list[str]:
        return [h.docid for h in searcher.search(q, k)] if q.strip() else []

    return search, lambda q: search(q, 10), searcher.close


ENGINES = {"newsdesk": build_newsdesk, "tantivy (default)": build_tantivy,
           "bm25s": build_bm25s, "SQLite FTS5": build_fts5, "Lucene (Pyserini)": build_pyserini}


def pyserini_status() -> str | None:
    """None when Pyserini can run here, else why not (written into docs/benchmarks.md)."""
    import shutil as sh

    try:
        metadata.version("pyserini")
        import jnius_config  # noqa: F401
    except (metadata.PackageNotFoundError, ModuleNotFoundError):
        return ("skipped: pyserini is not installed; install it without its deep-learning dependencies: "
                "`pip install --no-deps pyserini==0.22.1 pyjnius pandas tqdm requests` (Java 11+ needed)")
    if not (sh.which("java") or "JAVA_HOME" in _java_env()):
        return "skipped: no Java runtime found (Pyserini 0.22 needs Java 11 or later)"
    return None


# -- whole processes: `newsdesk ingest` against raw tantivy indexing the same file ----------
def child_tantivy(corpus: str, where: str) -> None:
    """Index the Reuters JSONL with raw tantivy (title + body, default tokenizer) in this process."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=False)
    sb.add_text_field("body", stored=False)
    index = tantivy.Index(sb.build(), path=where)
    writer = index.writer()
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for o in map(json.loads, fh):
            writer.add_document(tantivy.Document(id=o["id"], title=o.get("title", ""), body=o.get("body", "")))
    writer.commit()
    writer.wait_merging_threads()


def timed_process(cmd: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of a child process run to its end (its own children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def ingest_processes(tmp: Path, rounds: int = 2) -> dict[str, tuple[float, float]]:
    """Best of ``rounds`` wall and, separately, best CPU for each whole process, alternating the two
    (on a shared machine the quietest round of each figure is the one to compare)."""
    corpus = str(evalsets.reuters_paths()["corpus"])
    best: dict[str, tuple[float, float]] = {}
    for i in range(rounds):
        for name, cmd in (
            ("newsdesk ingest", [sys.executable, "-m", "newsdesk", "--data", str(tmp / f"proc-nd-{i}"), "ingest", corpus]),
            ("raw tantivy", [sys.executable, __file__, "--child-tantivy", corpus, str(tmp / f"proc-tv-{i}")]),
        ):
            if name == "raw tantivy":
                (tmp / f"proc-tv-{i}").mkdir(parents=True)
            got = timed_process(cmd)
            old = best.get(name, got)
            best[name] = (min(old[0], got[0]), min(old[1], got[1]))
    return best


# -- measuring -------------------------------------------------------------------
def effectiveness(search: Search, queries: dict[str, str], qrels) -> dict[str, float]:
    run = {}
    for qid, text in queries.items():
        ranked = search(ev.as_keywords(text), 100)
        run[qid] = {d: float(100 - i) for i, d in enumerate(ranked)}
    return ev.measure(run, qrels, ("nDCG@10", "AP", "R@100"))


def latency(fn, queries: list[str], rounds: int) -> tuple[float, float]:
    for q in queries:  # warm up caches
        fn(q)
    times = []
    for _ in range(rounds):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def latency_without_memo(fn, queries: list[str], rounds: int) -> tuple[float, float]:
    """:func:`latency` with newsdesk's search memo off (search.memo): every query parsed,
    every row read, every snippet cut again, as for a query never asked before."""
    from newsdesk.search import memo

    memo.ENABLED = False
    try:
        return latency(fn, queries, rounds)
    finally:
        memo.ENABLED = True


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    try:
        import psutil

        mem = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ModuleNotFoundError:
        pass
    versions = []
    for pkg in ("newsdesk", "tantivy", "bm25s", "PyStemmer", "ir-measures", "pyserini"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{pkg} {metadata.version(pkg)}")
    versions.append(f"SQLite {sqlite3.sqlite_version}")
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; " + ", ".join(versions))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-tantivy":
        child_tantivy(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="latency rounds over the dev queries")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--only", choices=["ingest"], help="ingest: time only the whole `newsdesk ingest` process "
                    "against raw tantivy (prints the target-1 ratios; writes nothing)")
    ap.add_argument("--ingest-rounds", type=int, default=2, help="rounds of the whole-process timing (best of)")
    args = ap.parse_args()
    if args.only == "ingest":
        only_ingest(args.ingest_rounds)
        return
    paths = evalsets.reuters_paths()
    rq, rqrels = ev.load_queries(paths["queries"]), ev.load_qrels(paths["qrels"])
    tq, tqrels = evalsets.time_queries(), evalsets.time_qrels()
    latency_queries = [ev.as_keywords(t) for t in rq.values()]
    with gzip.open(paths["corpus"], "rt") as fh:
        n_reuters = sum(1 for _ in fh)
    rows = []
    skip: str | None = None
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-peers-"))
    try:
        procs = ingest_processes(tmp, args.ingest_rounds)
        for name, (wall, cpu) in procs.items():
            print(f"whole process     {name:16} {wall:6.2f} s wall {cpu:6.2f} s CPU", flush=True)
        skip = pyserini_status()
        for name, build in ENGINES.items():
            if skip and name.startswith("Lucene"):
                print(f"{name}: {skip}")
                continue
            slug = name.split()[0].lower()
            t0 = time.perf_counter()
            try:
                search, interactive, close = build("reuters", tmp / f"{slug}-reuters")
            except (subprocess.CalledProcessError, OSError) as err:  # an optional peer that cannot run here
                if not name.startswith("Lucene"):
                    raise
                why = (f"`pyserini.index.lucene` exited with status {err.returncode}"
                       if isinstance(err, subprocess.CalledProcessError) else type(err).__name__)
                skip = f"skipped: its indexer failed here ({why}; no machine paths kept)"
                print(f"{name}: {skip}")
                continue
            secs = time.perf_counter() - t0
            size = dir_size(tmp / f"{slug}-reuters")
            p50, p95 = latency(interactive, latency_queries, args.rounds)
            cold = latency_without_memo(interactive, latency_queries, args.rounds) if name == "newsdesk" else None
            reu = effectiveness(search, rq, rqrels)
            close()
            search_t, _i, close_t = build("time", tmp / f"{slug}-time")
            tim = effectiveness(search_t, tq, tqrels)
            close_t()
            row = dict(engine=name, secs=secs, rate=n_reuters / secs, size=size, p50=p50, p95=p95, reuters=reu, time=tim,
                       cold=cold)
            rows.append(row)
            print(f"{name:18} index {secs:6.1f}s {row['rate']:8,.0f} docs/s {size / 2**20:7.1f} MiB  "
                  f"p50 {p50:6.2f} ms p95 {p95:6.2f} ms  Reuters nDCG@10 {reu['nDCG@10']:.4f} MAP {reu['MAP']:.4f} "
                  f"R@100 {reu['R@100']:.4f}  TIME nDCG@10 {tim['nDCG@10']:.4f} MAP {tim['MAP']:.4f} R@100 {tim['R@100']:.4f}",
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ratios = issue13_ratios(procs, rows, args.ingest_rounds)
    print(ratios)
    table = render(rows, n_reuters, skip) + "\n\n" + ratios
    if not args.no_write:
        write_section(table)
        print(f"wrote {DOCS}")


def only_ingest(rounds: int) -> None:
    """``--only ingest``: the whole-process timing alone, best of ``rounds``, and its ratios."""
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-peers-"))
    try:
        procs = ingest_processes(tmp, rounds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for name, (wall, cpu) in procs.items():
        print(f"whole process     {name:16} {wall:6.2f} s wall {cpu:6.2f} s CPU (best of {rounds})")
    print(issue13_ratios(procs, [], rounds))


def render(rows, n_docs: int, pyserini: str | None) -> str:
    out = [f"Measured {time.strftime('%Y-%m-%d')} by `python bench/peers.py` on: {machine()}.", "",
           f"Index: Reuters-21578 ({n_docs:,} articles, headline + body) from the JSONL file; "
           "latency: top-10 over the 64 Reuters dev queries as OR keyword queries, "
           "newsdesk through `Desk.search` with snippets and duplicate collapse.", "",
           "| engine | index s | docs/s | size MiB | p50 ms | p95 ms | Reuters nDCG@10 | Reuters MAP | Reuters R@100 "
           "| TIME nDCG@10 | TIME MAP | TIME R@100 |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        a, b = r["reuters"], r["time"]
        out.append(f"| {r['engine']} | {r['secs']:.1f} | {r['rate']:,.0f} | {r['size'] / 2**20:.1f} | {r['p50']:.2f} "
                   f"| {r['p95']:.2f} | {a['nDCG@10']:.4f} | {a['MAP']:.4f} | {a['R@100']:.4f} | {b['nDCG@10']:.4f} "
                   f"| {b['MAP']:.4f} | {b['R@100']:.4f} |")
    if pyserini:
        out += ["", f"Lucene BM25 through Pyserini: {pyserini}."]
    return "\n".join(out)


def issue13_ratios(procs: dict[str, tuple[float, float]], rows: list[dict], rounds: int = 2) -> str:
    """Issue 13's targets 1 and 2 as measured in this run."""
    nd, tv = procs["newsdesk ingest"], procs["raw tantivy"]
    by = {r["engine"]: r for r in rows}
    out = [f"Whole processes (best of {rounds}, same run): `newsdesk ingest` of the Reuters JSONL {nd[0]:.1f} s wall, "
           f"{nd[1]:.1f} s CPU; raw tantivy indexing the same file {tv[0]:.1f} s wall, {tv[1]:.1f} s CPU: "
           f"**{nd[0] / tv[0]:.1f}x** wall, **{nd[1] / tv[1]:.1f}x** CPU (issue 13 target 1: 1.5x)."]
    if "newsdesk" in by and "tantivy (default)" in by:
        a, b = by["newsdesk"], by["tantivy (default)"]
        out.append(f"`Desk.search` p50 {a['p50']:.2f} ms against raw tantivy's {b['p50']:.2f} ms: "
                   f"**+{a['p50'] - b['p50']:.2f} ms** (target 2: +0.15 ms); p95 {a['p95']:.2f} / {b['p95']:.2f} ms "
                   "(each query asked 1 + rounds times: from the second time on, its plan, rows, snippets and "
                   "the default re-ordering's scores come from the search memo; tantivy runs every time).")
        if a.get("cold"):
            p50c, p95c = a["cold"]
            out.append(f"With the memo off (every step for every query, as for queries never asked before): p50 "
                       f"{p50c:.2f} ms (**+{p50c - b['p50']:.2f} ms**), p95 {p95c:.2f} ms.")
    return "\n".join(out)


def write_section(table: str) -> None:
    from _common import write_doc_section

    write_doc_section("peers", table)


if __name__ == "__main__":
    main()
