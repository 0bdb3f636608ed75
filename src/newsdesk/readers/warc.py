"""WARC archives (``.warc``, ``.warc.gz``) as Common Crawl's CC-News ships them.

Every ``response`` record with HTTP status 200 and an HTML content type is one
page: its payload (de-chunked and decompressed by warcio, decoded by the HTTP
charset) goes through :func:`html.extract_page`. The record's URL is the
``WARC-Target-URI``; the page's canonical link, when different, is kept as
``metadata["canonical_url"]``. ``metadata["fetched"]`` is the ``WARC-Date``,
which is also the publication date when the page states none. Provenance is
``path@offset``, the record's byte offset in the (compressed) file, which is
what ``warcio extract`` and CDX indexes use.

Old ARC files (``.arc``) are read the same way, through warcio's ARC-to-WARC
conversion. Requests, metadata, warcinfo, non-HTML and non-200 responses are skipped
without a word. A truncated or corrupt archive yields every record before the
damage, then one Reject with the offset where reading stopped.
"""

from __future__ import annotations

import codecs
import logging
import os
import zlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import warcio.archiveiterator as _warcio_iterator
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from ..model import Record, Reject
from . import ReadOptions, open_binary
from .html import extract_page

# warcio writes "WARNING: Record not followed by newline" straight to sys.stderr, several lines
# a time, in the middle of the CLI's one-line rejects; its module uses sys for nothing else.
# What it warns about (a wrong Content-Length) reaches the user as a Reject when it matters.
logging.getLogger("warcio").addHandler(logging.NullHandler())  # no "Replacing spaces..." on stderr
_warcio_iterator.sys = SimpleNamespace(stderr=SimpleNamespace(write=lambda _text: 0, flush=lambda: None))

MAX_PAGE_BYTES = 20 * 1024 * 1024
_PAGE_RECORDS = ("response", "resource")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# what warcio raises on damaged input; AttributeError/TypeError/IndexError too, from headers it
# expected and did not find (a corrupt record with no WARC-Target-URI, say)
_DAMAGE = (
    ArchiveLoadFailed,
    StatusAndHeadersParserException,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    AttributeError,
    TypeError,
    IndexError,
    KeyError,
)


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    with open_binary(path) as head:
        is_arc = head.read(11) == b"filedesc://"  # warcio makes up random record ids for ARC
    with open(path, "rb") as fh:
        whole_gzip = False
        for item in _read(fh, path, is_arc):
            if isinstance(item, Reject) and "non-chunked gzip" in item.reason:
                whole_gzip = True  # `gzip file.warc`: one gzip member, no per-record offsets
                break
            yield item
    if whole_gzip:
        with open(path, "rb") as raw:
            # offsets are in the decompressed stream now; the first record is read again
            yield from _read(_Gunzip(raw), path, is_arc, skip_first=True)


def _read(fh: Any, path: str, is_arc: bool, skip_first: bool = False) -> Iterator[Record | Reject]:
    iterator = ArchiveIterator(fh, arc2warc=True)  # old .arc files read as WARC
    records = iter(iterator)
    next_offset = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            # warcio ends quietly when a gzip member or a header block is cut short:
            # bytes left after the last whole record mean the file is damaged
            if isinstance(fh, _Gunzip):  # one-member gzip: the stream itself says if it is cut
                fh.read()
                if fh.problem:
                    yield Reject(f"{path}@{next_offset}", f"truncated WARC: {fh.problem}")
                return
            left = _unread_tail(fh, next_offset)
            if left:
                yield Reject(
                    f"{path}@{next_offset}",
                    f"truncated or corrupt WARC: {left} bytes after the last whole record could not be read",
                )
            return
        except _DAMAGE as err:
            offset = _offset(iterator, next_offset)
            yield Reject(f"{path}@{offset}", f"corrupt WARC, reading stopped: {_one_line(err)}")
            return
        try:
            page = _page_payload(record)
        except _DAMAGE as err:  # a payload that will not decode loses this page only
            page = Reject("", f"cannot decode the page: {_one_line(err)}")
        try:
            offset = iterator.get_record_offset()
            next_offset = offset + max(0, iterator.get_record_length())  # < 0 in a one-member gzip
        except _DAMAGE as err:
            offset = _offset(iterator, next_offset)
            yield Reject(f"{path}@{offset}", f"corrupt WARC record, reading stopped: {_one_line(err)}")
            return
        # warcio's stand-in for a header block cut short: no type, or no Content-Length
        if not record.rec_type or record.rec_headers.get_header("Content-Length") is None:
            yield Reject(f"{path}@{offset}", "truncated WARC: record headers cut short")
            return
        missing = getattr(record.raw_stream, "limit", 0)
        if missing and not (is_arc and missing <= ARC_SLACK and page is not None):
            yield Reject(f"{path}@{offset}", f"truncated WARC: record is {missing} bytes short")
            return
        if missing:  # an ARC writer that counted line ends its own way: the page is whole
            rec = _to_record(record, page, f"{path}@{offset}", keep_id=False)
            if isinstance(rec, Record):
                rec.metadata["arc_length_short_by"] = missing
            yield rec
            return
        if skip_first:
            skip_first = False
            continue
        if page is not None:
            yield _to_record(record, page, f"{path}@{offset}", keep_id=not is_arc)


