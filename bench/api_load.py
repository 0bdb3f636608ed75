"""Load on a real `newsdesk serve` and on Datasette + SQLite FTS5, same articles, same queries.

    python bench/api_load.py --data DIR [--seconds 3] [--workers N] [--before SRC [--before-data DIR2]]

DIR is a desk (data directory); when it is missing or empty the script builds it from
Reuters-21578 (``newsdesk --data DIR ingest ../shared/data/reuters21578/reuters21578.jsonl.gz``).
The bench works on a copy of DIR (it writes test articles) and puts the same articles in a
SQLite database with FTS5 (``sqlite-utils``' ``enable_fts``), served by ``datasette`` on
127.0.0.1. One client (asyncio, keep-alive connections, one process) drives every server in
turn, configuration by configuration, so each ratio compares runs seconds apart:

* ``/api/search`` p50 at concurrency 1 without and with facets;
* throughput (req/s) of ``/api/search`` with snippets and facets against Datasette's JSON
  full-text search (``/db/articles.json?_search=Q&_searchmode=raw&_size=10``) at 1, 8, 16;
* timeline at 1 and 16 (top terms too with ``--top-terms``);
* search at concurrency 8 while the API ingests 5,000 articles, then a check that all landed.

``--before SRC`` also measures the server of another checkout's ``src`` (e.g. from
``git archive``), run as it was before issue 13: uvicorn's h11 parser and asyncio loop.
A second newsdesk server runs with its search memo off (``NEWSDESK_SEARCH_MEMO=0``: every
query parsed, every row read and every snippet and facet made again), which is what a
stream of queries never asked before costs; the eight queries repeat, so the default
server answers them from its memo after the first round.
The table goes into docs/benchmarks.md between the ``api_load`` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _common import ROOT, percentile

REUTERS = ROOT.parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
QUERIES = ["oil", "coffee", "james baker", '"oil prices" AND saudi', "gold", "wheat OR corn", "dollar", "bank"]
BEFORE_LAUNCH = (  # the server of --before SRC, with uvicorn's pure-Python parts as installed before
    "import functools, sys, uvicorn; uvicorn.run = functools.partial(uvicorn.run, http='h11', loop='asyncio'); "
    "from newsdesk.cli import main; sys.argv[0] = 'newsdesk'; main()"
)


def search_path(q: str, facets: bool = True) -> str:
    return "/api/search?" + urlencode({"q": q, "limit": 10, "facets": "true" if facets else "false"})


def datasette_path(q: str) -> str:
    return "/articles/articles.json?" + urlencode({"_search": q, "_searchmode": "raw", "_size": 10})


ROUTES = {
    "search": search_path,
    "search, no facets": lambda q: search_path(q, facets=False),
    "timeline": lambda q: "/api/timeline?" + urlencode({"q": q, "interval": "week", "normalize": "true"}),
    "top terms": lambda q: "/api/top/terms?" + urlencode({"q": q, "limit": 20}),
    "datasette search": datasette_path,
}


# -- the client: raw HTTP/1.1 keep-alive, so that it costs the servers' two cores little ----------
async def _fetch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = head.lower()
    if b"transfer-encoding: chunked" in headers:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, body
    start = headers.index(b"content-length:") + 15
    length = int(headers[start:headers.index(b"\r\n", start)])
    return status, await reader.readexactly(length)


async def _load(port: int, paths: list[str], concurrency: int, seconds: float, warmup: float) -> dict:
    requests = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode() for p in paths]
    latencies: list[float] = []
    errors = 0
    counter = 0
    measuring = False
    stop_at = time.perf_counter() + warmup + seconds

    async def connection() -> None:
        nonlocal counter, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                request = requests[counter % len(requests)]
                counter += 1
                t = time.perf_counter()
                try:
                    status, _ = await _fetch(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError):  # the server closed it: an error, reconnect
                    writer.close()
                    status = 0
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                if measuring:
                    latencies.append(time.perf_counter() - t)
                    errors += status != 200
        finally:
            writer.close()

    async def clock() -> float:
        nonlocal measuring
        await asyncio.sleep(warmup)
        measuring = True
        return time.perf_counter()

    tasks = [asyncio.ensure_future(connection()) for _ in range(concurrency)]
    began = await clock()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - began
    return {
        "concurrency": concurrency, "requests": len(latencies), "errors": errors,
        "rps": len(latencies) / wall,
        **{f"p{int(p * 100)}_ms": percentile(latencies, p) * 1000 for p in (0.5, 0.95, 0.99)},
    }


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by a server process and its workers (psutil)."""
    import psutil

    total = 0.0
    try:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            try:
                times = p.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def load(port: int, route: str, concurrency: int, seconds: float, warmup: float = 0.3, pid: int | None = None) -> dict:
    """req/s and latency percentiles; with ``pid``, also the server's CPU ms per request.

    CPU per request does not depend on what else the machine runs: it says how many
    requests the server's processes could answer per core-second when given the cores.
    """
    paths = [ROUTES[route](q) for q in QUERIES]
    if pid is not None:
        asyncio.run(_load(port, paths, concurrency, warmup, 0.0))
    before = server_cpu(pid) if pid is not None else 0.0
    out = asyncio.run(_load(port, paths, concurrency, seconds, 0.0 if pid is not None else warmup))
    if pid is not None:
        out["cpu_ms"] = (server_cpu(pid) - before) * 1000 / max(1, out["requests"])
    return out


