"""Analysis over a query's matches: attention over time, top sources/terms/entities, export.

Everything here is computed by tantivy where it can be: timelines and top
sources are aggregations over fast fields (``published``, ``source``), so they
cost milliseconds however many articles match. Top terms read a bounded sample
of matching articles from the store. Export streams every match in pages, so
its memory does not grow with the number of matches.
"""

from __future__ import annotations

import csv
import json
import math
import random
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import IO, TYPE_CHECKING, Any

import tantivy

from . import search
from .errors import NewsdeskError, NotEnrichedError
from .highlight import Highlighter
from .search import build_query, filter_clauses

if TYPE_CHECKING:
    from .desk import Desk
    from .model import Article

INTERVALS = ("day", "week", "month")
EXPORT_FIELDS = ("id", "published", "source", "title", "url", "snippet")
EXPORT_PAGE = 5000  # matches fetched from the index at a time
HYDRATE_BATCH = 500  # rows read from the store at a time
TERMS_SAMPLE = 2000  # matching articles read for top terms
MAX_PERIODS = 20_000  # a daily timeline over ~55 years; more is a mistake

# words that carry no topic, plus newswire boilerplate
_STOP_TEXT = """a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could did didn do does doesn doing don
    down during each few for from further had hadn has hasn have haven having he her here hers
    herself him himself his how i if in into is isn it its itself just let ll me more most
    mustn my myself no nor not now of off on once only or other ought our ours ourselves out
    over own re s same shan she should shouldn so some such t than that the their theirs them
    themselves then there these they this those through to too under until up ve very was
    wasn we were weren what when where which while who whom why will with won would wouldn
    you your yours yourself yourselves said says say told one two three four five six seven
    eight nine ten new would could may might must shall us mr mrs ms also year years last
    first next week month today yesterday reuter reuters ap afp inc ltd co corp pct mln bln
    dlrs cts vs am pm jan feb mar apr may jun jul aug sep sept oct nov dec january february
    march april june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday"""
STOPWORDS = frozenset(_STOP_TEXT.split())
BOILERPLATE_SHARE = 0.2  # a term in more than this share of all articles is boilerplate


