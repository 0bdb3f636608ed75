"""Enrichment: entities and quotes for every article not yet enriched, on all cores.

``run(desk)`` is resumable and exactly-once: each batch's mentions, quotes,
checkpoint rows (``enriched``) and index touch are one SQLite transaction, so
a SIGKILL loses at most the batch in flight and a re-run never doubles a row.
Articles stay searchable throughout; the index picks up their entity fields
(``entity``, ``salient``) as it catches up, every ``INDEX_EVERY`` articles and
at the end. spaCy is imported only here (and in worker processes), never by
``newsdesk.enrich.hooks``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from . import schema

if TYPE_CHECKING:
    from ..desk import Desk

BATCH = 64  # articles per worker task and per transaction
INDEX_EVERY = 5000  # articles between index catch-ups during a long run

__all__ = ["run", "pending"]


def pending(desk: Desk) -> list[int]:
    """Seqs of the stored articles that have not been enriched yet, in order."""
    schema.ensure(desk.store.db)
    return [
        s
        for (s,) in desk.store.db.execute(
            "SELECT a.seq FROM articles a LEFT JOIN enriched e ON e.seq = a.seq "
            "WHERE e.seq IS NULL ORDER BY a.seq"
        )
    ]


def _batches(seqs: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(seqs), size):
        yield seqs[i : i + size]


def run(
    desk: Desk,
    progress: Callable[[int], Any] | None = None,
    workers: int | None = None,
    batch_size: int = BATCH,
    redo: bool = False,
) -> int:
    """Enrich every article not yet enriched; returns how many were enriched now.

    ``redo`` first forgets all enrichment (after the rules or the model change),
    in one transaction, so every article is enriched again.
    """
    from . import ner

    ner.load_nlp()  # fails fast (MissingExtraError); forked workers inherit the loaded model
    with desk.writing():
        if redo and schema.exists(desk.store.db):  # no tables yet: nothing to forget
            with desk.store.transaction() as db:
                desk.store.touch(schema.reset(db))
        todo = pending(desk)  # makes the tables on a first run
        if not todo:
            return 0
        workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        workers = min(workers, max(1, len(todo) // batch_size))
        done = 0
        since_index = 0
        for results in _results(desk, todo, workers, batch_size):
            with desk.store.transaction() as db:
                schema.write_results(db, results)
                desk.store.touch([r["seq"] for r in results])
            done += len(results)
            since_index += len(results)
            if progress:
                progress(len(results))
            if since_index >= INDEX_EVERY:
                desk.index.catch_up(desk.store)
                since_index = 0
        desk.index.catch_up(desk.store)
        return done


def _results(desk: Desk, todo: list[int], workers: int, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    """Analysed batches, in order: in this process, or from a pool of ``workers``.

    ``run`` has loaded the model already (``ner.load_nlp`` caches it).
    """
    from . import ner

    if workers <= 1:
        for seqs in _batches(todo, batch_size):
            yield ner.analyse(ner.fetch(desk.store.db, seqs))
        return
    ctx = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    with ctx.Pool(workers, initializer=ner.init_worker, initargs=(desk.store.path, os.getpid())) as pool:
        yield from pool.imap(ner.work, _batches(todo, batch_size), chunksize=1)
