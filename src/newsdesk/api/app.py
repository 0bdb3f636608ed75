"""The FastAPI app factory: one desk, the JSON API under /api, the web UI at /, Swagger at /docs.

Errors take the one shape of :mod:`newsdesk.api.errors`. Writes need
``Authorization: Bearer KEY``; reads too when the app is made with ``read_key=True``
(pages then take the key from the ``/login`` cookie). :mod:`newsdesk.api.guard` wraps
every answer: allowed hosts, the read key, security headers, one-line 500s.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import AsyncIterator, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..desk import Desk
from ..errors import BadParameter, NewsdeskError, QuerySyntaxError
from .errors import ApiError, error_response, error_status, parameter_message
from .guard import Guard, docs_policy
from .writes import Commits

log = logging.getLogger("newsdesk.api")
DOCS_SCHEMA = "/docs/openapi.json"
SERVE_ENV = "NEWSDESK_SERVE"  # how `serve --workers N` tells each worker process what to serve


def app_from_environment() -> FastAPI:
    """The app of one `serve --workers N` worker: desk path, read key and hosts from ``SERVE_ENV``.

    uvicorn starts workers as fresh processes from an import string, so the settings
    travel as JSON in the environment; each worker opens (and on shutdown closes) its desk.
    """
    settings = json.loads(os.environ[SERVE_ENV])
    return create_app(settings["data"], read_key=settings["read_key"], allowed_hosts=settings["allowed_hosts"])


def create_app(
    desk: Desk | str | os.PathLike[str], read_key: bool = False, allowed_hosts: Iterable[str] | None = None
) -> FastAPI:
    """The app serving the JSON API under /api and the web UI at /, over one desk.

    Given a path, the app opens the desk itself and closes it on shutdown.
    ``allowed_hosts``: the Host names it answers (None: any; ``serve`` always passes some).
    """
    owned = not isinstance(desk, Desk)
    the_desk = Desk(desk) if owned else desk  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_desk.close()

    app = FastAPI(
        title="newsdesk",
        summary="Search and follow the news: search, attention over time, top terms, export, ingest.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from vendored files: nothing loads from a CDN
        redoc_url=None,  # ReDoc loads from a CDN, which the pages' security policy forbids
    )
    app.state.desk = the_desk
    app.state.read_key = read_key
    app.state.ingest_lock = threading.Lock()
    app.state.commits = Commits(the_desk)  # other processes' commits: seen on the next request
    app.add_middleware(Guard, allowed_hosts=list(allowed_hosts) if allowed_hosts is not None else None)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> Response:
        return error_response(request, err.status, err.message, headers=err.headers, **err.extra)

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(request: Request, err: QuerySyntaxError) -> Response:
        return error_response(request, 400, str(err), query=err.query, position=err.position,
                               expected=err.expected)

    @app.exception_handler(BadParameter)
    async def _parameter(request: Request, err: BadParameter) -> Response:
        return error_response(request, 400, parameter_message(err), parameter=err.name)

    @app.exception_handler(NewsdeskError)
    async def _newsdesk(request: Request, err: NewsdeskError) -> Response:
        return error_response(request, error_status(err), str(err))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in err.errors()
        ]
        text = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        return error_response(request, 422, f"invalid request: {text}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        message = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed here"}.get(
            err.status_code, str(err.detail)
        )
        return error_response(request, err.status_code, message, headers=getattr(err, "headers", None))

    from ..web import install as install_web
    from ..web import render_error
    from .routes import DIRECT_ROUTES
    from .routes import router as api_router
    from .stories import router as stories_router

    app.state.render_error = render_error
    app.state.direct_routes = DIRECT_ROUTES  # answered by the guard itself (api/guard.py)
    app.include_router(api_router)
    app.include_router(stories_router)
    from .follow import router as follow_router  # issue 10: feeds, alerts, snapshots

    app.include_router(follow_router)
    install_web(app)
    _install_docs(app)
    return app


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the swagger-ui-bundle package (no CDN: works offline)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    try:
        import swagger_ui_bundle
    except ImportError:  # the JSON schema at /openapi.json still works
        return
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")
    page = get_swagger_ui_html(
        openapi_url=DOCS_SCHEMA,  # the vendored Swagger UI (4.x) reads OpenAPI 3.0, not FastAPI's 3.1
        title="newsdesk API",
        swagger_js_url="/docs-static/swagger-ui-bundle.js",
        swagger_css_url="/docs-static/swagger-ui.css",
        swagger_favicon_url="/docs-static/favicon-32x32.png",
    )
    # the page's one inline script (it starts Swagger UI) is allowed by its hash, on /docs only
    scripts = re.findall(r"<script>(.*?)</script>", page.body.decode(), flags=re.S)
    app.state.docs_csp = docs_policy(
        base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts
    )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return Response(page.body, media_type="text/html")

    @app.get(DOCS_SCHEMA, include_in_schema=False)
    def docs_schema() -> dict[str, Any]:
        return as_openapi_30(app.openapi())


def as_openapi_30(schema: dict[str, Any]) -> dict[str, Any]:
    """The app's OpenAPI 3.1 schema in the 3.0 dialect Swagger UI 4 renders.

    3.1 writes an optional value as ``anyOf: [X, {type: null}]``; 3.0 as X with
    ``nullable: true``. That and the version string are all FastAPI's schema needs.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: convert(v) for k, v in node.items()}
        options = out.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            out.pop("anyOf")
            if len(rest) == 1:
                out = {**rest[0], **out, "nullable": True}
            else:
                out.update(anyOf=rest, nullable=True)
        return out

    return {**convert(schema), "openapi": "3.0.3"}
