"""Receiving an uploaded file: streamed to disk, capped while it streams, its name checked.

Starlette's ``request.form()`` spools the whole body (to memory, then a temporary
file) before the route sees a byte, so a size cap checked afterwards lets a client
fill the disk first. Here the multipart body is parsed as it arrives
(python-multipart's streaming parser, the one Starlette uses), the ``file`` part is
written straight into the upload's temporary directory, and the request is refused
with a 413 the moment it passes the cap.
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any, BinaryIO

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from .errors import ApiError

MAX_NAME_BYTES = 255  # what Linux, macOS and Windows file systems take for one name
FORM_SLACK = 1 << 20  # bytes of multipart framing and other fields allowed beyond the cap


def upload_name(raw: str) -> str:
    """The uploaded file's own name (client directories dropped), or a 400 saying why not."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    if raw and name in ("", ".", ".."):
        raise ApiError(
            400,
            f"the uploaded file's name {raw[:80]!r} is not a file name: "
            "upload the file under its own name (e.g. articles.jsonl)",
        )
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ApiError(400, "the uploaded file's name holds control characters: rename the file")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise ApiError(
            400,
            f"the uploaded file's name is {len(name)} characters long; "
            f"at most {MAX_NAME_BYTES} bytes: rename the file",
        )
    return name or "upload"


def _too_big(limit: int) -> ApiError:
    return ApiError(413, f"upload larger than {limit // 2**20} MiB: split it")


async def receive_file(request: Request, directory: str, limit: int) -> str:
    """Stream the ``file`` part of a multipart request into ``directory``; returns its path."""
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(400, "a multipart upload needs a boundary in its Content-Type header")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_SLACK:
        raise _too_big(limit)  # said up front: refused before a byte is read
    part: dict[str, Any] = {"headers": {}, "field": b"", "value": b""}
    state: dict[str, Any] = {"fh": None, "path": None, "size": 0}

    def on_part_begin() -> None:
        part["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part["value"] += data[start:end]

    def on_header_end() -> None:
        part["headers"][part["field"].lower()] = part["value"]
        part["field"], part["value"] = b"", b""

    def on_headers_finished() -> None:
        _, options = parse_options_header(part["headers"].get(b"content-disposition", b""))
        if options.get(b"name") == b"file" and b"filename" in options and state["path"] is None:
            name = upload_name(options[b"filename"].decode("utf-8", "replace"))
            state["path"] = os.path.join(directory, name)
            state["fh"] = open(state["path"], "wb")  # noqa: SIM115 - closed at the part's end

    def on_part_data(data: bytes, start: int, end: int) -> None:
        fh: BinaryIO | None = state["fh"]
        if fh is not None:
            state["size"] += end - start
            if state["size"] > limit:
                raise _too_big(limit)
            fh.write(data[start:end])

    def on_part_end() -> None:
        if state["fh"] is not None:
            state["fh"].close()
            state["fh"] = None

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FORM_SLACK:
                raise _too_big(limit)
            parser.write(chunk)
        parser.finalize()
    except ApiError:
        raise
    except Exception as err:  # python-multipart's parse errors: the client's body is malformed
        raise ApiError(400, f"could not read the multipart upload: {err}") from None
    finally:
        if state["fh"] is not None:
            state["fh"].close()
    if state["path"] is None:
        raise ApiError(400, "multipart upload needs a file in the 'file' field")
    return state["path"]