def count_matches(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    """How many documents match (tantivy panics on a search with limit 0, so ask for 1)."""
    return searcher.search(query, 1, count=True).count or 0


# -- timelines ---------------------------------------------------------------
def _period_start(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_period(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def period_label(start: date, interval: str) -> str:
    """A period's name: "1987-03" for a month, its first day ("1987-03-02") for a day or week."""
    return start.strftime("%Y-%m") if interval == "month" else start.isoformat()


def roll_up(days: Iterable[date] | Counter[date], interval: str) -> Counter[date]:
    """Counts per period (keyed by the period's first day) of days or of per-day counts."""
    daily = days if isinstance(days, Counter) else Counter(days)
    out: Counter[date] = Counter()
    for day, n in daily.items():
        out[_period_start(day, interval)] += n
    return out


def period_range(starts: Iterable[date], interval: str) -> list[date]:
    """Every period from the first to the last of ``starts``, without gaps, so a quiet
    spell shows as zero instead of being skipped; NewsdeskError past ``MAX_PERIODS``."""
    starts = list(starts)
    periods: list[date] = []
    if not starts:
        return periods
    cur, last = min(starts), max(starts)
    while cur <= last:
        periods.append(cur)
        if len(periods) > MAX_PERIODS:
            raise NewsdeskError(
                f"a {interval}ly timeline would have over {MAX_PERIODS} periods: "
                "use a longer interval or --since/--until"
            )
        cur = _next_period(cur, interval)
    return periods


def _daily_counts(searcher: tantivy.Searcher, query: tantivy.Query) -> Counter[date]:
    """Matches per UTC day, from a date histogram on the ``published`` fast field."""
    agg = searcher.aggregate(
        query, {"d": {"date_histogram": {"field": "published", "fixed_interval": "1d", "min_doc_count": 1}}}
    )
    counts: Counter[date] = Counter()
    for bucket in agg["d"]["buckets"]:
        day = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=bucket["key"])).date()
        counts[day] += int(bucket["doc_count"])
    return counts


def timeline(
    desk: Desk,
    queries: list[str] | str,
    interval: str = "month",
    normalize: bool = False,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    source: str | list[str] | None = None,
) -> dict[str, Any]:
    """Matching articles per period for each query, with their share of all coverage.

    ``share`` is the query's count divided by every article published in the same
    period under the same date and source filters (Media Cloud's normalised
    attention), so a busy news month does not look like more interest.
    Periods run without gaps from the first to the last with any match; undated
    articles cannot be placed and are counted in ``undated``. ``value`` is the
    share when ``normalize`` is set, else the count, so charts plot one field.
    """
    if interval not in INTERVALS:
        raise NewsdeskError(f"interval {interval!r}: choose one of {', '.join(INTERVALS)}")
    if isinstance(queries, str):
        queries = [queries]
    if not queries:
        raise NewsdeskError("give at least one query")
    searcher = desk.index.searcher()
    filters = filter_clauses(desk.index.schema, since, until, source)
    all_q = (
        tantivy.Query.boolean_query([(tantivy.Occur.Must, tantivy.Query.all_query())]
                                    + [(tantivy.Occur.Must, f) for f in filters])
        if filters
        else tantivy.Query.all_query()
    )
    totals = roll_up(_daily_counts(searcher, all_q), interval)
    per_query = []
    for q in queries:
        tq = build_query(desk, q, since, until, source)
        counts = roll_up(_daily_counts(searcher, tq), interval)
        total = count_matches(searcher, tq)
        per_query.append((q, tq, counts, total))
    periods = period_range((p for _q, _t, c, _n in per_query for p in c), interval)
    series = []
    for q, _tq, counts, total in per_query:
        buckets = []
        for p in periods:
            count = counts.get(p, 0)
            all_n = totals.get(p, 0)
            share = round(count / all_n, 6) if all_n else 0.0
            buckets.append({
                "period": period_label(p, interval),
                "count": count,
                "all": all_n,
                "share": share,
                "value": share if normalize else count,
            })
        series.append({
            "query": q,
            "total": total,
            "undated": total - sum(counts.values()),
            "buckets": buckets,
        })
    return {"interval": interval, "normalize": normalize, "series": series}


# -- top sources and entities -------------------------------------------------
def top_sources(
    desk: Desk, q: str, n: int = 10, since: Any = None, until: Any = None, source: Any = None
) -> list[dict[str, Any]]:
    """The sources with most matches (a terms aggregation on the ``source`` fast field)."""
    tq = build_query(desk, q, since, until, source)
    agg = desk.index.searcher().aggregate(tq, {"s": {"terms": {"field": "source", "size": max(1, n)}}})
    names = _source_names(desk)
    return [
        {"source": names.get(b["key"], b["key"]), "count": int(b["doc_count"])}
        for b in agg["s"]["buckets"][:n]
    ]


def _source_names(desk: Desk) -> dict[str, str]:
    """Index keys (lower-cased) back to the spelling the store keeps."""
    rows = desk.store.db.execute("SELECT DISTINCT source FROM articles")
    return {s.lower(): s for (s,) in rows}


def top_entities(desk: Desk, q: str | None, n: int = 10) -> list[dict[str, Any]]:
    """The most mentioned entities among the matches (all articles for None or "*").

    [] until ``newsdesk enrich`` has run; a query that does not parse still raises.
    """
    try:
        return list(desk.entities(top=n, query=q))
    except NotEnrichedError:
        return []


# -- top terms ------------------------------------------------------------------
def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    """The index's ``en_stem`` chain (with or without the stemmer), so tokens line up 1:1."""
    b = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
    b = b.filter(tantivy.Filter.lowercase())
    if stem:
        b = b.filter(tantivy.Filter.stemmer("english"))
    return b.build()


def matching_seqs(desk: Desk, tq: tantivy.Query, page: int = EXPORT_PAGE, newest_first: bool = True,
                  searcher: tantivy.Searcher | None = None) -> Iterator[list[int]]:
    """Store seqs of every match, a page at a time, in date order (undated last).

    One searcher (one index snapshot) serves every page, so an ingest running
    meanwhile neither duplicates nor drops rows.
    """
    searcher = searcher or desk.index.searcher()
    order = tantivy.Order.Desc if newest_first else tantivy.Order.Asc
    offset = 0
    while True:
        res = searcher.search(tq, page, count=False, offset=offset, order_by_field="published", order=order)
        if not res.hits:
            return
        seqs = searcher.fast_field_values("seq", [addr for _k, addr in res.hits])
        yield [int(s) for s in seqs if s is not None]
        if len(res.hits) < page:
            return
        offset += page


def top_terms(
    desk: Desk, q: str, n: int = 25, since: Any = None, until: Any = None, source: Any = None,
    sample: int = TERMS_SAMPLE,
) -> list[dict[str, Any]]:
    """Words and two-word phrases unusually frequent in the matches, scored by JLH.

    Foreground: document frequencies in a seeded random sample of up to ``sample``
    matching articles. Background: document frequencies in the whole index
    (``doc_freq`` for words, a phrase count for pairs), on the same stems the
    index holds. JLH = (fg - bg) * fg / bg rewards terms both more common and
    relatively much more common among the matches; raw frequency would only
    list "said" and "the". Stopwords, numbers and terms in more than
    ``BOILERPLATE_SHARE`` of all articles and not twice as common among the matches
    (datelines, "Reuter") are left out.
    """
    key = (desk.path, desk.store.version, q, n, str(since), str(until), str(source), sample)
    if key in _terms_cache:
        return _terms_cache[key]
    searcher = desk.index.searcher()
    tq = build_query(desk, q, since, until, source)
    result = _top_terms(desk, tq, searcher, n, sample)
    if len(_terms_cache) >= 256:
        _terms_cache.pop(next(iter(_terms_cache)))
    _terms_cache[key] = result
    return result


# (desk, store version, query, ...) -> top terms: the sample read is the costly part, and
# the answer only changes when the store does
_terms_cache: dict[tuple, list[dict[str, Any]]] = {}


def _top_terms(desk: Desk, tq: tantivy.Query, searcher: tantivy.Searcher, n: int, sample: int) -> list[dict[str, Any]]:
    seqs = [s for page in matching_seqs(desk, tq, searcher=searcher) for s in page]
    if not seqs:
        return []
    if len(seqs) > sample:
        seqs = random.Random(42).sample(seqs, sample)
    stem_an, surf_an = _analyzer(True), _analyzer(False)
    df: Counter[str] = Counter()  # matching sample docs holding the key
    tf: Counter[str] = Counter()  # occurrences in the sample
    for i in range(0, len(seqs), HYDRATE_BATCH):
        for row in desk.store.rows_by_seq(seqs[i : i + HYDRATE_BATCH]).values():
            keys = _keys(stem_an, surf_an, f"{row[5]}\n{row[6]}")
            tf.update(keys)
            df.update(set(keys))
    n_fg, n_bg = len(seqs), max(searcher.num_docs, 1)
    min_docs = 1 if n_fg < 5 else 2 if n_fg < 50 else 3
    candidates = [k for k, c in df.most_common(max(200, n * 12)) if c >= min_docs]
    scored = []
    for key in candidates:
        parts = key.split(" ")
        if len(parts) == 1:
            bg = searcher.doc_freq("text", key)
        else:
            bg = count_matches(searcher, tantivy.Query.phrase_query(desk.index.schema, "text", parts))
        bg_share = max(bg, df[key]) / n_bg
        fg_share = df[key] / n_fg
        if fg_share <= bg_share or (bg_share > BOILERPLATE_SHARE and fg_share < 2 * bg_share):
            continue
        score = (fg_share - bg_share) * (fg_share / bg_share)
        score *= 1 + math.log(tf[key] / df[key])  # repeated within articles: more central
        if len(parts) == 2:
            score *= 1.2  # a phrase says more than either word; nudge it up
        scored.append((score, key, bg))
    scored.sort(key=lambda x: (-x[0], x[1]))
    top = scored[:n]
    names = _surface_forms(desk, seqs[:300], {k for _s, k, _b in top}, stem_an, surf_an)
    return [
        {
            "term": names.get(key, key),
            "docs": df[key],
            "sample": n_fg,
            "background": bg,
            "score": round(math.log1p(score * 1000), 4),
        }
        for score, key, bg in top
    ]


def _keys(stem_an: tantivy.TextAnalyzer, surf_an: tantivy.TextAnalyzer, text: str) -> list[str]:
    """Stemmed words and adjacent pairs of an article, stopwords and numbers left out."""
    stems, words = stem_an.analyze(text), surf_an.analyze(text)
    if len(stems) != len(words):  # the same chain bar the stemmer: cannot happen
        return []
    ok = [not _skip(w) for w in words]
    keys = [st for st, good in zip(stems, ok, strict=True) if good]
    keys += [f"{stems[j]} {stems[j + 1]}" for j in range(len(stems) - 1) if ok[j] and ok[j + 1]]
    return keys


def _surface_forms(desk: Desk, seqs: list[int], wanted: set[str], stem_an, surf_an) -> dict[str, str]:
    """The most common spelling of each wanted stem key, read from a few articles."""
    seen: dict[str, Counter[str]] = {k: Counter() for k in wanted}
    for row in desk.store.rows_by_seq(seqs).values():
        text = f"{row[5]}\n{row[6]}"
        stems, words = stem_an.analyze(text), surf_an.analyze(text)
        if len(stems) != len(words):
            continue
        for j, st in enumerate(stems):
            if st in seen:
                seen[st][words[j]] += 1
            if j + 1 < len(stems):
                pair = f"{st} {stems[j + 1]}"
                if pair in seen:
                    seen[pair][f"{words[j]} {words[j + 1]}"] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items() if c}


