"""Read and normalise in a second process while this one stores and indexes.

Parsing JSON/HTML/feeds and cleaning text is about half of an ingest's CPU
time; SQLite and tantivy take the rest in the main process. For big inputs
a child process (``spawn``, so no forked tantivy threads) reads the inputs
and sends batches of finished Articles (or Rejects) through a bounded queue,
so both cores work and memory stays bounded. The child ignores Ctrl-C (the
parent stops it) and exits by itself if the parent dies (``kill -9``): the
kernel kills it (``PR_SET_PDEATHSIG`` on Linux) and, wherever it is blocked, a
watchdog thread that sees it orphaned ends it. Blocking is the danger: the
child holds both ends of the queue's pipe, so once the parent is gone a write
into a full pipe never fails, it waits forever (a kill at the end of a read
left the child stuck joining its queue's feeder thread).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator

from ..errors import NewsdeskError
from ..model import Article, Record, Reject
from ..normalize import to_article
from ..store import article_values
from . import ReadOptions, read_inputs

BATCH = 500
PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this the second process costs more than it saves


def worth_it(inputs: list[str], options: ReadOptions) -> bool:
    """Use a reader process only for big local inputs on a machine with spare cores."""
    if (os.cpu_count() or 1) < 2 or options.fetch is not None or os.environ.get("NEWSDESK_NO_PIPELINE"):
        return False
    total = 0
    for item in inputs:
        if item.startswith(("http://", "https://")):
            return False
        if os.path.isfile(item):
            total += _size(item)
        elif os.path.isdir(item):
            for dirpath, _dirs, files in os.walk(item):
                total += sum(_size(os.path.join(dirpath, f)) for f in files)
                if total >= PARALLEL_MIN_BYTES:
                    return True
    return total >= PARALLEL_MIN_BYTES


def _size(path: str) -> int:
    """Size of a file; 0 for what cannot be stat'ed (a dangling link: the reader rejects it)."""
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


ORPHAN_CHECK_SECONDS = 0.5


def _die_with(parent: int) -> None:
    """End this process as soon as ``parent`` is gone, wherever the main thread is blocked."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us with the parent

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(ORPHAN_CHECK_SECONDS)

    threading.Thread(target=watch, name="newsdesk-orphan-watch", daemon=True).start()


def _produce(inputs: list[str], options: ReadOptions, now: str, out, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _die_with(parent)  # also covers a parent killed before we got here (getppid is init's)

    def put(item) -> None:
        while True:
            try:
                out.put(item, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:  # orphaned: the parent was killed
                    os._exit(0)

    try:
        batch: list[tuple | Reject] = []
        for item in read_inputs(inputs, options):
            if isinstance(item, Record):
                item = to_article(item, now)
            # rows go ready-made (JSON encoded here, on the reader's core); Rejects as they are
            batch.append(article_values(item) if isinstance(item, Article) else item)
            if len(batch) >= BATCH:
                put(batch)
                batch = []
        put(batch)
        put(None)
    except Exception as err:  # reported by the parent as one line
        put(("error", f"{type(err).__name__}: {err}"))


def read_in_background(inputs: list[str], options: ReadOptions, now: str) -> Iterator[tuple | Reject]:
    """Store rows (``store.article_values``) and Rejects from ``inputs``, made in a child process."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue(maxsize=16)
    child = ctx.Process(target=_produce, args=(inputs, options, now, out, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            try:
                batch = out.get(timeout=5.0)
            except queue.Empty:
                if not child.is_alive():
                    raise NewsdeskError(f"the reader process died (exit code {child.exitcode})") from None
                continue
            if batch is None:
                return
            if isinstance(batch, tuple):
                raise NewsdeskError(f"reading failed: {batch[1]}")
            yield from batch
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
