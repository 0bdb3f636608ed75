"""Shared fixtures: real desks on temporary directories, and the shared corpora."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import newsdesk

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
REUTERS = SHARED / "data" / "reuters21578" / "reuters21578.jsonl.gz"
SEED = SHARED / "seed"


def needs_shared() -> None:
    if not REUTERS.exists():
        pytest.skip(f"shared corpora not found at {SHARED}")


@pytest.fixture
def desk(tmp_path):
    """An empty desk in a fresh temporary data directory, closed afterwards."""
    d = newsdesk.open(tmp_path / "data")
    yield d
    d.close()


@pytest.fixture(scope="session")
def reuters_dir(tmp_path_factory) -> Path:
    """A data directory holding all of Reuters-21578 plus the seed article (built once)."""
    needs_shared()
    path = tmp_path_factory.mktemp("reuters") / "data"
    with newsdesk.open(path) as d:
        d.ingest([str(REUTERS), str(SEED)])
    return path


@pytest.fixture(scope="session")
def reuters_desk(reuters_dir):
    """The Reuters + seed desk, opened once per session (read-only use, please)."""
    d = newsdesk.open(reuters_dir)
    yield d
    d.close()


def run_cli(*args: str, data: Path | None = None, check: bool = False, **kw) -> subprocess.CompletedProcess:
    """Run the real ``newsdesk`` CLI in a subprocess and capture its output."""
    cmd = [sys.executable, "-m", "newsdesk"]
    if data is not None:
        cmd += ["--data", str(data)]
    cmd += list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=600, **kw)