def _page_payload(record: Any) -> bytes | str | Reject | None:
    """The HTML of a page record (decoded when the charset is known), a Reject, or None to skip."""
    if record.rec_type not in _PAGE_RECORDS:
        return None
    if record.rec_type == "response":
        http = record.http_headers
        if http is None or http.get_statuscode() != "200":
            return None
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    mime, charset = _parse_content_type(content_type)
    if mime not in _HTML_TYPES:
        return None
    data = record.content_stream().read(MAX_PAGE_BYTES + 1)
    if len(data) > MAX_PAGE_BYTES:
        return Reject("", f"page larger than {MAX_PAGE_BYTES // (1024 * 1024)} MiB")
    if charset:
        try:
            return data.decode(codecs.lookup(charset).name, errors="replace")
        except LookupError:
            pass  # an unknown charset name: let the extractor guess from the bytes
    return data


def _to_record(record: Any, page: bytes | str | Reject, where: str, keep_id: bool) -> Record | Reject:
    if isinstance(page, Reject):
        return Reject(where, page.reason)
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    fetched = record.rec_headers.get_header("WARC-Date") or ""
    rec = extract_page(page, url=url, provenance=where)
    if isinstance(rec, Reject):
        return rec
    if url and rec.url and rec.url != url:
        rec.metadata["canonical_url"] = rec.url
    rec.url = url or rec.url
    rec.published = rec.published or fetched
    if not rec.lang and record.http_headers is not None:  # the page said nothing; the server may have
        rec.lang = (record.http_headers.get_header("Content-Language") or "").split(",")[0].strip()
    if fetched:
        rec.metadata["fetched"] = fetched
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    if record_id and keep_id:
        rec.metadata["warc_record_id"] = record_id
    return rec


class _Gunzip:
    """A one-member (or concatenated) gzip stream that hands out what it could decompress.

    ``gzip.GzipFile.read`` raises on a cut stream and keeps the bytes it had, so
    the records before the cut would be lost; this reader returns them, then
    ends, and says why in ``problem``.
    """

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.buffer = b""
        self.pos = 0
        self.done = False
        self.problem = ""

    def _fill(self, want: int) -> None:
        while len(self.buffer) < want and not self.done:
            chunk = self.raw.read(65536)
            try:
                if not chunk:
                    self.done = True
                    if not self.inflate.eof:
                        self.problem = "the gzip stream is cut short"
                    break
                data = self.inflate.decompress(chunk)
                while self.inflate.eof and self.inflate.unused_data:  # the next member
                    rest = self.inflate.unused_data
                    self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data += self.inflate.decompress(rest)
            except zlib.error as err:
                self.done, self.problem = True, f"corrupt gzip data: {err}"
                break
            self.buffer += data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            out = b""
            while not self.done or self.buffer:
                self._fill(1 << 20)
                out, self.buffer = out + self.buffer, b""
                if self.done and not self.buffer:
                    break
        else:
            self._fill(size)
            out, self.buffer = self.buffer[:size], self.buffer[size:]
        self.pos += len(out)
        return out

    def readline(self, size: int = -1) -> bytes:
        while b"\n" not in self.buffer and not self.done:
            self._fill(len(self.buffer) + 65536)
        end = self.buffer.find(b"\n")
        end = len(self.buffer) if end < 0 else end + 1
        if size is not None and size >= 0:
            end = min(end, size)
        return self.read(end)

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        pass


ARC_SLACK = 16  # bytes an ARC record may fall short of its declared length and still be read


def _offset(iterator: Any, fallback: int) -> int:
    """Where reading stopped: warcio's offset, unless it has none or a negative one (a bad gzip member)."""
    offset = getattr(iterator, "offset", None)
    return offset if isinstance(offset, int) and offset >= 0 else fallback


def _unread_tail(fh: Any, end: int) -> int:
    """How many bytes after ``end`` are more than the blank lines that may close a WARC."""
    try:
        size = os.fstat(fh.fileno()).st_size
        if size <= end:
            return 0
        fh.seek(end)
        tail = fh.read(4096)
    except (OSError, ValueError):
        return 0
    return size - end if tail.strip() else 0


def _parse_content_type(value: str) -> tuple[str, str]:
    """``"text/html; charset=UTF-8"`` -> ``("text/html", "UTF-8")``."""
    mime, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'")
    return mime.strip().lower(), charset


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
