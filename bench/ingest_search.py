"""Ingest throughput and search latency on Reuters-21578, through the Python API.

    python bench/ingest_search.py [--data DIR] [--repeat 5] [--no-dedup] [--sections]

Prints: articles/s for ingesting reuters21578.jsonl.gz into a fresh data
directory (store + index), top-10 search latency p50/p95 (with snippets) over
the dev queries, and the process's peak resident memory. ``--sections`` adds the
CPU seconds (this thread's) of each step of the storing process (resolve ids, store,
copies stage, index) and the reader process's CPU seconds: where an ingest's time goes.
"""

from __future__ import annotations

import argparse
import functools
import platform
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import ev, evalsets, percentile

import newsdesk

PATHS = evalsets.reuters_paths()
SECTIONS: dict[str, float] = {}


def time_sections() -> None:
    """Wrap the storing process's ingest steps to add up their CPU time (thread time)."""
    from newsdesk import desk as desk_mod
    from newsdesk import enrich, index, store

    def wrap(owner: object, name: str, label: str) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def timed(*a: object, **k: object) -> object:
            t = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                SECTIONS[label] = SECTIONS.get(label, 0.0) + time.thread_time() - t

        setattr(owner, name, timed)

    wrap(desk_mod, "resolve_ids", "resolve ids")
    wrap(store.Store, "add_values", "store rows")
    wrap(enrich, "run_on_rows", "copies stage")
    wrap(index.Index, "add_rows", "index documents")
    wrap(index.Index, "commit", "index commit")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="data directory to use (default: a fresh temporary one)")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the queries")
    ap.add_argument("--no-dedup", action="store_true", help="ingest without the copies stage (round 1's work only)")
    ap.add_argument("--sections", action="store_true", help="CPU seconds per ingest step")
    args = ap.parse_args()
    if args.sections:
        time_sections()
    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.mkdtemp(prefix="newsdesk-bench-")
        data = str(Path(tmp) / "data")
    try:
        desk = newsdesk.open(data)
        t0 = time.perf_counter()
        c0 = time.thread_time()
        summary = desk.ingest(str(PATHS["corpus"]), **({"dedup": False} if args.no_dedup else {}))
        ingest_s = time.perf_counter() - t0
        ingest_cpu = time.thread_time() - c0
        reader_cpu = sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))
        n = summary.new + summary.present
        queries = list(ev.load_queries(PATHS["queries"]).values())
        for q in queries:  # warm-up
            desk.search(q, limit=10)
        latencies = []
        for _ in range(args.repeat):
            for q in queries:
                t = time.perf_counter()
                results = desk.search(q, limit=10)
                list(results)
                latencies.append((time.perf_counter() - t) * 1000)
        desk.close()
        size = sum(f.stat().st_size for f in Path(data).rglob("*") if f.is_file())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"machine           {platform.machine()}, {platform.python_version()}, newsdesk {newsdesk.__version__}")
        print(f"ingest            {n:,} articles in {ingest_s:.2f} s = {n / ingest_s:,.0f} articles/s ({summary})")
        print(f"data dir size     {size / 1e6:.1f} MB")
        if args.sections:
            print(f"ingest CPU        storing thread {ingest_cpu:.2f} s, reader process {reader_cpu:.2f} s")
            for label, secs in SECTIONS.items():
                print(f"  {label:16} {secs:6.2f} s CPU")
        print(f"search (top 10)   {len(latencies)} queries: p50 {percentile(latencies, 0.5):.2f} ms, "
              f"p95 {percentile(latencies, 0.95):.2f} ms, mean {statistics.mean(latencies):.2f} ms")
        print(f"peak memory       {peak_mb:,.0f} MB (max RSS)")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
