"""collapse(): the one-field path (exact duplicates, every search's default) keeps what the
general path keeps."""

from __future__ import annotations

import random

from newsdesk.search.collapse import collapse


def test_one_field_path_agrees_with_the_general_one():
    rng = random.Random(13)
    for _ in range(3000):
        hits = [(rng.random(), rng.randint(1, 40), (rng.choice([0, 0, 1, 2, 3, 5]),)) for _ in range(rng.randint(1, 30))]
        padded = [(s, seq, (g, 0)) for s, seq, (g,) in hits]  # a second field in no group: the general path
        want = rng.randint(0, 20)
        assert collapse(hits, want, True) == collapse(padded, want, True)


def test_one_field_collapses_duplicates_and_counts_them():
    hits = [(3.0, 1, (7,)), (2.5, 2, (0,)), (2.0, 3, (7,)), (1.0, 4, (9,)), (0.5, 5, (7,))]
    keep, members = collapse(hits, 10, True)
    assert keep == [(3.0, 1), (2.5, 2), (1.0, 4)]
    assert members == {1: 3, 2: 1, 4: 1}
