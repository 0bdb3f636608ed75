"""Seeded mutations of real input files, byte-level and per format, for the reader fuzz suite.

Every mutation is a pure function of a ``random.Random``, so a failing input
is reproduced from the seed printed with it. Byte mutations (flips, cuts,
inserted junk, repeated ranges) find decoder and length bugs; structural ones
(a JSON value swapped for a deep nest or a lone surrogate, a tag left open, a
WARC length changed) reach the code behind the parsers.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Callable
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"

# (seed file, the name the mutated copy is given: its extension picks the reader)
SEEDS: list[tuple[Path, str]] = [
    (DATA / "text" / "council-budget.txt", "m.txt"),
    (DATA / "text" / "museum-reopening.txt", "m.txt"),
    (DATA / "jsonl" / "odd.jsonl", "m.jsonl"),
    (DATA / "jsonl" / "broken.jsonl", "m.jsonl"),
    (DATA / "csv" / "articles.csv", "m.csv"),
    (DATA / "csv" / "articles.tsv", "m.tsv"),
    (DATA / "html" / "article.html", "m.html"),
    (DATA / "feeds" / "rss2.xml", "m.xml"),
    (DATA / "feeds" / "atom.xml", "m.atom"),
    (DATA / "feeds" / "rss1.rdf", "m.rdf"),
    (DATA / "fuzz" / "jsonfeed.json", "m.json"),
    (DATA / "warc" / "ccnews-sample.warc.gz", "m.warc"),  # mutated decompressed, see seed_bytes
    (DATA / "fuzz" / "mill.arc", "m.arc"),
]

JUNK = [
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\r",
    b"\n\n\n",
    b'"',
    b"'",
    b",",
    b"\t",
    b";",
    b"|",
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xD800;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"1e999999",
    b"-0",
    b"NaN",
    b"null",
    b"WARC/1.0\r\n",
    b"Content-Length: 99999999\r\n",
    b"\xef\xbb\xbf",
    "é".encode(),
    "Ω".encode("utf-16"),
    b"%s%n",
    b"\x1b[31m",
    "\u202e".encode(),
]


def seed_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def _flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def _cut(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _delete(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64) :]


def _insert(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    junk = b"".join(rng.choice(JUNK) for _ in range(rng.randint(1, 6)))
    return data[:i] + junk + data[i:]


def _repeat(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 200))
    return data[:j] + data[i:j] * rng.randint(2, 50) + data[j:]


def _deep(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"<div>", b"</div>"), (b"<b>", b"")])
    n = rng.choice([50, 500, 3000])
    return data[:i] + opener * n + closer * rng.choice([0, n]) + data[i:]


def _json_value(rng: random.Random, data: bytes) -> bytes:
    """Swap one JSON string value for something hostile of another type."""
    spans = [m.span(1) for m in re.finditer(rb':\s*("(?:[^"\\\n]|\\.){0,200}")', data)]
    if not spans:
        return _insert(rng, data)
    a, b = rng.choice(spans)
    evil = rng.choice(
        [
            b"null",
            b"1e400",
            b"-1",
            b"123456789012345678901234567890",
            b"[]",
            b"{}",
            b'"\\ud800"',
            b'"\\u0000"',
            b"[" * 40 + b"]" * 40,
            b'{"k":' * 30 + b"1" + b"}" * 30,
            b'"' + b"x" * 100_000 + b'"',
            b"true",
            b'["a", 1, null, {"b": []}]',
            b'"   "',
            b'"\\n\\n\\n"',
            b'"<script>alert(1)</script>"',
        ]
    )
    return data[:a] + evil + data[b:]


def _markup(rng: random.Random, data: bytes) -> bytes:
    """Break markup: drop a closing tag, open a tag, add an entity or a bogus encoding."""
    closers = [m.span() for m in re.finditer(rb"</[A-Za-z:]+>", data)]
    choice = rng.randrange(4)
    if choice == 0 and closers:
        a, b = rng.choice(closers)
        return data[:a] + data[b:]
    if choice == 1:
        return re.sub(
            rb'encoding="[^"]*"',
            rng.choice([b'encoding="koi8-r"', b'encoding="nonsense"', b'encoding="utf-16"']),
            data,
            count=1,
        )
    if choice == 2:
        i = rng.randrange(len(data) + 1)
        return (
            data[:i]
            + rng.choice([b"&nbsp;", b"&bogus;", b"&#99999999;", b"<item>", b"<entry>", b"<link>/rel</link>"])
            + data[i:]
        )
    return _deep(rng, data)


def _warc_length(rng: random.Random, data: bytes) -> bytes:
    """Change one declared Content-Length (a WARC record's or an HTTP one), or an ARC length."""
    spans = [m.span(1) for m in re.finditer(rb"Content-Length: (\d+)", data)]
    spans += [m.span(1) for m in re.finditer(rb" text/\w+ (\d+)\n", data)]
    if not spans:
        return _flip(rng, data)
    a, b = rng.choice(spans)
    value = int(data[a:b])
    new = rng.choice([0, value - 1, value + 1, value * 2, value + 7, 10**12, -5])
    return data[:a] + str(new).encode() + data[b:]


def _csv(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data) + 1)
    return (
        data[:i]
        + rng.choice([b'"', b'""', b",,,,", b"\t\t", b'"\n', b"\r\n\r\n", b'a"b', b"\x00"])
        + data[i:]
    )


BYTE = [_flip, _cut, _delete, _insert, _repeat, _deep]
STRUCTURE: dict[str, list[Callable[[random.Random, bytes], bytes]]] = {
    ".jsonl": [_json_value],
    ".json": [_json_value],
    ".csv": [_csv],
    ".tsv": [_csv],
    ".html": [_markup],
    ".xml": [_markup],
    ".atom": [_markup],
    ".rdf": [_markup],
    ".warc": [_warc_length],
    ".arc": [_warc_length],
    ".txt": [],
}


def mutate(rng: random.Random, data: bytes, name: str) -> bytes:
    """One to three mutations of ``data``, chosen for the format ``name`` names."""
    ops = BYTE + STRUCTURE.get(Path(name).suffix, []) * 3
    for _ in range(rng.randint(1, 3)):
        data = rng.choice(ops)(rng, data)
    return data


def inputs(count: int, seed: int = 12) -> list[tuple[int, str, bytes]]:
    """``count`` mutated inputs: (seed of this input, file name, bytes), seeds in turn."""
    base = [(name, seed_bytes(path)) for path, name in SEEDS]
    out = []
    for n in range(count):
        name, data = base[n % len(base)]
        rng = random.Random(seed * 1_000_003 + n)
        mutated = mutate(rng, data, name)
        if name == "m.warc" and rng.random() < 0.3:  # sometimes as a per-record gzip would be cut: .warc.gz
            name, mutated = "m.warc.gz", gzip.compress(mutated)[: rng.randrange(20, 20 + len(mutated))]
        out.append((seed * 1_000_003 + n, name, mutated))
    return out
