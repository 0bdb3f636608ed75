"""Collapse: one hit per group (exact duplicates today; copies or stories once those stages ran),
and the optional recency re-score that runs before it."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def collapse(hits: list[tuple[float, int, int]], want: int, on: bool) -> tuple[list[tuple[float, int]], dict[int, int]]:
    """The first ``want`` (score, seq) keeping the best of each group, plus how many members each
    kept seq's group had among the candidates (for "+N copies")."""
    keep: list[tuple[float, int]] = []
    first: dict[int, int] = {}  # group -> seq kept for it
    members: dict[int, int] = {}
    for score, seq, group in hits:
        if on and group:
            if group in first:
                members[first[group]] += 1
                continue
            first[group] = seq
        members[seq] = 1
        if len(keep) < want:
            keep.append((score, seq))
    return keep, members


def recency_rescore(
    hits: list[tuple[float, int, int]], published: dict[int, str], half_life: float
) -> list[tuple[float, int, int]]:
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
