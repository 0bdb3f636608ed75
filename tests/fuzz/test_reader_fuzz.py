"""Mutated inputs for every reader: no traceback, one-line errors, nothing lost, nothing twice.

``make test`` runs a few hundred inputs; ``make fuzz`` runs
``NEWSDESK_FUZZ_EXAMPLES`` (10,000) of them. Each input is a seeded mutation of
a file under tests/data/ (see :mod:`tests.fuzz.mutate`); a failure names the
seed, so ``inputs(n)`` rebuilds it. Two passes:

* in process, every input through ``read_file`` and ``to_article``: nothing may
  escape, every reject is one line naming the file, no record appears twice,
  every article survives the JSON the store and ``show --json`` write;
* through the real CLI, all inputs in one ``newsdesk ingest --json``: no
  traceback, the counts add up to what the readers produced (nothing lost), the
  store and the index hold each article once, and a second run adds nothing.
"""

from __future__ import annotations

import json
import os
import signal
import traceback
from collections import Counter
from pathlib import Path

import pytest

import newsdesk
from newsdesk.model import Article, Record, Reject
from newsdesk.normalize import to_article
from newsdesk.readers import Note, ReadOptions, read_file
from newsdesk.store import article_values

from ..conftest import run_cli
from .mutate import inputs

COUNT = int(os.environ.get("NEWSDESK_FUZZ_EXAMPLES", "300"))
SECONDS_PER_INPUT = 60


class _TooSlow(BaseException):
    """Raised by the alarm: a BaseException, so no reader's ``except Exception`` can swallow it."""


def _alarm(signum, frame):
    raise _TooSlow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[tuple[int, Path]]]:
    root = tmp_path_factory.mktemp("fuzz")
    files = []
    for seed, name, data in inputs(COUNT):
        d = root / f"{seed}"
        d.mkdir()
        (d / name).write_bytes(data)
        files.append((seed, d / name))
    return root, files


def _one_line(text: str) -> bool:
    return bool(text) and "\n" not in text and "\r" not in text and "Traceback" not in text


def test_every_mutated_input_reads_without_escaping_errors(corpus):
    _root, files = corpus
    failures: list[str] = []
    surprises: Counter[str] = Counter()  # rejects made by read_file's catch-all: reader bugs worth a look
    outcome: Counter[str] = Counter()
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        for seed, path in files:
            signal.alarm(SECONDS_PER_INPUT)
            try:
                items = list(read_file(str(path), ReadOptions()))
                articles = [
                    to_article(i, "2026-01-01T00:00:00Z") if isinstance(i, Record) else i for i in items
                ]
                for a in articles:
                    if isinstance(a, Article):
                        article_values(a)  # the store's JSON encoding
                        json.dumps(a.to_dict(), ensure_ascii=False, allow_nan=False, default=str)
            except _TooSlow:
                failures.append(f"seed {seed} {path.name}: over {SECONDS_PER_INPUT}s")
                continue
            except Exception:  # noqa: BLE001 - exactly what must never happen
                failures.append(f"seed {seed} {path.name}: {traceback.format_exc(limit=-3)}")
                continue
            finally:
                signal.alarm(0)
            provenances = [a.provenance for a in articles if not isinstance(a, Note)]
            if len(provenances) != len(set(provenances)):
                failures.append(f"seed {seed} {path.name}: a record twice: {provenances}")
            for a in articles:
                if isinstance(a, Reject):
                    outcome["rejects"] += 1
                    if not (_one_line(a.reason) and a.provenance.startswith(str(path))):
                        failures.append(f"seed {seed} {path.name}: bad reject {a!r}")
                    if a.reason.startswith(("cannot read as ", "cannot normalise")):
                        surprises[a.reason.split(":")[1].strip() if ":" in a.reason else a.reason] += 1
                elif isinstance(a, Article):
                    outcome["articles"] += 1
    finally:
        signal.signal(signal.SIGALRM, old)
    print(
        f"\nreader fuzz: {len(files)} inputs, {outcome['articles']} articles, {outcome['rejects']} rejects, "
        f"{len(failures)} failures, catch-all rejects {dict(surprises)}"
    )
    assert not failures, "\n".join(failures[:20])


def _expected(files: list[tuple[int, Path]]) -> tuple[int, int]:
    """Articles and rejects the readers make of the inputs (in process)."""
    articles = rejects = 0
    for _seed, path in files:
        for item in read_file(str(path), ReadOptions()):
            if isinstance(item, Record):
                item = to_article(item)
            if isinstance(item, Reject):
                rejects += 1
            elif isinstance(item, Article):
                articles += 1
    return articles, rejects


def test_the_cli_ingests_every_mutated_input_once(corpus, tmp_path):
    root, files = corpus
    data = tmp_path / "data"
    articles, rejected = _expected(files)
    proc = run_cli("ingest", "--json", str(root), data=data)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == (0 if articles else 1), proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    assert summary["rejected"] == rejected
    assert summary["new"] + summary["present"] == articles  # nothing lost
    assert all(_one_line(r) for r in summary["rejects"])
    with newsdesk.open(data) as d:
        stored = d.store.count()
        assert stored == summary["new"]
        assert d.index.num_docs() == stored  # each article once in the index too
        ids = [r[0] for r in d.store.db.execute("SELECT id FROM articles")]
        assert len(ids) == len(set(ids))
    again = json.loads(run_cli("ingest", "--json", str(root), data=data).stdout)
    assert (again["new"], again["present"], again["rejected"]) == (0, articles, rejected)  # nothing twice
