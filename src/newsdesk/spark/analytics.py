"""``newsdesk spark timeline|top QUERYFILE``: many saved queries over the Parquet at once.

Choice: each partition of the articles is loaded into a **RAM tantivy index** built with the
desk's own schema and documents (``index.build_schema``, ``index.to_document``, the entity
fields from the ``mentions`` dataset), and the queries run there with the desk's own parser
and compiler (``query.parse_tree``, ``search.drop_common_words``, ``query.compile_query``) and
counted with the desk's date histogram (``analysis.timeline.daily_counts``). So the query
language, its analyzers (stemming, ascii folding), phrases, wildcards, ``entity:"…"`` and
date ranges mean exactly what they mean in a desk; compiling it to Spark SQL filters would be
a second implementation of all of that, and would drift.

One subtlety keeps the counts equal to a desk's: the desk leaves out words found in more than
half of all articles, a decision that depends on the whole corpus. A first pass therefore
counts, per partition, the documents and the document frequency of each bare query word; the
driver sums them and prunes each query with those global figures (a stand-in searcher with
``num_docs`` and ``doc_freq``); the second pass counts the pruned queries.

Cost: indexing a partition in RAM runs at the desk's indexing speed (~10k articles/s per core
here), paid twice (stats, then counts): fine for hundreds of queries over millions of
articles on a cluster, where the alternative (a desk) would need one machine to hold it all.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from ..analysis.timeline import series_entry
from ..errors import BadParameter
from ..periods import check_interval, period_range, roll_up
from .job import ARTICLE_FIELDS, MENTIONS_SCHEMA, _article_schema, _join

_HEAP = 100_000_000


class _GlobalStats:
    """What ``drop_common_words`` asks of a searcher, answered for the whole corpus."""

    def __init__(self, num_docs: int, df: dict[tuple[str, str], int]) -> None:
        self.num_docs = num_docs
        self._df = df

    def doc_freq(self, field: str, term: str) -> int:
        return self._df.get((field, term), 0)


def read_queries(path: str) -> list[str]:
    """One query per line; blank lines and lines starting with ``#`` are skipped."""
    try:
        with open(path, encoding="utf-8") as fh:
            queries = [ln.strip() for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    except OSError as err:
        raise BadParameter("QUERYFILE", path, f"cannot read it: {err.strerror}") from None
    if not queries:
        raise BadParameter("QUERYFILE", path, "holds no queries (one per line)")
    return queries


def _bare_terms(queries: Sequence[str]) -> list[tuple[str, str]]:
    from .. import query as q

    out: set[tuple[str, str]] = set()

    def walk(node: Any) -> None:
        if isinstance(node, q.Bool):
            for child in (*node.must, *node.should, *node.must_not):
                walk(child)
        elif isinstance(node, q.Term) and node.field == q.DEFAULT_FIELD and not node.wildcard:
            terms = q.analyze(node.field, node.text)
            if len(terms) == 1:
                out.add((node.field, terms[0]))

    for text in queries:
        walk(q.parse_tree(text, "AND"))
    return sorted(out)


def _ram_index(rows: list[Any]) -> tuple[Any, dict[str, str], dict[str, tuple[str, str]]]:
    """A RAM tantivy index of one partition's articles (row: article columns + ``ents``)."""
    from ..index import memory_index, to_document
    from ..store.entities import SALIENT

    idx = memory_index()  # with the per-language tokenizers, as the desk's own index
    writer = idx.writer(_HEAP, 1)
    sources: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    for seq, r in enumerate(rows, 1):
        v = [r[c] for c in ARTICLE_FIELDS]
        store_row = (seq, *v[:9])
        ents = r["ents"] or []
        extras = {
            "entity": [e["norm"] for e in ents],
            "salient": [e["norm"] for e in ents if e["salience"] >= SALIENT],
            "copy_group": [seq],
        }
        writer.add_document(to_document(store_row, extras))
        sources.setdefault(v[3].lower(), v[3])
        for e in ents:
            names.setdefault(e["norm"], (e["name"], e["type"]))
    writer.commit()
    writer.wait_merging_threads()
    idx.reload()
    return idx, sources, names


def _stats_partition(rows: Iterator[Any], terms: list[tuple[str, str]]) -> Iterator[tuple[Any, int]]:
    items = list(rows)
    if not items:
        return
    idx, _s, _n = _ram_index(items)
    searcher = idx.searcher()
    yield ("__docs__", ""), searcher.num_docs
    for fld, term in terms:
        yield (fld, term), searcher.doc_freq(fld, term)


def _compiled(queries: Sequence[str], stats: _GlobalStats, schema: Any) -> list[Any]:
    from .. import query as q
    from ..search.plan import drop_common_words

    return [q.compile_query(drop_common_words(q.parse_tree(text, "AND"), stats), schema) for text in queries]


def _count_partition(
    rows: Iterator[Any], queries: list[str], stats: _GlobalStats, want: str, n: int
) -> Iterator[tuple[Any, Any]]:
    """Timeline: ((query no, day), count), ((query no, 'total'), n); -1 is every article.
    Top: ((query no, kind, key), (count, salient)), names as ((kind, key), display)."""
    import tantivy

    from ..analysis.timeline import daily_counts
    from ..search.match import count_matches

    items = list(rows)
    if not items:
        return
    idx, sources, names = _ram_index(items)
    searcher = idx.searcher()
    compiled = _compiled(queries, stats, idx.schema)
    if want == "timeline":
        for day, c in daily_counts(searcher, tantivy.Query.all_query()).items():
            yield (-1, day.isoformat()), c
        for i, query in enumerate(compiled):
            yield (i, "total"), count_matches(searcher, query)
            for day, c in daily_counts(searcher, query).items():
                yield (i, day.isoformat()), c
        return
    field = "source" if want == "sources" else "entity"
    size = max(len(sources), len(names), 1)
    for i, query in enumerate(compiled):
        aggs = {"k": {"terms": {"field": field, "size": size}}}
        if want == "entities":
            aggs["s"] = {"terms": {"field": "salient", "size": size}}
        agg = searcher.aggregate(query, aggs)
        salient = {b["key"]: int(b["doc_count"]) for b in agg.get("s", {}).get("buckets", [])}
        for b in agg["k"]["buckets"]:
            yield (i, b["key"]), (int(b["doc_count"]), salient.get(b["key"], 0))
    for key, display in (sources if want == "sources" else names).items():
        yield ("name", key), display


def _articles_with_entities(spark: Any, out: str) -> Any:
    """The articles, each with its entities (norm, name, type, salience) when enriched."""
    import os

    from pyspark.sql import functions as F

    arts = spark.read.schema(_article_schema()).parquet(_join(out, "articles"))
    mentions_path = _join(out, "mentions")
    if "://" in out or os.path.isdir(mentions_path):
        m = (
            spark.read.schema(MENTIONS_SCHEMA)
            .parquet(mentions_path)
            .groupBy("id")
            .agg(F.collect_list(F.struct("norm", "name", "type", "salience")).alias("ents"))
        )
        return arts.join(m, "id", "left")
    return arts.withColumn(
        "ents", F.lit(None).cast("array<struct<norm:string,name:string,type:string,salience:double>>")
    )


def _global_stats(rdd: Any, queries: list[str]) -> _GlobalStats:
    terms = _bare_terms(queries)
    got = dict(
        rdd.mapPartitions(lambda rows: _stats_partition(rows, terms))
        .reduceByKey(lambda a, b: a + b)
        .collect()
    )
    n_docs = got.pop(("__docs__", ""), 0)
    return _GlobalStats(n_docs, got)


def timeline(
    spark: Any, out: str, queries: list[str], interval: str = "month", normalize: bool = False
) -> dict[str, Any]:
    """The same JSON as ``newsdesk timeline --json`` (unit: articles), for every query at once."""
    check_interval(interval)
    rdd = _articles_with_entities(spark, out).rdd
    stats = _global_stats(rdd, queries)
    got = (
        rdd.mapPartitions(lambda rows: _count_partition(rows, queries, stats, "timeline", 0))
        .reduceByKey(lambda a, b: a + b)
        .collect()
    )
    daily: dict[int, Counter[date]] = {}
    totals: dict[int, int] = {}
    for (i, key), c in got:
        if key == "total":
            totals[i] = c
        else:
            daily.setdefault(i, Counter())[date.fromisoformat(key)] += c
    all_counts = roll_up(daily.get(-1, Counter()), interval)
    per_query = []
    for i, q in enumerate(queries):
        counts = roll_up(daily.get(i, Counter()), interval)
        total = totals.get(i, 0)
        per_query.append((q, counts, total, total - sum(counts.values())))
    periods = period_range((p for _q, c, _n, _u in per_query for p in c), interval)
    series = []
    for q, counts, total, undated in per_query:
        series.append(series_entry(q, counts, total, undated, periods, all_counts, interval, normalize))
    return {"interval": interval, "normalize": normalize, "unit": "articles", "series": series}


def top(spark: Any, out: str, kind: str, queries: list[str], n: int = 10) -> list[dict[str, Any]]:
    """Per query ``{"query", "top": [...]}`` with rows shaped as ``newsdesk top KIND --json``:
    sources ``{"source", "count"}``, entities ``{"name", "type", "articles", "salient_in"}``."""
    if kind not in ("sources", "entities"):
        raise BadParameter("kind", kind, "choose sources or entities")
    rdd = _articles_with_entities(spark, out).rdd
    stats = _global_stats(rdd, queries)
    got = (
        rdd.mapPartitions(lambda rows: _count_partition(rows, queries, stats, kind, n))
        .reduceByKey(
            lambda a, b: (
                a if not isinstance(a, tuple) or isinstance(a[0], str) else (a[0] + b[0], a[1] + b[1])
            )
        )
        .collect()
    )
    names = {k: v for (i, k), v in got if i == "name"}
    result = []
    for i, q in enumerate(queries):
        rows = [(k, v) for (j, k), v in got if j == i]
        if kind == "sources":
            ranked = sorted(rows, key=lambda kv: (-kv[1][0], kv[0]))[:n]
            result.append(
                {"query": q, "top": [{"source": names.get(k, k), "count": c} for k, (c, _s) in ranked]}
            )
        else:
            named = [(names.get(k, (k, ""))[0], names.get(k, (k, ""))[1], c, s) for k, (c, s) in rows]
            ranked = sorted(named, key=lambda r: (-r[2], r[0]))[:n]
            result.append(
                {
                    "query": q,
                    "top": [{"name": a, "type": t, "articles": c, "salient_in": s} for a, t, c, s in ranked],
                }
            )
    return result


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
