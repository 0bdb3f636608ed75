"""The length floor of a desk: how long a text counts as, at least, for BM25's length norm.

BM25 (tantivy: k1 1.2, b 0.75, not settable from tantivy-py) divides a word's weight by the
text's length relative to the average, so short texts win. Whether that is right depends on
the desk:

* a **wire desk** mixes one-line flashes, briefs and full stories (Reuters: one item in twelve
  has next to no body, the middle 80 % of lengths spans 27 to 318 words). There a short item is
  a different *kind* of item, not a terser one, and a brief naming "james baker" should not
  outrank the story about him. Padding every text to 200 words (the floor chosen on Reuters:
  dev nDCG@10 0.765 -> 0.805, ``bench/tune_bm25.py --pad``) switches the reward off below it;
* a desk of **abstracts or features** of one kind (MEDLINE, CISI, Cranfield, NPL, TIME) has
  lengths within a factor of two or three of each other; there length is verbosity and the
  length norm is what BM25 is for: padding costs nDCG@10 (dev, floor 200 vs none:
  CISI 0.342 vs 0.364, MEDLINE 0.677 vs 0.697, NPL 0.430 vs 0.451).

So the floor is chosen from how widely the desk's lengths spread: the standard deviation of
the log word counts of a sample of its articles (Singhal, Buckley and Mitra's observation that
length normalisation must follow the collection). Above ``SPREAD`` the desk gets the wire floor
``WIRE_FLOOR``; at or below it, none. ``SPREAD`` was set on the dev splits of
``bench/ranking.py`` only (which prints each desk's spread): its eight desks fall in two groups
(0.54-0.79: CISI, Cranfield, MEDLINE, TIME, NPL; 0.95-1.41: Reuters, ECB+ news, CACM, which
has a title-only record for every other paper) and 0.85 lies between them. Test splits, per-desk
floor against 200 everywhere (nDCG@10): CISI 0.367 -> 0.382, Cranfield 0.364 -> 0.371, MEDLINE
0.686 -> 0.701, NPL 0.391 -> 0.398, TIME unchanged, KI-TIME MRR@10 0.778 -> 0.769.

The choice is made once, when an index is built from nothing (the first ingest into a new
desk, or a reindex of a desk that has none recorded), from at least ``MIN_ARTICLES`` articles,
and recorded in the store (newsdesk.store.lengths); later batches are padded the same way, so
an index is never half one way and half the other. ``Desk.set_length_floor`` changes the
setting (``auto`` or a number of words) and reindexes when the floor changes.
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING

from ..store import lengths as stored

if TYPE_CHECKING:
    from ..store import Store

WIRE_FLOOR = 200  # words; also the floor of desks with none chosen (newsdesk.index.MIN_TEXT_WORDS)
SPREAD = 0.85  # sd of log word counts above which a desk mixes briefs and stories (chosen on dev)
MIN_ARTICLES = 200  # fewer articles at the first build: too few to judge, keep WIRE_FLOOR
SAMPLE = 2000


def length_spread(texts: list[tuple[str, str]]) -> float:
    """Standard deviation of the natural log of the word counts of (headline, body) pairs."""
    logs = [math.log(max(1, len(title.split()) + len(body.split()))) for title, body in texts]
    return statistics.pstdev(logs) if len(logs) > 1 else 0.0


def choose_floor(texts: list[tuple[str, str]]) -> int | None:
    """The floor for a desk holding ``texts`` (a sample), or None when they are too few to tell."""
    if len(texts) < MIN_ARTICLES:
        return None
    return WIRE_FLOOR if length_spread(texts) > SPREAD else 0


def floor_for(store: Store, fresh: bool) -> int:
    """The floor to pad with when indexing into this desk now.

    ``fresh``: the index being written holds nothing yet, so an ``auto`` desk with no floor
    recorded may choose one (and records it) without leaving articles padded another way.
    Otherwise an unrecorded ``auto`` desk keeps ``WIRE_FLOOR``, the floor its index was built with."""
    value = stored.setting(store)
    if value != stored.AUTO:
        return int(value)
    got = stored.chosen(store)
    if got is not None:
        return got
    if not fresh:
        return WIRE_FLOOR
    floor = choose_floor(stored.sample_texts(store, SAMPLE))
    if floor is None:
        return WIRE_FLOOR
    stored.record_choice(store, floor)
    return floor


def describe(store: Store) -> dict[str, object]:
    """``{"setting": "auto"|"N", "floor": N or None}``: what the desk pads with (for stats and the bench);
    ``floor`` None means an ``auto`` desk not chosen yet, padded with ``WIRE_FLOOR`` (given as ``default``) meanwhile."""
    value = stored.setting(store)
    if value != stored.AUTO:
        return {"setting": value, "floor": int(value)}
    return {"setting": value, "floor": stored.chosen(store), "default": WIRE_FLOOR}


MAX_FLOOR = 10_000


def change_setting(store: Store, value: int | str) -> bool:
    """Record the setting ``value`` (``auto`` or a number of words) and, for ``auto``, choose the
    floor now from the desk's articles; True when the index must be rebuilt to pad the new way.

    BadParameter for anything else. The caller (``Desk.set_length_floor``) reindexes."""
    from ..errors import BadParameter

    text = str(value).strip().lower()
    if text != stored.AUTO and not (text.isdigit() and int(text) <= MAX_FLOOR):
        raise BadParameter("length_floor", value, f"give auto or a number of words from 0 to {MAX_FLOOR:,}")
    before = describe(store)
    was = before["floor"] if before["floor"] is not None else WIRE_FLOOR
    stored.set_setting(store, text)
    if text != stored.AUTO:
        return int(text) != was
    floor = choose_floor(stored.sample_texts(store, SAMPLE))
    if floor is None:
        return was != WIRE_FLOOR
    stored.record_choice(store, floor)
    return floor != was
