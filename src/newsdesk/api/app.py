"""The FastAPI app factory, the one JSON error shape, and API-key checks.

Every error a client sees has the shape ``{"error": {"status": 400, "message":
"...", ...}}`` (HTML pages get an error page instead); the message is written
for a person, and no stack trace ever leaves the server. Writes need
``Authorization: Bearer KEY`` (see :mod:`newsdesk.keys`); reads too when the app
is made with ``read_key=True``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..desk import Desk
from ..errors import NewsdeskError, NotFoundError, QuerySyntaxError, WriterBusyError
from ..keys import verify_key

log = logging.getLogger("newsdesk.api")
UPLOAD_PREFIX = "newsdesk-upload-"  # temporary directories of uploaded files


class ApiError(Exception):
    """An HTTP error raised by a route: status, message, and extra fields for the body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra


def error_status(err: NewsdeskError) -> int:
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, WriterBusyError):
        return 409
    return 400


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and request.url.path not in ("/openapi.json",)


_UPLOAD_DIR = re.compile(re.escape(os.path.join(tempfile.gettempdir(), UPLOAD_PREFIX)) + r"[^/\\\s]*[/\\]")


def scrub(text: str, desk: Desk | None) -> str:
    """A message fit for a client: no server paths (data directory, upload temp files) in it.

    Messages written for the command line name the data directory; over HTTP
    that says where the server keeps its files, so it becomes "the desk". An
    upload's temporary directory is dropped, leaving the uploaded file's name.
    """
    text = _UPLOAD_DIR.sub("", text)
    if desk is None:
        return text
    given = desk.path
    for path in sorted({os.path.realpath(given), os.path.abspath(given)}, key=len, reverse=True):
        text = text.replace(path, "the desk")
    if given and not os.path.isabs(given):  # as typed on the command line: only as a whole word
        text = re.sub(r"(?<![\w.~/-])" + re.escape(given.rstrip("/")) + r"(?![\w.-])", "the desk", text)
    return text


def _error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None,
                    **extra: Any) -> Response:
    desk = getattr(request.app.state, "desk", None)
    message = scrub(message, desk)
    extra = {k: scrub(v, desk) if isinstance(v, str) else v for k, v in extra.items()}
    if _wants_html(request) and status != 401:
        from ..web import render_error

        return render_error(request, status, message, **extra)
    body = {"error": {"status": status, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


def require_key(request: Request) -> None:
    """Raise 401 unless the request carries a live API key as a Bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "this needs an API key: send 'Authorization: Bearer KEY' "
                       "(make one with: newsdesk keys create)", headers={"WWW-Authenticate": "Bearer"})
    if not verify_key(request.app.state.desk, token.strip()):
        raise ApiError(401, "that API key is not valid or was revoked (newsdesk keys list)",
                       headers={"WWW-Authenticate": "Bearer"})


def require_read_key(request: Request) -> None:
    if request.app.state.read_key:
        require_key(request)


def create_app(desk: Desk | str | os.PathLike[str], read_key: bool = False) -> FastAPI:
    """The app serving the JSON API under /api and the web UI at /, over one desk.

    Given a path, the app opens the desk itself and closes it on shutdown.
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
    )
    app.state.desk = the_desk
    app.state.read_key = read_key
    app.state.ingest_lock = threading.Lock()

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError) -> Response:
        return _error_response(request, err.status, err.message, headers=err.headers, **err.extra)

    @app.exception_handler(QuerySyntaxError)
    async def _syntax(request: Request, err: QuerySyntaxError) -> Response:
        return _error_response(request, 400, str(err), query=err.query, position=err.position,
                               expected=err.expected)

    @app.exception_handler(NewsdeskError)
    async def _newsdesk(request: Request, err: NewsdeskError) -> Response:
        return _error_response(request, error_status(err), str(err))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, err: RequestValidationError) -> Response:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in err.errors()
        ]
        text = "; ".join(f"{p['where']}: {p['problem']}" for p in problems)
        return _error_response(request, 422, f"invalid request: {text}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        message = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed here"}.get(
            err.status_code, str(err.detail)
        )
        return _error_response(request, err.status_code, message, headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, err: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return _error_response(request, 500, "internal error: the server logged the details")

    from ..web import install as install_web
    from .routes import router as api_router

    app.include_router(api_router)
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

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="newsdesk API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
        )
