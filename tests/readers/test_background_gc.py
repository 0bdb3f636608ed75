"""A background read collects garbage rarely while it lasts, and puts the collector back after.

The storing process of a big ingest spent a sixth of its CPU time in the garbage collector
(readers.background.collecting_rarely); raising its thresholds must not outlive the read,
nor leave objects frozen, whether the read ends or is abandoned half way."""

from __future__ import annotations

import gc
import json

import pytest

from newsdesk.readers import ReadOptions, background


def _export(path, n: int):
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": str(i), "title": f"Headline {i}", "body": f"Body text number {i}."}) + "\n")
    return str(path)


@pytest.fixture()
def default_gc():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_thresholds_raised_while_reading_and_restored_after(tmp_path, default_gc):
    rows = background.read_in_background([_export(tmp_path / "a.jsonl", 30)], ReadOptions(), "2026-01-01T00:00:00Z")
    first = next(rows)
    assert first[5] == "Body text number 0."
    assert gc.get_threshold() == background.GC_THRESHOLDS
    assert gc.get_freeze_count() > 0
    assert len([first, *rows]) == 30  # nothing lost
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_abandoned_read_restores_the_collector(tmp_path, default_gc):
    rows = background.read_in_background([_export(tmp_path / "a.jsonl", 30)], ReadOptions(), "2026-01-01T00:00:00Z")
    next(rows)
    rows.close()
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_two_reads_at_once_restore_once_both_end(tmp_path, default_gc):
    a = background.read_in_background([_export(tmp_path / "a.jsonl", 5)], ReadOptions(), "2026-01-01T00:00:00Z")
    b = background.read_in_background([_export(tmp_path / "b.jsonl", 5)], ReadOptions(), "2026-01-01T00:00:00Z")
    next(a)
    next(b)
    a.close()
    assert gc.get_threshold() == background.GC_THRESHOLDS  # b still reads
    b.close()
    assert gc.get_threshold() == (700, 10, 10)
