"""Following over HTTP: /api/alerts, /api/feeds, the /alerts and /feeds pages, `serve --watch`."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time

import httpx
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app

from ..conftest import free_port
from ..feeds.localhttp import Route, feed_server, item
from .conftest import story


def test_api_alerts_need_a_key_to_write_and_hide_the_secret_on_read(tmp_path):
    with newsdesk.open(tmp_path / "data") as d:
        key = d.create_key()
        client = TestClient(create_app(d))
        body = {
            "name": "oil",
            "query": "oil",
            "notify": ["webhook:http://127.0.0.1:9/hook"],
            "every": "daily",
        }
        assert client.post("/api/alerts", json=body).status_code == 401
        r = client.post("/api/alerts", json=body, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
        bad = client.post(
            "/api/alerts",
            json={**body, "name": "x", "query": '"open'},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert bad.status_code == 400 and "query syntax" in bad.json()["error"]["message"]
        d.ingest_records([story(1, "Oil prices rose.")])
        listed = client.get("/api/alerts").json()["alerts"]
        assert [(a["name"], a["matches"], a["cadence"]) for a in listed] == [("oil", 1, "daily")]
        shown = client.get("/api/alerts/oil").json()
        assert "secret" not in shown and shown["recent"][0]["title"] == "Oil prices rose (1)"
        assert client.delete("/api/alerts/oil").status_code == 401
        assert client.delete("/api/alerts/oil", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.get("/api/alerts").json()["alerts"] == []


def test_alerts_page_saves_and_deletes_with_a_key_and_shows_matches(tmp_path):
    with newsdesk.open(tmp_path / "data") as d:
        key = d.create_key()
        client = TestClient(create_app(d))
        page = client.get("/alerts", params={"q": '"jeff sessions"'})
        assert page.status_code == 200 and 'value="&#34;jeff sessions&#34;"' in page.text
        wrong = client.post("/alerts", data={"name": "s", "query": "sessions", "key": "nd_wrong"})
        assert wrong.status_code == 403 and "not valid" in wrong.text
        ok = client.post(
            "/alerts", data={"name": "s", "query": "sessions", "key": key}, follow_redirects=False
        )
        assert ok.status_code == 303
        d.ingest_records([story(1, "Sessions began in Congress.")])
        page = client.get("/alerts").text
        assert "Sessions began in Congress (1)" in page and "/feeds/s.atom" in page
        froze = client.post(
            "/snapshots", data={"name": "f1", "query": "sessions", "key": key}, follow_redirects=False
        )
        assert froze.status_code == 303 and d.follow.snapshot("f1")["count"] == 1
        assert "/api/snapshots/f1?format=csv" in client.get("/alerts").text
        gone = client.post("/alerts/s/delete", data={"key": key}, follow_redirects=False)
        assert gone.status_code == 303 and d.follow.alerts() == []


def test_serve_watch_polls_feeds_in_the_background(tmp_path):
    data = tmp_path / "data"
    with feed_server() as server:
        server.routes["/feed.xml"] = Route(items=[item(1), item(2)])
        with newsdesk.open(data) as d:
            d.follow.add_feed(server.base + "/feed.xml", name="local", every="1s")
        with _serve_watch(data) as base:
            deadline = time.time() + 30
            feeds = []
            while time.time() < deadline:
                feeds = httpx.get(base + "/api/feeds").json()["feeds"]
                if feeds and feeds[0]["total_new"] == 2:
                    break
                time.sleep(0.3)
            assert feeds[0]["total_new"] == 2 and feeds[0]["status"] in (200, 304)
            server.routes["/feed.xml"].items.append(item(3))
            while time.time() < deadline:
                if httpx.get(base + "/api/feeds/local").json()["total_new"] == 3:
                    break
                time.sleep(0.3)
            assert httpx.get(base + "/api/feeds/local").json()["total_new"] == 3
            assert "Local Test Feed" in httpx.get(base + "/feeds").text


@contextlib.contextmanager
def _serve_watch(data):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data", str(data), "serve", "--port", str(port), "--watch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(base + "/api/feeds", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_http_ingest_is_percolated_too(tmp_path):
    """Every ingest path ends in the same follow-up: POST /api/ingest matches saved searches."""
    with newsdesk.open(tmp_path / "data") as d:
        key = d.create_key()
        d.follow.add_alert("oil", "oil")
        client = TestClient(create_app(d))
        lines = "\n".join(
            json.dumps({"title": f"Oil up {i}", "body": f"Oil prices rose, report {i}.", "id": f"h{i}"})
            for i in range(3)
        )
        r = client.post(
            "/api/ingest",
            content=lines.encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
        )
        assert r.status_code == 200, r.text
        assert d.follow.alert("oil")["matches"] == 3
