"""``newsdesk spark run``: read, normalise, enrich and find copies on Spark; write Parquet.

The job is a few narrow steps over RDDs of plain tuples, each calling the embedded code:

1. **read** (:mod:`newsdesk.spark.io`): one task per input file, the embedded readers and
   ``to_article``; records keep (file number, ordinal) so the order — and therefore which of
   two articles with one id is kept, and the seqs an import gives — is ``newsdesk ingest``'s.
2. **one row per id**: repeats of an id (the same article twice in the input) are dropped,
   the first kept, as the store does; they are counted in the manifest as ``present``.
3. **enrich** (``--enrich``): the articles are re-spread over ``spark.default.parallelism``
   partitions (one big JSONL must not mean one busy core) and each partition runs
   :func:`newsdesk.enrich.ner.analyse` in batches; spaCy loads once per Python worker
   (``ner.load_nlp`` keeps it, and Spark reuses workers).
4. **copies** (``--dedup``): each article's sketch comes from
   :func:`newsdesk.enrich.copies.sketches`; its band keys are exploded to (time bucket, key)
   rows as the copies stage stores and looks them up (``bucket``/``buckets_near``), grouped
   by key, candidate pairs verified with ``is_copy`` and ``near_in_time`` on the shingle
   sets, and the verified edges (few: only real copies) are joined into groups on the driver
   with union-find. Group key and original follow the stage's rules (smallest order = smallest
   seq; earliest published, then source, then id).
5. **write** Parquet partitioned by ``month``: ``articles``, ``enrich`` (the stage's result per
   article, exactly what ``store.entities.write_results`` takes), ``mentions``, ``quotes``,
   ``entities``, ``copies``, ``rejects``; and ``manifest.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..readers import ReadOptions
from ..store import COLUMNS
from . import io

MENTIONS_SCHEMA = (
    "id string, month string, norm string, name string, type string, count long, salience double, "
    "in_title boolean, in_lead boolean"
)
ENRICH_BATCH = 64  # articles per nlp.pipe call inside a partition (the desk's stage batch)
ARTICLE_FIELDS = COLUMNS[1:-1]  # store.article_values order: every column but seq and version


def session(master: str | None = None, app: str = "newsdesk") -> Any:
    """A SparkSession that works on a laptop out of the box (loopback, no UI, this Python).

    Under ``spark-submit`` the master and resources come from the submit line; a ``master``
    given here only applies when no session exists yet."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app)
    if master:
        builder = builder.master(master)
        if master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = builder.config("spark.driver.host", "127.0.0.1").config(
                "spark.driver.bindAddress", "127.0.0.1"
            )
    builder = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionOverwriteMode", "static")
        .config("spark.python.worker.reuse", "true")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# -- per-partition functions (run in the executors) ----------------------------------
def _read_local(task: tuple[int, str], options: ReadOptions, now: str) -> Iterator[tuple]:
    file_no, path = task
    yield from io.read_path(file_no, path, options, now)


def _enrich_partition(rows: Iterator[tuple]) -> Iterator[tuple[str, str, str]]:
    """(id, month, result JSON) per article: the entity stage's compute, batch by batch."""
    from ..enrich import ner

    batch: list[tuple] = []

    def flush() -> Iterator[tuple[str, str, str]]:
        results = ner.analyse([(i, r[4], r[5], r[8]) for i, r in enumerate(batch)])  # r[8]: lang
        for r, res in zip(batch, results, strict=True):
            res["seq"] = None  # given by the desk at import
            yield r[0], io.month_of(r[6]), json.dumps(res, ensure_ascii=False)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= ENRICH_BATCH:
            yield from flush()
    if batch:
        yield from flush()


def _sketch_partition(rows: Iterator[tuple[tuple[int, int], tuple]]) -> Iterator[tuple]:
    """(order, shingles, day, keys) per article, from the copies stage's own functions."""
    from ..enrich import copies

    items = list(rows)
    for start in range(0, len(items), 512):
        part = items[start : start + 512]
        sks = copies.sketches([(0, v[4], v[5], v[6]) for _o, v in part])
        for (order, _v), sk in zip(part, sks, strict=True):
            if sk.keys:
                yield order, sorted(sk.shingles), sk.day, sk.keys


