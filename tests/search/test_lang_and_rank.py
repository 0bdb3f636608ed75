"""``lang`` and ``rank`` reach the search from every interface: Desk, CLI and /api/search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.errors import BadParameter
from tests.conftest import run_cli

DEMO = Path(__file__).resolve().parents[1] / "data" / "languages" / "demo.jsonl"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("langrank") / "d"
    with newsdesk.open(path) as desk:
        desk.ingest([str(DEMO)])
    return path


def test_desk_lang_restricts_and_rank_relaxed_fills(data):
    with newsdesk.open(data, create=False) as desk:
        assert [h.lang for h in desk.search("Regierung", lang="de").hits] == ["de"]
        assert desk.search("Regierung", lang=["fr", "es"]).total == 0
        # an AND query with a word no article has: nothing, unless relaxed fills the page with OR matches
        assert desk.search("economie zqxnosuchword").total == 0
        relaxed = desk.search("economie zqxnosuchword", rank="relaxed")
        assert [h.lang for h in relaxed.hits] == ["fr"]
        with pytest.raises(BadParameter, match="rank"):
            desk.search("economie", rank="neural")


def test_cli_lang_and_rank(data):
    out = run_cli("search", "Regierung", "--lang", "de", "--json", data=data, check=True)
    assert [json.loads(line)["lang"] for line in out.stdout.splitlines()] == ["de"]
    assert run_cli("search", "Regierung", "--lang", "fr", "--json", data=data, check=True).stdout == ""
    out = run_cli("search", "economie", "zqxnosuchword", "--rank", "relaxed", "--json", data=data, check=True)
    assert len(out.stdout.splitlines()) == 1


def test_api_lang_and_rank(data):
    with newsdesk.open(data, create=False) as desk, TestClient(create_app(desk)) as client:
        out = client.get("/api/search", params=[("q", "Regierung"), ("lang", "de")]).json()
        assert [h["lang"] for h in out["results"]] == ["de"]
        assert {f["value"] for f in out["facets"]["lang"]} == {"de"}
        assert client.get("/api/search", params={"q": "Regierung", "lang": "ru"}).json()["total"] == 0
        out = client.get("/api/search", params={"q": "economie zqxnosuchword", "rank": "relaxed"}).json()
        assert len(out["results"]) == 1
        bad = client.get("/api/search", params={"q": "economie", "rank": "neural"})
        assert bad.status_code in (400, 422) and "rank" in bad.text
