"""The one place newsdesk reaches the network: fetch a URL's bytes.

Feeds given by URL and article pages (``--fetch-pages``) come through here, so
tests swap one function (``ReadOptions.fetch``) for canned bytes and nothing
else in newsdesk opens a socket. Failures are a :class:`ReaderError` with the
URL and a one-line reason.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request

from .errors import ReaderError

USER_AGENT = "newsdesk/0.1 (+news search)"
_CHUNK = 64 * 1024


def fetch(url: str, timeout: float = 20.0, max_bytes: int = 20_000_000) -> bytes:
    """The body of ``url`` (http or https), following redirects; ReaderError if it cannot be had."""
    if not url.lower().startswith(("http://", "https://")):
        raise ReaderError(url, "not an http(s) URL")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ReaderError(url, f"too big: {int(length)} bytes (limit {max_bytes})")
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ReaderError(url, f"too big: more than {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as err:
        raise ReaderError(url, f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise ReaderError(url, f"timed out after {timeout:g}s") from None
        raise ReaderError(url, f"cannot fetch: {reason}") from None
    except TimeoutError:
        raise ReaderError(url, f"timed out after {timeout:g}s") from None
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise ReaderError(url, f"cannot fetch: {err}") from None
