"""Helpers shared by the reader tests: the test data directory and small filters."""

from __future__ import annotations

from pathlib import Path

from newsdesk.model import Record, Reject
from newsdesk.normalize import iso, parse_date
from newsdesk.readers import ReadOptions, read_file

DATA = Path(__file__).resolve().parents[1] / "data"


def read(path: Path | str, **options) -> list[Record | Reject]:
    return list(read_file(str(path), ReadOptions(**options)))


def records(items: list[Record | Reject]) -> list[Record]:
    return [r for r in items if isinstance(r, Record)]


def rejects(items: list[Record | Reject]) -> list[Reject]:
    return [r for r in items if isinstance(r, Reject)]


def published(rec: Record) -> str:
    return iso(parse_date(rec.published))
