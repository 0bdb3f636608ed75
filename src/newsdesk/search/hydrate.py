"""Hydrate: the page's rows from the store of record, as Hits with highlighted snippets.

With the store's :class:`~newsdesk.search.memo.Memo` (same store version), the rows (bodies
decompressed), their copy/story columns, the query's highlighter and each hit's snippet are
taken from it when an earlier search already made them: a page then costs no SQL at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import query as query_mod
from ..highlight import Highlighter
from ..model import Hit

if TYPE_CHECKING:
    from ..store import HitRow, Store
    from .memo import Memo

NO_EXTRAS: dict[str, Any] = {}


def hydrate(
    store: Store, tree: query_mod.Node, page: list[tuple[float, int]], offset: int, snippets: bool,
    extras: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None, memo: Memo | None = None,
) -> list[Hit]:
    """Hits for (score, seq) pairs, in order; seqs the store no longer has are skipped.

    ``extras`` gives what the stages add per hit (``copies``, ``copy_of``, ``story``)."""
    seqs = [seq for _s, seq in page]
    rows = _rows(store, seqs, snippets, memo)
    more: dict[int, dict[str, Any]] = {}
    if extras is not None and page:
        more = memo.many("extras", seqs, _all_of(extras)) if memo is not None else extras(seqs)
    found = [(score, rows[seq]) for score, seq in page if seq in rows]
    highlighter = _highlighter(tree, memo) if snippets and found else None
    hits: list[Hit] = []
    for rank, (score, row) in enumerate(found, offset + 1):
        if highlighter is None:
            snippet = ""
        elif memo is None:
            snippet = highlighter.snippet(row.body, row.title)
        else:
            key = (highlighter.signature, row.seq)
            snippet = memo.get("snippets", key)
            if snippet is None:
                snippet = highlighter.snippet(row.body, row.title)
                memo.put("snippets", key, snippet)
        added = more.get(row.seq, NO_EXTRAS)
        if "copies" in added:  # a list of its own: the memo's stays as it is whatever a caller does
            added = {**added, "copies": list(added["copies"])}
        hits.append(
            Hit(
                rank=rank,
                id=row.id,
                external_id=row.external_id,
                title=row.title,
                url=row.url,
                source=row.source,
                published=row.published,
                score=round(score, 4),
                snippet=snippet,
                authors=json.loads(row.authors) if row.authors != "[]" else [],
                lang=row.lang or "und",
                **added,
            )
        )
    return hits


def _rows(store: Store, seqs: list[int], body: bool, memo: Memo | None) -> dict[int, HitRow]:
    """The hit rows of ``seqs``; the memo keeps rows read with their body (they serve a page
    without snippets as well), a page without snippets reads the rest without theirs."""
    if memo is None:
        return store.hit_rows(seqs, body=body)
    if body:
        return memo.many("rows", seqs, lambda missing: store.hit_rows(missing, body=True))
    kept = memo.many("rows", seqs, lambda _missing: {})
    missing = [s for s in seqs if s not in kept]
    return {**kept, **store.hit_rows(missing, body=False)} if missing else kept


def _all_of(extras: Callable[[list[int]], dict[int, dict[str, Any]]]) -> Callable[[list[int]], dict[int, Any]]:
    """``extras`` with an empty entry for each seq it says nothing about (kept as known)."""

    def fetch(seqs: list[int]) -> dict[int, Any]:
        got = extras(seqs)
        return {s: got.get(s, NO_EXTRAS) for s in seqs}

    return fetch


def _highlighter(tree: query_mod.Node, memo: Memo | None) -> Highlighter:
    """The query's highlighter (~30 µs to build), kept with the memo for the same parsed tree."""
    if memo is None:
        return Highlighter.for_query(tree)
    kept = memo.get("highlighters", id(tree))
    if kept is not None and kept[0] is tree:
        return kept[1]
    highlighter = Highlighter.for_query(tree)
    memo.put("highlighters", id(tree), (tree, highlighter))
    return highlighter
