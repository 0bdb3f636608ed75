"""Collapse: one hit per group (exact duplicates today; copies or stories once those stages ran),
and the optional recency re-score that runs before it."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def collapse(
    hits: list[tuple[float, int, tuple[int, ...]]], want: int, on: bool
) -> tuple[list[tuple[float, int]], dict[int, int]]:
    """The first ``want`` (score, seq), keeping only the best hit of each group, plus how many
    candidates each kept seq stands for (itself included).

    Each hit carries one key per collapse field (exact-duplicate hash, copy group, story);
    a hit is dropped when any of its non-zero keys belongs to a hit already kept.
    """
    if on and hits and len(hits[0][2]) == 1:
        return _collapse_one(hits, want)
    keep: list[tuple[float, int]] = []
    owner: dict[tuple[int, int], int] = {}  # (field position, group key) -> the seq kept for it
    members: dict[int, int] = {}
    for score, seq, groups in hits:
        if on and groups:
            kept_for = None
            for i, g in enumerate(groups):
                if g and (i, g) in owner:
                    kept_for = owner[(i, g)]
                    break
            if kept_for is not None:
                members[kept_for] += 1
                continue
            for i, g in enumerate(groups):
                if g:
                    owner[(i, g)] = seq
        members[seq] = 1
        if len(keep) < want:
            keep.append((score, seq))
    return keep, members


def _collapse_one(
    hits: list[tuple[float, int, tuple[int, ...]]], want: int
) -> tuple[list[tuple[float, int]], dict[int, int]]:
    """:func:`collapse` on one collapse field (exact duplicates: every search's default), keyed
    by the group key alone: a third of the time for a page's 15 candidates."""
    keep: list[tuple[float, int]] = []
    owner: dict[int, int] = {}
    members: dict[int, int] = {}
    for score, seq, (g,) in hits:
        if g:
            kept_for = owner.get(g)
            if kept_for is not None:
                members[kept_for] += 1
                continue
            owner[g] = seq
        members[seq] = 1
        if len(keep) < want:
            keep.append((score, seq))
    return keep, members


def recency_rescore(
    hits: list[tuple[float, int, tuple[int, ...]]], published: dict[int, str], half_life: float
) -> list[tuple[float, int, tuple[int, ...]]]:
    """Multiply each score by 1 + 2^(-age/half_life): today x2, one half-life ago x1.5."""
    now = datetime.now(UTC)
    out = []
    for score, seq, group in hits:
        when = published.get(seq, "")
        factor = 1.0
        if when:
            dt = datetime.fromisoformat(when.replace("Z", "+00:00"))
            age = max(0.0, (now - dt).total_seconds() / 86400)
            factor = 1.0 + math.pow(2.0, -age / half_life)
        out.append((score * factor, seq, group))
    out.sort(key=lambda x: -x[0])
    return out
