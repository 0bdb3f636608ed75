"""``ingest --update``: a corrected or changed article replaces the stored one, keeping its id,
its seq and its earlier text as a revision; the index and the enrichment checkpoints follow."""

from __future__ import annotations

import json
from pathlib import Path

from newsdesk.store import stages

from ..conftest import run_cli


def export(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [
    {
        "url": f"https://news.example.com/story-{i}",
        "title": f"Harbour story {i}",
        "body": "",
        "short_description": f"The harbour board approved plan {i} for the quay.",
        "lead_text": f"Full text {i}: the harbour board approved plan {i} for the quay after a long debate.",
    }
    for i in range(1, 6)
]


def test_short_description_is_a_body_name(desk, tmp_path):
    desk.ingest(str(export(tmp_path / "e.jsonl", ROWS)))
    assert desk.get(desk.store.db.execute("SELECT id FROM articles LIMIT 1").fetchone()[0]).body.startswith(
        "The harbour board approved plan"
    )


def test_update_replaces_what_changed_keeps_id_and_revision(desk, tmp_path):
    path = export(tmp_path / "e.jsonl", ROWS)
    assert desk.ingest(str(path)).new == 5
    ids = {r[0]: r[1] for r in desk.store.db.execute("SELECT id, seq FROM articles")}
    assert desk.search("debate").total == 0
    # the same file with a corrected mapping: without --update nothing changes
    plain = desk.ingest(str(path), mapping={"body": "lead_text"})
    assert (plain.new, plain.present, plain.updated) == (0, 5, 0)
    assert desk.search("debate").total == 0
    stages.mark_done(desk.store, "entities", 1, list(ids.values()))
    got = desk.ingest(str(path), mapping={"body": "lead_text"}, update=True)
    assert (got.new, got.present, got.updated) == (0, 5, 5)
    assert {r[0]: r[1] for r in desk.store.db.execute("SELECT id, seq FROM articles")} == ids
    assert desk.search("debate").total == 5  # re-indexed
    assert stages.pending(desk.store, "entities", 1) == sorted(ids.values())  # stages redo them
    some = next(iter(ids))
    (rev,) = desk.revisions(some)
    assert rev["body"].startswith("The harbour board approved plan") and rev["n"] == 1
    assert rev["seen_at"] and rev["replaced_at"]
    # unchanged input: nothing updated, no new revision
    again = desk.ingest(str(path), mapping={"body": "lead_text"}, update=True)
    assert (again.new, again.updated) == (0, 0)
    assert len(desk.revisions(some)) == 1


def test_update_finds_an_article_without_url_by_its_external_id(desk, tmp_path):
    rows = [{"id": "wire-7", "title": "Mill closes", "body": "The mill closed."}]
    desk.ingest(str(export(tmp_path / "a.jsonl", rows)))
    old_id = desk.get("wire-7").id
    rows[0]["body"] = "The mill closed on Friday, the owners said, after 90 years."
    got = desk.ingest(str(export(tmp_path / "b.jsonl", rows)), update=True)
    assert (got.new, got.updated) == (0, 1)
    assert desk.get("wire-7").id == old_id and "90 years" in desk.get("wire-7").body
    assert desk.store.count() == 1


def test_feed_revisions_through_ingest_records(desk):
    from newsdesk.model import Record

    rec = Record(
        title="Storm nears coast", body="Winds of 90 km/h.", url="https://n.example/storm", external_id="g1"
    )
    desk.ingest_records([rec], update=True)
    rec2 = Record(
        title="Storm hits coast", body="Winds of 140 km/h.", url="https://n.example/storm", external_id="g1"
    )
    got = desk.ingest_records([rec2], update=True)
    assert got.updated == 1
    assert [r["title"] for r in desk.revisions("g1")] == ["Storm nears coast"]
    assert desk.get("g1").title == "Storm hits coast"


def test_cli_update_and_show_json_revisions(tmp_path):
    data = tmp_path / "data"
    path = export(tmp_path / "e.jsonl", ROWS[:2])
    run_cli("ingest", str(path), data=data, check=True)
    out = run_cli("ingest", str(path), "--map", "body=lead_text", "--update", data=data, check=True)
    assert "0 new, 2 already present (2 updated), 0 rejected" in out.stdout
    shown = json.loads(run_cli("show", "--json", _first_id(data), data=data, check=True).stdout)
    assert shown["body"].startswith("Full text") and len(shown["revisions"]) == 1
    assert shown["revisions"][0]["body"].startswith("The harbour board")


def _first_id(data: Path) -> str:
    import sqlite3

    db = sqlite3.connect(data / "newsdesk.db")
    try:
        return db.execute("SELECT id FROM articles ORDER BY seq LIMIT 1").fetchone()[0]
    finally:
        db.close()


def test_a_field_empty_in_every_record_is_noted(desk, tmp_path):
    rows = [{"url": f"https://n.example/{i}", "title": f"T{i}", "content": ""} for i in range(3)]
    got = desk.ingest(str(export(tmp_path / "e.jsonl", rows)))
    assert got.new == 3
    assert len(got.notes) == 1 and "'body' (column 'content') is empty in all 3 records" in got.notes[0]


def test_a_field_empty_in_every_csv_row_is_noted_on_the_cli(tmp_path):
    csv = tmp_path / "e.csv"
    csv.write_text("title,text,url\nOne,,https://n.example/1\nTwo,,https://n.example/2\n")
    out = run_cli("ingest", str(csv), data=tmp_path / "data", check=True)
    assert "note: " in out.stderr and "'body' (column 'text') is empty in all 2 records" in out.stderr


def test_notes_come_through_the_reader_process(tmp_path):
    from newsdesk.readers import Note, ReadOptions
    from newsdesk.readers.background import read_in_background

    rows = [{"url": f"https://n.example/{i}", "title": f"T{i}", "content": ""} for i in range(3)]
    items = list(
        read_in_background([str(export(tmp_path / "e.jsonl", rows))], ReadOptions(), "2026-01-01T00:00:00Z")
    )
    notes = [i for i in items if isinstance(i, Note)]
    assert len(items) == 4 and len(notes) == 1 and "'body' (column 'content')" in notes[0].text
