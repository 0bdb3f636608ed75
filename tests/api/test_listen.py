"""`serve`'s listening sockets (api/workers.py ``bind_listeners``): bound once, by one function,
for one worker or many; ``localhost`` is both loopbacks; a busy port is one line.

Real sockets on loopback and a real `newsdesk serve`.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newsdesk.api.workers import bind_listeners
from newsdesk.errors import NewsdeskError


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


IPV6 = has_ipv6_loopback()
needs_ipv6 = pytest.mark.skipif(not IPV6, reason="this machine has no IPv6 loopback")


@contextlib.contextmanager
def listening(host: str, port: int = 0, count: int = 1) -> Iterator[list[list[socket.socket]]]:
    groups = bind_listeners(host, port, count)
    try:
        yield groups
    finally:
        for sock in (s for g in groups for s in g):
            sock.close()


def can_bind(address: tuple, family: int = socket.AF_INET) -> bool:
    with socket.socket(family) as s:
        try:
            s.bind(address)
            return True
        except OSError:
            return False


def test_localhost_is_both_loopbacks_on_one_port():
    with listening("localhost") as groups:
        (group,) = groups
        names = {s.getsockname()[0] for s in group}
        ports = {s.getsockname()[1] for s in group}
    assert names == ({"127.0.0.1", "::1"} if IPV6 else {"127.0.0.1"})
    assert len(ports) == 1 and ports != {0}


def test_a_literal_address_is_itself():
    with listening("127.0.0.1") as groups:
        assert [[s.getsockname()[0] for s in g] for g in groups] == [["127.0.0.1"]]


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="no SO_REUSEPORT: the workers share one socket")
def test_workers_get_a_socket_each_per_address_on_one_port():
    with listening("localhost", 0, 3) as groups:
        assert len(groups) == 3
        socks = [s for g in groups for s in g]
        assert len({s.fileno() for s in socks}) == len(socks) == 3 * (2 if IPV6 else 1)
        assert len({s.getsockname()[1] for s in socks}) == 1


@pytest.mark.parametrize("count", [1, 2])
def test_a_busy_port_is_one_line(count):
    with listening("127.0.0.1") as held:
        port = held[0][0].getsockname()[1]
        with pytest.raises(NewsdeskError) as err:
            bind_listeners("127.0.0.1", port, count)
    assert str(err.value) == f"cannot listen on 127.0.0.1:{port}: address already in use"


def test_a_second_set_of_workers_does_not_join_a_port_in_use():
    """SO_REUSEPORT would let a second `serve --workers 2` of the same user share the port."""
    with listening("127.0.0.1", 0, 2) as held:
        port = held[0][0].getsockname()[1]
        with pytest.raises(NewsdeskError, match="address already in use"):
            bind_listeners("127.0.0.1", port, 2)


@needs_ipv6
def test_localhost_busy_on_one_loopback_leaves_nothing_bound():
    with socket.socket(socket.AF_INET6) as busy:
        busy.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        busy.bind(("::1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        if not can_bind(("127.0.0.1", port)):
            pytest.skip("that port is taken on 127.0.0.1 too")
        with pytest.raises(NewsdeskError, match=f"cannot listen on localhost:{port}: address already in use"):
            bind_listeners("localhost", port)
        assert can_bind(("127.0.0.1", port))  # the IPv4 socket bound first was closed again


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_on_port_0_says_its_port_and_answers_there_on_each_loopback(tmp_path: Path, workers):
    """The socket serve binds (and names) is the one uvicorn serves on: none bound a second time."""
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(tmp_path / "d"), "serve",
                             "--host", "localhost", "--port", "0", "--workers", workers],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert line.startswith("newsdesk serving ") and " on http://localhost:" in line, line
        port = int(line.split("http://localhost:", 1)[1].split("/", 1)[0])
        assert port != 0
        for base in [f"http://127.0.0.1:{port}", *([f"http://[::1]:{port}"] if IPV6 else [])]:
            r = None
            for _ in range(300):
                try:
                    r = httpx.get(base + "/api/search?q=x&facets=false", headers={"Host": f"localhost:{port}"},
                                  timeout=5)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.stderr.read()
                    time.sleep(0.1)
            assert r is not None and r.status_code == 200, (base, r)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
