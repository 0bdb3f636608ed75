"""The re-ranking tests' small desk: "harbour strike" deep in long bodies (BM25 likes those:
three times each), once in a headline and once in a lead, among fillers."""

from __future__ import annotations

import random
from pathlib import Path

import newsdesk
from newsdesk.model import Record

VOCAB = [f"filler{i}" for i in range(300)]


def harbour_records(seed: int, deep: int, others: int) -> list[Record]:
    """``deep`` articles with the words deep in the body, then ``headline``, ``lead`` and ``others`` fillers."""
    rng = random.Random(seed)

    def filler(n: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(n))

    records = [Record(title=filler(6), body=f"{filler(150)} harbour strike {filler(20)} harbour strike "
                      f"{filler(20)} harbour strike", external_id=f"deep{i}") for i in range(deep)]
    records.append(Record(title="Harbour strike ends", body=filler(120), external_id="headline"))
    records.append(Record(title=filler(6), body="The harbour strike " + filler(120), external_id="lead"))
    records += [Record(title=filler(6), body=filler(100), external_id=f"other{i}") for i in range(others)]
    return records


def harbour_desk(folder: Path, seed: int, deep: int, others: int) -> newsdesk.Desk:
    """A desk in ``folder`` holding :func:`harbour_records` (close it: a context manager)."""
    d = newsdesk.open(folder / "data")
    d.ingest_records(harbour_records(seed, deep=deep, others=others))
    return d
