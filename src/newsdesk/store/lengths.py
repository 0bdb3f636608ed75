"""The desk's length floor setting, and the sample of article lengths it is chosen from.

The index pads the default search field of texts shorter than the *length floor* so that
BM25's length normalisation does not reward one-line briefs (newsdesk.index.lengths says
why and how the floor is chosen). The floor is an index-time setting, so it lives in the
store, which the index is derived from: a reindex must pad the way the desk was set up.

Two meta keys:

* ``length_floor``: the setting, ``auto`` (the default: chosen from the desk's own articles)
  or a number of words the user fixed;
* ``length_floor_chosen``: the floor the index was built with when the setting is ``auto``
  (absent until it has been chosen; a desk indexed before issue 16 has neither key and keeps
  the old fixed floor until its next reindex).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import decoded

if TYPE_CHECKING:
    from . import Store

SETTING_KEY = "length_floor"
CHOSEN_KEY = "length_floor_chosen"
AUTO = "auto"


def setting(store: Store) -> str:
    """``auto`` or a fixed number of words as text (an unset or unreadable value reads as ``auto``)."""
    value = store.get_meta(SETTING_KEY, AUTO).strip()
    return value if value == AUTO or value.isdigit() else AUTO


def chosen(store: Store) -> int | None:
    """The floor chosen for an ``auto`` desk, or None when none has been chosen yet."""
    value = store.get_meta(CHOSEN_KEY, "").strip()
    return int(value) if value.isdigit() else None


def _write(store: Store, pairs: dict[str, str | None]) -> None:
    """Set (or, for None, delete) meta keys, in a transaction unless one is already open."""

    def apply() -> None:
        for key, value in pairs.items():
            if value is None:
                store.db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                store.set_meta(key, value)

    if store.db.in_transaction:
        apply()
    else:
        with store.transaction():
            apply()


def set_setting(store: Store, value: str) -> None:
    """Record ``auto`` or a fixed floor and forget any earlier choice (the caller reindexes)."""
    _write(store, {SETTING_KEY: value, CHOSEN_KEY: None})


def record_choice(store: Store, floor: int) -> None:
    """Remember the floor an ``auto`` desk's index is being built with."""
    _write(store, {CHOSEN_KEY: str(floor)})


def sample_texts(store: Store, n: int = 2000) -> list[tuple[str, str]]:
    """About ``n`` (headline, body) pairs spread evenly over the desk (every k-th seq), so a
    desk of a million articles is judged by its whole span, not by its first batch."""
    total = store.count()
    if total == 0:
        return []
    stride = max(1, total // n)
    rows = store.db.execute(
        "SELECT seq, title, body FROM articles WHERE seq % ? = 0 ORDER BY seq LIMIT ?", (stride, n)
    ).fetchall()
    if len(rows) < min(n, total) // 2:  # seqs with gaps (deletions): take the first n instead
        rows = store.db.execute("SELECT seq, title, body FROM articles ORDER BY seq LIMIT ?", (n,)).fetchall()
    return [(r[1], r[2]) for r in decoded(store.texts, rows, at=2)]