def fetch_json(port: int, path: str, method: str = "GET", body: bytes = b"", headers: dict | None = None,
               timeout: float = 600) -> tuple[int, object]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, body=body or None, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else None


# -- the servers -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, proc: subprocess.Popen, what: str) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited before answering (exit status {proc.returncode})")
        try:
            if fetch_json(port, path, timeout=2)[0] == 200:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not answer on 127.0.0.1:{port}{path} within 60 s")


def start_newsdesk(data: Path, workers: int | None, src: str | None = None,
                   memo: bool = True) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ)
    env["NEWSDESK_SEARCH_MEMO"] = "1" if memo else "0"
    if src:
        env["PYTHONPATH"] = src
        cmd = [sys.executable, "-c", BEFORE_LAUNCH, "--data", str(data), "serve", "--port", str(port)]
    else:
        env["PYTHONPATH"] = str(ROOT / "src")
        cmd = [sys.executable, "-m", "newsdesk", "--data", str(data), "serve", "--port", str(port)]
        if workers:
            cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    wait_for(port, search_path("x"), proc, "newsdesk serve")
    return proc, port


def build_datasette_db(data: Path, db: Path) -> int:
    """The desk's articles (id, title, body, source, published, url) in SQLite, FTS5 on title + body."""
    import sqlite_utils

    sys.path.insert(0, str(ROOT / "src"))
    import newsdesk

    columns = ("id", "title", "body", "source", "published", "url")
    with newsdesk.open(data) as desk:
        rows = ({c: r.get(c) for c in columns} for r in desk.iter_export("*"))
        table = sqlite_utils.Database(db)["articles"]
        table.insert_all(rows, pk="id", batch_size=2000)
    table.enable_fts(["title", "body"], fts_version="FTS5", tokenize="porter")
    return table.count


def start_datasette(db: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    exe = Path(sys.executable).with_name("datasette")
    cmd = [str(exe) if exe.exists() else "datasette", "serve", "-i", str(db), "--host", "127.0.0.1",
           "--port", str(port), "--setting", "suggest_facets", "off"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port, datasette_path("oil"), proc, "datasette")
    return proc, port


def ensure_desk(data: Path) -> None:
    if (data / "newsdesk.db").exists():
        return
    if not REUTERS.exists():
        raise SystemExit(f"{data} is not a desk and {REUTERS} is missing: make a desk with "
                         f"newsdesk --data {data} ingest FILE")
    print(f"building {data} from Reuters-21578 (newsdesk --data {data} ingest {REUTERS})", flush=True)
    subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", str(REUTERS)], check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


# -- writes under load -----------------------------------------------------------------------------
def ingest_under_load(data: Path, port: int, seconds: float) -> tuple[dict, dict]:
    """Search at concurrency 8 while 5,000 articles go in through the API; then count them."""
    key = subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(data), "keys", "create", "--name",
                          "bench"], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")}).stdout.split()[-1]
    stamp = f"benchstamp{int(time.time())}"
    body = "".join(json.dumps({"title": f"Bench {stamp} {i}", "body": f"Load test article {i} about oil {stamp}."})
                   + "\n" for i in range(5000)).encode()
    result: dict = {}

    def ingest() -> None:
        t = time.perf_counter()
        status, out = fetch_json(port, "/api/ingest", "POST", body,
                                 {"content-type": "application/x-ndjson", "authorization": f"Bearer {key}"})
        result.update(out if isinstance(out, dict) else {}, status=status, wall=time.perf_counter() - t)

    th = threading.Thread(target=ingest)
    th.start()
    row = load(port, "search", 8, seconds)
    th.join()
    _, found = fetch_json(port, search_path(stamp, facets=False))
    result["found"] = found.get("total") if isinstance(found, dict) else None
    return row, result


