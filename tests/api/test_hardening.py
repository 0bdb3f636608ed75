"""HTTP hardening (issue 12, item 12): upload cap and names, server paths, 500s, headers, hosts.

Each test fails on the behaviour the issue reported: uploads spooled in full before
the cap, 500s for odd file names, absolute paths in ``provenance``, a 500 logging a
whole traceback and dropping the connection, no security headers, any Host accepted.
"""

from __future__ import annotations

import json
import logging
import socket
import time

import httpx
import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.api import routes as api_routes
from newsdesk.model import Record

from .servers import in_thread, serve_with

LINES = (
    b'{"title": "Oil output rises", "body": "Crude oil output rose, the ministry said."}\n{"nothing": 1}\n'
)


@pytest.fixture
def keyed(tmp_path):
    with newsdesk.open(tmp_path / "data") as desk:
        key = desk.create_key("writer")
        yield desk, key


# -- uploads ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, says",
    [
        (".", "not a file name"),
        ("..", "not a file name"),
        ("a" * 294 + ".jsonl", "300 characters"),
        ("x/..", "not a file name"),
    ],
)
def test_odd_upload_names_are_a_400_saying_why(keyed, name, says):
    desk, key = keyed
    client = TestClient(create_app(desk))
    r = client.post("/api/ingest", headers={"Authorization": f"Bearer {key}"}, files={"file": (name, LINES)})
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert says in message and "file" in message and "/tmp" not in message


