"""Plain text articles: the first non-empty line is the headline, the rest the body.

The file's name without extension is the record's ``external_id`` (the
known-item pairs in ``../shared/seed/`` are named this way). This is the layout of ``../shared/seed/`` and of the BBC News dataset. The
bytes are decoded as UTF-8, falling back to Windows-1252 (what old news
archives use) so an odd byte never loses an article.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..model import Record, Reject
from . import ReadOptions, open_binary

MAX_BYTES = 50 * 1024 * 1024  # one article per file; anything larger is not an article


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252, else latin-1 (which never fails)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _stem(path: str) -> str:
    name = os.path.basename(path)
    for suffix in (".gz", ".txt", ".text"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    with open_binary(path) as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        yield Reject(path, f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not one article")
        return
    if b"\0" in data[:4096]:
        yield Reject(path, "binary file, not text")
        return
    text = decode(data)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip():
            yield Record(
                title=line.strip(),
                body="\n".join(lines[i + 1 :]),
                external_id=_stem(path),
                provenance=path,
            )
            return
    yield Reject(path, "empty file: no headline and no body")
