"""Bounded load on a real `newsdesk serve` (127.0.0.1): req/s and p50/p95/p99 latency.

    python bench/api_load.py --data DIR [--requests 200]

Runs search, timeline and top terms at concurrency 1, 8 and 32, then search at
concurrency 8 again while a 5,000-article ingest runs through the API.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from _common import percentile

QUERIES = ["oil", "coffee", "james baker", '"oil prices" AND saudi', "gold", "wheat OR corn", "dollar", "bank"]
ROUTES = {
    "search": lambda q: ("/api/search", {"q": q, "limit": 10}),
    "timeline": lambda q: ("/api/timeline", {"q": q, "interval": "week", "normalize": "true"}),
    "top terms": lambda q: ("/api/top/terms", {"q": q, "limit": 20}),
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(base: str, route: str, concurrency: int, n: int) -> dict:
    lat: list[float] = []
    errors = 0
    with httpx.Client(base_url=base, timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        def one(i: int) -> None:
            nonlocal errors
            path, params = ROUTES[route](QUERIES[i % len(QUERIES)])
            t = time.perf_counter()
            r = client.get(path, params=params)
            lat.append(time.perf_counter() - t)
            if r.status_code != 200:
                errors += 1

        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(n)))
        wall = time.perf_counter() - t0
    p50, p95, p99 = (round(percentile(lat, p) * 1000, 1) for p in (0.5, 0.95, 0.99))
    return {"route": route, "concurrency": concurrency, "requests": n, "errors": errors,
            "rps": round(n / wall, 1), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="a desk holding Reuters (it gets a few test articles)")
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    cli = [sys.executable, "-m", "newsdesk", "--data", args.data]
    key = subprocess.run([*cli, "keys", "create", "--name", "bench"], capture_output=True, text=True,
                         check=True).stdout.split()[-1]
    port = _port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/api/search?q=x", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        print(f"{'route':<10} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} errors")
        rows = []
        for route in ROUTES:
            for c in (1, 8, 32):
                rows.append(run(base, route, c, args.requests))
                r = rows[-1]
                print(f"{route:<10} {c:>4} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {r['errors']}")
        stamp = int(time.time())
        body = "".join(json.dumps({"title": f"Bench {stamp} {i}", "body": f"Load test article {i} about oil."}) + "\n"
                       for i in range(5000))
        result: dict = {}

        def ingest() -> None:
            t = time.perf_counter()
            r = httpx.post(base + "/api/ingest", content=body, timeout=600,
                           headers={"content-type": "application/x-ndjson", "authorization": f"Bearer {key}"})
            result.update(r.json(), status=r.status_code, wall=round(time.perf_counter() - t, 1))

        th = threading.Thread(target=ingest)
        th.start()
        r = run(base, "search", 8, args.requests)
        th.join()
        print(f"{'search*':<10} {8:>4} {r['rps']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['p99_ms']:>8} {r['errors']}"
              f"   (* during an ingest of 5,000 articles: status {result.get('status')}, "
              f"{result.get('new')} new in {result.get('wall')} s)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
