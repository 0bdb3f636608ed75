"""`serve`'s listening sockets, and `serve --workers N`: N server processes on one port, each
with a listening socket of its own.

uvicorn's own ``--workers`` shares one listening socket between its processes, and an
asyncio server accepts every connection waiting in the queue when it wakes: measured
on 16 keep-alive connections opened at once, two workers got 12/4, 16/0 and 9/7, so
one core idled while the other queued. Here each worker listens on its own socket
bound with ``SO_REUSEPORT``, and the kernel spreads connections over the sockets by
their addresses (where the platform lacks it, the workers share one socket).

:func:`bind_listeners` binds the listening sockets of every ``serve``, one worker or
many: once, before the desk opens, so a busy port is one line and nothing else is
said or made. The supervisor (this process) starts the workers as fresh processes
(``spawn``: nothing of a parent's SQLite connection or tantivy threads is inherited),
starts a new worker when one dies (on the dead one's socket, whose queue the kernel
kept), stops when a worker could not start at all (a broken desk would fail every
restart the same way), and on SIGINT/SIGTERM stops the workers and waits for them.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from typing import Any

from ..errors import NewsdeskError

log = logging.getLogger("newsdesk.api")
STARTUP_FAILURE = 3  # a worker's exit status when its app or desk did not start
APP = "newsdesk.api.app:app_from_environment"
BACKLOG = 2048


LOOPBACK = ((socket.AF_INET, ("127.0.0.1", 0)), (socket.AF_INET6, ("::1", 0, 0, 0)))  # `localhost` (RFC 6761)
UNAVAILABLE = {errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}  # e.g. ::1 on a machine without IPv6


def listen_addresses(host: str) -> list[tuple[int, tuple[Any, ...]]]:
    """(family, socket address with port 0) of each address a server on HOST listens on.

    ``localhost`` is both loopbacks, whatever ``/etc/hosts`` says (it often lists only
    127.0.0.1, while browsers try ::1 too); another name, every address it resolves to
    (a literal address: itself). Raises ``socket.gaierror`` for a name that resolves to none.
    """
    if host.lower() == "localhost":
        return list(LOOPBACK)
    found: list[tuple[int, tuple[Any, ...]]] = []
    for family, _kind, _proto, _name, addr in socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM,
                                                                  flags=socket.AI_PASSIVE):
        if family in (socket.AF_INET, socket.AF_INET6) and (family, addr) not in found:
            found.append((family, tuple(addr)))
    return found


def bind_listeners(host: str, port: int, count: int = 1) -> list[list[socket.socket]]:
    """The listening sockets of a server on HOST:PORT, bound once here and handed to uvicorn.

    ``count`` lists (one per worker) of one socket per address of HOST, bound with
    SO_REUSEPORT when ``count`` > 1 so the kernel spreads connections over the workers;
    one list, shared, where the platform lacks SO_REUSEPORT. Port 0: every socket takes
    the port the first one got. An address the machine lacks (::1 without IPv6) is left
    out while another binds. Any other failure is one line, with nothing left bound.

    SO_REUSEPORT lets any process of the same user bind the port too, so with several
    sockets one plain bind first checks that no other server holds it; a single socket
    is bound without SO_REUSEPORT and is that check itself.
    """
    try:
        addresses = listen_addresses(host)
    except (socket.gaierror, UnicodeError) as err:
        raise NewsdeskError(f"cannot listen on {host}:{port}: unknown host ({err})") from None
    for _attempt in range(PORT_ZERO_TRIES if port == 0 and len(addresses) > 1 else 1):
        try:
            return _bind_all(host, addresses, port, count)
        except _TakenElsewhere:  # port 0: the port 127.0.0.1 got is held on ::1 by another server
            continue
    raise NewsdeskError(f"cannot listen on {host}:{port}: no free port on every address after {PORT_ZERO_TRIES} tries")


PORT_ZERO_TRIES = 5  # port 0 on several addresses: fresh ports to try when one is taken on another address


class _TakenElsewhere(Exception):
    """The port the first address got (port 0) is in use on another address."""


def _bind_all(host: str, addresses: list[tuple[int, tuple[Any, ...]]], port: int, count: int
              ) -> list[list[socket.socket]]:
    """:func:`bind_listeners` for one port (0: the kernel's choice for the first address)."""
    asked = port
    shared = count > 1 and hasattr(socket, "SO_REUSEPORT")
    both = len(addresses) > 1  # IPv6 sockets then take IPv6 only, so '::' and '0.0.0.0' do not collide
    bound: list[list[socket.socket]] = []
    try:
        if shared and port:
            for sock in _bind_each(addresses, port, reuse_port=False, v6_only=both):
                sock.close()
        for _ in range(count if shared else 1):
            bound.append(_bind_each(addresses, port, reuse_port=shared, v6_only=both))
            port = bound[0][0].getsockname()[1]
            addresses = [(s.family, s.getsockname()) for s in bound[0]]  # without those left out
    except OSError as err:
        close_listeners(bound)
        if asked == 0 and err.errno == errno.EADDRINUSE:
            raise _TakenElsewhere from None
        raise NewsdeskError(f"cannot listen on {host}:{port}: {(err.strerror or str(err)).lower()}") from None
    return bound


def close_listeners(groups: list[list[socket.socket]]) -> None:
    """Close every socket :func:`bind_listeners` gave (each worker's list)."""
    for group in groups:
        for sock in group:
            sock.close()


def _bind_each(addresses: list[tuple[int, tuple[Any, ...]]], port: int, reuse_port: bool, v6_only: bool
               ) -> list[socket.socket]:
    """One listening socket per address (see :func:`bind_listeners`); raises the first failure."""
    sockets: list[socket.socket] = []
    first: OSError | None = None
    try:
        for family, address in addresses:  # (host, port) or (host, port, flowinfo, scope_id)
            sock = None
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and asyncio do
                if reuse_port:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                if family == socket.AF_INET6 and v6_only:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((address[0], port, *address[2:]))
                port = port or sock.getsockname()[1]
                sock.listen(BACKLOG)
                sock.set_inheritable(True)
                sockets.append(sock)
            except OSError as err:
                if sock is not None:
                    sock.close()
                if err.errno not in UNAVAILABLE:
                    raise
                first = first or err
        if not sockets:
            raise first or OSError("no address to listen on")
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def serve_on(listeners: list[socket.socket], app: Any, **options: Any) -> bool:
    """uvicorn on sockets already bound, each answer written in one piece (api/transport.py),
    until SIGINT/SIGTERM; False when the app did not start."""
    import uvicorn

    from .transport import OneWriteProtocol

    server = uvicorn.Server(uvicorn.Config(app, **{"http": OneWriteProtocol, **options}))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: uvicorn has shut down; as uvicorn.run does
        server.run(sockets=listeners)
    return server.started


def _worker(listeners: list[socket.socket], options: dict[str, Any]) -> None:
    """One worker process: the app made from the environment, served on its sockets."""
    if not serve_on(listeners, APP, factory=True, **options):
        sys.exit(STARTUP_FAILURE)


def run_workers(listeners: list[list[socket.socket]], count: int, options: dict[str, Any]) -> None:
    """Serve with ``count`` worker processes on ``bind_listeners(host, port, count)`` until
    SIGINT/SIGTERM (see the module docstring); the sockets are closed when it returns."""
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers: list[Any] = []

    def start(i: int) -> Any:
        proc = spawn.Process(target=_worker, args=(listeners[i % len(listeners)], options),
                             name=f"newsdesk-worker-{i}")
        proc.start()
        return proc

    failed = False
    try:
        workers = [start(i) for i in range(count)]
        while not stop.wait(0.5):
            for i, proc in enumerate(workers):
                if proc.is_alive() or stop.is_set():  # (a Ctrl-C reaches the workers too)
                    continue
                if proc.exitcode == STARTUP_FAILURE:
                    log.error("a worker could not start (exit status %s); stopping", proc.exitcode)
                    failed = True
                    stop.set()
                    break
                log.warning("worker %s (pid %s) ended with exit status %s; starting another",
                            i, proc.pid, proc.exitcode)
                workers[i] = start(i)
    finally:
        for proc in workers:
            if proc.is_alive():
                proc.terminate()  # SIGTERM: uvicorn finishes the requests in flight, then exits
        deadline = time.monotonic() + 30
        for proc in workers:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join()
        close_listeners(listeners)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise NewsdeskError("the server's workers could not start: see the lines above")
