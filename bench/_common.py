"""Shared by the bench scripts: cached evaluation desks for Reuters and TIME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import newsdesk  # noqa: E402
from newsdesk import evaluate as ev  # noqa: E402
from newsdesk.evaluate import collections as evalsets  # noqa: E402

CACHE = Path(os.environ.get("NEWSDESK_BENCH_CACHE", ROOT / ".bench-cache"))
DOCS = ROOT / "docs" / "benchmarks.md"


def write_doc_section(name: str, body: str, heading: str | None = None) -> None:
    """Replace this bench's ``<!-- name:start -->…<!-- name:end -->`` part of docs/benchmarks.md
    with ``body``, leaving every other bench's part as it is (added at the end, under
    ``heading``, the first time)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    if start not in text:
        text += (f"\n## {heading}\n" if heading else "") + f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _old, tail = rest.split(end, 1)
    DOCS.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


def percentile(values: list[float], p: float) -> float:
    """The p-quantile (0..1) by linear interpolation: the one definition every bench reports."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def reuters_desk() -> newsdesk.Desk:
    """Reuters-21578 (headline + body only) in a cached desk, built on first use."""
    path = CACHE / "reuters"
    desk = newsdesk.open(path)
    if desk.store.count() == 0:
        desk.ingest(str(evalsets.reuters_paths()["corpus"]))
    return desk


def time_desk() -> newsdesk.Desk:
    path = CACHE / "time"
    desk = newsdesk.open(path)
    if desk.store.count() == 0:
        desk.ingest_records(evalsets.time_records())
    return desk


def collections() -> dict[str, tuple]:
    """name -> (desk, queries, qrels)."""
    p = evalsets.reuters_paths()
    return {
        "Reuters dev": (reuters_desk(), ev.load_queries(p["queries"]), ev.load_qrels(p["qrels"])),
        "TIME": (time_desk(), evalsets.time_queries(), evalsets.time_qrels()),
    }