def _skip(word: str) -> bool:
    return len(word) < 2 or word in STOPWORDS or word.isdigit()


# -- export -----------------------------------------------------------------------
def iter_export(
    desk: Desk, q: str, since: Any = None, until: Any = None, source: Any = None,
    snippets: bool = True, newest_first: bool = True,
) -> Iterator[dict[str, str]]:
    """Every match as an export row, newest first; no cap, constant memory.

    The query is parsed here, before the rows are streamed, so a query that does
    not parse raises QuerySyntaxError now (an HTTP 400), not mid-download.
    """
    searcher = desk.index.searcher()
    tq, tree = search._build(desk, q, since, until, source, "AND", searcher)
    highlighter = Highlighter.for_query(tree) if snippets else None
    return _export_rows(desk, tq, searcher, highlighter, newest_first)


def _export_rows(desk: Desk, tq: tantivy.Query, searcher: tantivy.Searcher, highlighter: Highlighter | None,
                 newest_first: bool) -> Iterator[dict[str, str]]:
    for page in matching_seqs(desk, tq, searcher=searcher, newest_first=newest_first):
        for i in range(0, len(page), HYDRATE_BATCH):
            part = page[i : i + HYDRATE_BATCH]
            rows = desk.store.rows_by_seq(part)
            for seq in part:
                row = rows.get(seq)
                if row is None:
                    continue
                snippet = ""
                if highlighter is not None:
                    snippet = unescape(highlighter.snippet(row[6], row[5]).replace("<b>", "").replace("</b>", ""))
                yield {
                    "id": row[1], "published": row[7], "source": row[4], "title": row[5],
                    "url": row[3], "snippet": snippet,
                }


