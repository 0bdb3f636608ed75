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
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

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


#: run in the reader process on each batch of store rows; its dict is merged into the
#: ``prepared`` dict of :func:`read_in_background` before the batch is yielded there.
#: Must pickle by name (a module-level function): the ingest stages' own work on the text.
Prepare = Callable[[list[tuple]], dict[Any, Any]]


PREPARE_WHEN_QUEUED = 2  # batches waiting for the parent: it is the slower side, so help it


def _parent_is_behind(out: Any) -> bool:
    """Whether the parent has batches waiting: then this process does the stages' text work
    (``prepare``) too; when the parent waits for us instead, the parent does it (it falls back
    to computing whatever was not prepared), so the slower side always gets the help.
    ``NEWSDESK_READER_PREPARE=always|never`` overrides the choice (measuring, tests)."""
    forced = os.environ.get("NEWSDESK_READER_PREPARE", "")
    if forced in ("always", "never"):
        return forced == "always"
    try:
        return out.qsize() >= PREPARE_WHEN_QUEUED
    except NotImplementedError:  # macOS: no sem_getvalue; prepare always
        return True


#: this process's garbage collector thresholds (CPython's default is (700, 10, 10))
GC_THRESHOLDS = (50_000, 20, 100)


def _collect_rarely() -> None:
    """Collect cycles rarely in this process: its objects are records and rows that reference
    counting frees (few cycles, and what it holds is bounded by the queue), yet with the
    default thresholds the collector ran ~200 times over Reuters, re-walking every young
    record, 0.43 s of its 7.9 s. The imported modules are frozen out of the walks too.
    Measured: 0.43 -> 0.02 s in collections."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


_rarely_lock = threading.Lock()
_rarely_users = 0
_saved_thresholds: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def collecting_rarely() -> Iterator[None]:
    """The storing process's side of :func:`_collect_rarely`, for as long as a background read
    lasts: what is alive when it starts (modules, the desk) is frozen out of the collector's
    walks and the thresholds are raised; both are put back when the last such read ends.
    Over Reuters the storing process's collector ran 1,300 times (11 of them full walks of
    everything alive), 1.8-2.8 s of its ~11 s CPU; 0.03 s so. Batches are bounded, so memory
    stays flat: the little cyclic garbage is still collected, only less often."""
    global _rarely_users, _saved_thresholds
    with _rarely_lock:
        if _rarely_users == 0:
            _saved_thresholds = gc.get_threshold()
            _collect_rarely()
        _rarely_users += 1
    try:
        yield
    finally:
        with _rarely_lock:
            _rarely_users -= 1
            if _rarely_users == 0:
                gc.set_threshold(*_saved_thresholds)
                gc.unfreeze()


def _produce(
    inputs: list[str], options: ReadOptions, now: str, out, parent: int, prepare: Prepare | None = None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _die_with(parent)  # also covers a parent killed before we got here (getppid is init's)
    _collect_rarely()

    def put(item) -> None:
        while True:
            try:
                out.put(item, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:  # orphaned: the parent was killed
                    os._exit(0)

    def send(batch: list[tuple | Reject]) -> None:
        extra = None
        if prepare is not None and _parent_is_behind(out):
            extra = prepare([r for r in batch if isinstance(r, tuple)])
        put((batch, extra))

    try:
        batch: list[tuple | Reject] = []
        for item in read_inputs(inputs, options):
            if isinstance(item, Record):
                item = to_article(item, now)
            # rows go ready-made (JSON encoded here, on the reader's core); Rejects as they are
            batch.append(article_values(item) if isinstance(item, Article) else item)
            if len(batch) >= BATCH:
                send(batch)
                batch = []
        send(batch)
        put(None)
    except Exception as err:  # reported by the parent as one line
        put(("error", f"{type(err).__name__}: {err}"))


def read_in_background(
    inputs: list[str], options: ReadOptions, now: str,
    prepare: Prepare | None = None, prepared: dict[Any, Any] | None = None,
) -> Iterator[tuple | Reject]:
    """Store rows (``store.article_values``) and Rejects from ``inputs``, made in a child process.

    ``prepare`` (see :data:`Prepare`) runs there on each batch; what it returns is merged into
    ``prepared`` before the batch's rows are yielded, for the consumer to pop as it uses it.
    While it is read this process collects garbage rarely (:func:`collecting_rarely`)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue(maxsize=16)
    child = ctx.Process(target=_produce, args=(inputs, options, now, out, os.getpid(), prepare), daemon=True)
    child.start()
    try:
        with collecting_rarely():
            while True:
                try:
                    batch = out.get(timeout=5.0)
                except queue.Empty:
                    if not child.is_alive():
                        raise NewsdeskError(f"the reader process died (exit code {child.exitcode})") from None
                    continue
                if batch is None:
                    return
                if batch[0] == "error":
                    raise NewsdeskError(f"reading failed: {batch[1]}")
                rows, extra = batch
                if extra and prepared is not None:
                    prepared.update(extra)
                yield from rows
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
