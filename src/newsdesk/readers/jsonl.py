"""JSON Lines (``.jsonl``, ``.ndjson``, gzipped too): one JSON object per line.

A line that is not valid JSON, or not an object, is rejected with its line
number; the rest of the file is read on. A file whose content is one JSON
array (a common "export") is read too, object by object, and a ``.json`` file
holding one pretty-printed object is one article, unless it is a JSON Feed
(jsonfeed.org), whose items are the articles. A line nested too deeply for
Python's parser (~1,000 levels) is rejected like any other bad line.

At the end of a file, a known field that the file names but leaves empty in
every record is reported as a :class:`~newsdesk.readers.Note`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..model import Record, Reject
from . import Note, ReadOptions, jsonfeed, open_binary
from .fields import FieldTally, missing_columns, to_record

MAX_BLANK_LINES = 1_000_000


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject | Note]:
    tally = FieldTally(options.mapping)
    yield from _read(path, options, tally)
    for note in tally.notes():
        yield Note(path, note)


def _read(path: str, options: ReadOptions, tally: FieldTally) -> Iterator[Record | Reject]:
    whole_file = path.lower().removesuffix(".gz").endswith(".json")
    checked = not options.mapping  # --map columns are checked against the first object
    with open_binary(path) as fh:
        lineno = 0
        first = True
        blank_run = 0
        for raw in fh:
            lineno += 1
            stripped = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not stripped:
                blank_run += 1
                if blank_run >= MAX_BLANK_LINES:  # a decompression bomb of newlines, not an export
                    yield Reject(
                        f"{path}:{lineno}", f"{MAX_BLANK_LINES:,} blank lines in a row; reading stopped"
                    )
                    return
                continue
            blank_run = 0
            if first and (stripped.startswith(b"[") or (whole_file and not _is_complete(raw))):
                # one JSON document (an array of articles, or one pretty-printed object)
                yield from _read_document(path, raw + fh.read(), options, tally)
                return
            item = _parse_line(path, lineno, raw)
            if isinstance(item, Reject):
                first = False
                yield item
                continue
            if first and jsonfeed.is_jsonfeed(item):  # a one-line JSON Feed
                yield from jsonfeed.records(item, path)
                return
            first = False
            if not checked:
                checked = True
                problem = missing_columns(options.mapping, item)
                if problem:  # a mistyped --map would store every record wrongly
                    yield Reject(f"{path}:{lineno}", problem + "; the file was not read")
                    return
            rec = to_record(item, options.mapping, f"{path}:{lineno}")
            tally.add(item, rec)
            yield rec


def _is_complete(line: bytes) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _parse_line(path: str, lineno: int, raw: bytes) -> dict | Reject:
    """One line as a JSON object, or the Reject saying why it is not one."""
    where = f"{path}:{lineno}"
    try:
        obj = json.loads(raw.strip().decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        return Reject(where, f"not UTF-8 (byte {err.start}): {err.reason}")
    except json.JSONDecodeError as err:
        return Reject(where, f"invalid JSON at column {err.colno}: {err.msg}")
    except RecursionError:
        return Reject(where, "JSON nested too deeply (about 1,000 levels or more)")
    if not isinstance(obj, dict):
        return Reject(where, f"expected a JSON object, got {type(obj).__name__}")
    return obj


def _read_document(
    path: str, data: bytes, options: ReadOptions, tally: FieldTally
) -> Iterator[Record | Reject]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        yield Reject(path, f"invalid JSON document: {err}")
        return
    except RecursionError:
        yield Reject(path, "invalid JSON document: nested too deeply (about 1,000 levels or more)")
        return
    if jsonfeed.is_jsonfeed(doc):
        yield from jsonfeed.records(doc, path)
        return
    items = doc if isinstance(doc, list) else [doc]
    first = next((o for o in items if isinstance(o, dict)), None)
    problem = missing_columns(options.mapping, first) if options.mapping and first is not None else ""
    if problem:
        yield Reject(path, problem + "; the file was not read")
        return
    for i, obj in enumerate(items, 1):
        where = f"{path}#{i}" if isinstance(doc, list) else path
        if isinstance(obj, dict):
            rec = to_record(obj, options.mapping, where)
            tally.add(obj, rec)
            yield rec
        else:
            yield Reject(where, f"expected a JSON object, got {type(obj).__name__}")
