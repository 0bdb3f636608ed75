"""Ranking quality as a gate: the metrics on the committed dev data may not drop below
the floors pinned in tests/eval_baseline.json (a trafilatura-style eval gate)."""

from __future__ import annotations

import json

import pytest

import newsdesk
from newsdesk import evaluate as ev
from newsdesk.evaluate import collections as evalsets

from ..conftest import ROOT, SEED, needs_shared

BASELINE = json.loads((ROOT / "tests" / "eval_baseline.json").read_text())


def _check(name: str, measured: dict[str, float]) -> None:
    low = {m: (round(measured[m], 4), floor) for m, floor in BASELINE[name].items() if measured[m] < floor}
    assert not low, f"{name}: below the pinned floor (measured, floor): {low}"


@pytest.mark.slow
def test_reuters_dev_quality(reuters_desk):
    needs_shared()
    paths = evalsets.reuters_paths()
    run = ev.run_queries(reuters_desk, ev.load_queries(paths["queries"]), depth=100)
    _check("reuters-dev", ev.measure(run, ev.load_qrels(paths["qrels"])))


@pytest.mark.slow
def test_time_quality(tmp_path):
    if not evalsets.time_dir().exists():
        pytest.skip("shared TIME collection not found")
    with newsdesk.open(tmp_path / "time") as desk:
        desk.ingest_records(evalsets.time_records())
        run = ev.run_queries(desk, evalsets.time_queries(), depth=100)
        _check("time", ev.measure(run, evalsets.time_qrels()))


@pytest.mark.slow
def test_seed_pairs_found_first(reuters_desk):
    needs_shared()
    _check("seed-pairs", ev.known_items(reuters_desk, SEED).summary())
