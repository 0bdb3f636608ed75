"""Writes from several server processes: one writer at a time, every reader sees a commit at once.

``newsdesk serve --workers N`` runs N processes accepting on one socket, each with its
own desk (SQLite connection, tantivy searcher). The desk allows one writer (``flock`` on
``write.lock``, non-blocking: a second writer is refused). Over HTTP a refusal would lose
a client's write whenever two ingests reach two workers at once, so API writes first
queue on a lock of their own (``api-write.lock``, blocking: the kernel hands it on in
turn) and only then take the desk's write lock. Whoever else writes (``newsdesk ingest``
or ``enrich`` in another process) is waited for up to ``BUSY_PATIENCE`` seconds; past
that the client gets the 409 that says who is writing, and nothing was written.

Readers: a worker's searcher snapshot would follow another process's commit only when
tantivy's file watcher fires (about half a second later). :class:`Commits` looks at the
index's commit file before each request and reloads the searcher when it changed: one
``stat`` per request, so an ingest answered by one worker is found by a search on any
worker that starts after it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from ..desk import Desk
from ..errors import WriterBusyError

TURN_FILE = "api-write.lock"
BUSY_PATIENCE = 30.0  # seconds an API write waits for a writer outside the server
T = TypeVar("T")


@contextlib.contextmanager
def write_turn(directory: str) -> Iterator[None]:
    """Wait for this desk's earlier API writes, in any worker process, to finish."""
    fd = os.open(os.path.join(directory, TURN_FILE), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocking; released when fd closes (or the process dies)
        yield
    finally:
        os.close(fd)


def one_writer(directory: str, work: Callable[[], T], patience: float = BUSY_PATIENCE) -> T:
    """Run ``work`` (which takes the desk's write lock) in this desk's turn of API writes.

    ``WriterBusyError`` is raised by the desk before anything is written, so trying
    again is safe; after ``patience`` seconds it goes to the client as a 409.
    """
    with write_turn(directory):
        deadline = time.monotonic() + patience
        while True:
            try:
                return work()
            except WriterBusyError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)


class Commits:
    """Reloads a desk's searcher on the first request after any process committed.

    The sign is the index's ``meta.json``: tantivy replaces it (write + rename, so a new
    inode) on every commit, and the store is written before the index. One ``stat`` per
    request, and no use of the desk's SQLite connection, which threads of the worker
    share: a check on the event loop must not wait for a query running in a thread.
    """

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.seen = self._stamp()

    def _stamp(self) -> tuple[str, int, int, int] | None:
        path = self.desk.index.path  # follows a reindex's switch to a new folder
        try:
            st = os.stat(os.path.join(path, "meta.json"))
        except OSError:
            return None
        return (path, st.st_ino, st.st_mtime_ns, st.st_size)

    def check(self) -> None:
        stamp = self._stamp()
        if stamp != self.seen:
            self.seen = stamp
            self.desk.refresh()
