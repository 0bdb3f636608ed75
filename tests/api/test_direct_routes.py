"""Routes the guard answers itself (api/guard.py, ``state.direct_routes``) answer exactly as the
ordinary FastAPI path does: bodies, status codes and headers, errors included."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import newsdesk
from newsdesk.api import create_app
from newsdesk.model import Record

REQUESTS = [
    "/api/search?q=coffee",
    "/api/search?q=coffee&facets=false&limit=3&offset=2",
    "/api/search?q=oil&sort=date&collapse=none&source=Wire%20A&source=Wire%20B",
    "/api/search?q=coffee&since=1987-04-01&until=1987-04-30",
    "/api/search?q=oil%20AND%20(",  # a syntax error: 400 with its position
    "/api/search?q=coffee&limit=500",  # out of range: 422
    "/api/search?q=coffee&sort=sideways",  # not a choice: 422
    "/api/search?q=coffee&since=yesterday-ish",  # not a date: 400 naming the parameter
    "/api/search?q=x&rank=nonsense",
]


@pytest.fixture
def desk(tmp_path):
    d = newsdesk.open(tmp_path / "d")
    d.ingest_records([
        Record(title=f"Coffee prices {i}", body=f"Coffee export quotas were discussed, item {i}.",
               published=f"1987-0{3 + i % 3}-{1 + i:02d}T10:00:00Z", source="Wire A" if i % 2 else "Wire B",
               external_id=f"c{i}")
        for i in range(12)
    ] + [Record(title="Oil news", body="Crude oil output rose.", published="1987-04-02", source="Wire A",
                external_id="o1")])
    yield d
    d.close()


def _answers(desk, direct: bool, read_key: bool = False, headers: dict | None = None) -> list[tuple]:
    app = create_app(desk, read_key=read_key)
    assert "/api/search" in app.state.direct_routes
    if not direct:
        app.state.direct_routes = {}
    with TestClient(app) as client:
        out = []
        for path in REQUESTS:
            r = client.get(path, headers=headers or {})
            kept = {k: v for k, v in r.headers.items() if k != "date"}
            out.append((path, r.status_code, r.content, kept))
        return out


def test_direct_answers_are_the_ordinary_ones(desk):
    direct, ordinary = _answers(desk, True), _answers(desk, False)
    assert [a[1] for a in direct] == [200, 200, 200, 200, 400, 422, 422, 400, 422]
    for got, want in zip(direct, ordinary, strict=True):
        assert got == want


def test_direct_route_still_needs_the_read_key(desk):
    refused = _answers(desk, True, read_key=True)
    assert {status for _p, status, _b, _h in refused} == {401}
    key = desk.create_key("reader")
    let_in = _answers(desk, True, read_key=True, headers={"Authorization": f"Bearer {key}"})
    assert let_in == _answers(desk, False, read_key=True, headers={"Authorization": f"Bearer {key}"})
    assert let_in[0][1] == 200