def _band_rows(item: tuple) -> Iterator[tuple[tuple[int, int], tuple[tuple[int, int], bool]]]:
    """((bucket, key), (order, stored?)): stored where the stage stores it, asked where it asks."""
    from ..enrich import copies

    order, _sh, day, keys = item
    home = copies.bucket(day, copies.WINDOW_DAYS)
    for b in copies.buckets_near(day, copies.WINDOW_DAYS):
        for k in keys:
            yield (b, k), (order, b == home)


def _pairs(group: tuple[Any, Any]) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    members = list(group[1])
    stored = sorted({o for o, home in members if home})
    asked = sorted({o for o, _home in members})
    for a in asked:
        for s in stored:
            if a < s:
                yield a, s
            elif s < a:
                yield s, a


def _verify(item: tuple[Any, Any]) -> bool:
    from ..enrich import copies

    _pair, ((sh_a, day_a), (sh_b, day_b)) = item
    return copies.near_in_time(day_a, day_b, copies.WINDOW_DAYS) and copies.is_copy(set(sh_a), set(sh_b))


# -- the job ----------------------------------------------------------------------
def _settle(items: Any) -> list[tuple]:
    """(order, row) of the items that share one base id, with their final ids: the same rule as
    ``Desk.ingest_records`` (``normalize.resolve_ids``), so distinct feed entries never merge."""
    from ..normalize import resolve_ids

    ordered = sorted(items, key=lambda it: it[0])
    rows, _known, _repeats = resolve_ids([v for _o, v in ordered], lambda ids: {})
    out, j = [], 0
    for order, v in ordered:
        if j < len(rows) and rows[j][1:] == v[1:]:
            out.append((order, rows[j]))
            j += 1
    return out


def run(
    inputs: Sequence[str],
    out: str,
    enrich: bool = False,
    dedup: bool = False,
    master: str | None = None,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    partitions: int | None = None,
    spark: Any = None,
) -> dict[str, Any]:
    """Run the job and return the manifest (also written to ``out/manifest.json``)."""
    started = time.monotonic()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    spark = spark or session(master)
    startup = time.monotonic() - started
    sc = spark.sparkContext
    options = io.options_from(fmt, mapping)
    paths, missing = io.local_inputs(inputs)
    tasks = list(enumerate(paths))
    local = [t for t in tasks if not io.is_hadoop(t[1])]
    remote = [t for t in tasks if io.is_hadoop(t[1])]
    parts = partitions or max(sc.defaultParallelism * 2, 2)

    rdds = []
    if local:
        rdds.append(sc.parallelize(local, len(local)).flatMap(lambda t: _read_local(t, options, now)))
    for file_no, url in remote:  # binaryFiles expands a glob: each match keeps this url's number
        rdds.append(
            sc.binaryFiles(url)
            .zipWithIndex()
            .flatMap(lambda kv, n=file_no: io.read_hadoop_file(n, kv[0][0], kv[0][1], options, now))
        )
    raw = sc.union(rdds) if len(rdds) > 1 else (rdds[0] if rdds else sc.parallelize([]))
    raw = raw.persist()

    # one row per article: items sharing a base id are settled as ingest settles them (the first
    # met keeps it, a distinct item sharing the link gets a qualified id, a repeat is dropped)
    arts = (
        raw.filter(lambda r: r[0] == io.ARTICLE)
        .map(lambda r: (r[3][0], ((r[1], r[2]), r[3])))
        .groupByKey()
        .flatMap(lambda kv: _settle(kv[1]))
    ).persist()
    read_counts = dict(raw.map(lambda r: (r[0], 1)).countByKey())
    n_articles = arts.count()

    from pyspark.sql import Row

    def article_row(item: tuple) -> Any:
        (file_no, pos), v = item
        return Row(
            **dict(zip(ARTICLE_FIELDS, v, strict=True)), file_no=file_no, pos=pos, month=io.month_of(v[6])
        )

    os.makedirs(out, exist_ok=True) if "://" not in out else None
    writer_opts = {"compression": "zstd"}
    art_df = spark.createDataFrame(arts.map(article_row), schema=_article_schema())
    art_df.write.mode("overwrite").options(**writer_opts).partitionBy("month").parquet(_join(out, "articles"))

    rej = raw.filter(lambda r: r[0] == io.REJECT).map(
        lambda r: Row(file=r[3][0], file_no=r[1], pos=r[2], where=r[3][1], reason=r[3][2])
    )
    rejects = rej.collect() + [
        Row(file=m.provenance, file_no=-1, pos=0, where=m.provenance, reason=m.reason) for m in missing
    ]
    spark.createDataFrame(rejects, schema=_reject_schema()).coalesce(1).write.mode("overwrite").parquet(
        _join(out, "rejects")
    )
    notes = [r[3][1] for r in raw.filter(lambda r: r[0] == io.NOTE).collect()]

    counts: dict[str, Any] = {
        "records": read_counts.get(io.ARTICLE, 0) + read_counts.get(io.REJECT, 0),
        "articles": n_articles,
        "present": read_counts.get(io.ARTICLE, 0) - n_articles,
        "rejected": len(rejects),
    }
    timings: dict[str, float] = {"startup_s": round(startup, 2)}
    t0 = time.monotonic()
    if enrich:
        counts.update(_enrich(spark, arts, parts, out, writer_opts))
        timings["enrich_s"] = round(time.monotonic() - t0, 2)
    t0 = time.monotonic()
    if dedup:
        counts.update(_copies(spark, arts, parts, out, writer_opts))
        timings["copies_s"] = round(time.monotonic() - t0, 2)
    timings["total_s"] = round(time.monotonic() - started, 2)
    manifest = _manifest(inputs, paths, counts, rejects, notes, enrich, dedup, sc, now, timings)
    _write_text(spark, _join(out, "manifest.json"), json.dumps(manifest, indent=2, ensure_ascii=False))
    raw.unpersist()
    arts.unpersist()
    return manifest


