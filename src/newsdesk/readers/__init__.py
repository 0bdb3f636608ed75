"""Readers: one module per input format, each yielding Records or Rejects.

Every reader module exposes ``read(path: str, options: ReadOptions) ->
Iterator[Record | Reject]`` and must stream: memory stays constant however
big the input. A bad record becomes a :class:`Reject` with its position and
the reason; a file that cannot be opened at all raises :class:`ReaderError`,
which :func:`read_inputs` turns into a Reject so a batch goes on.

Formats are chosen by extension, else by sniffing the first bytes. Inside a
directory only files with a known extension are read (a source tree's ``.py``
files are not news), unless a format is forced. Only regular files are read:
a FIFO or a device would block ingest forever.

A reader may also yield a :class:`Note`: something true of a whole file that
is no reason to reject a record (a known field empty in every record).
"""

from __future__ import annotations

import glob
import gzip
import importlib
import os
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import ReaderError
from ..model import Record, Reject
from ..normalize import one_line

# format name -> module under newsdesk.readers
FORMATS = {
    "text": "text",
    "jsonl": "jsonl",
    "csv": "csv",
    "html": "html",
    "feed": "feed",
    "warc": "warc",
}

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
    ".xml": "feed",
    ".warc": "warc",
    ".arc": "warc",
}


@dataclass(slots=True)
class Note:
    """A remark about a whole input (one line), shown in the ingest summary; not a reject."""

    provenance: str
    text: str

    def __str__(self) -> str:
        return f"{self.provenance}: {self.text}"


def known_extension(path: str) -> bool:
    """Whether ``path`` ends in an extension of a known format (after .gz/.bz2/.xz)."""
    return os.path.splitext(_strip_compression(path))[1] in _EXTENSIONS


@dataclass
class ReadOptions:
    """What the user said about how to read: field mapping, page fetching, format."""

    mapping: dict[str, str] = field(default_factory=dict)  # our field -> their field
    fetch_pages: bool = False
    format: str | None = None  # force a format instead of detecting it
    # fetch(url) -> bytes; the one network seam (see newsdesk.fetch); tests may swap it
    fetch: Callable[[str], bytes] | None = None


def _strip_compression(path: str) -> str:
    lower = path.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        if lower.endswith(suffix):
            return lower[: -len(suffix)]
    return lower


def detect_format(path: str) -> str | None:
    """The format of ``path`` from its extension, else from its first bytes; None if unknown."""
    if path.startswith(("http://", "https://")):
        return "feed"
    base = _strip_compression(path)
    ext = os.path.splitext(base)[1]
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    return sniff(path)


def sniff(path: str) -> str | None:
    """Guess a format from the first 4 KiB (after gunzip): WARC, feed, HTML, JSONL, text."""
    try:
        with open_binary(path) as fh:
            head = fh.read(4096)
    except OSError:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    low = text[:1024].lower()
    if text.startswith(b"WARC/"):
        return "warc"
    if b"<rss" in low or b"<feed" in low or b"<rdf:rdf" in low:
        return "feed"
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low:
        return "html"
    if text.startswith(b"{"):
        return "jsonl"
    if b"\0" in head:
        return None
    return "text"


def open_binary(path: str):
    """Open a file for binary reading, transparently decompressing .gz, .bz2 and .xz."""
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")
    if lower.endswith(".bz2"):
        import bz2

        return bz2.open(path, "rb")
    if lower.endswith(".xz"):
        import lzma

        return lzma.open(path, "rb")
    return open(path, "rb")


def expand_inputs(inputs: Iterable[str], known_only: bool = False) -> Iterator[tuple[str, str]]:
    """Yield ``(path_or_url, root)`` for each file named, found under a directory, or globbed.

    ``root`` is the directory given (or the file's own directory) so readers can
    record paths relative to what the user typed. Hidden files are skipped, and
    with ``known_only`` so are files found in a directory without a known extension.
    """
    for item in inputs:
        if item.startswith(("http://", "https://")):
            yield item, ""
            continue
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            raise ReaderError(item, "no such file or directory")
        for match in matches:
            if os.path.isdir(match):
                for dirpath, dirnames, filenames in os.walk(match):
                    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                    for name in sorted(filenames):
                        if not name.startswith(".") and (not known_only or known_extension(name)):
                            yield os.path.join(dirpath, name), match
            elif os.path.exists(match):
                yield match, os.path.dirname(match)
            else:
                raise ReaderError(match, "no such file or directory")


def read_file(path: str, options: ReadOptions, root: str = "") -> Iterator[Record | Reject]:
    """Records of one file or URL; a file that cannot be read becomes one Reject.

    Every Reject and Note is made one line (input text in a reason may hold line
    breaks, controls or lone surrogates, which a terminal or a UTF-8 log cannot take).
    """
    for item in _read_file(path, options, root):
        if isinstance(item, Reject):
            yield Reject(one_line(item.provenance), one_line(item.reason))
        elif isinstance(item, Note):
            yield Note(one_line(item.provenance), one_line(item.text))
        else:
            yield item


def _read_file(path: str, options: ReadOptions, root: str = "") -> Iterator[Record | Reject]:
    special = _not_regular(path)
    if special:
        yield Reject(path, special)
        return
    fmt = options.format or detect_format(path)
    if fmt is None:
        yield Reject(path, "unknown format (not text, JSON Lines, CSV, HTML, RSS/Atom or WARC)")
        return
    if fmt not in FORMATS:
        yield Reject(path, f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    try:
        yield from module.read(path, options)
    except ReaderError as err:
        yield Reject(err.path + (f":{err.position}" if err.position else ""), err.reason)
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as err:
        yield Reject(path, f"cannot read: {err}")
    except RecursionError:
        yield Reject(path, f"cannot read as {fmt}: nested too deeply")
    except Exception as err:  # a reader bug or a library's surprise: this file only, not the batch
        yield Reject(path, f"cannot read as {fmt}: {type(err).__name__}: {err}")


def _not_regular(path: str) -> str:
    """Why ``path`` is not a file to read ("" when it is one, or a URL)."""
    if path.startswith(("http://", "https://")):
        return ""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        return f"cannot read: {err.strerror or err}"
    if stat.S_ISREG(mode):
        return ""
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    kind = "a directory" if stat.S_ISDIR(mode) else kind
    return f"not a regular file ({kind}): newsdesk reads files, directories and URLs"


def read_inputs(inputs: Iterable[str], options: ReadOptions) -> Iterator[Record | Reject | Note]:
    """Every Record (or Reject) from every input, in order; never raises for bad content.

    A missing input becomes one Reject and the other inputs are still read.
    """
    for item in inputs:
        try:
            for path, root in expand_inputs([item], known_only=options.format is None):
                yield from read_file(path, options, root)
        except ReaderError as err:
            yield Reject(one_line(err.path), one_line(err.reason))
