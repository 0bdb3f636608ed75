"""Fuzz the JSON API from its own OpenAPI schema (schemathesis): no request may cause a 5xx."""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

import newsdesk  # noqa: E402
from newsdesk.api import create_app  # noqa: E402
from newsdesk.model import Record  # noqa: E402


def _app():
    import tempfile

    d = newsdesk.open(tempfile.mkdtemp(prefix="newsdesk-fuzz-") + "/d")
    d.ingest_records([
        Record(title=f"Coffee {i}", body=f"Coffee quotas and oil prices, item {i}.",
               published=f"1987-03-{1 + i:02d}", source="Wire", external_id=f"f{i}")
        for i in range(20)
    ])
    return create_app(d)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.text[:300]}"
    if response.status_code >= 400:
        assert "error" in response.json()