def _enrich(spark: Any, arts: Any, parts: int, out: str, opts: dict[str, str]) -> dict[str, int]:
    from pyspark.sql import Row
    from pyspark.sql import functions as F

    res = arts.map(lambda item: item[1]).repartition(parts).mapPartitions(_enrich_partition).persist()
    enrich_df = spark.createDataFrame(
        res.map(lambda t: Row(id=t[0], month=t[1], result=t[2])), "id string, month string, result string"
    )
    enrich_df.write.mode("overwrite").options(**opts).partitionBy("month").parquet(_join(out, "enrich"))

    def mentions(t: tuple) -> Iterator[Any]:
        r = json.loads(t[2])
        for e in r["entities"]:
            yield Row(
                id=t[0],
                month=t[1],
                norm=e["norm"],
                name=e["name"],
                type=e["type"],
                count=e["count"],
                salience=float(e["salience"]),
                in_title=bool(e["in_title"]),
                in_lead=bool(e["in_lead"]),
            )

    def quotes(t: tuple) -> Iterator[Any]:
        r = json.loads(t[2])
        for q in r["quotes"]:
            yield Row(
                id=t[0],
                month=t[1],
                text=q["text"],
                speaker=q["speaker"] or "",
                speaker_type=q["speaker_type"] or "",
                cue=q["cue"] or "",
                kind=q.get("kind", "full"),
                start=q["start"],
                end=q["end"],
            )

    m_df = spark.createDataFrame(res.flatMap(mentions), MENTIONS_SCHEMA)
    m_df.write.mode("overwrite").options(**opts).partitionBy("month").parquet(_join(out, "mentions"))
    q_schema = (
        "id string, month string, text string, speaker string, speaker_type string, cue string, "
        "kind string, start long, end long"
    )
    q_df = spark.createDataFrame(res.flatMap(quotes), q_schema)
    q_df.write.mode("overwrite").options(**opts).partitionBy("month").parquet(_join(out, "quotes"))
    ents = m_df.groupBy("norm").agg(
        F.first("name").alias("name"), F.mode("type").alias("type"), F.countDistinct("id").alias("articles")
    )
    ents.coalesce(max(1, parts // 2)).write.mode("overwrite").options(**opts).parquet(_join(out, "entities"))
    n_q = q_df.count()
    n_e = ents.count()
    n_done = res.count()
    res.unpersist()
    return {"enriched": n_done, "entities": n_e, "quotes": n_q}


def _copies(spark: Any, arts: Any, parts: int, out: str, opts: dict[str, str]) -> dict[str, int]:
    from ..enrich.copies import SCHEME, _UnionFind

    sk = arts.repartition(parts).mapPartitions(_sketch_partition).persist()
    pairs = sk.flatMap(_band_rows).groupByKey().flatMap(_pairs).distinct()
    sh = sk.map(lambda s: (s[0], (s[1], s[2])))
    edges = (
        pairs.join(sh)
        .map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
        .join(sh)
        .map(lambda kv: ((kv[1][0][0], kv[0]), (kv[1][0][1], kv[1][1])))
        .filter(_verify)
        .keys()
        .collect()
    )  # verified pairs only: the copies themselves, small enough for the driver
    uf = _UnionFind()
    for a, b in edges:
        uf.union(tuple(a), tuple(b))  # type: ignore[arg-type]
    comps: dict[Any, set] = {}
    for node in list(uf.parent):
        comps.setdefault(uf.find(node), set()).add(node)
    members = {o for c in comps.values() for o in c}
    info = dict(
        arts.filter(lambda item: item[0] in members)
        .map(lambda item: (item[0], (item[1][6] or "9999", item[1][3] or "", item[1][0])))
        .collect()
    )
    from pyspark.sql import Row

    rows = []
    for comp in comps.values():
        grp = min(comp)
        original = min(comp, key=lambda m: (info[m], m))
        for m in comp:
            rows.append(
                Row(
                    id=info[m][2],
                    group=info[grp][2],
                    copy_of=None if m == original else info[original][2],
                    file_no=m[0],
                    pos=m[1],
                    month=io.month_of(info[m][0] if info[m][0] != "9999" else ""),
                )
            )
    schema = "id string, group string, copy_of string, file_no long, pos long, month string"
    spark.createDataFrame(rows, schema).write.mode("overwrite").options(**opts).partitionBy("month").parquet(
        _join(out, "copies")
    )
    sk.unpersist()
    return {"copy_groups": len(comps), "in_copy_groups": len(members), "copies_scheme": SCHEME}  # type: ignore[dict-item]


# -- output helpers ---------------------------------------------------------------
def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def _article_schema() -> str:
    cols = ", ".join(f"{c} string" for c in ARTICLE_FIELDS)
    return f"{cols}, file_no long, pos long, month string"


def _reject_schema() -> str:
    return "file string, file_no long, pos long, where string, reason string"


def _write_text(spark: Any, path: str, text: str) -> None:
    """A small text file at a local path or through Hadoop (s3a://… on a cluster)."""
    if "://" not in path or path.startswith("file://"):
        local = path[len("file://") :] if path.startswith("file://") else path
        with open(local, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        return
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(hpath, True)
    stream.write(bytearray((text + "\n").encode("utf-8")))
    stream.close()


def _manifest(
    inputs: Sequence[str],
    paths: list[str],
    counts: dict[str, Any],
    rejects: list[Any],
    notes: list[str],
    enrich: bool,
    dedup: bool,
    sc: Any,
    now: str,
    timings: dict[str, float],
) -> dict[str, Any]:
    from ..enrich.entities import EntitiesStage

    versions: dict[str, Any] = {
        "newsdesk": __version__,
        "spark": sc.version,
        "python": sys.version.split()[0],
        "entities_stage": EntitiesStage.info.version,
    }
    if enrich:
        from ..enrich import ner

        versions["ner_model"] = ner.MODEL
        try:
            import spacy

            versions["spacy"] = spacy.__version__
        except ImportError:
            pass
    by_file: dict[str, int] = {}
    for r in rejects:
        by_file[r.file] = by_file.get(r.file, 0) + 1
    return {
        "format": "newsdesk-spark-1",
        "created": now,
        "master": sc.master,
        "inputs": list(inputs),
        "files": paths,
        "enrich": enrich,
        "dedup": dedup,
        "counts": counts,
        "rejects_by_file": by_file,
        "notes": notes[:100],
        "versions": versions,
        "timings": timings,
    }
