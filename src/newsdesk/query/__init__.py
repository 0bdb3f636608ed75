"""The query language: a Lucene / Elasticsearch ``query_string`` dialect -> tantivy queries.

``parse`` turns a string into a small AST with errors that carry a position,
``compile`` turns the AST into a ``tantivy.Query``, ``dates`` reads the dates people
type (also for ``--since``/``--until``), ``wildcard`` builds term regexes. The
names below are the package's interface; see docs/query-language.md for the
user's view, including the limits on what one query may ask for.
"""

from __future__ import annotations

from ..analyzers import STEM_ANALYZER, WORD_ANALYZER, analyze, analyze_positions
from .compile import compile_query, positive_terms
from .dates import (
    DATE_FORMS,
    MAX_DATE,
    MIN_DATE,
    DateOutOfRange,
    date_range_text,
    parse_date_bound,
)
from .parse import (
    DEFAULT_EDITS,
    DEFAULT_FIELD,
    EXACT,
    FIELDS,
    MAX_BOOST,
    MAX_DEPTH,
    MAX_EDITS,
    MAX_QUERY_CHARS,
    MAX_SLOP,
    STEMMED,
    WORDS,
    Bool,
    Fuzzy,
    MatchAll,
    Node,
    Parser,
    Phrase,
    Range,
    Regex,
    Term,
    parse_tree,
)
from .tokens import Tok, normalise, tokenize

__all__ = [
    "DATE_FORMS",
    "DEFAULT_EDITS",
    "DEFAULT_FIELD",
    "EXACT",
    "FIELDS",
    "MAX_BOOST",
    "MAX_DATE",
    "MAX_DEPTH",
    "MAX_EDITS",
    "MAX_QUERY_CHARS",
    "MAX_SLOP",
    "MIN_DATE",
    "STEMMED",
    "STEM_ANALYZER",
    "WORDS",
    "WORD_ANALYZER",
    "Bool",
    "DateOutOfRange",
    "Fuzzy",
    "MatchAll",
    "Node",
    "Parser",
    "Phrase",
    "Range",
    "Regex",
    "Term",
    "Tok",
    "analyze",
    "analyze_positions",
    "compile_query",
    "date_range_text",
    "normalise",
    "parse_date_bound",
    "parse_tree",
    "positive_terms",
    "tokenize",
]