def test_upload_summary_names_the_uploaded_file_not_the_server_paths(keyed):
    desk, key = keyed
    client = TestClient(create_app(desk))
    r = client.post(
        "/api/ingest", headers={"Authorization": f"Bearer {key}"}, files={"file": ("wire.jsonl", LINES)}
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["new"] == 1 and out["rejected"] == 1
    assert out["rejects"][0].startswith("wire.jsonl:2"), out["rejects"]
    assert "/tmp" not in json.dumps(out) and desk.path not in json.dumps(out)
    art = client.get("/api/articles/" + desk.search("oil").hits[0].id).json()
    assert art["provenance"] == "wire.jsonl:1"


def test_article_api_gives_the_file_name_not_the_absolute_path(tmp_path):
    source = tmp_path / "deep" / "folder" / "wire.jsonl"
    source.parent.mkdir(parents=True)
    source.write_bytes(LINES)
    with newsdesk.open(tmp_path / "data") as desk:
        desk.ingest(str(source))
        hit = desk.search("oil").hits[0]
        assert desk.get(hit.id).provenance.startswith(str(tmp_path)), "the store keeps the full path"
        body = TestClient(create_app(desk)).get(f"/api/articles/{hit.id}").json()
    assert body["provenance"] == "wire.jsonl:1"
    assert str(tmp_path) not in json.dumps(body)


def _response_or_none(sock: socket.socket) -> bytes | None:
    sock.setblocking(False)
    try:
        return sock.recv(65536) or None
    except BlockingIOError:
        return None
    finally:
        sock.setblocking(True)


def test_multipart_upload_is_refused_while_it_streams_not_after(keyed, monkeypatch):
    """A chunked upload past the cap gets its 413 long before the client has sent it all.

    (Socket buffers on loopback hold a few MiB, so "long before" is a loose bound: the old
    code answered only once all 96 MiB were in.)
    """
    desk, key = keyed
    monkeypatch.setattr(api_routes, "MAX_UPLOAD", 2 << 20)
    with in_thread(create_app(desk)) as port, socket.create_connection(("127.0.0.1", port)) as sock:
        head = (
            f"POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        part = b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n'
        sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        piece = b"x" * 65536
        sent, answer = 0, None
        while sent < (96 << 20) and answer is None:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            answer = _response_or_none(sock)
        time.sleep(0.2)
        sock.settimeout(20)  # the old code waited for the rest of the body: a timeout, not a hang
        answer = answer or sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < (32 << 20), f"the server read {sent >> 20} MiB before refusing a 2 MiB cap"


def test_declared_oversize_upload_is_refused_before_the_body(keyed):
    desk, key = keyed
    with (
        in_thread(create_app(desk)) as port,
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
    ):
        sock.sendall(
            (
                f"POST /api/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
                "Content-Type: multipart/form-data; boundary=XyZ\r\n"
                f"Content-Length: {600 << 20}\r\n\r\n"
            ).encode()
        )
        answer = sock.recv(65536)  # no body sent at all: an answer now, or a timeout (the old spooling)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


# -- 500s ---------------------------------------------------------------------------------
def _boom(depth: int = 0) -> None:
    if depth < 400:
        _boom(depth + 1)
    raise RuntimeError("deep failure " + "x" * 100_000)


def test_a_500_logs_one_line_and_keeps_the_connection(desk, caplog):
    app = create_app(desk)

    @app.get("/api/boom")
    def boom() -> None:
        _boom()

    caplog.set_level(logging.INFO)
    with in_thread(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        r = client.get("/api/boom")
        assert r.status_code == 500
        assert r.json()["error"]["message"] == "internal error: the server logged the details"
        assert r.headers.get("connection", "").lower() != "close"
        assert client.get("/api/search", params={"q": "x"}).status_code == 200
        page = client.get("/api/boom", headers={"Accept": "text/html"})
        assert page.status_code == 500 and page.headers["x-content-type-options"] == "nosniff"
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 2, [r.getMessage()[:200] for r in logged]
    for record in logged:
        text = record.getMessage() + (record.exc_text or "")
        assert "\n" not in text and len(text) < 1000 and "RuntimeError: deep failure" in text
        assert record.exc_info is None


# -- headers and hosts ----------------------------------------------------------------------
def test_every_answer_carries_the_security_headers(desk):
    desk.ingest_records([Record(title="Oil", body="Crude oil rose.", url="https://example.com/o")])
    client = TestClient(create_app(desk))
    aid = desk.search("oil").hits[0].id
    for path in (
        "/",
        "/?q=oil",
        f"/articles/{aid}",
        "/timeline?q=oil",
        "/api/search?q=oil",
        "/nothing",
        "/api/nothing",
        "/static/style.css",
        "/openapi.json",
        "/api/search?q=(((",
        "/docs",
    ):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "no-referrer", path
        assert r.headers["x-frame-options"] == "DENY", path
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
        if path != "/docs":
            assert "unsafe-inline" not in csp, path
    docs = client.get("/docs")
    assert "'sha256-" in docs.headers["content-security-policy"]
    assert "<script>" not in client.get("/?q=oil").text, "pages hold no inline script"


def test_an_unknown_host_is_a_400(desk):
    app = create_app(desk, allowed_hosts=["localhost", "127.0.0.1", "news.example"])
    client = TestClient(app, base_url="http://news.example")
    assert client.get("/api/search?q=x").status_code == 200
    for host in ("evil.example", "127.0.0.1.evil.example", "news.example.evil", ""):
        r = client.get("/api/search?q=x", headers={"Host": host})
        assert r.status_code == 400, host
        assert "--allowed-host" in r.json()["error"]["message"]
    assert client.get("/", headers={"Host": "localhost:8123"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 400
    assert (
        TestClient(create_app(desk, allowed_hosts=["*"])).get("/", headers={"Host": "any"}).status_code == 200
    )


@pytest.mark.slow
def test_serve_allows_its_bind_host_localhost_and_named_hosts(tmp_path):
    data = tmp_path / "data"
    newsdesk.open(data).close()
    with serve_with(data, "--allowed-host", "news.example") as base:
        port = base.rsplit(":", 1)[1]
        assert httpx.get(base + "/").status_code == 200
        assert httpx.get(base + "/", headers={"Host": f"localhost:{port}"}).status_code == 200
        assert httpx.get(base + "/", headers={"Host": "news.example"}).status_code == 200
        r = httpx.get(base + "/api/search?q=x", headers={"Host": "rebind.attacker.example"})
        assert r.status_code == 400 and "--allowed-host" in r.json()["error"]["message"]
        assert r.headers["content-security-policy"]
