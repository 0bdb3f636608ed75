"""`serve --read-key` covers every read: pages, Atom feeds and /api (issue 12, item 4).

Before, only /api/* asked for the key; the web pages served every article to anyone.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.api.guard import COOKIE, is_open
from newsdesk.model import Record

from .servers import serve_with

# a value for every path parameter, so that each GET route can be asked
PARAMS = {"article_id": "ARTICLE", "kind": "terms", "name": "oil", "story_id": "1", "name:path": "oil"}


def _fill(desk) -> tuple[str, str]:
    desk.ingest_records(
        [
            Record(
                title=f"Oil prices {i}",
                body="Crude oil output rose, the ministry said.",
                source="Wire",
                published=f"1987-04-{1 + i:02d}T10:00:00Z",
                url=f"https://example.com/oil{i}",
            )
            for i in range(5)
        ]
    )
    return desk.search("oil").hits[0].id, desk.create_key("reader")


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    data = tmp_path_factory.mktemp("readkey") / "data"
    with newsdesk.open(data) as desk:
        article_id, key = _fill(desk)
        desk.follow.add_alert("oil", "oil")
    return data, article_id, key


def _read_routes(app, article_id: str) -> list[str]:
    """Every GET route of the app with its parameters filled in (new routes are covered too)."""

    def walk(routes):
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    out = []
    for route in walk(app.routes):
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or set()
        if "GET" not in methods or is_open(path) or path.startswith("/docs"):
            continue
        out.append(
            re.sub(r"\{([^}]+)\}", lambda m: PARAMS.get(m.group(1), "x"), path).replace("ARTICLE", article_id)
        )
    return out


def test_every_get_route_needs_the_key_and_takes_bearer_or_cookie(keyed):
    data, article_id, key = keyed
    with newsdesk.open(data) as desk:
        app = create_app(desk, read_key=True)
        routes = _read_routes(app, article_id)
        assert {
            "/",
            f"/articles/{article_id}",
            "/timeline",
            "/entities/oil",
            "/stories",
            "/stories/1",
            "/alerts",
            "/feeds",
            "/feeds/oil.atom",
            "/api/search",
            f"/api/articles/{article_id}",
        } <= set(routes)
        client = TestClient(app)
        for path in routes:
            r = client.get(path)
            assert r.status_code == 401, (path, r.status_code)
            assert "Crude oil" not in r.text and "Oil prices" not in r.text, path
            assert client.get(path, headers={"Authorization": "Bearer nd_wrong"}).status_code == 401, path
            ok = client.get(path, headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code != 401, (path, ok.text[:200])
            ok = client.get(path, cookies={COOKIE: key})
            assert ok.status_code != 401, (path, ok.text[:200])
            assert client.get(path, cookies={COOKIE: "nd_wrong"}).status_code == 401, path
        assert client.get("/feeds/oil.atom", params={"key": key}).status_code == 200
        for open_path in ("/login", "/static/style.css"):
            assert client.get(open_path).status_code == 200, open_path


def test_pages_answer_401_with_the_login_form_and_login_sets_a_strict_httponly_cookie(keyed):
    data, article_id, key = keyed
    with newsdesk.open(data) as desk:
        client = TestClient(create_app(desk, read_key=True))
        r = client.get(f"/articles/{article_id}")
        assert r.status_code == 401 and 'action="/login"' in r.text
        assert f'value="/articles/{article_id}"' in r.text, "the form comes back to the page asked for"
        bad = client.post("/login", data={"key": "nd_wrong", "next": "/"}, follow_redirects=False)
        assert bad.status_code == 401 and "not valid" in bad.text and "set-cookie" not in bad.headers
        r = client.post(
            "/login", data={"key": key, "next": f"/articles/{article_id}"}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == f"/articles/{article_id}"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
        off_site = client.post("/login", data={"key": key, "next": "//evil.example/"}, follow_redirects=False)
        assert off_site.headers["location"] == "/"
        assert "Crude oil" in client.get(f"/articles/{article_id}").text  # the client kept the cookie
        client.post("/logout")
        assert client.get(f"/articles/{article_id}").status_code == 401


def test_without_read_key_pages_stay_open(keyed):
    data, article_id, _ = keyed
    with newsdesk.open(data) as desk:
        client = TestClient(create_app(desk))
        assert client.get(f"/articles/{article_id}").status_code == 200
        assert client.get("/api/search", params={"q": "oil"}).json()["total"] == 5


@pytest.mark.slow
def test_real_serve_read_key_with_curl_like_requests(keyed):
    data, article_id, key = keyed
    paths = [
        "/",
        "/?q=oil",
        f"/articles/{article_id}",
        "/timeline?q=oil",
        "/entities/oil",
        "/stories",
        "/alerts",
        "/feeds",
        "/feeds/oil.atom",
        "/api/search?q=oil",
        f"/api/articles/{article_id}",
        "/api/export.csv?q=oil",
        "/api/timeline?q=oil",
    ]
    with serve_with(data, "--read-key") as base:
        for path in paths:
            r = httpx.get(base + path)
            assert r.status_code == 401, (path, r.status_code)
            assert "Crude oil" not in r.text
            authed = httpx.get(base + path, headers={"Authorization": f"Bearer {key}"})
            assert authed.status_code in (200, 404), (path, authed.status_code)
        assert httpx.get(base + "/api/search?q=oil", cookies={COOKIE: key}).json()["total"] == 5
