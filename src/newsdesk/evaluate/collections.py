"""Test collections as desks, queries and qrels: Reuters-21578 and TIME (1963).

Reuters comes as JSON Lines that the ordinary reader ingests: only the
headline and body are indexed; the category tags (which *are* the relevance
judgements) stay in ``metadata``, which is never searchable. TIME has its own
format (``*TEXT`` blocks, ``*FIND`` queries) and judgements that name documents
by *position*, which :func:`time_qrels` maps to ``time-<docno>`` external ids.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..model import Record
from . import Qrels

# where the shared corpora live (override with NEWSDESK_SHARED)
SHARED = Path(os.environ.get("NEWSDESK_SHARED", Path(__file__).resolve().parents[4] / "shared"))


def reuters_paths(shared: Path | None = None) -> dict[str, Path]:
    """The Reuters JSONL, dev queries and dev qrels under the shared directory."""
    base = (shared or SHARED) / "data" / "reuters21578"
    return {
        "corpus": base / "reuters21578.jsonl.gz",
        "queries": base / "queries.dev.tsv",
        "qrels": base / "qrels.dev.txt",
    }


def time_dir(shared: Path | None = None) -> Path:
    return (shared or SHARED) / "data" / "time" / "raw"


def _blocks(text: str, marker: str) -> Iterator[tuple[str, str]]:
    """(header line, body) for each block that starts with ``marker`` at a line start."""
    parts = re.split(rf"(?m)^(\{marker}[^\n]*)\n", text)
    for i in range(1, len(parts) - 1, 2):
        yield parts[i], parts[i + 1]


def _clean(text: str) -> str:
    """TIME text is upper case, one blank line between lines: join into one paragraph."""
    return " ".join(text.split())


def _time_date(header_fields: list[str]) -> str:
    """``MM/DD/YY`` (loosely: one header reads ``08/30 63``) -> ``19YY-MM-DD``."""
    joined = " ".join(header_fields[2:5])
    m = re.search(r"(\d\d)/(\d\d)[/ ]+(\d\d)", joined)
    return f"19{m.group(3)}-{m.group(1)}-{m.group(2)}" if m else ""


def time_records(raw: Path | None = None) -> Iterator[Record]:
    """The 423 TIME articles as Records; external_id ``time-<docno>``; no headline."""
    path = (raw or time_dir()) / "TIME.ALL"
    text = path.read_text(encoding="ascii", errors="replace")
    for n, (header, body) in enumerate(_blocks(text, "*TEXT"), 1):
        fields = header.split()
        yield Record(
            body=_clean(body),
            published=_time_date(fields),
            source="TIME",
            external_id=f"time-{fields[1]}",
            provenance=f"{path}#{n}",
        )


def time_docnos(raw: Path | None = None) -> list[str]:
    """The ``*TEXT`` docnos in file order (position i+1 -> docnos[i])."""
    text = ((raw or time_dir()) / "TIME.ALL").read_text(encoding="ascii", errors="replace")
    return [h.split()[1] for h, _b in _blocks(text, "*TEXT")]


def time_queries(raw: Path | None = None) -> dict[str, str]:
    """qid -> query text, from ``TIME.QUE``."""
    text = ((raw or time_dir()) / "TIME.QUE").read_text(encoding="ascii", errors="replace")
    return {h.split()[1]: _clean(b) for h, b in _blocks(text, "*FIND")}


def time_position_to_block(position: int) -> int:
    """TIME.REL positions count 425 documents; this TIME.ALL lacks the two after 370."""
    return position if position <= 370 else position - 2


def time_qrels(raw: Path | None = None) -> Qrels:
    """qid -> {external_id: 1} from ``TIME.REL`` (positions mapped to docnos)."""
    raw = raw or time_dir()
    docnos = time_docnos(raw)
    qrels: Qrels = {}
    for line in (raw / "TIME.REL").read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        qid, positions = parts[0], [int(p) for p in parts[1:]]
        qrels[qid] = {f"time-{docnos[time_position_to_block(p) - 1]}": 1 for p in positions}
    return qrels
