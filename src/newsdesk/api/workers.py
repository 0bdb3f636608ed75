"""`serve --workers N`: N server processes on one port, each with a listening socket of its own.

uvicorn's own ``--workers`` shares one listening socket between its processes, and an
asyncio server accepts every connection waiting in the queue when it wakes: measured
on 16 keep-alive connections opened at once, two workers got 12/4, 16/0 and 9/7, so
one core idled while the other queued. Here each worker listens on its own socket
bound with ``SO_REUSEPORT``, and the kernel spreads connections over the sockets by
their addresses (where the platform lacks it, the workers share one socket).

The supervisor (this process) binds the sockets, starts the workers as fresh processes
(``spawn``: nothing of a parent's SQLite connection or tantivy threads is inherited),
starts a new worker when one dies (on the dead one's socket, whose queue the kernel
kept), stops when a worker could not start at all (a broken desk would fail every
restart the same way), and on SIGINT/SIGTERM stops the workers and waits for them.
"""

from __future__ import annotations

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


def bind_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening sockets on HOST:PORT with SO_REUSEPORT (one if the platform lacks it)."""
    reuse_port = hasattr(socket, "SO_REUSEPORT")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count if reuse_port else 1):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]  # port 0: the others take the port the first one got
            sock.listen(BACKLOG)
            sock.set_inheritable(True)
    except OSError as err:
        for sock in sockets:
            sock.close()
        raise NewsdeskError(f"cannot listen on {host}:{port}: {(err.strerror or str(err)).lower()}") from None
    return sockets


def _worker(sock: socket.socket, options: dict[str, Any]) -> None:
    """One worker process: uvicorn on its socket, the app made from the environment, each
    answer written in one piece (api/transport.py)."""
    import uvicorn

    from .transport import OneWriteProtocol

    server = uvicorn.Server(uvicorn.Config(APP, factory=True, **{"http": OneWriteProtocol, **options}))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def run_workers(host: str, port: int, count: int, options: dict[str, Any]) -> None:
    """Serve with ``count`` worker processes until SIGINT/SIGTERM (see the module docstring)."""
    sockets = bind_sockets(host, port, count)
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers: list[Any] = []

    def start(i: int) -> Any:
        proc = spawn.Process(target=_worker, args=(sockets[i % len(sockets)], options), name=f"newsdesk-worker-{i}")
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
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise NewsdeskError("the server's workers could not start: see the lines above")
