"""JSON Lines (``.jsonl``, ``.ndjson``, gzipped too): one JSON object per line.

A line that is not valid JSON, or not an object, is rejected with its line
number; the rest of the file is read on. A file whose content is one JSON
array (a common "export") is read too, object by object, and a ``.json`` file
holding one pretty-printed object is one article.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..model import Record, Reject
from . import ReadOptions, open_binary
from .fields import to_record


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    whole_file = path.lower().removesuffix(".gz").endswith(".json")
    with open_binary(path) as fh:
        lineno = 0
        for raw in fh:
            lineno += 1
            stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not stripped:
                continue
            if stripped.startswith(b"[") or (whole_file and not _is_complete(raw)):
                # one JSON document (an array of articles, or one pretty-printed object)
                yield from _read_document(path, raw + fh.read(), options)
                return
            yield from _parse_line(path, lineno, raw, options)
            break
        start = lineno + 1
        for n, raw in enumerate(fh, start):
            yield from _parse_line(path, n, raw, options)


def _is_complete(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


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


def _read_document(path: str, data: bytes, options: ReadOptions) -> Iterator[Record | Reject]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        yield Reject(path, f"invalid JSON document: {err}")
        return
    items = doc if isinstance(doc, list) else [doc]
    for i, obj in enumerate(items, 1):
        where = f"{path}#{i}" if isinstance(doc, list) else path
        if isinstance(obj, dict):
            yield to_record(obj, options.mapping, where)
        else:
            yield Reject(where, f"expected a JSON object, got {type(obj).__name__}")
