"""What the entity stage gives search: a booster for queries that name a known entity.

A free-text query that names a known entity ("jeff sessions") gets a SHOULD
clause that lifts articles where that entity is salient above passing
mentions. It reads the parsed query tree (the same words the search matches,
not a second tokenisation of the raw string) and makes one indexed lookup
(the words' n-grams against ``entities.norm``). Reads SQLite only; never
imports spaCy, so ``newsdesk search`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tantivy

from ..search import free_words
from ..store import entities as store_entities

if TYPE_CHECKING:
    from .. import query as query_mod
    from ..store import Store

BOOST = 2.0  # constant score added per salient named entity
_OPERATORS = {"and", "or", "not"}


def candidates(words: list[str]) -> list[str]:
    """Word n-grams (1-4 words) of a query's free-text words, lower-cased."""
    words = [w.strip(".'-\"()") for w in words]
    words = [w for w in words if w and w not in _OPERATORS]
    grams = {" ".join(words[i : i + n]) for n in range(1, 5) for i in range(len(words) - n + 1)}
    return sorted(g for g in grams if len(g) > 2)


def known_entities(store: Store, tree: query_mod.Node) -> tuple[str, ...]:
    """The known entity norms a query names (empty before enrichment)."""
    if not store_entities.has_run(store):
        return ()
    names = store_entities.known_norms(store, candidates(free_words(tree)))
    # "james baker" named: do not also boost "baker" or "james"
    return tuple(n for n in names if not any(n != m and n in m for m in names))


def entity_booster(store: Store, schema: tantivy.Schema, tree: query_mod.Node) -> tantivy.Query | None:
    """A SHOULD clause lifting articles where an entity the query names is salient."""
    names = known_entities(store, tree)
    if not names:
        return None
    clauses = [
        (tantivy.Occur.Should, tantivy.Query.const_score_query(tantivy.Query.term_query(schema, "salient", n), BOOST))
        for n in names
    ]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
