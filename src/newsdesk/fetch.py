"""The one place newsdesk reaches the network: GET a URL's bytes, POST a webhook.

Feeds given by URL, article pages (``--fetch-pages``), polled feeds and webhook
deliveries all come through here, so tests swap one function
(``ReadOptions.fetch``, or the poller's ``get``) for canned bytes and nothing
else in newsdesk opens a socket. Failures are a :class:`ReaderError` with the
URL and a one-line reason.

:func:`get` is the polite form the feed poller uses: a conditional request
(``If-None-Match`` / ``If-Modified-Since``), a 304 returned as a status rather
than an error, every redirect hop recorded, a size cap enforced while reading
(a server may lie about or omit ``Content-Length``) and a deadline over the
whole response, not only per socket read, so a server that trickles bytes
cannot hold a poller forever.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .errors import ReaderError

USER_AGENT = "newsdesk/0.1 (+news search)"
_CHUNK = 64 * 1024
MAX_REDIRECTS = 5


@dataclass
class Response:
    """What a GET brought back: status, body, the headers that matter, where it ended up."""

    url: str  # as asked for
    status: int  # 200, 304 (not modified), ...
    body: bytes = b""
    final_url: str = ""  # after redirects
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, Location) per hop
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    conditional: bool = False  # the request carried If-None-Match / If-Modified-Since
    seconds: float = 0.0


class _Recorder(urllib.request.HTTPRedirectHandler):
    """Follows redirects like urllib does, writing down each hop (status, target)."""

    max_redirections = MAX_REDIRECTS

    def __init__(self) -> None:
        self.hops: list[tuple[int, str]] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        self.hops.append((code, newurl))
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:  # urllib drops our conditional headers on redirect: keep them
            for name in ("If-None-Match", "If-Modified-Since"):
                value = req.get_header(name)
                if value:
                    new.add_unredirected_header(name, value)
        return new


def _check_url(url: str) -> None:
    if not url.lower().startswith(("http://", "https://")):
        raise ReaderError(url, "not an http(s) URL")


def _read_capped(url: str, response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise ReaderError(url, f"too big: {int(length)} bytes (limit {max_bytes})")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ReaderError(url, f"too big: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise ReaderError(url, f"timed out after {timeout:g}s")
        chunks.append(chunk)
    return b"".join(chunks)


def _network_error(url: str, err: BaseException, timeout: float) -> ReaderError:
    if isinstance(err, urllib.error.HTTPError):
        return ReaderError(url, f"HTTP {err.code} {err.reason}")
    if isinstance(err, urllib.error.URLError):
        if isinstance(err.reason, TimeoutError):
            return ReaderError(url, f"timed out after {timeout:g}s")
        return ReaderError(url, f"cannot fetch: {err.reason}")
    if isinstance(err, TimeoutError):
        return ReaderError(url, f"timed out after {timeout:g}s")
    return ReaderError(url, f"cannot fetch: {err}")


def fetch(url: str, timeout: float = 20.0, max_bytes: int = 20_000_000) -> bytes:
    """The body of ``url`` (http or https), following redirects; ReaderError if it cannot be had."""
    response = get(url, timeout=timeout, max_bytes=max_bytes)
    return response.body


def get(
    url: str,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 20.0,
    max_bytes: int = 20_000_000,
    accept: str = "*/*",
) -> Response:
    """GET ``url``, conditionally when ``etag``/``last_modified`` are known.

    A 2xx or 304 is a :class:`Response`; any other status, a timeout (over the
    whole response), a body over ``max_bytes`` or a network failure is a
    :class:`ReaderError` naming the URL and the reason.
    """
    _check_url(url)
    headers = {"User-Agent": USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    recorder = _Recorder()
    opener = urllib.request.build_opener(recorder)
    request = urllib.request.Request(url, headers=headers)
    started = time.monotonic()
    deadline = started + timeout
    conditional = bool(etag or last_modified)
    try:
        with opener.open(request, timeout=timeout) as response:
            body = _read_capped(url, response, max_bytes, deadline, timeout)
            return Response(
                url=url,
                status=response.status,
                body=body,
                final_url=response.geturl(),
                redirects=recorder.hops,
                content_type=response.headers.get("Content-Type", ""),
                etag=response.headers.get("ETag", "") or "",
                last_modified=response.headers.get("Last-Modified", "") or "",
                conditional=conditional,
                seconds=time.monotonic() - started,
            )
    except urllib.error.HTTPError as err:
        if err.code == 304:
            return Response(
                url=url,
                status=304,
                final_url=err.geturl() or url,
                redirects=recorder.hops,
                etag=err.headers.get("ETag", "") or etag,
                last_modified=err.headers.get("Last-Modified", "") or last_modified,
                conditional=conditional,
                seconds=time.monotonic() - started,
            )
        raise ReaderError(url, f"HTTP {err.code} {err.reason}") from None
    except ReaderError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise _network_error(url, err, timeout) from None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10.0) -> tuple[int, str]:
    """POST ``body`` to ``url``; (status, first 200 characters of the reply).

    Any HTTP status comes back as a number (the caller decides what a retry
    is); only a failure to get an answer at all raises :class:`ReaderError`.
    Redirects are not followed: a webhook that moved should be updated, not
    chased with a signed body.
    """
    _check_url(url)
    all_headers = {"User-Agent": USER_AGENT, **headers}
    request = urllib.request.Request(url, data=body, headers=all_headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=timeout) as response:
            reply = response.read(4096)
            return response.status, reply[:200].decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        try:
            reply = err.read(4096)
        except OSError:
            reply = b""
        return err.code, reply[:200].decode("utf-8", "replace")
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise _network_error(url, err, timeout) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None
