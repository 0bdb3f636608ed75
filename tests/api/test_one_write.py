"""api/transport.py: a response's writes within one event-loop turn leave in one write, and
nothing is lost or reordered: whole answers, streamed exports, answers before a close."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import httpx
import pytest

import newsdesk
from newsdesk.api.transport import GatheringTransport
from newsdesk.model import Record

from ..conftest import free_port


class Recording(asyncio.Transport):
    """The end of the line: what a real transport was asked to do, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def close(self) -> None:
        self.calls.append(("close", b""))
        self.closing = True

    def abort(self) -> None:
        self.calls.append(("abort", b""))
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0


def test_writes_of_one_turn_leave_together_and_a_close_flushes_first():
    async def scenario() -> list[tuple[str, bytes]]:
        real = Recording()
        t = GatheringTransport(real, asyncio.get_running_loop())
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        t.write(memoryview(b"body"))
        assert real.calls == [] and t.get_write_buffer_size() == 23
        await asyncio.sleep(0)  # the turn ends: one write
        t.write(b"second")
        t.close()  # before the turn ends: written, then closed
        await asyncio.sleep(0)
        return real.calls

    assert asyncio.run(scenario()) == [("write", b"HTTP/1.1 200 OK\r\n\r\nbody"), ("write", b"second"),
                                       ("close", b"")]


def test_abort_drops_what_waits():
    async def scenario() -> list[tuple[str, bytes]]:
        real = Recording()
        t = GatheringTransport(real, asyncio.get_running_loop())
        t.write(b"never")
        t.abort()
        await asyncio.sleep(0)
        return real.calls

    assert asyncio.run(scenario()) == [("abort", b"")]


@pytest.fixture
def server(tmp_path):
    """A real `newsdesk serve --workers 2` (its workers speak through OneWriteProtocol)."""
    data = tmp_path / "d"
    with newsdesk.open(data) as d:
        d.ingest_records([Record(title=f"Oil report {i}", body=f"Crude oil output, item {i}. " * 20,
                                 published="2020-01-02", source="Wire", external_id=f"o{i}") for i in range(300)])
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(data), "serve", "--port", str(port),
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/search?q=x", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, port
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_real_server_answers_whole(server):
    base, port = server
    with httpx.Client(base_url=base) as client:  # keep-alive: many answers on one connection
        for _ in range(20):
            got = client.get("/api/search", params={"q": "oil", "limit": 5})
            assert got.status_code == 200 and got.json()["total"] == 300
        lines = client.get("/api/export.csv", params={"q": "oil"}).text.splitlines()
        assert len(lines) == 301  # header + every match, streamed
    with socket.create_connection(("127.0.0.1", port)) as raw:  # an answer, then the server closes
        raw.sendall(b"GET /api/search?q=oil&limit=3 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, body = received.split(b"\r\n\r\n", 1)
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[1])
    assert len(body) == length and body.endswith(b"}")
