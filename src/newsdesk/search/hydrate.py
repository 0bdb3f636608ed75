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
SNIPPETS_PER_QUERY = 200  # snippets the memo keeps for one highlighter (a query's first 20 pages)


def hydrate(
    store: Store, tree: query_mod.Node, page: list[tuple[float, int]], offset: int, snippets: bool,
    extras: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None, memo: Memo | None = None,
) -> list[Hit]:
    """Hits for (score, seq) pairs, in order; seqs the store no longer has are skipped.

    ``extras`` gives what the stages add per hit (``copies``, ``copy_of``, ``story``)."""
    seqs = [seq for _s, seq in page]
    rows = hit_rows(store, seqs, snippets, memo)
    more: dict[int, dict[str, Any]] = {}
    if extras is not None and page:
        more = memo.many("extras", seqs, _all_of(extras)) if memo is not None else extras(seqs)
    found = [(score, rows[seq]) for score, seq in page if seq in rows]
    snippet_of = _snippets(tree, memo, found) if snippets and found else None
    hits: list[Hit] = []
    for rank, (score, row) in enumerate(found, offset + 1):
        added = more.get(row.seq, NO_EXTRAS)
        hits.append(
            Hit(
                rank, row.id, row.external_id, row.title, row.url, row.source, row.published, round(score, 6),
                snippet_of[row.seq] if snippet_of is not None else "",
                json.loads(row.authors) if row.authors != "[]" else [],
                # lists of their own: the memo's stay as they are whatever a caller does with a hit
                list(added.get("copies", ())), added.get("copy_of"), added.get("story"),
                row.lang or "und",
            )
        )
    return hits


def hit_rows(store: Store, seqs: list[int], body: bool, memo: Memo | None) -> dict[int, HitRow]:
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


def _snippets(tree: query_mod.Node, memo: Memo | None, found: list[tuple[float, HitRow]]) -> dict[int, str]:
    """The snippet of each found row, by seq: those an earlier search with the same highlighter
    cut (kept per highlighter signature in the memo), the others cut now."""
    highlighter = _highlighter(tree, memo)
    if memo is None:
        return {row.seq: highlighter.snippet(row.body, row.title) for _s, row in found}
    kept: dict[int, str] | None = memo.get("snippets", highlighter.signature)
    if kept is None or len(kept) > SNIPPETS_PER_QUERY:  # paging deep into one query: start again
        kept = {}
        memo.put("snippets", highlighter.signature, kept)
    out = {}
    for _s, row in found:
        snippet = kept.get(row.seq)
        if snippet is None:
            snippet = kept[row.seq] = highlighter.snippet(row.body, row.title)
        out[row.seq] = snippet
    return out


def _highlighter(tree: query_mod.Node, memo: Memo | None) -> Highlighter:
    """The query's highlighter (~30 µs to build), kept with the memo for the same parsed tree."""
    if memo is None:
        return Highlighter.for_query(tree)
    highlighter = memo.kept_for("highlighters", tree)
    if highlighter is None:
        highlighter = Highlighter.for_query(tree)
        memo.keep_for("highlighters", tree, highlighter)
    return highlighter
