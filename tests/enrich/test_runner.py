"""The stage runner through the Desk: per-stage checkpoints, --stage, --redo NAME, SIGKILL then resume.

Uses the copies and stories stages (no spaCy needed), on a desk of real Reuters
text with planted copies, driven by the real `newsdesk enrich` CLI in a
subprocess for the kill.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import newsdesk
from newsdesk.model import Record

from ..conftest import REUTERS, needs_shared

pytest.importorskip("rensa")


def _records(n: int = 400) -> list[Record]:
    """n Reuters articles, and for every fifth one a copy under another headline with a dateline."""
    needs_shared()
    out: list[Record] = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if len((row.get("body") or "").split()) < 80:
                continue
            out.append(Record(title=row["title"], body=row["body"], external_id=row["id"],
                              published=row.get("published", ""), source="Reuters"))
            if len(out) % 5 == 0:
                out.append(Record(title="WIRE: " + row["title"].lower(), body="LONDON, March 3 - " + row["body"],
                                  external_id=row["id"] + "-copy", published=row.get("published", ""),
                                  source="Other Wire"))
            if len(out) >= n:
                break
    return out


def _state(path: Path) -> tuple[dict, dict, dict]:
    db = sqlite3.connect(path / "newsdesk.db")
    groups = dict(db.execute("SELECT a.id, c.grp FROM copies c JOIN articles a ON a.seq = c.seq"))
    stories = dict(db.execute("SELECT a.id, m.story FROM story_members m JOIN articles a ON a.seq = m.seq"))
    runs = dict(db.execute("SELECT stage, count(*) FROM stage_runs GROUP BY stage"))
    dupes = db.execute("SELECT count(*) - count(DISTINCT seq) FROM story_members").fetchone()[0]
    assert dupes == 0
    db.close()
    return groups, stories, runs


def test_stage_and_redo_touch_only_their_stage(tmp_path):
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records(_records(120), dedup=False)
        assert d.pending("copies") == d.count()
        assert d.enrich(stage="copies") == {"copies": d.count()}
        assert d.pending("stories") == d.count(), "--stage copies ran only copies"
        assert d.enrich(stage="stories") == {"stories": d.count()}
        groups, stories, runs = _state(Path(d.path))
        assert runs == {"copies": d.count(), "stories": d.count()}
        # --redo stories forgets and redoes that stage only: copies keep their rows and checkpoint
        assert d.enrich(stage="stories", redo="stories") == {"stories": d.count()}
        assert _state(Path(d.path)) == (groups, stories, runs)
        assert d.enrich(stage="copies") == {"copies": 0}


def test_unknown_stage_is_a_clear_error(tmp_path):
    from newsdesk.errors import BadParameter

    with newsdesk.open(tmp_path / "d") as d, pytest.raises(BadParameter, match="no such enrichment stage"):
        d.enrich(stage="nope")


@pytest.mark.slow
def test_sigkill_during_copies_and_stories_then_enrich_again(tmp_path):
    records = _records(1200)
    control = tmp_path / "control"
    with newsdesk.open(control) as d:
        d.ingest_records(records, dedup=False)
        d.enrich(stage="copies")
        d.enrich(stage="stories")
    want = _state(control)
    victim = tmp_path / "victim"
    with newsdesk.open(victim) as d:
        d.ingest_records(records, dedup=False)
    env = dict(os.environ, NEWSDESK_DATA=str(victim))
    for stage in ("copies", "stories"):
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "enrich", "--stage", stage, "--batch-size", "16"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        db = sqlite3.connect(victim / "newsdesk.db")
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                done = db.execute("SELECT count(*) FROM stage_runs WHERE stage = ?", (stage,)).fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 64:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        db.close()
        assert done < len(records), f"the kill must land mid-run of {stage}"
        with newsdesk.open(victim) as d:  # `newsdesk enrich` again finishes the stage
            d.enrich(stage=stage)
    groups, stories, runs = _state(victim)
    n = len(records)
    assert len(groups) == n and len(stories) == n and runs == {"copies": n, "stories": n}
    assert groups == want[0], "every article in exactly one copy group, the same as without the kill"


def test_a_new_stage_version_redoes_that_stage(tmp_path, monkeypatch):
    from newsdesk.enrich.copies import CopiesStage
    from newsdesk.enrich.stage import StageInfo

    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records(_records(60), dedup=False)
        d.enrich(stage="copies")
        groups = _state(Path(d.path))[0]
        old = CopiesStage.info
        monkeypatch.setattr(CopiesStage, "info", StageInfo(**{**{f: getattr(old, f) for f in old.__slots__}, "version": 2}))
        d._stages = [type(s)() for s in d._stages]
        assert d.pending("copies") == d.count()
        assert d.enrich(stage="copies") == {"copies": d.count()}
        assert _state(Path(d.path))[0] == groups, "redone from scratch, nothing doubled"
        db = sqlite3.connect(Path(d.path) / "newsdesk.db")
        assert db.execute("SELECT DISTINCT version FROM stage_runs WHERE stage='copies'").fetchall() == [(2,)]
        db.close()


def test_stories_rebuild_keeps_every_article_in_one_story(tmp_path):
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records(_records(80))
        d.enrich(stage="stories")
        assert d.rebuild_stories() == d.count()
        _groups, stories, runs = _state(Path(d.path))
        assert len(stories) == d.count() and runs["stories"] == d.count()
        one = d.stories(top=1)[0]
        assert d.search(f"story:{one['id']}", limit=500, collapse="none").total == one["size"]