def default_workers() -> int:
    """What ``newsdesk serve`` starts without ``--workers``."""
    sys.path.insert(0, str(ROOT / "src"))
    from newsdesk.cli.serve import default_workers as serve_default

    return serve_default()


# -- the table -------------------------------------------------------------------------------------
def machine() -> str:
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"


def render(rows: list[dict], notes: list[str]) -> str:
    out = [f"Measured {time.strftime('%Y-%m-%d')} by `python bench/api_load.py` on: {machine()}.", "",
           "| server | route | conc | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/req |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        cpu = f"{r['cpu_ms']:.2f}" if "cpu_ms" in r else "-"
        out.append(f"| {r['server']} | {r['route']} | {r['concurrency']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} "
                   f"| {r['p95_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {cpu} |")
    return "\n".join([*out, "", *(f"- {n}" for n in notes)])


def write_section(table: str) -> None:
    from _common import write_doc_section

    write_doc_section("api_load", table)


def show(row: dict) -> None:
    print(f"{row['server']:<24} {row['route']:<18} {row['concurrency']:>4} {row['rps']:>8.0f} "
          f"{row['p50_ms']:>7.2f} {row['p95_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['errors']:>6} "
          f"{row.get('cpu_ms', float('nan')):>7.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, type=Path, help="a desk (built from Reuters when missing)")
    ap.add_argument("--seconds", type=float, default=3.0, help="measured seconds per configuration")
    ap.add_argument("--workers", type=int, default=None, help="newsdesk serve --workers (default: its own)")
    ap.add_argument("--before", metavar="SRC", help="also measure the server of this src directory, as before")
    ap.add_argument("--before-data", metavar="DIR", type=Path,
                    help="the desk --before serves (one its code can open; default: a copy of --data)")
    ap.add_argument("--no-write", action="store_true", help="skip the ingest-under-load check")
    ap.add_argument("--top-terms", action="store_true",
                    help="also top terms (0.3-1.5 s per uncached query; each worker caches its answers)")
    ap.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    ensure_desk(args.data)
    work = Path(tempfile.mkdtemp(prefix="newsdesk-api-load-"))
    procs: list[subprocess.Popen] = []
    try:
        desk = work / "desk"
        shutil.copytree(args.data, desk, ignore=shutil.ignore_patterns("write.lock"))
        before_desk = desk
        if args.before and args.before_data:  # an older release may not open a newer schema
            before_desk = work / "before-desk"
            shutil.copytree(args.before_data, before_desk, ignore=shutil.ignore_patterns("write.lock"))
        t = time.perf_counter()
        n = build_datasette_db(desk, work / "articles.db")
        print(f"{n:,} articles in {work / 'articles.db'} with FTS5 ({time.perf_counter() - t:.1f} s)", flush=True)
        servers: dict[str, tuple[int, int]] = {}  # name -> (port, pid)
        many = f"{args.workers or default_workers()} workers"
        for name, start in [
            (f"newsdesk ({many})", lambda: start_newsdesk(desk, args.workers)),
            ("newsdesk (1 worker)", lambda: start_newsdesk(desk, 1)),
            (f"newsdesk ({many}, memo off)", lambda: start_newsdesk(desk, args.workers, memo=False)),
            *([("newsdesk before", lambda: start_newsdesk(before_desk, None, args.before))] if args.before else []),
            ("datasette", lambda: start_datasette(work / "articles.db")),
        ]:
            proc, port = start()
            procs.append(proc)
            servers[name] = (port, proc.pid)
        newsdesk_servers = [s for s in servers if s != "datasette"]
        plan = [("search, no facets", 1), ("search", 1), ("search", 8), ("search", 16), ("timeline", 1),
                ("timeline", 16), *([("top terms", 1), ("top terms", 16)] if args.top_terms else [])]
        print(f"{'server':<24} {'route':<18} {'conc':>4} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'errors':>6} {'CPU ms':>7}")
        rows: list[dict] = []
        for k, (route, c) in enumerate(plan):
            names = [*newsdesk_servers, "datasette"] if route == "search" else newsdesk_servers[:1]
            if route == "search, no facets":
                names = newsdesk_servers
            for name in names[k % len(names):] + names[:k % len(names)]:  # nobody always goes first
                port, pid = servers[name]
                theirs = "datasette search" if name == "datasette" else route
                rows.append({"server": name, "route": theirs, **load(port, theirs, c, args.seconds, pid=pid)})
                show(rows[-1])
        notes = ratios(rows, newsdesk_servers)
        if not args.no_write:
            row, result = ingest_under_load(desk, servers[newsdesk_servers[0]][0], args.seconds)
            rows.append({"server": newsdesk_servers[0], "route": "search during ingest", **row})
            show(rows[-1])
            notes.append(f"During the search at concurrency 8 above, `POST /api/ingest` took 5,000 articles: status "
                         f"{result.get('status')}, {result.get('new')} new in {result.get('wall', 0):.1f} s; a search "
                         f"right after found {result.get('found')} of them.")
        notes.append("The eight queries repeat, so after the first round the default servers answer each from their "
                     "search memo (plan, rows, snippets, facets and the default re-ordering's scores kept per store "
                     "version and index snapshot; tantivy still runs every query): what a desk's popular queries cost. The memo-off server "
                     "(`NEWSDESK_SEARCH_MEMO=0`) parses, reads, highlights and aggregates every time: what a query "
                     "never asked before costs.")
        for line in notes:
            print(line)
        if not args.no_docs:
            write_section(render(rows, notes))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


def ratios(rows: list[dict], newsdesk_servers: list[str]) -> list[str]:
    """The ratios the issue asks for, from rows measured seconds apart."""
    def get(server: str, route: str, c: int) -> dict:
        return next(r for r in rows if r["server"] == server and r["route"] == route and r["concurrency"] == c)

    main_server = newsdesk_servers[0]
    notes = []
    for c in (1, 8, 16):
        ours, theirs = get(main_server, "search", c), get("datasette", "datasette search", c)
        notes.append(f"Concurrency {c}: {main_server} with snippets and facets {ours['rps']:,.0f} req/s, Datasette "
                     f"{theirs['rps']:,.0f} req/s: **{ours['rps'] / theirs['rps']:.1f}x**; server CPU per request "
                     f"{ours['cpu_ms']:.2f} vs {theirs['cpu_ms']:.2f} ms: "
                     f"**{theirs['cpu_ms'] / ours['cpu_ms']:.1f}x** fewer CPU ms per answer.")
    for other in newsdesk_servers[1:]:
        a, b = get(main_server, "search", 16), get(other, "search", 16)
        notes.append(f"Concurrency 16: {main_server} / {other}: **{a['rps'] / b['rps']:.2f}x** req/s; p50 at "
                     f"concurrency 1 without / with facets {get(other, 'search, no facets', 1)['p50_ms']:.2f} / "
                     f"{get(other, 'search', 1)['p50_ms']:.2f} ms for {other}.")
    notes.append(f"p50 at concurrency 1, {main_server}: {get(main_server, 'search, no facets', 1)['p50_ms']:.2f} ms "
                 f"without facets, {get(main_server, 'search', 1)['p50_ms']:.2f} ms with facets.")
    for other in newsdesk_servers[1:]:
        if not other.endswith("memo off)"):
            continue
        parts = []
        for c in (8, 16):
            ours, theirs = get(other, "search", c), get("datasette", "datasette search", c)
            parts.append(f"concurrency {c} {ours['rps'] / theirs['rps']:.1f}x req/s, "
                         f"{theirs['cpu_ms'] / ours['cpu_ms']:.1f}x fewer CPU ms per answer")
        notes.append(f"{other} (every query as if new) against Datasette: " + "; ".join(parts) + ".")
    return notes


if __name__ == "__main__":
    main()
