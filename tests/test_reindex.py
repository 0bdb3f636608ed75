"""`newsdesk reindex` builds beside the live index and switches atomically (issue 12, item 5).

Searches against a running `newsdesk serve` keep finding during a reindex, and a
process that opens the desk meanwhile neither deletes the half-built index nor
breaks the reindex.
"""

from __future__ import annotations

import gzip
import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import newsdesk
from newsdesk.index import POINTER, live_name

from .conftest import REUTERS, needs_shared, run_cli, serving

ARTICLES = 4000  # the first Reuters articles: a reindex long enough to search during it
OPEN_DESK = "import sys, newsdesk; newsdesk.open(sys.argv[1]).close()"


@pytest.fixture(scope="module")
def reuters_part(tmp_path_factory) -> Path:
    needs_shared()
    path = tmp_path_factory.mktemp("reindex") / "reuters-part.jsonl"
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        out.writelines(itertools.islice(src, ARTICLES))
    return path


def _index_dirs(data: Path) -> list[str]:
    return sorted(p.name for p in data.iterdir() if p.is_dir() and p.name.startswith("index"))


def test_reindex_switches_to_a_new_folder_and_deletes_the_old(tmp_path):
    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest(str(Path(__file__).parent / "data" / "jsonl"))
        before = desk.search("oil").total
        assert desk.reindex() == desk.count()
        assert desk.search("oil").total == before
    live = live_name(str(data))
    assert live != "index" and (data / POINTER).exists()
    assert _index_dirs(data) == [live], "only the live index is left"
    with newsdesk.open(data) as desk:  # a new process follows the pointer
        assert desk.search("oil").total == before


def test_a_killed_reindex_leaves_the_live_index_and_its_folder_goes_next_time(tmp_path):
    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest(str(Path(__file__).parent / "data" / "jsonl"))
        total = desk.search("*").total
    half = data / "index.20260101T000000000000-1"  # what a SIGKILLed build leaves
    half.mkdir()
    (half / "meta.json").write_text("{}")
    with newsdesk.open(data) as desk:
        assert desk.search("*").total == total, "the half-built folder is not the live index"
        desk.reindex()
        assert desk.search("*").total == total
    assert not half.exists()


def test_an_index_without_its_marker_is_still_rebuilt_from_the_store(tmp_path):
    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest(str(Path(__file__).parent / "data" / "jsonl"))
        total = desk.search("*").total
        desk.reindex()
    os.remove(data / live_name(str(data)) / "newsdesk-index.json")
    with newsdesk.open(data) as desk:
        assert desk.search("*").total == total


def test_an_index_of_an_older_schema_is_rebuilt_on_open_and_says_how_much(tmp_path):
    """After an upgrade changes the index schema, opening the desk rebuilds the index from the
    store; the desk says how many articles that is (the CLI shows a progress bar for it), and
    the CLI's first command after the upgrade answers from the rebuilt index."""
    import json

    from newsdesk.desk import Desk

    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest(str(Path(__file__).parent / "data" / "jsonl"))
        total, stored = desk.search("*").total, desk.count()
    marker = data / live_name(str(data)) / "newsdesk-index.json"
    old = json.loads(marker.read_text()) | {"schema": "7"}
    marker.write_text(json.dumps(old))
    desk = Desk(data, reconcile=False)
    try:
        assert desk.index_rebuild_pending() == stored > 0
        assert desk.reconcile() == stored
        assert desk.index_rebuild_pending() == 0 and desk.search("*").total == total
    finally:
        desk.close()
    marker.write_text(json.dumps(old))
    out = run_cli("search", "*", "--json", "--limit", "100", data=data, check=True)
    assert len(out.stdout.splitlines()) == min(total, 100)


def test_another_desk_open_during_a_reindex_sees_the_old_index_then_the_new(tmp_path):
    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest(str(Path(__file__).parent / "data" / "jsonl"))
        total = desk.search("*").total
    reader = newsdesk.open(data)
    seen: list[int] = []

    def progress(_n: int) -> None:  # mid-build: another desk opens, and the reader searches
        with newsdesk.open(data) as other:
            seen.append(other.search("*").total)
        seen.append(reader.search("*").total)

    try:
        with newsdesk.open(data) as writer:
            assert writer.reindex(progress=progress) == total
        assert seen and min(seen) == total
        assert reader.search("*").total == total, "the reader follows the switch"
        assert reader.index.path.endswith(live_name(str(data)))
    finally:
        reader.close()


