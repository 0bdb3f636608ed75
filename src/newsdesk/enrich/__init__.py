"""Enrichment: run each stage (entities, copies, stories…) over the articles it has not done.

Every stage follows the protocol of :mod:`newsdesk.enrich.stage` and has its own
checkpoint, so ``run_stage`` is resumable and exactly-once per stage: each
batch's results, checkpoint rows and index touch are one SQLite transaction, so
a SIGKILL loses at most the batch in flight and a re-run never doubles a row.
Articles stay searchable throughout; the index picks up the stage's fields as
it catches up (every ``INDEX_EVERY`` articles and at the end, through the
``catch_up`` callback the caller passes). Heavy stages compute in a pool of
worker processes that get article rows and return plain results; the parent
alone writes. spaCy is imported only by the entities stage, when it computes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import BadParameter
from ..model import StoredRow
from ..store import stages as checkpoints
from .entities import EntitiesStage
from .stage import Stage, StageInfo

if TYPE_CHECKING:
    from ..store import Store

BATCH = 64  # articles per worker task and per transaction (parallel stages: spaCy)
SERIAL_BATCH = 1000  # articles per transaction for the cheap in-process stages (copies, stories)
INDEX_EVERY = 5000  # articles between index catch-ups during a long run

__all__ = ["BATCH", "Stage", "StageInfo", "all_stages", "get_stage", "pending", "run_on_rows", "run_stage"]


def all_stages() -> list[Stage]:
    """Every stage this newsdesk knows, in the order they run (a stage after those it needs)."""
    found: list[Stage] = [EntitiesStage()]
    for module, cls in (("copies", "CopiesStage"), ("stories", "StoriesStage")):
        try:
            mod = __import__(f"{__name__}.{module}", fromlist=[cls])
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("newsdesk"):
                continue  # not built (yet): the stage simply does not exist
            raise
        found.append(getattr(mod, cls)())
    return found


def get_stage(name: str) -> Stage:
    """The stage called ``name``; BadParameter naming the known ones otherwise."""
    for stage in all_stages():
        if stage.info.name == name:
            return stage
    known = ", ".join(s.info.name for s in all_stages())
    raise BadParameter("stage", name, f"no such enrichment stage (known: {known})")


def pending(store: Store, stage: Stage) -> list[int]:
    """Seqs of the stored articles the stage has not done at its current version, in order."""
    return checkpoints.pending(store, stage.info.name, stage.info.version)


def _batches(seqs: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(seqs), size):
        yield seqs[i : i + size]


def run_stage(
    store: Store,
    stage: Stage,
    progress: Callable[[int], Any] | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    redo: bool = False,
    catch_up: Callable[[], Any] | None = None,
) -> int:
    """Run one stage over every article it has not done; returns how many it did now.

    The caller holds the desk's write lock. ``redo`` first forgets everything the
    stage wrote (after its rules change), in one transaction, so every article is
    done again; other stages are untouched.
    """
    reason = stage.available()  # may raise MissingExtraError (spaCy not installed)
    if reason is not None:
        raise BadParameter("stage", stage.info.name, reason)
    name, version = stage.info.name, stage.info.version
    if checkpoints.other_versions(store, name, version):
        redo = True  # the stage's rules changed since it last ran: its old results go, all is redone
    if redo:
        with store.transaction():
            stage.reset(store)
            checkpoints.forget(store, name)
    todo = checkpoints.pending(store, name, version)
    if not todo:
        return 0
    if batch_size is None:
        batch_size = BATCH if stage.info.parallel else SERIAL_BATCH
    done = since_index = 0
    for rows, computed in _computed(store, stage, todo, workers, batch_size):
        with store.transaction():
            changed = stage.write(store, rows, computed)
            checkpoints.mark_done(store, name, version, [r.seq for r in rows])
            if changed:
                store.touch(changed)
        done += len(rows)
        since_index += len(rows)
        if progress:
            progress(len(rows))
        if catch_up is not None and since_index >= INDEX_EVERY:
            catch_up()
            since_index = 0
    if catch_up is not None:
        catch_up()
    return done


def run_on_rows(store: Store, stage: Stage, rows: Sequence[StoredRow]) -> None:
    """Run one stage on articles just stored and not indexed yet (ingest calls this per batch).

    Its results are written with its checkpoint in one transaction before the articles
    reach the index, so their documents carry the stage's fields from the start and
    are not indexed twice; only older articles whose fields changed are re-stamped.
    """
    if not rows:
        return
    computed = stage.compute(rows)
    new = {r.seq for r in rows}
    with store.transaction():
        changed = stage.write(store, rows, computed)
        checkpoints.mark_done(store, stage.info.name, stage.info.version, sorted(new))
        older = [s for s in changed if s not in new]
        if older:
            store.touch(older)


def _rows(store: Store, seqs: list[int]) -> list[StoredRow]:
    by_seq = store.rows_by_seq(seqs)
    return [by_seq[s] for s in seqs if s in by_seq]


def _computed(
    store: Store, stage: Stage, todo: list[int], workers: int | None, batch_size: int
) -> Iterator[tuple[list[StoredRow], Any]]:
    """(rows, computed) per batch, in order: in this process, or from a pool of workers."""
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    workers = min(workers, max(1, len(todo) // batch_size))
    batches = (_rows(store, seqs) for seqs in _batches(todo, batch_size))
    if workers <= 1 or not stage.info.parallel:
        for rows in batches:
            yield rows, stage.compute(rows)
        return
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(stage.info.name, os.getpid())) as pool:
        pending_rows: list[list[StoredRow]] = []

        def feed() -> Iterator[list[StoredRow]]:
            for rows in batches:
                pending_rows.append(rows)
                yield rows

        for computed in pool.imap(_compute_in_worker, ((stage.info.name, rows) for rows in feed()), chunksize=1):
            yield pending_rows.pop(0), computed


_worker_stage: Stage | None = None


def _init_worker(name: str, parent: int) -> None:
    """Pool initializer: make the stage ready (load its model once), and die with the parent."""
    global _worker_stage
    _worker_stage = get_stage(name)
    _worker_stage.available()

    def watch() -> None:  # a SIGKILLed parent cannot stop its pool: leave on our own
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()


def _compute_in_worker(task: tuple[str, Sequence[StoredRow]]) -> Any:
    name, rows = task
    stage = _worker_stage if _worker_stage is not None and _worker_stage.info.name == name else get_stage(name)
    return stage.compute(rows)
