"""Real servers for the hardening tests: `newsdesk serve` with flags, and uvicorn in a thread."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from ..conftest import free_port


@contextlib.contextmanager
def serve_with(data: Path, *flags: str, host: str = "127.0.0.1") -> Iterator[str]:
    """``newsdesk serve`` on a free port with extra flags; yields its base URL."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "newsdesk",
        "--data",
        str(data),
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        *flags,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/static/style.css", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read() if proc.stderr else "serve exited") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def in_thread(app) -> Iterator[int]:
    """Serve ``app`` with uvicorn in a thread of this process (so a test can add a route); yields the port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
