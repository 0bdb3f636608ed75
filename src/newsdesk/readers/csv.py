"""CSV and TSV (``.csv``, ``.tsv``, gzipped too): a header row, then one article per row.

Columns are matched to newsdesk's fields by :func:`fields.to_record` (usual
names, or ``--map``); the other columns become metadata. The delimiter is a
tab for ``.tsv`` and otherwise whichever of ``, ; TAB |`` the header line uses
most. Quoted fields may span lines; a row's provenance is ``path:line``, the
physical line it starts on.

The file is decoded as UTF-8 when its first megabyte is UTF-8, else as
Windows-1252. A UTF-8 file with a bad byte further on loses only the row that
holds it (a Reject saying which byte), never the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator

from ..model import Record, Reject
from . import Note, ReadOptions, open_binary
from .fields import FieldTally, missing_columns, to_record

FIELD_LIMIT = 64 * 1024 * 1024  # one cell; a runaway quote stops here instead of eating memory
PROBE_BYTES = 1024 * 1024
DELIMITERS = (",", "\t", ";", "|")
MAX_BLANK_LINES = 1_000_000
_UNDECODED = re.compile("[\udc80-\udcff]")

csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject | Note]:
    tally = FieldTally(options.mapping)
    yield from _read(path, options, tally)
    for note in tally.notes():
        yield Note(path, note)


def _read(path: str, options: ReadOptions, tally: FieldTally) -> Iterator[Record | Reject]:
    encoding = _encoding(path)
    with open_binary(path) as raw:
        errors = "surrogateescape" if encoding == "utf-8-sig" else "replace"
        text = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")
        first, header_line = text.readline(), 1
        while first and not first.strip() and header_line < MAX_BLANK_LINES:
            first, header_line = text.readline(), header_line + 1
        if not first.strip():
            yield Reject(path, "empty file: no header row")
            return
        delimiter = _delimiter(path, first)
        header = _header(next(csv.reader([first], delimiter=delimiter)))
        problem = missing_columns(options.mapping, header)
        if problem:
            yield Reject(f"{path}:{header_line}", problem)
            return
        rows = csv.reader(text, delimiter=delimiter)
        done = 0  # physical lines consumed before the current row
        blank_run = 0
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as err:
                yield Reject(f"{path}:{header_line + done + 1}", f"bad CSV: {err}")
                if rows.line_num == done:  # no progress: give up on the rest
                    return
                done = rows.line_num
                continue
            start, done = header_line + done + 1, rows.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                blank_run += 1
                if blank_run >= MAX_BLANK_LINES:  # a decompression bomb of newlines, not an export
                    yield Reject(
                        f"{path}:{start}", f"{MAX_BLANK_LINES:,} blank lines in a row; reading stopped"
                    )
                    return
                continue
            blank_run = 0
            where = f"{path}:{start}"
            if len(row) > len(header) and not any(cell.strip() for cell in row[len(header) :]):
                row = row[: len(header)]  # trailing delimiters
            if len(row) != len(header):
                yield Reject(where, f"expected {len(header)} columns, found {len(row)}")
                continue
            bad = _undecoded(header, row)
            if bad:
                yield Reject(where, bad)
                continue
            obj = {name: cell for name, cell in zip(header, row, strict=True) if cell.strip()}
            rec = to_record(obj, options.mapping, where)
            tally.add(dict.fromkeys(header, ""), rec)
            yield rec


def _encoding(path: str) -> str:
    """utf-8-sig if the first megabyte is UTF-8 (a character cut at the end is fine), else cp1252.

    UTF-16 is recognised by its byte-order mark (Excel's "Unicode text" export).
    """
    with open_binary(path) as fh:
        probe = fh.read(PROBE_BYTES)
    if probe.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(probe, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def _delimiter(path: str, header_line: str) -> str:
    name = path.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    if name.endswith((".tsv", ".tab")):
        return "\t"
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(names: list[str]) -> list[str]:
    """Column names, stripped, blanks named ``column_N``, duplicates suffixed ``_2``, ``_3``..."""
    seen: dict[str, int] = {}
    header = []
    for i, name in enumerate(names, 1):
        name = name.strip() or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        header.append(name)
    return header


def _undecoded(header: list[str], row: list[str]) -> str:
    for name, cell in zip(header, row, strict=True):
        match = _UNDECODED.search(cell)
        if match:
            byte = ord(match.group()) - 0xDC00
            return f"not UTF-8: byte 0x{byte:02X} in column {name!r} (the file's start is UTF-8)"
    return ""
