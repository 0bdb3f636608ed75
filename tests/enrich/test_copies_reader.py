"""Copies found with sketches made in the reader process are the copies found without them."""

from __future__ import annotations

import json

import pytest

import newsdesk
from newsdesk.enrich import copies
from newsdesk.enrich.copies import CopiesStage
from newsdesk.readers import ReadOptions, background
from newsdesk.store import Store
from tests.enrich.test_copies import BODY, COPIES, OTHER, TITLE, add, art, groups_by_id, run

pytest.importorskip("rensa")


def articles():
    return [art("orig", TITLE, BODY), *(art(k, t, b) for k, (t, b) in COPIES.items()), art("other", *OTHER)]


def test_prepared_sketches_give_the_same_groups(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "ready").mkdir()
    plain = Store(str(tmp_path / "plain"))
    run(plain, CopiesStage(), add(plain, articles()))
    ready = Store(str(tmp_path / "ready"))
    rows = add(ready, articles())
    stage = CopiesStage()
    stage.prepared = copies.prepare_rows([r[1:13] for r in rows])
    sketches = stage.compute(rows)
    assert all(s._shingles is None for s in sketches), "prepared sketches carry no shingle sets"
    assert [(s.keys, s.n_shingles) for s in sketches] == [
        (s.keys, s.n_shingles) for s in CopiesStage().compute(rows)
    ]
    with ready.transaction():
        stage.write(ready, rows, sketches)
    assert groups_by_id(ready) == groups_by_id(plain)
    assert len({g for g, _o in groups_by_id(ready).values()}) == 2  # the copies, and the other story


def test_the_reader_process_prepares_and_the_ingest_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSDESK_READER_PREPARE", "always")
    path = tmp_path / "in.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for a in articles():
            fh.write(json.dumps({"id": a.id, "title": a.title, "body": a.body, "published": a.published}) + "\n")
    prepared: dict = {}
    rows = list(background.read_in_background([str(path)], ReadOptions(), "2026-06-03T06:00:00Z",
                                              prepare=copies.prepare_rows, prepared=prepared))
    assert len(rows) == len(articles()) and set(prepared) == {(r[4], r[5]) for r in rows}
    monkeypatch.setattr(background, "PARALLEL_MIN_BYTES", 0)  # this small file goes through the reader too
    with newsdesk.open(tmp_path / "desk") as desk:
        summary = desk.ingest(str(path))
        assert summary.new == len(articles())
        hits = desk.search("Rotterdam dock strike", limit=10, collapse="copies").hits
        by_id = {h.external_id: h for h in hits}
    assert "other" in by_id and len(hits) == 2, [h.external_id for h in hits]
