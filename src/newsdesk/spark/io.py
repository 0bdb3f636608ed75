"""Reading inputs inside Spark tasks with the embedded readers (no second implementation).

A task gets one input file (the unit of work: a CC-News WARC is ~1 GB, a JSONL dump one
file per month or day) and runs :func:`newsdesk.readers.read_file` and
:func:`newsdesk.normalize.to_article` on it, exactly as ``newsdesk ingest`` does, so the
ids, the cleaning and the reject reasons are the embedded ones. Local paths are read in
place (on a cluster they must be on a filesystem every executor sees); a Hadoop URL
(``s3a://``, ``hdfs://``, ``gs://``, ``abfs://``) is copied by Spark's own filesystem layer
(``binaryFiles``) into a temporary file on the executor first, because the readers want a
seekable local file (gzip members, WARC offsets).

Every output row is a plain tuple, so this module imports no pyspark and can be tested alone.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import ReaderError
from ..model import Reject
from ..normalize import to_article
from ..readers import Note, ReadOptions, expand_inputs, read_file
from ..store import article_values

#: URL schemes read through Spark's Hadoop filesystem layer (``file://`` is read in place)
HADOOP_SCHEMES = (
    "s3a://",
    "s3://",
    "s3n://",
    "hdfs://",
    "gs://",
    "abfs://",
    "abfss://",
    "wasb://",
    "wasbs://",
)

ARTICLE, REJECT, NOTE = "a", "r", "n"


def is_hadoop(path: str) -> bool:
    return path.startswith(HADOOP_SCHEMES)


def local_inputs(inputs: Iterable[str]) -> tuple[list[str], list[Reject]]:
    """Expand local paths, directories and globs the way ``newsdesk ingest`` does (same order,
    so the same first-seen ids); Hadoop URLs are kept as given (Spark expands their globs).
    A missing path becomes a Reject, not an error: the job reads the rest."""
    out: list[str] = []
    missing: list[Reject] = []
    for item in inputs:
        if is_hadoop(item):
            out.append(item)
            continue
        path = item[len("file://") :] if item.startswith("file://") else item
        try:
            out.extend(p for p, _root in expand_inputs([path], known_only=True))
        except ReaderError as err:
            missing.append(Reject(path, str(err)))
    return out, missing


def read_path(file_no: int, path: str, options: ReadOptions, now: str, shown: str = "") -> Iterator[tuple]:
    """Rows of one input file: ``(ARTICLE, file_no, pos, values)`` with ``values`` the
    :func:`newsdesk.store.article_values` tuple, ``(REJECT, file_no, pos, (file, where, reason))``
    and ``(NOTE, file_no, pos, (file, text))``. ``pos`` is the record's ordinal in the file, so
    (file_no, pos) is the order ``newsdesk ingest`` meets the records in. ``shown``: the name to
    report instead of ``path`` (a URL read through a temporary copy)."""
    shown = shown or path
    pos = 0
    try:
        for item in read_file(path, options, os.path.dirname(path)):
            if isinstance(item, Note):
                yield NOTE, file_no, pos, (shown, str(item).replace(path, shown))
                continue
            art = to_article(item, now) if not isinstance(item, Reject) else item
            if isinstance(art, Reject):
                yield REJECT, file_no, pos, (shown, art.provenance.replace(path, shown), art.reason)
            else:
                values = article_values(art)
                if shown != path:
                    values = (*values[:10], values[10].replace(path, shown), values[11])
                yield ARTICLE, file_no, pos, values
            pos += 1
    except Exception as err:  # a reader bug must cost one file, never the job
        yield (
            REJECT,
            file_no,
            pos,
            (shown, f"{shown}: record {pos}", f"cannot read further: {type(err).__name__}: {err}"),
        )


def read_hadoop_file(file_no: int, url: str, data: bytes, options: ReadOptions, now: str) -> Iterator[tuple]:
    """Rows of a file Spark fetched from a Hadoop filesystem (its bytes), via a temporary copy."""
    suffix = "".join(_suffixes(url))
    with tempfile.TemporaryDirectory(prefix="newsdesk-spark-") as tmp:
        local = os.path.join(tmp, "input" + suffix)
        with open(local, "wb") as fh:
            fh.write(data)
        yield from read_path(file_no, local, options, now, shown=url)


def _suffixes(url: str) -> list[str]:
    name = url.rsplit("/", 1)[-1]
    parts = name.split(".")
    return ["." + p for p in parts[1:]][-2:]


def month_of(published: str) -> str:
    """The Parquet partition of an article: ``YYYY-MM`` of its publication, or ``undated``."""
    return published[:7] if len(published) >= 7 and published[4] == "-" else "undated"


def options_from(fmt: str | None, mapping: dict[str, Any] | None) -> ReadOptions:
    return ReadOptions(mapping=dict(mapping or {}), fetch_pages=False, format=fmt)
