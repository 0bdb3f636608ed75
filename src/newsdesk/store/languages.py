"""Languages in the store: articles per language, and the desk's analysis setting.

The analysis setting (``meta.analysis``) says how the index analyses text:
``languages`` (each article with its own language's rules; the default) or
``english`` (English stemming for every article, as before issue 15; kept for
side-by-side comparisons). It lives in the store because the index is derived
from the store: a reindex must analyse the way the desk was set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Store

ANALYSIS_KEY = "analysis"
PER_LANGUAGE = "languages"
ENGLISH_ONLY = "english"
ANALYSIS_MODES = (PER_LANGUAGE, ENGLISH_ONLY)


def analysis_mode(store: Store) -> str:
    """``languages`` or ``english`` (an unset or unknown value reads as ``languages``)."""
    mode = store.get_meta(ANALYSIS_KEY, PER_LANGUAGE)
    return mode if mode in ANALYSIS_MODES else PER_LANGUAGE


def set_analysis_mode(store: Store, mode: str) -> None:
    """Record the analysis setting (the caller reindexes if articles were indexed the other way)."""
    if mode not in ANALYSIS_MODES:
        raise ValueError(f"analysis {mode!r}: choose {' or '.join(ANALYSIS_MODES)}")
    with store.transaction():
        store.set_meta(ANALYSIS_KEY, mode)


def per_language(store: Store) -> list[dict[str, object]]:
    """``[{"lang": "de", "articles": 12}, ...]``, most articles first; "" is counted as ``und``."""
    counts: dict[str, int] = {}
    for lang, n in store.db.execute("SELECT lang, count(*) FROM articles GROUP BY lang"):
        key = lang or "und"
        counts[key] = counts.get(key, 0) + n
    return [{"lang": k, "articles": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
