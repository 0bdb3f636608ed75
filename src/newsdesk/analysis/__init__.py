"""Analysis over a query's matches: attention over time, top sources and terms, facets, export.

Everything here is computed by tantivy where it can be: timelines and top
sources are aggregations over fast fields (``published``, ``source``), so they
cost milliseconds however many articles match. Top terms read a bounded sample
of matching articles from the store. Export streams every match in pages, so
its memory does not grow with the number of matches. Each function takes a
:class:`~newsdesk.search.Corpus` (store + index), never the Desk.
"""

from __future__ import annotations

from .export import EXPORT_FIELDS, csv_lines, export, iter_export, neutralise
from .facets import facets, facets_for_plan, top_sources
from .terms import STOPWORDS, top_terms
from .timeline import timeline

__all__ = [
    "EXPORT_FIELDS", "STOPWORDS", "csv_lines", "export", "facets", "facets_for_plan", "iter_export",
    "neutralise", "timeline", "top_sources", "top_terms",
]
