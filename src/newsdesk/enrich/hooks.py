"""Light hooks that the desk imports on open: entity fields for the index, entity boosts for search.

Reads SQLite only; never imports spaCy (``newsdesk search`` must stay fast).

* Index extras: each article's entity norms go into the ``entity`` field (what
  ``entity:"Jeff Sessions"`` matches, as ``jeff sessions``) and the salient ones
  into ``salient``.
* Search booster: a free-text query that names a known entity ("jeff sessions")
  gets a SHOULD clause that lifts articles where that entity is salient above
  passing mentions. One indexed lookup per query (the query's word n-grams
  against ``entities.norm``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import tantivy

from .. import index, search
from . import schema
from .names import SALIENT

if TYPE_CHECKING:
    from ..desk import Desk
    from ..store import Store

BOOST = 2.0  # constant score added per salient named entity
_FIELD_PREFIX = re.compile(r"\b[a-z_]+:(\"[^\"]*\"|\S+)", re.IGNORECASE)
_WORD = re.compile(r"[\w.'&-]+")


def entity_fields(store: Store, seqs: list[int]) -> dict[int, dict[str, list[str]]]:
    """{seq: {"entity": [norms], "salient": [norms]}} for the enriched articles among seqs."""
    if not seqs or not schema.exists(store.db):
        return {}
    out: dict[int, dict[str, list[str]]] = {}
    for i in range(0, len(seqs), 900):
        chunk = seqs[i : i + 900]
        marks = ",".join("?" * len(chunk))
        for seq, ent_norm, salience in store.db.execute(
            "SELECT ae.seq, e.norm, ae.salience FROM article_entities ae "
            f"JOIN entities e ON e.id = ae.entity_id WHERE ae.seq IN ({marks})",
            chunk,
        ):
            fields = out.setdefault(seq, {"entity": [], "salient": []})
            fields["entity"].append(ent_norm)
            if salience >= SALIENT:
                fields["salient"].append(ent_norm)
    return out


def candidates(q: str) -> list[str]:
    """Word n-grams (1-4 words) of the free-text part of a query, lower-cased."""
    words = [w.strip(".'-").lower() for w in _WORD.findall(_FIELD_PREFIX.sub(" ", q))]
    words = [w for w in words if w and w not in ("and", "or", "not")]
    grams = {" ".join(words[i : i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
    return sorted(g for g in grams if len(g) > 2)


def known_entities(store: Store, q: str) -> tuple[str, ...]:
    """The known entity norms a free-text query names (empty before enrichment).

    One indexed ``norm IN (...)`` lookup; cheap enough that caching it would only
    add invalidation to get wrong.
    """
    grams = candidates(q)
    if not grams or not schema.exists(store.db):
        return ()
    marks = ",".join("?" * len(grams))
    rows = store.db.execute(
        f"SELECT norm FROM entities WHERE norm IN ({marks}) AND articles > 0", grams
    ).fetchall()
    names = [r[0] for r in rows]
    # "james baker" named: do not also boost "baker" or "james"
    return tuple(n for n in names if not any(n != m and n in m for m in names))


def booster(desk: Desk, q: str) -> tantivy.Query | None:
    """A SHOULD clause lifting articles where an entity the query names is salient."""
    names = known_entities(desk.store, q)
    if not names:
        return None
    schema_ = desk.index.schema
    clauses = [
        (
            tantivy.Occur.Should,
            tantivy.Query.const_score_query(tantivy.Query.term_query(schema_, "salient", n), BOOST),
        )
        for n in names
    ]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


index.register_extras(entity_fields)
search.register_booster(booster)
