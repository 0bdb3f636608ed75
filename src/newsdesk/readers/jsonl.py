"""JSON Lines (``.jsonl``, ``.ndjson``, gzipped too): one JSON object per line.

A line that is not valid JSON, or not an object, is rejected with its line
number; the rest of the file is read on. A file whose content is one JSON
array (a common "export") is read too, object by object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..model import Record, Reject
from . import ReadOptions, open_binary
from .fields import to_record


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    with open_binary(path) as fh:
        first = fh.read(1)
        while first in (b" ", b"\n", b"\r", b"\t", b"\xef", b"\xbb", b"\xbf"):
            first = fh.read(1)
        if first == b"[":
            yield from _read_array(path, first + fh.read(), options)
            return
        lineno = 0
        pending = first
        for raw in fh:
            if pending:
                raw, pending = pending + raw, b""
            lineno += 1
            yield from _parse_line(path, lineno, raw, options)
        if pending:
            yield from _parse_line(path, 1, pending, options)


def _parse_line(path: str, lineno: int, raw: bytes, options: ReadOptions) -> Iterator[Record | Reject]:
    where = f"{path}:{lineno}"
    line = raw.strip()
    if not line:
        return
    try:
        obj = json.loads(line.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        yield Reject(where, f"not UTF-8 (byte {err.start}): {err.reason}")
        return
    except json.JSONDecodeError as err:
        yield Reject(where, f"invalid JSON at column {err.colno}: {err.msg}")
        return
    if not isinstance(obj, dict):
        yield Reject(where, f"expected a JSON object, got {type(obj).__name__}")
        return
    yield to_record(obj, options.mapping, where)


def _read_array(path: str, data: bytes, options: ReadOptions) -> Iterator[Record | Reject]:
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        yield Reject(path, f"invalid JSON array: {err}")
        return
    for i, obj in enumerate(items, 1):
        if isinstance(obj, dict):
            yield to_record(obj, options.mapping, f"{path}#{i}")
        else:
            yield Reject(f"{path}#{i}", f"expected a JSON object, got {type(obj).__name__}")
