"""In Chromium: `serve --read-key` pages show the login form, the key logs in through an
HttpOnly SameSite=Strict cookie, and every page (and Swagger at /docs) runs under its
Content-Security-Policy without a violation (issue 12, items 4 and 12)."""

from __future__ import annotations

import pytest

import newsdesk
from newsdesk.model import Record

from ..api.servers import serve_with
from ..conftest import chromium_page, needs_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-key") / "data"
    with newsdesk.open(data) as desk:
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
        article_id = desk.search("oil").hits[0].id
        key = desk.create_key("browser")
    return data, article_id, key


def _watch_csp(page) -> list[str]:
    """Collect Content-Security-Policy violations the page reports (console and events)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_pages_need_the_key_then_log_in_with_a_strict_httponly_cookie(keyed):
    needs_browser()
    data, article_id, key = keyed
    with serve_with(data, "--read-key") as base, chromium_page() as page:
        violations = _watch_csp(page)
        for path in ("/", f"/articles/{article_id}", "/timeline?q=oil", "/stories", "/alerts", "/feeds"):
            response = page.goto(base + path)
            assert response.status == 401, path
            assert page.locator("form[action='/login'] input[name=key]").count() == 1, path
            assert "Crude oil" not in page.content(), path
        page.goto(base + f"/articles/{article_id}")
        page.fill("input[name=key]", "nd_not_a_key")
        page.click("button[type=submit]")
        assert "not valid" in page.content()
        page.fill("input[name=key]", key)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert page.url == base + f"/articles/{article_id}"
        assert "Crude oil output rose" in page.content()
        cookies = page.context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
            ("newsdesk_key", True, "Strict")
        ]
        assert page.evaluate("document.cookie") == "", "scripts cannot read the key"
        for path in ("/?q=oil", "/timeline?q=oil", "/stories", "/alerts", "/feeds"):
            assert page.goto(base + path).status == 200, path
        api = page.goto(base + "/api/search?q=oil")
        assert api.status == 200 and '"total":5' in page.content()
        assert violations == [], violations


def test_swagger_docs_run_under_their_own_policy(keyed):
    """Swagger UI 4 (vendored) renders only OpenAPI 3.0: /docs reads a 3.0 copy of the schema."""
    needs_browser()
    data, _, _ = keyed
    with serve_with(data) as base, chromium_page() as page:
        violations = _watch_csp(page)
        response = page.goto(base + "/docs")
        assert "sha256-" in response.headers["content-security-policy"]
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        assert page.locator(".opblock").count() > 5, "the operations rendered"
        assert "Unable to render" not in page.inner_text("body")
        assert violations == [], violations
        page.goto(base + "/?q=oil")
        assert page.locator("mark").count() > 0
        assert violations == [], violations
