"""SIGKILL at random points of a real ``newsdesk ingest``, then re-run: exact counts, nothing twice.

The input is generated (about 5 MiB, so the reader runs in its own process) and
holds the cases identity must get right under a kill as well: items that share
a link but not a guid, live-blog fragments, articles without a URL, and lines
that repeat an earlier article. After each kill, the reader process must be
gone within seconds (it used to hang forever on some kills), and the desk must
open with its index in step with its store. After the last kill one ingest runs
to the end: the store holds exactly the distinct articles, each once, the index
as many, and one more run adds nothing.

``make test`` kills 3 times; ``NEWSDESK_FUZZ_KILLS`` sets more (``make fuzz``: 12).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import newsdesk

KILLS = int(os.environ.get("NEWSDESK_FUZZ_KILLS", "3"))
ARTICLES = 10_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)"),
]


def make_input(path: Path) -> int:
    """Write the input; return how many distinct articles it holds."""
    rng = random.Random(7)
    words = [
        "harbour",
        "council",
        "budget",
        "storm",
        "ferry",
        "quay",
        "mill",
        "vote",
        "river",
        "bridge",
        "tide",
        "market",
        "school",
        "rail",
    ]
    lines: list[str] = []
    for i in range(ARTICLES):
        body = " ".join(rng.choice(words) for _ in range(70)) + f" item {i}."
        kind = i % 10
        if kind == 0:  # a podcast: one link, distinct guids
            rec = {
                "id": f"ep-{i}",
                "url": "https://pod.example.com/show",
                "title": f"Episode {i}",
                "body": body,
            }
        elif kind == 1:  # a live blog: one page, an entry per fragment
            rec = {"url": f"https://news.example.com/live#post-{i}", "title": f"Update {i}", "body": body}
        elif kind == 2:  # no URL: identified by id and text
            rec = {"id": f"wire-{i}", "title": f"Wire {i}", "body": body}
        else:
            rec = {
                "url": f"https://news.example.com/{i}?utm_source=feed",
                "title": f"Story {i}",
                "body": body,
            }
        lines.append(json.dumps(rec))
    distinct = len(lines)
    for i in range(0, ARTICLES, 97):  # repeats of earlier articles, tracking variants included
        rec = json.loads(lines[i])
        if "url" in rec and "utm_source" in rec["url"]:
            rec["url"] = rec["url"].replace("feed", "mail")
        lines.append(json.dumps(rec))
    path.write_text("\n".join(lines) + "\n")
    return distinct


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, theirs, ...), read from /proc."""
    found: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                kids = Path(f"/proc/{p}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                found.append(kid)
                todo.append(kid)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a container's init to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def ingest(data: Path, path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "--data", str(data), "ingest", "--json", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def counts(data: Path) -> tuple[int, int, int]:
    """(stored, distinct ids, indexed) after opening the desk (which catches the index up)."""
    with newsdesk.open(data) as d:
        stored = d.store.count()
        ids = d.store.db.execute("SELECT count(DISTINCT id) FROM articles").fetchone()[0]
        return stored, ids, d.index.num_docs()


def test_sigkill_during_ingest_then_rerun_gives_exact_counts(tmp_path):
    path = tmp_path / "generated.jsonl"
    distinct = make_input(path)
    assert path.stat().st_size > 4 * 1024 * 1024  # the reader process is used
    data = tmp_path / "data"
    started = time.monotonic()
    timing = ingest(tmp_path / "timing", path)
    out, err = timing.communicate(timeout=600)
    full = time.monotonic() - started
    assert timing.returncode == 0, err
    assert json.loads(out)["new"] == distinct
    rng = random.Random(12)
    lingering: list[str] = []
    for k in range(KILLS):
        proc = ingest(data, path)
        time.sleep(rng.uniform(0.5, max(1.0, full * 0.9)))
        below = descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)  # not communicate(): an orphaned reader would hold the pipes open
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in below):
            time.sleep(0.1)
        lingering += [f"kill {k}: pid {p}" for p in below if alive(p)]
        for p in below:  # do not leave them behind for the rest of the test run
            if alive(p):
                os.kill(p, signal.SIGKILL)
        proc.communicate(timeout=60)
        stored, ids, indexed = counts(data)
        assert stored == ids == indexed <= distinct, (k, stored, ids, indexed)
    assert not lingering, f"reader processes outlived their killed parent: {lingering}"
    final = ingest(data, path)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    assert counts(data) == (distinct, distinct, distinct)
    again = ingest(data, path)
    out, err = again.communicate(timeout=600)
    summary = json.loads(out)
    assert (summary["new"], summary["rejected"]) == (0, 0), err
    assert counts(data) == (distinct, distinct, distinct)
