"""Query strings -> tantivy queries.

Placeholder parser for the foundation: tantivy's own query parser over the
combined headline+body field. The full Lucene-style language lives here too.
"""

from __future__ import annotations

import tantivy

from .errors import QuerySyntaxError

DEFAULT_FIELDS = ["text"]


def parse(query: str, index: tantivy.Index, schema: tantivy.Schema) -> tantivy.Query:
    """Parse a user query; raise QuerySyntaxError with a position on bad syntax."""
    query = query.strip()
    if not query or query == "*":
        return tantivy.Query.all_query()
    try:
        return index.parse_query(query, DEFAULT_FIELDS)
    except ValueError as err:
        raise QuerySyntaxError(query, 0, str(err)) from None