@pytest.mark.slow
def test_searches_against_serve_never_see_an_empty_index_during_reindex(tmp_path, reuters_part):
    data = tmp_path / "data"
    run_cli("ingest", str(reuters_part), data=data, check=True)
    with serving(data) as base:
        expected = httpx.get(base + "/api/search", params={"q": "oil", "limit": 1, "facets": "false"}).json()[
            "total"
        ]
        assert expected > 100
        hits: list[int] = []
        errors: list[str] = []
        stop = threading.Event()

        def search_loop() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not stop.is_set():
                    r = client.get("/api/search", params={"q": "oil", "limit": 1, "facets": "false"})
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:200]}")
                    else:
                        hits.append(r.json()["total"])

        loop = threading.Thread(target=search_loop)
        loop.start()
        try:
            time.sleep(0.3)
            during_from = len(hits)
            reindex = subprocess.Popen(
                [sys.executable, "-m", "newsdesk", "--data", str(data), "reindex"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            openers = 0
            while reindex.poll() is None:  # other processes open the desk while it runs
                subprocess.run([sys.executable, "-c", OPEN_DESK, str(data)], check=True, timeout=120)
                openers += 1
            out, err = reindex.communicate()
            during = hits[during_from:]
            time.sleep(0.5)
        finally:
            stop.set()
            loop.join()
    assert reindex.returncode == 0, err
    assert f"reindexed {ARTICLES:,} articles" in out or "reindexed" in out
    assert not errors, errors[:3]
    assert openers >= 1
    assert len(during) >= 5, "the search loop ran during the reindex"
    assert min(hits) == expected and max(hits) == expected, (min(hits), max(hits))
    assert _index_dirs(data) == [live_name(str(data))]


def test_refresh_after_another_process_reindexed_follows_the_switch(tmp_path):
    """A server's desk refreshes (a commit was seen) after a reindex elsewhere deleted the folder
    it had open: it must move to the new index, not reopen the deleted one (that was a 500)."""
    from newsdesk.model import Record

    data = tmp_path / "data"
    with newsdesk.open(data) as desk:
        desk.ingest_records([Record(title=f"Oil report {i}", body="Crude oil prices.", external_id=str(i))
                             for i in range(30)])
    reader = newsdesk.open(data, create=False)
    try:
        before = reader.index.path
        assert reader.search("oil").total == 30
        run_cli("reindex", data=data, check=True)
        assert not os.path.exists(before), "the reindex deleted the folder the reader had open"
        reader.refresh()
        assert reader.index.path != before
        assert reader.search("oil").total == 30
    finally:
        reader.close()


def _fieldnorms(data: Path) -> dict[str, bool]:
    import json

    meta = json.loads((data / live_name(str(data)) / "meta.json").read_text())
    return {f["name"]: f["options"]["indexing"]["fieldnorms"] for f in meta["schema"] if f["options"].get("indexing")}


def test_new_indexes_keep_lengths_only_where_ranking_reads_them_and_older_ones_open_as_they_are(
    tmp_path, monkeypatch
):
    """Fieldnorms (a byte an article per field) are kept for the ranked text and headline fields
    only (issue 13, data directory); an index written before keeps them all and opens without a
    rebuild, finding and ordering the same articles, and a reindex writes it the new way."""
    import newsdesk.index.schema as index_schema
    from newsdesk.desk import Desk

    source = str(Path(__file__).parent / "data" / "jsonl")
    ranked = ("*", "snow", "title:snow", "source:wire OR snow")  # ranked on text/title: same order
    fielded = ("body:snow", "author:smith OR snow")  # same matches (their length order may differ)
    queries = ranked + fielded
    lean, old = tmp_path / "lean", tmp_path / "old"
    with newsdesk.open(lean) as desk:
        desk.ingest(source)
        expected = {q: [h.id for h in desk.search(q, limit=50).hits] for q in queries}
    norms = _fieldnorms(lean)
    assert {name for name, kept in norms.items() if kept} == {
        name for name in norms if name.split("_")[0] in ("text", "title")
    }
    assert norms["text_de"] and norms["title"] and not norms["body"] and not norms["body_de"]

    monkeypatch.setattr(index_schema, "NO_FIELDNORMS", frozenset())  # an index as round 4 wrote it
    with newsdesk.open(old) as desk:
        desk.ingest(source)
    monkeypatch.undo()
    assert all(_fieldnorms(old).values())
    desk = Desk(old, reconcile=False)
    try:
        assert desk.index_rebuild_pending() == 0
        got = {q: [h.id for h in desk.search(q, limit=50).hits] for q in queries}
        assert {q: got[q] for q in ranked} == {q: expected[q] for q in ranked}
        assert {q: sorted(got[q]) for q in fielded} == {q: sorted(expected[q]) for q in fielded}
        assert expected["snow"] and expected["body:snow"]
    finally:
        desk.close()
    run_cli("reindex", data=old, check=True)
    assert _fieldnorms(old) == norms
