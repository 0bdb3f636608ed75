"""CSV export neutralises formula cells, CLI and API alike, with a raw opt-out (issue 12, item 8).

OWASP's advice for CSV injection: a cell starting with = + - @ (or TAB / CR) is run as
a formula by spreadsheets, so it is written with a leading ``'``. Before, both
``newsdesk export --csv`` and ``/api/export.csv`` wrote such cells verbatim.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.model import Record

from ..conftest import run_cli

HOSTILE = {
    '=HYPERLINK("http://evil.example","oil")': '\'=HYPERLINK("http://evil.example","oil")',
    "+oil rises 2%": "'+oil rises 2%",
    "-oil falls": "'-oil falls",
    "@SUM(A1:A9) oil": "'@SUM(A1:A9) oil",
    "=1+1 oil": "'=1+1 oil",  # (a leading TAB never reaches a cell: ingest strips it from titles)
    "Oil, plain": "Oil, plain",
}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "data"
    with newsdesk.open(path) as desk:
        desk.ingest_records(
            [
                Record(
                    title=title,
                    body=f"Crude oil report number {i}.",
                    source="Wire",
                    url=f"https://example.com/csv{i}",
                    published=f"2024-01-{i + 1:02d}T00:00:00Z",
                )
                for i, title in enumerate(HOSTILE)
            ]
        )
    return path


def _titles(text: str) -> set[str]:
    return {row["title"] for row in csv.DictReader(io.StringIO(text))}


def test_cli_export_neutralises_formula_cells(data):
    out = run_cli("export", "oil", "--csv", "-", data=data, check=True).stdout
    assert _titles(out) == set(HOSTILE.values())


def test_cli_export_raw_keeps_cells_as_they_are(data):
    out = run_cli("export", "oil", "--csv", "-", "--raw", data=data, check=True).stdout
    assert _titles(out) == set(HOSTILE)


def test_api_export_neutralises_formula_cells_and_raw_opts_out(data):
    with newsdesk.open(data) as desk:
        client = TestClient(create_app(desk))
        r = client.get("/api/export.csv", params={"q": "oil"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert _titles(r.text) == set(HOSTILE.values())
        assert _titles(client.get("/api/export.csv", params={"q": "oil", "raw": "true"}).text) == set(HOSTILE)


def test_jsonl_export_is_not_neutralised(data):
    """Only CSV is read by spreadsheets: JSON Lines keeps the text exactly."""
    with newsdesk.open(data) as desk:
        r = TestClient(create_app(desk)).get("/api/export.jsonl", params={"q": "oil"})
    assert {json.loads(line)["title"] for line in r.text.splitlines()} == set(HOSTILE)
