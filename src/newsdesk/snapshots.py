"""Frozen result sets: exactly what a query returned at one moment, to cite and to re-export.

A snapshot keeps, per result, its rank, article id, score and what an export
prints (date, source, headline, URL), plus the query, the filters, the desk's
version (the store's change counter), the article count, the time and the
newsdesk version. A **checksum** (sha256 over the rows in canonical JSON, one
line per row) lets anyone holding an export check it is complete and
unaltered: ``snapshot show`` prints it and every export carries it.

Why copies of the shown fields rather than ids alone: an export must be
byte-identical after any later ingest, enrichment or re-index, and a
snapshot must outlive a change of ranking. Rows cannot be updated (store
triggers refuse it); a snapshot is only made whole or deleted whole.

This is a module of its own, not part of ``alerts/``: a snapshot looks
backwards (what matched then), an alert forwards (what matches next).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from importlib import metadata
from typing import Any

from .errors import BadParameter, NewsdeskError, NotFoundError
from .store import Store
from .store import snapshots as table

MAX_ROWS = 1_000_000  # the deepest a search reaches (search.MAX_WINDOW)
CSV_COLUMNS = ("snapshot", "snapshot_sha256", "rank", "id", "score", "published", "source", "title", "url")


def newsdesk_version() -> str:
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:
        return "unknown"


def _row_dict(row: tuple) -> dict[str, Any]:
    out = dict(zip(table.ROW_KEYS, row, strict=True))
    out["score"] = f"{float(out['score']):.4f}"  # one spelling of a score everywhere (JSON, CSV, checksum)
    return out


def checksum(rows: list[tuple]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(_row_dict(row), ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def freeze(
    store: Store,
    name: str,
    query: str,
    filters: dict[str, Any],
    hits: list[Any],
    total: int,
    now: str,
) -> dict[str, Any]:
    """Store ``hits`` (search Hits: rank, id, score, published, source, title, url) as snapshot ``name``."""
    from .alerts.saved import check_name

    check_name(name)
    if table.find(store, name) is not None:
        raise NewsdeskError(
            f"there is already a snapshot called {name!r}; snapshots cannot be changed, "
            f"only deleted (newsdesk snapshot delete {name})"
        )
    rows = [(h.rank, h.id, float(h.score), h.published, h.source, h.title, h.url) for h in hits]
    meta = {
        "name": name,
        "query": query,
        "filters": {k: v for k, v in filters.items() if v not in (None, "", [], ())},
        "desk_version": store.version,
        "articles": store.count(),
        "created_at": now,
        "newsdesk_version": newsdesk_version(),
        "total": total,
        "count": len(rows),
        "checksum": checksum(rows),
    }
    meta["id"] = table.create(store, meta, rows)
    return meta


def get(store: Store, name: str) -> dict[str, Any]:
    meta = table.find(store, name)
    if meta is None:
        raise NotFoundError(f"no snapshot called {name!r} (see: newsdesk snapshot list)")
    return meta


def rows(store: Store, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The snapshot's description and its rows, in rank order; refuses a snapshot whose rows do not
    match their checksum (a damaged file) rather than exporting it silently."""
    meta = get(store, name)
    raw = table.rows(store, meta["id"])
    if checksum(raw) != meta["checksum"]:
        raise NewsdeskError(
            f"snapshot {name!r}: its rows no longer match their checksum; the database was "
            "altered outside newsdesk"
        )
    return meta, [_row_dict(r) for r in raw]


def export(store: Store, name: str, fmt: str = "csv") -> str:
    """The snapshot as CSV (a header row, then one row per result) or JSON Lines (a first line
    describing the snapshot, then one object per result). Every row names the snapshot."""
    if fmt not in ("csv", "jsonl"):
        raise BadParameter("format", fmt, "choose csv or jsonl")
    meta, items = rows(store, name)
    buf = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for it in items:
            writer.writerow([name, meta["checksum"], *(it[k] for k in table.ROW_KEYS)])
    else:
        head = {"snapshot": {k: v for k, v in meta.items() if k != "id"}}
        buf.write(json.dumps(head, ensure_ascii=False, sort_keys=True) + "\n")
        for it in items:
            buf.write(json.dumps({"snapshot": name, **it}, ensure_ascii=False, sort_keys=True) + "\n")
    return buf.getvalue()


def listing(store: Store) -> list[dict[str, Any]]:
    return [{k: v for k, v in m.items() if k != "id"} for m in table.all_snapshots(store)]


def delete(store: Store, name: str) -> None:
    table.delete(store, get(store, name)["id"])
