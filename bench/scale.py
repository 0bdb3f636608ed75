"""Ingest synthetic corpora of growing size; report ingest rate, data directory size, peak memory, latency.

    python bench/scale.py 100000 1000000      # sizes (default: 100000)
    python bench/scale.py 100000 --no-write   # print only; leave docs/benchmarks.md alone

For each size: make the corpus (bench/make_corpus.py), ingest it into a fresh
desk in a child process (so peak RSS is per run), index raw tantivy from the
same file for comparison, then time top-10 queries (with snippets) for both.
Each ratio (ingest time and CPU, p50, p95) is against the peer measured in the
same run; CPU seconds (user + sys of the process and its children: the reader
process, tantivy's threads) are the steadier figure on a loaded machine. The
table goes into docs/benchmarks.md between ``<!-- scale:start -->`` and
``<!-- scale:end -->``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, ev, evalsets, percentile

HERE = Path(__file__).resolve().parent
DOCS = ROOT / "docs" / "benchmarks.md"
QUERIES = [ev.as_keywords(t) for t in ev.load_queries(evalsets.reuters_paths()["queries"]).values()]


def cpu_seconds() -> float:
    """User + system CPU of this process (all its threads) and of its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child_ingest(corpus: str, data: str) -> None:
    import newsdesk

    t = time.perf_counter()
    with newsdesk.open(data) as desk:
        summary = desk.ingest(corpus)
    secs = time.perf_counter() - t
    print(json.dumps({"secs": secs, "cpu": cpu_seconds(), "new": summary.new,
                      # the reader process (newsdesk.readers.background) is a child of this one
                      "peak_mib": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}))


def child_tantivy(corpus: str, where: str) -> None:
    import tantivy

    t = time.perf_counter()
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
    index = tantivy.Index(sb.build(), path=where)
    w = index.writer(heap_size=256_000_000)
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            w.add_document(tantivy.Document(id=o["id"], text=o["title"] + "\n" + o["body"]))
    w.commit()
    w.wait_merging_threads()
    print(json.dumps({"secs": time.perf_counter() - t, "cpu": cpu_seconds(),
                      # the reader process (newsdesk.readers.background) is a child of this one
                      "peak_mib": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}))


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pct(times: list[float]) -> tuple[float, float]:
    return percentile(times, 0.5), percentile(times, 0.95)


def lat_newsdesk(data: str) -> tuple[float, float]:
    import newsdesk

    with newsdesk.open(data) as desk:
        for q in QUERIES:
            desk.search(q, operator="OR")
        times = []
        for _ in range(3):
            for q in QUERIES:
                t = time.perf_counter()
                desk.search(q, operator="OR")
                times.append((time.perf_counter() - t) * 1000)
    return pct(times)


def lat_tantivy(where: str) -> tuple[float, float]:
    import tantivy

    index = tantivy.Index.open(where)
    times = []
    for rnd in range(4):
        for q in QUERIES:
            t = time.perf_counter()
            s = index.searcher()
            query, _e = index.parse_query_lenient(q, ["text"])
            [s.doc(a)["id"][0] for _sc, a in s.search(query, 10).hits]
            if rnd:
                times.append((time.perf_counter() - t) * 1000)
    return pct(times)


def dir_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


HEADER = ("| articles | ingest s | tantivy s | ingest ratio | ingest CPU s | tantivy CPU s | CPU ratio "
          "| store MiB | index MiB | data dir MiB | peak RSS MiB | tantivy peak MiB "
          "| p50 ms | tantivy p50 ms | p50 ratio | p95 ms | tantivy p95 ms | p95 ratio |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--child-ingest", "--child-tantivy"):
        (child_ingest if sys.argv[1] == "--child-ingest" else child_tantivy)(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", type=int, nargs="*", default=[100_000])
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = ap.parse_args()
    lines = [HEADER, "|" + "---:|" * (HEADER.count("|") - 1)]
    print("\n".join(lines), flush=True)
    for n in args.sizes:
        tmp = Path(tempfile.mkdtemp(prefix=f"newsdesk-scale-{n}-"))
        try:
            corpus = tmp / "corpus.jsonl.gz"
            subprocess.run([sys.executable, str(HERE / "make_corpus.py"), str(n), "-o", str(corpus)], check=True)
            ing = run_child("--child-ingest", str(corpus), str(tmp / "desk"))
            (tmp / "tv").mkdir()
            tv = run_child("--child-tantivy", str(corpus), str(tmp / "tv"))
            store = sum(p.stat().st_size for p in (tmp / "desk").glob("newsdesk.db*")) / 2**20
            index = sum(dir_mib(p) for p in (tmp / "desk").glob("index*") if p.is_dir())
            total = dir_mib(tmp / "desk")
            p50, p95 = lat_newsdesk(str(tmp / "desk"))
            t50, t95 = lat_tantivy(str(tmp / "tv"))
            line = (f"| {n:,} | {ing['secs']:.1f} | {tv['secs']:.1f} | {ing['secs'] / tv['secs']:.1f}x "
                    f"| {ing['cpu']:.1f} | {tv['cpu']:.1f} | {ing['cpu'] / tv['cpu']:.1f}x "
                    f"| {store:.0f} | {index:.0f} | {total:.0f} | {ing['peak_mib']:.0f} | {tv['peak_mib']:.0f} "
                    f"| {p50:.2f} | {t50:.2f} | {p50 / t50:.1f}x | {p95:.2f} | {t95:.2f} | {p95 / t95:.1f}x |")
            lines.append(line)
            print(line, flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not args.no_write:
        write_section(lines, args.sizes)
        print(f"wrote {DOCS}")


def write_section(lines: list[str], sizes: list[int]) -> None:
    """Replace the ``scale`` section of docs/benchmarks.md with this run's table."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    head = (f"Measured {time.strftime('%Y-%m-%d')} by `python bench/scale.py {' '.join(map(str, sizes))}` on "
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()} "
            f"(load average {load:.1f} at the end of the run; ratios are against raw tantivy in the same run).")
    from _common import write_doc_section

    write_doc_section("scale", head + "\n\n" + "\n".join(lines))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
