"""What every HTTP answer goes through: allowed hosts, the read key, security headers, 500s.

One ASGI middleware, outermost of the app's own, so that nothing escapes it:

* **Allowed hosts.** A ``Host`` header the server was not told to answer to gets a
  400: a page served to another name is how DNS rebinding reads a localhost
  server from a web page. ``serve`` allows its bind host, ``localhost`` and
  ``127.0.0.1`` unless told more (``--allowed-host``).
* **The read key** (``serve --read-key``) covers every read: the web pages, the
  Atom feeds and ``/api/*``. A page without the key answers 401 with the login
  form; ``/login`` stores the key in an HttpOnly, SameSite=Strict cookie, which
  pages and the API both accept (the API also takes ``Authorization: Bearer``,
  an Atom feed ``?key=``). Static files, ``/login``, the API docs and the
  OpenAPI schema stay open: they hold no news.
* **Security headers** on every answer: ``nosniff``, a Content-Security-Policy the
  pages satisfy (no inline script or style anywhere; Swagger's one inline script
  is allowed by its hash on ``/docs`` only), no referrer, no framing.
* **Hot routes go straight to their handler.** A ``GET`` of a path in the app's
  ``state.direct_routes`` (``/api/search``) is answered by calling its route function
  here, past Starlette's exception layer, router, FastAPI's request wrapper and
  dependency resolution (about 0.3 ms of a 1.3 ms answer, measured under load with
  py-spy). What the handler raises (a bad parameter, a query syntax error) is answered
  here by the app's own exception handlers, picked as Starlette picks them
  (:func:`.errors.handled_error`), so both paths answer alike, byte for byte, and the
  handler runs once; an error no handler takes is the 500 below, as on the ordinary path.
* **An unexpected error** is logged as one line (type, message cut short, where)
  and answered with the API's 500 shape, so the connection stays usable; the
  default handler re-raised it, uvicorn logged the whole traceback and closed
  the connection.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response, handled_error

log = logging.getLogger("newsdesk.api")

COOKIE = "newsdesk_key"
OPEN_PREFIXES = ("/static/", "/docs-static/")
OPEN_PATHS = {"/login", "/logout", "/docs", "/docs/openapi.json", "/openapi.json", "/favicon.ico"}
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
PAGE_HEADERS = [*BASE_HEADERS, (b"content-security-policy", PAGE_CSP.encode())]
MAX_LOGGED = 300  # characters of an error's message in its one log line


def docs_policy(script_hashes: Iterable[str]) -> str:
    """The Swagger page's policy: its inline script by hash, inline styles (the bundle sets them)."""
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    return (
        f"default-src 'none'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


def host_of(header: str) -> str:
    """The name in a Host header, lower-cased, without port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts_for(bind_host: str, extra: Iterable[str] = ()) -> list[str]:
    """``serve``'s default: the bind host, localhost, 127.0.0.1 (and ::1), plus any named."""
    return sorted({host_of(h) for h in (bind_host, "localhost", "127.0.0.1", "::1", *extra) if h})


def key_in(request: Request, atom: bool = False) -> str:
    """The key a request carries: Bearer header, else the login cookie, else (feeds) ``?key=``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if request.cookies.get(COOKIE):
        return request.cookies[COOKIE]
    if atom:
        return request.query_params.get("key", "")
    return ""


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.hosts = None if allowed_hosts is None else {host_of(h) for h in allowed_hosts}
        if self.hosts is not None and "*" in self.hosts:
            self.hosts = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        state = scope["app"].state
        commits = getattr(state, "commits", None)
        if commits is not None:  # another worker committed: reload the searcher first (api/writes.py)
            commits.check()
        if path == "/docs":
            extra = [*BASE_HEADERS, (b"content-security-policy", getattr(state, "docs_csp", PAGE_CSP).encode())]
        else:
            extra = PAGE_HEADERS
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *((k, v) for k, v in extra if k not in have)],
                }
            await send(message)

        request = Request(scope)
        refusal = self._host_refusal(request) or await self._key_refusal(request, state)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        try:
            direct = getattr(state, "direct_routes", None)
            if direct and scope["method"] == "GET" and path in direct:
                try:
                    response = await direct[path](request)
                except Exception as err:
                    response = await handled_error(request, err)
                    if response is None:  # no handler takes it: the 500 below
                        raise
                await response(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        except Exception as err:  # noqa: BLE001 - the one place every unexpected error ends
            log.error("internal error on %s %s: %s", scope.get("method", ""), path, one_line(err))
            if started:  # half an answer is out: nothing sane to add; the server closes it
                return
            response = error_response(request, 500, "internal error: the server logged the details")
            await response(scope, receive, send_with_headers)

    def _host_refusal(self, request: Request) -> Any:
        if self.hosts is None:
            return None
        host = host_of(request.headers.get("host", ""))
        if host in self.hosts:
            return None
        from fastapi.responses import JSONResponse

        shown = host[:100] or "(none)"
        message = (
            f"this server does not answer to the host name {shown!r} "
            "(start it with: newsdesk serve --allowed-host NAME)"
        )
        return JSONResponse({"error": {"status": 400, "message": message}}, status_code=400)

    async def _key_refusal(self, request: Request, state: Any) -> Any:
        if not getattr(state, "read_key", False) or request.method not in ("GET", "HEAD"):
            return None  # writes check their own key
        path = request.url.path
        if is_open(path):
            return None
        atom = path.startswith("/feeds/") and path.endswith(".atom")
        key = key_in(request, atom=atom)
        if key and await run_in_threadpool(state.desk.verify_key, key):
            return None
        if path.startswith("/api/") or atom:
            message = (
                "this server needs the read key: send 'Authorization: Bearer KEY' "
                "(make one with: newsdesk keys create)"
                if not key
                else "that API key is not valid or was revoked (newsdesk keys list)"
            )
            return error_response(request, 401, message, headers={"WWW-Authenticate": "Bearer"})
        render_login = getattr(state, "render_login", None)
        if render_login is None:
            return error_response(request, 401, "this page needs the read key")
        return render_login(request, status=401, error="That key is not valid." if key else "")


def one_line(err: BaseException) -> str:
    """``Type: message (file:line)``, the message cut to MAX_LOGGED characters, on one line."""
    text = " ".join(str(err).split())
    if len(text) > MAX_LOGGED:
        text = text[:MAX_LOGGED] + f"… ({len(text)} characters)"
    where = ""
    frames = traceback.extract_tb(err.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"
    return f"{type(err).__name__}: {text}{where}"
