"""Snapshots: frozen result sets, byte-identical exports after later ingests, deletion only."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.errors import NewsdeskError

from ..conftest import run_cli
from .conftest import story


def _oil(start: int, n: int):
    return [
        story(i, f"Oil prices moved {'sharply ' * (i % 4)}in trading.", published=f"2018-03-{1 + i % 28:02d}")
        for i in range(start, start + n)
    ]


def test_export_is_byte_identical_after_more_ingest(desk):
    desk.ingest_records(_oil(0, 30) + [story(100, "Cocoa only.")])
    meta = desk.follow.create_snapshot("oil87", "oil")
    assert (meta["count"], meta["total"]) == (30, 30)
    assert meta["desk_version"] == desk.store.version and meta["articles"] == 31
    before_csv, before_jsonl = (
        desk.follow.export_snapshot("oil87", "csv"),
        desk.follow.export_snapshot("oil87", "jsonl"),
    )
    desk.ingest_records(_oil(30, 20))
    assert desk.search("oil").total == 50
    assert desk.follow.export_snapshot("oil87", "csv") == before_csv
    assert desk.follow.export_snapshot("oil87", "jsonl") == before_jsonl

    rows = list(csv.DictReader(io.StringIO(before_csv)))
    assert [int(r["rank"]) for r in rows] == list(range(1, 31))
    assert {r["snapshot"] for r in rows} == {"oil87"} and {r["snapshot_sha256"] for r in rows} == {
        meta["checksum"]
    }
    ranked = desk.search("oil", limit=30, snippets=False)
    lines = before_jsonl.splitlines()
    head = json.loads(lines[0])["snapshot"]
    assert head["query"] == "oil" and head["checksum"] == meta["checksum"] and head["newsdesk_version"]
    first = json.loads(lines[1])
    assert first["snapshot"] == "oil87" and first["rank"] == 1
    assert len(lines) == 31
    assert [r["id"] for r in rows][:5] != [] and rows[0]["id"] in {h.id for h in ranked}


def test_snapshots_cannot_be_changed_only_deleted(desk):
    desk.ingest_records(_oil(0, 5))
    desk.follow.create_snapshot("s", "oil", since="2018-03-02", sort="date")
    assert desk.follow.snapshot("s")["filters"] == {"since": "2018-03-02", "sort": "date"}
    with pytest.raises(NewsdeskError, match="cannot be changed"):
        desk.follow.create_snapshot("s", "oil")
    with pytest.raises(sqlite3.DatabaseError, match="cannot be changed"):
        desk.store.db.execute("UPDATE snapshot_rows SET title='edited'")
    desk.follow.delete_snapshot("s")
    assert desk.follow.snapshots() == []


def test_cli_acceptance_snapshot_export_unchanged_by_later_ingest(tmp_path):
    data = tmp_path / "data"
    src1, src2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path, rng in ((src1, range(0, 40)), (src2, range(40, 70))):
        with open(path, "w") as fh:
            for i in rng:
                fh.write(
                    json.dumps(
                        {
                            "title": f"Oil report {i}",
                            "body": f"Crude oil prices, report {i}. " * (1 + i % 3),
                            "published": f"1987-03-{1 + i % 28:02d}",
                            "id": f"r{i}",
                        }
                    )
                    + "\n"
                )
    assert run_cli("ingest", str(src1), data=data).returncode == 0
    r = run_cli("snapshot", "create", "oil87", "oil", data=data)
    assert r.returncode == 0, r.stderr
    before = run_cli("snapshot", "export", "oil87", "--csv", data=data)
    assert before.returncode == 0 and before.stdout.count("\n") == 41
    assert run_cli("ingest", str(src2), data=data).returncode == 0
    after = run_cli("snapshot", "export", "oil87", "--csv", data=data)
    assert after.stdout == before.stdout
    assert "oil87" in run_cli("snapshot", "list", data=data).stdout
    assert "checksum" in run_cli("snapshot", "show", "oil87", data=data).stdout


def test_http_snapshot_read_create_and_delete_with_a_key(tmp_path):
    with newsdesk.open(tmp_path / "data") as d:
        d.ingest_records(_oil(0, 5))
        key = d.create_key()
        client = TestClient(create_app(d))
        auth = {"Authorization": f"Bearer {key}"}
        assert client.post("/api/snapshots", json={"name": "s1", "query": "oil"}).status_code == 401
        r = client.post("/api/snapshots", json={"name": "s1", "query": "oil"}, headers=auth)
        assert r.status_code == 201 and r.json()["count"] == 5
        got = client.get("/api/snapshots/s1").json()
        assert got["name"] == "s1" and len(got["rows"]) == 5 and got["rows"][0]["rank"] == 1
        assert client.get("/api/snapshots/s1?format=csv").text == d.follow.export_snapshot("s1", "csv")
        assert client.delete("/api/snapshots/s1").status_code == 401
        assert client.delete("/api/snapshots/s1", headers=auth).status_code == 200
        assert client.get("/api/snapshots/s1").status_code == 404
