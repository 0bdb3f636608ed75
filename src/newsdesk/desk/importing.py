"""The Desk's Spark doors: ``import_parquet`` (``newsdesk import DIR``) and the job runners.

``newsdesk spark run`` writes Parquet (see :mod:`newsdesk.spark.job`); importing it makes the
desk what ``newsdesk ingest`` + ``enrich`` would have made of the same files:

1. **articles** go through :meth:`Desk.ingest_records` as prepared rows, in the order the job
   read them (file number, then ordinal), so ids settle, seqs are given and the index is built
   exactly as an ingest does — one transaction per batch of 1000, the store skipping ids it
   holds. Re-importing adds nothing; a SIGKILL loses at most the batch in flight and the
   re-run stores the rest. The copies stage runs on each batch as at ingest (``dedup``), so
   copy groups and the band table are the desk's own: Spark's copy groups are keyed by
   article id and its band table is not kept, and a desk that goes on ingesting needs its
   ``copy_bands`` for the days it holds; recomputing sketches at import costs ~10% of an
   import and keeps one owner for those tables (the Spark ``copies`` dataset is for
   corpus-scale analysis, and the tests check both agree).
2. **entities and quotes**: each article's stage result (the ``enrich`` dataset, the exact
   dict ``ner.analyse`` returns) is written with :func:`newsdesk.store.entities.write_results`
   and checkpointed with :func:`newsdesk.store.stages.mark_done` in one transaction per batch,
   only for articles the entities stage has not done: a re-run writes nothing twice. The
   articles are then re-stamped so the index picks up their entity fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import NewsdeskError
from ..store import COLUMNS

IMPORT_BATCH = 500  # articles per entities transaction
ARTICLE_FIELDS = COLUMNS[1:-1]  # store.article_values order: every column but seq and version


def _pyarrow() -> Any:
    try:
        import pyarrow.dataset as ds
    except ImportError:
        raise NewsdeskError("newsdesk import needs pyarrow: pip install 'newsdesk[spark]'") from None
    return ds


def _dataset(root: str, name: str) -> Any | None:
    ds = _pyarrow()
    path = os.path.join(root, name)
    if not os.path.isdir(path):
        return None
    return ds.dataset(path, format="parquet", partitioning="hive")


def read_manifest(root: str) -> dict[str, Any]:
    path = os.path.join(root, "manifest.json")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise NewsdeskError(
            f"{root}: no manifest.json here; give the --out DIR of `newsdesk spark run`"
        ) from None
    except (OSError, ValueError) as err:
        raise NewsdeskError(f"{path}: cannot read the manifest: {err}") from None


def _article_rows(root: str) -> Iterator[tuple]:
    """store.article_values rows in the order the job read them."""
    data = _dataset(root, "articles")
    if data is None:
        raise NewsdeskError(f"{root}/articles: missing; was this written by `newsdesk spark run`?")
    if not data.files:
        return
    table = data.to_table(columns=[*ARTICLE_FIELDS, "file_no", "pos"]).sort_by(
        [("file_no", "ascending"), ("pos", "ascending")]
    )
    for batch in table.to_batches(max_chunksize=5000):
        cols = [batch.column(c).to_pylist() for c in ARTICLE_FIELDS]
        yield from zip(*cols, strict=True)


def _results(root: str) -> dict[str, str]:
    data = _dataset(root, "enrich")
    if data is None:
        return {}
    if not data.files:
        return {}
    table = data.to_table(columns=["id", "result"])
    return dict(zip(table.column("id").to_pylist(), table.column("result").to_pylist(), strict=True))


class Importing:
    """Mixed into :class:`newsdesk.desk.Desk`: load a Spark job's Parquet into this desk."""

    def import_parquet(self, root: str, progress: Callable[[int], Any] | None = None) -> dict[str, Any]:
        """Load ``root`` (a ``newsdesk spark run --out`` directory); returns what it did:
        ``new`` / ``present`` articles, ``entities_written``, ``entities_left`` (articles whose
        results the Parquet lacks: run ``newsdesk enrich`` for them)."""
        from ..store import entities as store_entities
        from ..store import stages as checkpoints

        manifest = read_manifest(root)
        desk: Any = self
        summary = desk.ingest_records(_article_rows(root), progress, dedup=True)
        out: dict[str, Any] = {
            "new": summary.new,
            "present": summary.present,
            "rejected": summary.rejected,
            "entities_written": 0,
            "entities_left": 0,
        }
        if not manifest.get("enrich"):
            return out
        from ..enrich.entities import EntitiesStage

        version = EntitiesStage.info.version
        results = _results(root)
        store = desk.store
        with desk.writing():
            todo = checkpoints.pending(store, store_entities.STAGE, version)
            ids = store.ids_by_seq(todo)
            for i in range(0, len(todo), IMPORT_BATCH):
                part = todo[i : i + IMPORT_BATCH]
                batch = []
                for seq in part:
                    text = results.get(ids.get(seq, ""))
                    if text is None:
                        out["entities_left"] += 1
                        continue
                    res = json.loads(text)
                    res["seq"] = seq
                    batch.append(res)
                if not batch:
                    continue
                with store.transaction():
                    store_entities.write_results(store, batch)
                    seqs = [r["seq"] for r in batch]
                    checkpoints.mark_done(store, store_entities.STAGE, version, seqs)
                    store.touch(seqs)
                out["entities_written"] += len(batch)
            desk.index.catch_up(store)
        return out


def spark_available() -> str | None:
    from .. import spark

    return spark.available()


def spark_run(inputs: list[str], out: str, **kwargs: Any) -> dict[str, Any]:
    """``newsdesk spark run``: the job in :mod:`newsdesk.spark.job` (pyspark imported now)."""
    from .. import spark

    reason = spark.available()
    if reason:
        raise NewsdeskError(reason)
    return spark.run(inputs, out, **kwargs)


def spark_analytics(kind: str, queryfile: str, src: str, master: str | None = None, **kwargs: Any) -> Any:
    """``newsdesk spark timeline|top``: many queries over a run's Parquet."""
    from .. import spark
    from ..spark import analytics

    reason = spark.available()
    if reason:
        raise NewsdeskError(reason)
    queries = analytics.read_queries(queryfile)
    session = spark.session(master)
    if kind == "timeline":
        return analytics.timeline(session, src, queries, **kwargs)
    return analytics.top(session, src, kind, queries, **kwargs)
