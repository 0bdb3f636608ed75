"""Hydrate: the page's rows from the store of record, as Hits with highlighted snippets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import query as query_mod
from ..highlight import Highlighter
from ..model import Hit

if TYPE_CHECKING:
    from ..store import Store


def hydrate(
    store: Store, tree: query_mod.Node, page: list[tuple[float, int]], offset: int, snippets: bool,
    extras: Callable[[list[int]], dict[int, dict[str, Any]]] | None = None,
) -> list[Hit]:
    """Hits for (score, seq) pairs, in order; seqs the store no longer has are skipped.

    ``extras`` gives what the stages add per hit (``copies``, ``copy_of``, ``story``)."""
    rows = store.hit_rows([seq for _s, seq in page], body=snippets)
    more = extras([seq for _s, seq in page]) if extras is not None and page else {}
    found = [(score, rows[seq]) for score, seq in page if seq in rows]
    highlighter = Highlighter.for_query(tree) if snippets and found else None
    hits: list[Hit] = []
    for rank, (score, row) in enumerate(found, offset + 1):
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
                snippet=highlighter.snippet(row.body, row.title) if highlighter is not None else "",
                authors=json.loads(row.authors) if row.authors != "[]" else [],
                lang=row.lang or "und",
                **more.get(row.seq, {}),
            )
        )
    return hits
