"""Export: every match of a query as CSV or JSON Lines, streamed in pages at constant memory.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) are neutralised with a leading ``'``,
as OWASP advises for CSV injection; ``raw=True`` turns that off for users who
load the file into tools, not spreadsheets. JSON Lines are never altered.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from html import unescape
from typing import IO, Any

from ..errors import BadParameter
from ..highlight import Highlighter
from ..search import Corpus, Plan, make_plan
from ..search.match import matching_seqs

EXPORT_FIELDS = ("id", "external_id", "published", "source", "title", "url", "snippet")
HYDRATE_BATCH = 500  # rows read from the store at a time
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: extra columns per seq that stages add to each row (e.g. copy_of, story): seqs -> {seq: {col: value}}
RowExtras = Callable[[list[int]], dict[int, dict[str, Any]]]


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet will show as text, not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def iter_export(
    corpus: Corpus, q: str, since: Any = None, until: Any = None, source: Any = None,
    snippets: bool = True, newest_first: bool = True, extras: RowExtras | None = None,
) -> Iterator[dict[str, Any]]:
    """Every match as an export row, newest first; no cap, constant memory.

    The query is parsed here, before the rows are streamed, so a query that does
    not parse raises QuerySyntaxError now (an HTTP 400), not mid-download.
    """
    plan = make_plan(corpus, q, since, until, source)
    highlighter = Highlighter.for_query(plan.tree) if snippets else None
    return _export_rows(corpus, plan, highlighter, newest_first, extras)


def _export_rows(
    corpus: Corpus, plan: Plan, highlighter: Highlighter | None, newest_first: bool, extras: RowExtras | None
) -> Iterator[dict[str, Any]]:
    for page in matching_seqs(plan, newest_first=newest_first):
        for i in range(0, len(page), HYDRATE_BATCH):
            part = page[i : i + HYDRATE_BATCH]
            rows = corpus.store.rows_by_seq(part)
            more = extras(part) if extras is not None else {}
            for seq in part:
                row = rows.get(seq)
                if row is None:
                    continue
                snippet = ""
                if highlighter is not None:
                    snippet = unescape(highlighter.snippet(row.body, row.title).replace("<b>", "").replace("</b>", ""))
                out: dict[str, Any] = {
                    "id": row.id, "external_id": row.external_id, "published": row.published,
                    "source": row.source, "title": row.title, "url": row.url, "snippet": snippet,
                }
                out.update(more.get(seq, {}))
                yield out


class _Echo:
    """A file-like object whose write() returns what it was given (for streaming CSV)."""

    def write(self, s: str) -> str:
        return s


def csv_lines(rows: Iterator[dict[str, Any]], raw: bool = False) -> Iterator[str]:
    """CSV text (header first), one line at a time, for streaming over HTTP.

    Columns are those of the first row (``EXPORT_FIELDS`` plus any stage extras).
    """
    first = next(rows, None)
    fields = list(first) if first is not None else list(EXPORT_FIELDS)
    writer = csv.DictWriter(_Echo(), fieldnames=fields, extrasaction="ignore")  # type: ignore[arg-type]
    yield writer.writeheader() or ",".join(fields) + "\r\n"
    if first is None:
        return
    fix = (lambda v: v) if raw else neutralise

    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: fix(v) if isinstance(v, str) else ("" if v is None else v) for k, v in row.items()}

    yield writer.writerow(clean(first))
    for row in rows:
        yield writer.writerow(clean(row))


def export(corpus: Corpus, q: str, fmt: str, out: IO[str], raw: bool = False,
           extras: RowExtras | None = None, **filters: Any) -> int:
    """Write every match of ``q`` to ``out`` as CSV or JSON Lines; returns rows written."""
    if fmt not in ("csv", "jsonl"):
        raise BadParameter("format", fmt, "choose csv or jsonl")
    n = 0
    rows = iter_export(corpus, q, extras=extras, **filters)
    if fmt == "csv":
        for line in csv_lines(rows, raw=raw):
            out.write(line)
            n += 1
        return max(n - 1, 0)
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n
