"""The one error shape of the HTTP API and the web UI, and the API-key checks both use.

Every error a client sees has the shape ``{"error": {"status": 400, "message":
"...", ...}}`` (HTML pages get an error page instead, rendered by the web UI's
renderer that the app registers); the message is written for a person, and no
stack trace or server path ever leaves the server. A library ``BadParameter``
becomes a 400 naming the query parameter (``since='x': …``).
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import tempfile
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from ..desk import Desk, date_bound
from ..errors import BadParameter, NewsdeskError, NotFoundError, WriterBusyError

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


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None,
                    **extra: Any) -> Response:
    desk = getattr(request.app.state, "desk", None)
    message = scrub(message, desk)
    extra = {k: scrub(v, desk) if isinstance(v, str) else v for k, v in extra.items()}
    if _wants_html(request) and status != 401:
        render_html = getattr(request.app.state, "render_error", None)
        if render_html is not None:
            return render_html(request, status, message, **extra)
    body = {"error": {"status": status, "message": message, **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


async def handled_error(request: Request, err: Exception) -> Response | None:
    """The answer the app's own exception handlers give ``err``; None when none takes it (a 500).

    For the guard's direct routes (api/guard.py), which run past Starlette's exception
    layer: the handler is picked as that layer picks it (an HTTPException by its status,
    else the nearest class of ``err`` registered; ``Exception`` and 500 belong to the
    server-error layer, which the guard itself is), so the answer is the ordinary path's.
    """
    handlers = request.app.exception_handlers
    handler = None
    if isinstance(err, HTTPException) and err.status_code != 500:
        handler = handlers.get(err.status_code)
    if handler is None:
        handler = next((handlers[c] for c in type(err).__mro__ if c in handlers and c is not Exception), None)
    if handler is None:
        return None
    if inspect.iscoroutinefunction(handler):
        return await handler(request, err)
    return await run_in_threadpool(handler, request, err)


def require_key(request: Request) -> None:
    """Raise 401 unless the request carries a live API key as a Bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "this needs an API key: send 'Authorization: Bearer KEY' "
                       "(make one with: newsdesk keys create)", headers={"WWW-Authenticate": "Bearer"})
    if not request.app.state.desk.verify_key(token.strip()):
        raise ApiError(401, "that API key is not valid or was revoked (newsdesk keys list)",
                       headers={"WWW-Authenticate": "Bearer"})


async def require_read_key(request: Request) -> None:
    """With ``serve --read-key``: a live key as a Bearer token or the ``/login`` cookie.

    Async, so that a read does not hop to the thread pool and back just for this
    (~0.1 ms at concurrency 1); the key check itself is one indexed lookup."""
    check_read_key(request)


def check_read_key(request: Request) -> None:
    """:func:`require_read_key` for callers that are not async (the Atom feeds' own check)."""
    if not request.app.state.read_key:
        return
    from .guard import COOKIE

    if request.cookies.get(COOKIE) and request.app.state.desk.verify_key(request.cookies[COOKIE]):
        return
    require_key(request)


def public_provenance(provenance: str, desk: Desk | None) -> str:
    """Where an article came from, without the server's directories.

    A URL stays as it is; a file path keeps only the file's name and its position
    (``articles.jsonl:12``): the rest says how the server's disk is laid out.
    """
    if not provenance or re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", provenance):
        return provenance
    return re.split(r"[\\/]", scrub(provenance, desk))[-1]



def parameter_message(err: BadParameter) -> str:
    """A library BadParameter in the API's words: the query parameter and its value."""
    return f"{err.name}={err.value!r}: {err.reason}"


def date_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """Check the bounds a client sent (a 400 naming the parameter, not an engine error).

    Bounds are read exactly as ``--since/--until`` and the query language read them
    (``query.parse_date_bound``: 2018, 2018-03, ISO timestamps, now-7d, within the
    index's date range); an open end stays open.
    """
    for name, value, end in (("since", since, False), ("until", until, True)):
        if value:
            try:
                date_bound(value, name, end=end)
            except BadParameter as err:
                raise ApiError(400, parameter_message(err), parameter=name) from None
    return since or None, until or None
