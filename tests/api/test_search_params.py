"""/api/search reads its query string by hand (api/params.py): the same answers FastAPI gave."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.model import Record


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    desk = newsdesk.open(tmp_path_factory.mktemp("params") / "d")
    desk.ingest_records([
        Record(title=f"Coffee report {i}", body=f"Coffee quotas, item {i}.", published=f"1987-03-{1 + i:02d}",
               source=["Wire A", "Wire B", "Wire C"][i % 3], external_id=f"p{i}")
        for i in range(12)
    ])
    with TestClient(create_app(desk)) as c:
        yield c
    desk.close()


def test_repeated_source_keeps_every_value(client):
    out = client.get("/api/search", params=[("q", "coffee"), ("source", "Wire A"), ("source", "Wire C")]).json()
    assert out["total"] == 8 and {h["source"] for h in out["results"]} == {"Wire A", "Wire C"}


@pytest.mark.parametrize(("value", "has_facets"), [("false", False), ("0", False), ("no", False),
                                                    ("true", True), ("1", True)])
def test_facets_flag_reads_the_usual_spellings(client, value, has_facets):
    out = client.get("/api/search", params={"q": "coffee", "facets": value}).json()
    assert ("facets" in out) is has_facets
    if has_facets:
        assert {f["value"] for f in out["facets"]["sources"]} == {"Wire A", "Wire B", "Wire C"}


def test_defaults_and_unknown_parameters(client):
    out = client.get("/api/search", params={"q": "coffee", "colour": "blue"}).json()
    assert (out["limit"], out["offset"], out["total"], len(out["results"])) == (10, 0, 12, 10)
    assert list(out["results"][0])[:3] == ["rank", "id", "external_id"]  # a Hit, field order kept


@pytest.mark.parametrize(("params", "where"), [
    ({"limit": "abc"}, "query.limit"), ({"limit": "101"}, "query.limit"), ({"offset": "-1"}, "query.offset"),
    ({"sort": "best"}, "query.sort"), ({"facets": "maybe"}, "query.facets"), ({"q": "x" * 1001}, "query.q"),
])
def test_bad_values_are_422_naming_the_parameter(client, params, where):
    r = client.get("/api/search", params={"q": "coffee", **params})
    assert r.status_code == 422
    err = r.json()["error"]
    assert [p["where"] for p in err["problems"]] == [where] and where in err["message"]


def test_the_schema_lists_the_parameters(client):
    op = client.get("/openapi.json").json()["paths"]["/api/search"]["get"]
    names = [p["name"] for p in op["parameters"]]
    assert names == ["q", "limit", "offset", "since", "until", "source", "sort", "facets", "collapse", "lang", "rank"]
    limit = next(p for p in op["parameters"] if p["name"] == "limit")
    assert (limit["in"], limit["schema"]["maximum"]) == ("query", 100)
