"""The CLI as a user runs it: real subprocesses, real data directories."""

from __future__ import annotations

import json

import pytest

from .conftest import SEED, needs_shared, run_cli


@pytest.fixture
def seeded(tmp_path):
    data = tmp_path / "data"
    proc = run_cli("ingest", str(SEED), data=data)
    if not SEED.exists():
        pytest.skip("../shared/seed not found")
    assert proc.returncode == 0, proc.stderr
    assert "1 new, 0 already present, 0 rejected" in proc.stdout
    return data


def test_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for name in ("ingest", "search", "show", "stats", "reindex"):
        assert name in proc.stdout


def test_search_prints_ranked_highlighted_results(seeded):
    proc = run_cli("search", "jeff sessions", data=seeded)
    assert proc.returncode == 0, proc.stderr
    assert "1 match for 'jeff sessions'" in proc.stdout
    assert "**Jeff** **Sessions**" in proc.stdout  # highlights survive a pipe


def test_search_json_fields(seeded):
    proc = run_cli("search", "sanctuary", "--json", data=seeded)
    hit = json.loads(proc.stdout.splitlines()[0])
    assert {"id", "external_id", "title", "url", "source", "published", "score", "snippet"} <= set(hit)
    assert hit["external_id"] == "000_91e1bbcf43ae4a30"
    assert "<b>sanctuary</b>" in hit["snippet"].lower()


def test_show_by_external_id(seeded):
    proc = run_cli("show", "000_91e1bbcf43ae4a30", "--json", data=seeded)
    article = json.loads(proc.stdout)
    assert "Protecting criminal aliens" in article["body"]


def test_show_unknown_id_is_one_line_error(seeded):
    proc = run_cli("show", "nope", data=seeded)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "no article" in proc.stderr


def test_stats_json(seeded):
    proc = run_cli("stats", "--json", data=seeded)
    assert json.loads(proc.stdout)["articles"] == 1


def test_reading_a_missing_desk_says_so(tmp_path):
    proc = run_cli("search", "x", data=tmp_path / "none")
    assert proc.returncode == 1
    assert "no such data directory" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_map_is_usage_error(tmp_path):
    proc = run_cli("ingest", str(tmp_path), "--map", "nonsense", data=tmp_path / "d")
    assert proc.returncode == 2 and "FIELD=COLUMN" in proc.stderr


def test_ingest_prints_rejects_with_positions(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "body": "fine"}\nnot json\n')
    proc = run_cli("ingest", str(bad), data=tmp_path / "d")
    assert proc.returncode == 0
    assert "1 new, 0 already present, 1 rejected" in proc.stdout
    assert f"{bad}:2" in proc.stderr


def test_no_progress_bar_when_piped(tmp_path):
    needs_shared()
    proc = run_cli("ingest", str(SEED), data=tmp_path / "d")
    assert proc.stdout.strip().splitlines()[-1].startswith("1 new")
    assert "articles/s" not in proc.stderr