class _Echo:
    """A file-like object whose write() returns what it was given (for streaming CSV)."""

    def write(self, s: str) -> str:
        return s


def csv_lines(rows: Iterator[dict[str, str]]) -> Iterator[str]:
    """CSV text (header first), one line at a time, for streaming over HTTP."""
    writer = csv.DictWriter(_Echo(), fieldnames=EXPORT_FIELDS)  # type: ignore[arg-type]
    yield writer.writeheader() or ",".join(EXPORT_FIELDS) + "\r\n"
    for row in rows:
        yield writer.writerow(row)


def export(desk: Desk, q: str, fmt: str, out: IO[str], **filters: Any) -> int:
    """Write every match of ``q`` to ``out`` as CSV or JSON Lines; returns rows written."""
    if fmt not in ("csv", "jsonl"):
        raise NewsdeskError(f"export format {fmt!r}: choose csv or jsonl")
    n = 0
    rows = iter_export(desk, q, **filters)
    if fmt == "csv":
        for line in csv_lines(rows):
            out.write(line)
            n += 1
        return max(n - 1, 0)
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


# -- similar articles ---------------------------------------------------------------
def similar(desk: Desk, article: Article | str, n: int = 5) -> list[dict[str, str]]:
    """Articles like this one (an Article, or its id): a more-like-this query on its title and body.

    A caller that already holds the Article passes it, saving a second lookup.
    """
    art = desk.get(article) if isinstance(article, str) else article
    text = f"{art.title}\n{art.body}"[:20_000]
    try:
        mlt = tantivy.Query.more_like_this_document_fields_query(
            desk.index.schema, {"text": [text]}, min_doc_frequency=2, min_term_frequency=1,
            max_query_terms=25, min_word_length=3, stop_words=sorted(STOPWORDS),
        )
        searcher = desk.index.searcher()
        res = searcher.search(mlt, n + 1)
    except ValueError:
        return []
    seqs = searcher.fast_field_values("seq", [addr for _s, addr in res.hits])
    rows = desk.store.rows_by_seq([int(s) for s in seqs if s is not None])
    out = []
    for s in seqs:
        row = rows.get(int(s)) if s is not None else None
        if row is None or row[1] == art.id:
            continue
        out.append({"id": row[1], "title": row[5], "published": row[7], "source": row[4]})
    return out[:n]


