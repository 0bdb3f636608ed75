"""A direct route's error is answered where it was raised (api/guard.py, "hot routes go straight
to their handler"): the handler runs once, and the answer is the ordinary path's, byte for byte.

The guard used to send a failing direct request down the ordinary path, which ran the
handler a second time to raise the same error again. The count here comes from
``threading.setprofile`` on the real server's thread: it watches the route function's
frames start and replaces nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from types import CodeType, FrameType
from typing import Any

import httpx
import pytest

import newsdesk
from newsdesk.api import create_app
from newsdesk.api import routes as api_routes
from newsdesk.model import Record

from .servers import in_thread

FAILING = [
    ("/api/search?q=oil%20AND%20(", 400),  # query syntax error (QuerySyntaxError)
    ("/api/search?q=coffee&since=yesterday-ish", 400),  # not a date (ApiError naming the parameter)
    ("/api/search?q=coffee&limit=500", 422),  # out of range (RequestValidationError)
    ("/api/search?q=x&rank=nonsense", 422),  # not a choice
]


@pytest.fixture
def desk(tmp_path):
    d = newsdesk.open(tmp_path / "d")
    d.ingest_records([Record(title=f"Coffee prices {i}", body=f"Coffee export quotas, item {i}.",
                             published="1987-04-02", source="Wire A", external_id=f"c{i}") for i in range(3)])
    yield d
    d.close()


@contextlib.contextmanager
def runs_of(code: CodeType) -> Iterator[list[FrameType]]:
    """The frames of ``code`` started in threads begun inside this block (one per run)."""
    frames: list[FrameType] = []

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call" and frame.f_code is code and not any(f is frame for f in frames):
            frames.append(frame)  # (a coroutine resumed is the same frame: counted once)

    threading.setprofile(profile)
    try:
        yield frames
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]


def answer(port: int, path: str) -> tuple[int, bytes, dict[str, str]]:
    r = httpx.get(f"http://127.0.0.1:{port}{path}", timeout=30)
    return r.status_code, r.content, {k: v for k, v in r.headers.items() if k != "date"}


def served_answers(app, path: str) -> tuple[tuple[int, bytes, dict[str, str]], int]:
    """``path``'s answer from ``app`` served by uvicorn on loopback, and how often the search route ran."""
    with runs_of(api_routes.search.__code__) as runs, in_thread(app) as port:
        got = answer(port, path)
    return got, len(runs)


@pytest.mark.parametrize("path, status", FAILING)
def test_a_failing_direct_search_runs_once_and_answers_as_the_ordinary_path(desk, path, status):
    direct_app = create_app(desk)
    assert "/api/search" in direct_app.state.direct_routes
    ordinary_app = create_app(desk)
    ordinary_app.state.direct_routes = {}
    direct, direct_runs = served_answers(direct_app, path)
    ordinary, ordinary_runs = served_answers(ordinary_app, path)
    assert direct[0] == status, direct
    assert direct_runs == 1, f"the search handler ran {direct_runs} times for {path}"
    assert ordinary_runs == 1
    assert direct == ordinary  # status, JSON body and every header (security headers included)
    assert direct[1].startswith(b'{"error":{"status":%d,' % status)
    assert direct[2]["x-content-type-options"] == "nosniff"


def test_an_unexpected_error_in_a_direct_route_is_the_500_not_a_second_run(desk, caplog):
    app = create_app(desk)
    calls = []

    async def broken(request):  # the route in the app's state only: the router keeps the real search
        calls.append(request.url.path)
        raise RuntimeError("disk on fire")

    app.state.direct_routes = {"/api/search": broken}
    with caplog.at_level("ERROR", logger="newsdesk.api"):
        (status, body, headers), search_runs = served_answers(app, "/api/search?q=coffee")
    assert calls == ["/api/search"]
    assert search_runs == 0  # not sent on to the router, which would have answered 200
    assert status == 500
    assert body == b'{"error":{"status":500,"message":"internal error: the server logged the details"}}'
    assert headers["x-frame-options"] == "DENY"
    assert any("RuntimeError: disk on fire" in r.getMessage() for r in caplog.records)
