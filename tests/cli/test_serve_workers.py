"""`newsdesk serve --workers 2` on 127.0.0.1: every worker sees a commit at once, no write is lost.

Real server processes, real SQLite and tantivy. Which worker answers a connection is up
to the kernel, so the tests open connections until both workers hold some (told apart
by the worker process that owns the server end of each connection) and then ask each.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ..conftest import free_port, run_cli

psutil = pytest.importorskip("psutil")

WORKERS = 2


def articles(tag: str, n: int) -> bytes:
    return "".join(json.dumps({"title": f"{tag} number {i}", "body": f"Report {i} of the {tag} series.",
                               "source": "Bench Wire", "published": "2024-05-01"}) + "\n"
                   for i in range(n)).encode()


@contextlib.contextmanager
def served(data: Path, workers: int = WORKERS) -> Iterator[tuple[int, subprocess.Popen]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(data), "serve", "--port", str(port),
                             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while len(worker_pids(proc)) < workers or not answers(port):
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read() if proc.stderr else "serve exited")
            assert time.monotonic() < deadline, "the workers did not start within 60 s"
            time.sleep(0.2)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def worker_pids(proc: subprocess.Popen) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker)."""
    pids = []
    try:
        for child in psutil.Process(proc.pid).children():
            with contextlib.suppress(psutil.Error):
                if child.is_running() and "spawn_main" in " ".join(child.cmdline()):
                    pids.append(child.pid)
    except psutil.NoSuchProcess:
        pass
    return pids


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/api/search?q=x&facets=false")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def get(conn: http.client.HTTPConnection, path: str) -> dict:
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, body
    return json.loads(body)


def total(conn: http.client.HTTPConnection, q: str) -> int:
    return get(conn, "/api/search?" + urlencode({"q": q, "facets": "false", "limit": 0}))["total"]


def one_connection_per_worker(port: int, proc: subprocess.Popen) -> dict[int, http.client.HTTPConnection]:
    """Keep-alive connections, one served by each worker (opened in bursts until each has one)."""
    pids = set(worker_pids(proc))
    mine: dict[int, http.client.HTTPConnection] = {}
    spare: list[http.client.HTTPConnection] = []
    for _ in range(20):
        burst = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(8)]
        threads = [threading.Thread(target=get, args=(c, "/api/search?q=x&facets=false")) for c in burst]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        owner: dict[int, int] = {}  # client port -> worker pid
        for pid in pids:
            for sc in psutil.Process(pid).net_connections(kind="tcp"):
                if sc.raddr and sc.laddr.port == port:
                    owner[sc.raddr.port] = pid
        for c in burst:
            pid = owner.get(c.sock.getsockname()[1])
            if pid is not None and pid not in mine:
                mine[pid] = c
            else:
                spare.append(c)
        if len(mine) == len(pids):
            break
    for c in spare:
        c.close()
    assert set(mine) == pids, f"could not reach every worker: {sorted(mine)} of {sorted(pids)}"
    return mine


@pytest.fixture
def keyed_desk(tmp_path) -> tuple[Path, str]:
    data = tmp_path / "data"
    (tmp_path / "seed.jsonl").write_bytes(articles("seedling", 3))
    run_cli("ingest", str(tmp_path / "seed.jsonl"), data=data, check=True)
    key = run_cli("keys", "create", "--name", "test", data=data, check=True).stdout.split()[-1]
    return data, key


def post_ingest(port: int, key: str, body: bytes) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/ingest", body=body,
                 headers={"content-type": "application/x-ndjson", "authorization": f"Bearer {key}"})
    resp = conn.getresponse()
    out = json.loads(resp.read())
    conn.close()
    return resp.status, out


def test_every_worker_finds_an_ingest_the_moment_it_is_answered(keyed_desk):
    data, key = keyed_desk
    with served(data) as (port, proc):
        conns = one_connection_per_worker(port, proc)
        for conn in conns.values():
            assert total(conn, "walrus") == 0  # each worker has a searcher snapshot from before
        for round_ in range(3):
            tag = f"walrus{round_}"
            status, out = post_ingest(port, key, articles(tag, 5))
            assert (status, out["new"]) == (200, 5)
            for pid, conn in conns.items():  # at once: no sleep, on whichever worker
                assert total(conn, tag) == 5, f"worker {pid} did not see round {round_}"
        for conn in conns.values():
            conn.close()


def test_concurrent_ingests_on_several_workers_all_land_once(keyed_desk):
    data, key = keyed_desk
    batches, per_batch = 6, 40
    with served(data) as (port, _proc):
        results: list[tuple[int, dict]] = []

        def send(i: int) -> None:
            results.append(post_ingest(port, key, articles(f"batch{i}", per_batch)))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(batches)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(s for s, _ in results) == [200] * batches, results  # none refused as busy
        assert sum(out["new"] for _, out in results) == batches * per_batch
        status, again = post_ingest(port, key, articles("batch0", per_batch))  # the same articles again
        assert (status, again["new"], again["present"]) == (200, 0, per_batch)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(batches):
            assert total(conn, f"batch{i}") == per_batch
        assert total(conn, "series") == batches * per_batch + 3
        conn.close()
    with subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(data), "stats", "--json"],
                          stdout=subprocess.PIPE, text=True) as p:
        stats = json.loads(p.communicate(timeout=120)[0])
    assert stats["articles"] == batches * per_batch + 3  # stored exactly once each


def test_a_worker_that_dies_is_replaced_and_the_server_keeps_answering(keyed_desk):
    data, _key = keyed_desk
    with served(data) as (port, proc):
        victim = worker_pids(proc)[0]
        psutil.Process(victim).kill()
        deadline = time.monotonic() + 60
        while victim in worker_pids(proc) or len(worker_pids(proc)) < WORKERS:
            assert time.monotonic() < deadline, "the dead worker was not replaced within 60 s"
            time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        assert total(conn, "seedling") == 3
        conn.close()