# -- facets ---------------------------------------------------------------------------
def facets(
    desk: Desk, q: str, since: Any = None, until: Any = None, source: Any = None, n: int = 10
) -> dict[str, list[dict[str, Any]]]:
    """Sources, months and entities of a query's matches, in one aggregation pass."""
    tq = build_query(desk, q, since, until, source)
    agg = desk.index.searcher().aggregate(tq, {
        "sources": {"terms": {"field": "source", "size": n}},
        "entities": {"terms": {"field": "entity", "size": n}},
        "days": {"date_histogram": {"field": "published", "fixed_interval": "1d", "min_doc_count": 1}},
    })
    months: Counter[str] = Counter()
    for b in agg["days"]["buckets"]:
        months[b["key_as_string"][:7]] += int(b["doc_count"])
    names = _source_names(desk)
    return {
        "sources": [{"value": names.get(b["key"], b["key"]), "count": int(b["doc_count"])}
                    for b in agg["sources"]["buckets"]],
        "months": [{"value": m, "count": c} for m, c in sorted(months.items())],
        "entities": _entity_facet(desk, agg["entities"]["buckets"]),
    }


def _entity_facet(desk: Desk, buckets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entity buckets (index terms are normalised names) with display name and type.

    The ``entity`` field only holds values once ``newsdesk enrich`` has run, so
    before that there are no buckets and this is []. ``value`` is the display
    name, which ``entity:"..."`` accepts in any case.
    """
    if not buckets:
        return []
    norms = [b["key"] for b in buckets]
    known: dict[str, tuple[str, str]] = {}
    try:
        marks = ",".join("?" * len(norms))
        for norm, name, etype in desk.store.db.execute(
            f"SELECT norm, name, type FROM entities WHERE norm IN ({marks})", norms
        ):
            known[norm] = (name, etype)
    except sqlite3.OperationalError:  # no entities table: an index built by another desk
        pass
    out = []
    for b in buckets:
        name, etype = known.get(b["key"], (b["key"], ""))
        out.append({"value": name, "type": etype, "norm": b["key"], "count": int(b["doc_count"])})
    return out
