"""Ranking quality as a gate: the metrics on the committed dev data may not drop below
the floors pinned in tests/eval_baseline.json (a trafilatura-style eval gate)."""

from __future__ import annotations

import json

import pytest

import newsdesk
from newsdesk import evaluate as ev
from newsdesk.evaluate import collections as evalsets

from ..conftest import ROOT, SEED, SHARED, needs_shared

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


# the classics are fetched data and not committed (tests/data/ranking/README.md): shared, or .bench-cache/
CLASSICS_AT = (SHARED / "data" / "ranking", ROOT / ".bench-cache" / "ranking")


def _classic_quality(name: str, tmp_path) -> dict[str, float]:
    """nDCG@10 over every judged query of a committed classic collection (no shared data needed)."""
    import gzip

    from newsdesk.model import Record

    base = next((b for b in CLASSICS_AT if (b / name / "docs.jsonl.gz").exists()), None)
    if base is None:
        pytest.skip(f"{name}: the converted collection is not in {CLASSICS_AT[0]} or {CLASSICS_AT[1]}")
    CLASSICS = base
    with gzip.open(CLASSICS / name / "docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [Record(title=o["title"], body=o["body"], external_id=o["id"], source=name)
                   for o in map(json.loads, fh)]
    queries, qrels, _unjudged = ev.judged_files(CLASSICS / name / "queries.tsv", CLASSICS / name / "qrels.txt")
    with newsdesk.open(tmp_path / name) as desk:
        desk.ingest_records(records)
        return ev.measure(ev.run_queries(desk, queries, depth=100), qrels)


def test_med_quality(tmp_path):
    pytest.importorskip("ir_measures")
    _check("med", _classic_quality("med", tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cacm", "cisi", "cran", "npl"])
def test_classic_quality(name, tmp_path):
    pytest.importorskip("ir_measures")
    _check(name, _classic_quality(name, tmp_path))
