"""newsdesk eval: TREC loaders, metrics, runs, known items, TIME loader."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsdesk import evaluate as ev
from newsdesk.cli import cli
from newsdesk.errors import NewsdeskError
from newsdesk.evaluate import collections as evalsets
from newsdesk.model import Record
from tests.conftest import run_cli

# the metrics come from ir-measures (the `eval` extra): without it these tests skip, they do not fail
needs_eval = pytest.mark.skipif(importlib.util.find_spec("ir_measures") is None,
                                reason="ir-measures not installed (pip install 'newsdesk[eval]')")



@pytest.fixture
def judged(desk, tmp_path):
    desk.ingest_records([
        Record(title="Cocoa", body="Cocoa prices rose.", external_id="c1"),
        Record(title="Cocoa crop", body="The cocoa crop is large.", external_id="c2"),
        Record(title="Oil", body="Oil prices fell.", external_id="o1"),
    ])
    (tmp_path / "q.tsv").write_text("q1\tcocoa\nq2\toil prices\n")
    (tmp_path / "qrels.txt").write_text("q1 0 c1 1\nq1 0 c2 1\nq2 0 o1 1\n")
    return desk, tmp_path


@needs_eval
def test_perfect_run_scores_one(judged):
    desk, tmp = judged
    run = ev.run_queries(desk, ev.load_queries(tmp / "q.tsv"))
    m = ev.measure(run, ev.load_qrels(tmp / "qrels.txt"))
    assert m["nDCG@10"] == pytest.approx(1.0) and m["MAP"] == pytest.approx(1.0) and m["queries"] == 2


@needs_eval
def test_missing_query_scores_zero(judged):
    desk, tmp = judged
    m = ev.measure({"q1": {"c1": 2.0, "c2": 1.0}}, ev.load_qrels(tmp / "qrels.txt"))
    assert m["MAP"] == pytest.approx(0.5)


def test_bad_files_are_user_errors(tmp_path):
    (tmp_path / "q.tsv").write_text("no tab here\n")
    with pytest.raises(NewsdeskError, match="q.tsv:1"):
        ev.load_queries(tmp_path / "q.tsv")
    (tmp_path / "r.txt").write_text("q1 0 d1\n")
    with pytest.raises(NewsdeskError, match="r.txt:1"):
        ev.load_qrels(tmp_path / "r.txt")


@needs_eval
def test_cli_json_and_run_out(judged):
    desk, tmp = judged
    out = CliRunner().invoke(cli, ["--data", desk.path, "eval", "--queries", str(tmp / "q.tsv"),
                                   "--qrels", str(tmp / "qrels.txt"), "--json", "--run-out", str(tmp / "run.trec")])
    assert out.exit_code == 0, out.output
    metrics = json.loads(out.stdout)
    assert set(metrics) >= {"nDCG@10", "MAP", "MRR@10", "R@100", "P@10"}
    first = (tmp / "run.trec").read_text().splitlines()[0].split()
    assert first[0] in ("q1", "q2") and first[1] == "Q0" and first[3] == "1"


def test_known_item_pairs(desk, tmp_path):
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    (pairs / "p1.txt").write_text("tin mines\nTin mines reopen\nBolivian tin mines reopened today.\n")
    (pairs / "p2.txt").write_text("zinc smelter\nA zinc smelter closed.\n")
    desk.ingest([str(pairs / "p1.txt")])
    desk.ingest_records([Record(title="Tin mines", body="Tin mines tin mines tin mines.", external_id="x")])
    summary = ev.known_items(desk, pairs).summary()
    assert summary["not_in_desk"] == ["p2.txt"]
    assert summary["ranks"]["p1"] in (1, 2)
    assert summary["success@10"] == 1.0


def test_as_keywords_strips_syntax():
    assert ev.as_keywords('U.S. "policy" (NOT) AND viet-nam?') == "U.S. policy viet nam"


@pytest.mark.skipif(not evalsets.time_dir().exists(), reason="shared TIME collection not found")
def test_time_loader_maps_positions():
    docnos = evalsets.time_docnos()
    assert len(docnos) == 423
    qrels = evalsets.time_qrels()
    assert len(qrels) >= 79
    # position 371/372 are missing from this copy: p > 372 maps to block p - 2
    assert evalsets.time_position_to_block(373) == 371
    assert set(qrels["1"]) == {f"time-{docnos[p - 1]}" for p in (268, 288, 304, 308, 323, 326, 334)}
    records = list(evalsets.time_records())
    assert records[0].external_id == "time-017" and records[0].published == "1963-01-04"


@pytest.mark.skipif(not evalsets.time_dir().exists(), reason="shared TIME collection not found")
@needs_eval
def test_time_collection_eval_beats_floor():
    out = CliRunner().invoke(cli, ["eval", "--collection", "time", "--json"])
    assert out.exit_code == 0, out.output
    m = json.loads(out.stdout)  # stderr warns about the 4 TIME queries without judgements
    assert m["queries"] == 79 and m["MAP"] > 0.55  # BM25 alone reaches about 0.63


def _eval(desk, tmp, *extra):
    return run_cli("eval", "--queries", str(tmp / "q.tsv"), "--qrels", str(tmp / "qrels.txt"), *extra,
                   data=Path(desk.path))


def test_unwritable_run_out_fails_before_running(tmp_path):
    (tmp_path / "q.tsv").write_text("q1\tcocoa\n")
    (tmp_path / "qrels.txt").write_text("q1 0 c1 1\n")
    proc = run_cli("eval", "--queries", str(tmp_path / "q.tsv"), "--qrels", str(tmp_path / "qrels.txt"),
                   "--run-out", "/nonexistent/dir/x.trec", data=tmp_path / "no-desk")
    # the run file is checked first: the missing desk is never reached
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "/nonexistent/dir/x.trec: cannot write the run" in proc.stderr


def test_empty_queries_or_qrels_are_one_line_errors(judged):
    desk, tmp = judged
    (tmp / "q.tsv").write_text("# only a comment\n\n")
    proc = _eval(desk, tmp)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "no queries" in proc.stderr
    assert "nan" not in proc.stdout
    (tmp / "q.tsv").write_text("q1\tcocoa\n")
    (tmp / "qrels.txt").write_text("")
    proc = _eval(desk, tmp)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "no judgements" in proc.stderr
    (tmp / "qrels.txt").write_text("zz 0 c1 1\n")  # judgements, but for no query asked
    proc = _eval(desk, tmp)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "none of the 1 queries" in proc.stderr


@needs_eval
def test_unjudged_queries_are_left_out_with_a_warning(judged):
    desk, tmp = judged
    (tmp / "q.tsv").write_text("q1\tcocoa\nq2\toil prices\nq9\tzinc\nq8\ttin\n")
    proc = _eval(desk, tmp, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "2 of 4 queries have no relevance judgements" in proc.stderr and "q9, q8" in proc.stderr
    metrics = json.loads(proc.stdout)
    assert metrics["queries"] == 2 and metrics["nDCG@10"] == pytest.approx(1.0)  # not dragged down by q8, q9


@needs_eval
def test_cli_rank_mode_is_measured(judged):
    """``eval --rank relaxed`` measures that mode: an AND query no article fully matches scores 0
    under bm25 and finds its article once OR fills the short page; --pairs refuses --rank."""
    desk, tmp = judged
    (tmp / "q3.tsv").write_text("q3\tcocoa crop rose\n")
    (tmp / "r3.txt").write_text("q3 0 c1 1\n")
    args = ["--data", desk.path, "eval", "--queries", str(tmp / "q3.tsv"), "--qrels", str(tmp / "r3.txt"),
            "--operator", "AND", "--json"]
    plain = CliRunner().invoke(cli, args)
    relaxed = CliRunner().invoke(cli, [*args, "--rank", "relaxed"])
    assert plain.exit_code == 0 and relaxed.exit_code == 0, plain.output + relaxed.output
    assert json.loads(plain.stdout)["MRR@10"] == 0.0
    assert json.loads(relaxed.stdout)["MRR@10"] > 0.0
    refused = CliRunner().invoke(cli, ["--data", desk.path, "eval", "--pairs", str(tmp), "--rank", "rm3"])
    assert refused.exit_code != 0 and "--rank" in refused.output


def _hit(key: str, score: float) -> ev.Hit:
    return ev.Hit(rank=0, id=key, external_id=key, title="", url="", source="", published="", score=score, snippet="")


def test_ties_are_ordered_by_key_and_other_order_is_kept():
    """Equal consecutive scores are ordered by key, whatever order the index returned them in;
    a lower score before a higher one (AND-then-OR) stays where it is."""
    hits = [_hit("d", 2.0), _hit("b", 2.0), _hit("c", 2.0), _hit("a", 1.0), _hit("z", 3.0), _hit("y", 3.0)]
    assert [h.id for h in ev.ties_by_key(hits)] == ["b", "c", "d", "a", "y", "z"]
    assert [h.id for h in ev.ties_by_key(list(reversed(hits[:3])))] == ["b", "c", "d"]
    assert ev.ties_by_key([]) == []
    numbered = [_hit("1001", 1.0), _hit("998", 1.0), _hit("x", 1.0)]
    assert [h.id for h in ev.ties_by_key(numbered)] == ["998", "1001", "x"]  # numbers as numbers


def test_document_numbers_of_any_length_and_odd_digits():
    """Numbers compare as numbers at any length; a key of digits int() refuses sorts as text."""
    keys = ["10000000000000000000", "2000000000000000000", "007", "7", "²", "b"]
    ordered = [h.id for h in ev.ties_by_key([_hit(k, 1.0) for k in keys])]
    assert ordered == ["007", "7", "2000000000000000000", "10000000000000000000", "b", "²"]


def test_ranked_hits_of_depth_zero_and_of_a_tie_across_the_cut(desk):
    """Depth 0 asks for nothing (it raised IndexError); a tie across the cut is fetched whole,
    so the ``depth`` kept are the first by key, whatever order the index returned them in."""
    from newsdesk.model import Record

    desk.ingest_records([Record(title="Same", body="tide tables", external_id=str(n)) for n in (5, 3, 9, 1, 7)])
    assert ev.ranked_hits(desk, "tide", 0) == []
    assert [h.external_id for h in ev.ranked_hits(desk, "tide", 2, collapse=False)] == ["1", "3"]
