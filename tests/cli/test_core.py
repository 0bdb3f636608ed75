"""The CLI as a user runs it: real subprocesses, real data directories."""

from __future__ import annotations

import json
import os

import pytest

from ..conftest import SEED, needs_shared, run_cli


@pytest.fixture
def seeded(tmp_path):
    data = tmp_path / "data"
    proc = run_cli("ingest", str(SEED), data=data)
    if not SEED.exists():
        pytest.skip("../shared/seed not found")
    assert proc.returncode == 0, proc.stderr
    assert "1 new, 0 already present, 0 rejected" in proc.stdout
    return data


def test_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for name in ("ingest", "search", "show", "stats", "reindex"):
        assert name in proc.stdout


def test_search_prints_ranked_highlighted_results(seeded):
    proc = run_cli("search", "jeff sessions", data=seeded)
    assert proc.returncode == 0, proc.stderr
    assert "1 match for 'jeff sessions'" in proc.stdout
    assert "**Jeff** **Sessions**" in proc.stdout  # highlights survive a pipe


def test_search_json_fields(seeded):
    proc = run_cli("search", "sanctuary", "--json", data=seeded)
    hit = json.loads(proc.stdout.splitlines()[0])
    assert {"id", "external_id", "title", "url", "source", "published", "score", "snippet"} <= set(hit)
    assert hit["external_id"] == "000_91e1bbcf43ae4a30"
    assert "<b>sanctuary</b>" in hit["snippet"].lower()


def test_show_by_external_id(seeded):
    proc = run_cli("show", "000_91e1bbcf43ae4a30", "--json", data=seeded)
    article = json.loads(proc.stdout)
    assert "Protecting criminal aliens" in article["body"]


def test_show_unknown_id_is_one_line_error(seeded):
    proc = run_cli("show", "nope", data=seeded)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "no article" in proc.stderr


def test_stats_json(seeded):
    proc = run_cli("stats", "--json", data=seeded)
    assert json.loads(proc.stdout)["articles"] == 1


def test_reading_a_missing_desk_says_so(tmp_path):
    proc = run_cli("search", "x", data=tmp_path / "none")
    assert proc.returncode == 1
    assert "no such data directory" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_map_is_usage_error(tmp_path):
    proc = run_cli("ingest", str(tmp_path), "--map", "nonsense", data=tmp_path / "d")
    assert proc.returncode == 2 and "FIELD=COLUMN" in proc.stderr


def test_ingest_prints_rejects_with_positions(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": "ok", "body": "fine"}\nnot json\n')
    proc = run_cli("ingest", str(bad), data=tmp_path / "d")
    assert proc.returncode == 0
    assert "1 new, 0 already present, 1 rejected" in proc.stdout
    assert f"{bad}:2" in proc.stderr


def test_no_progress_bar_when_piped(tmp_path):
    needs_shared()
    proc = run_cli("ingest", str(SEED), data=tmp_path / "d")
    assert proc.stdout.strip().splitlines()[-1].startswith("1 new")
    assert "articles/s" not in proc.stderr


def test_query_words_may_start_with_a_dash(seeded):
    proc = run_cli("search", "james baker -treasury", data=seeded)
    assert proc.returncode == 0, proc.stderr
    assert "'james baker -treasury'" in proc.stdout
    proc = run_cli("search", "-cocoa -sugar", data=seeded)  # the whole query starts with '-'
    assert proc.returncode == 0, proc.stderr
    assert "'-cocoa -sugar'" in proc.stdout
    proc = run_cli("search", "--", "-cocoa", data=seeded)
    assert proc.returncode == 0, proc.stderr
    assert "'-cocoa'" in proc.stdout
    proc = run_cli("search", "jeff", "-shipping", "-n", "1", "--json", data=seeded)  # -shipping holds -h, -n
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["external_id"] == "000_91e1bbcf43ae4a30"
    for args in (("timeline", "-cocoa", "jeff", "--json"), ("top", "terms", "-cocoa", "--json"),
                 ("export", "-cocoa", "--jsonl", "-")):
        proc = run_cli(*args, data=seeded)
        assert proc.returncode == 0, (args, proc.stderr)


def test_real_options_still_work_next_to_dash_words(seeded):
    assert "Usage:" in run_cli("search", "--help", data=seeded).stdout
    assert "Usage:" in run_cli("search", "-h", data=seeded).stdout
    proc = run_cli("search", "jeff", "--limt", "3", data=seeded)  # a mistyped --option is still an error
    assert proc.returncode == 2 and "No such option" in proc.stderr
    proc = run_cli("search", "-n0", "jeff", data=seeded)
    assert proc.returncode == 0 and "none on this page" in proc.stdout
    proc = run_cli("search", "--limit=0", "jeff", "-treasury", data=seeded)
    assert proc.returncode == 0 and "'jeff -treasury'" in proc.stdout


def test_search_prints_external_id_in_a_pipe_and_a_terminal(seeded):
    import pty
    import subprocess
    import sys

    proc = run_cli("search", "sanctuary", data=seeded)
    assert "external_id 000_91e1bbcf43ae4a30" in proc.stdout
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "newsdesk", "--data", str(seeded), "search", "sanctuary"],
                             stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert child.wait(timeout=60) == 0
    assert b"external_id 000_91e1bbcf43ae4a30" in out


def test_closed_pipe_exits_0_quietly(tmp_path):
    import subprocess
    import sys

    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({"title": f"cocoa story {i}", "body": "cocoa prices rose " * 20}) + "\n"
                            for i in range(300)))
    data = tmp_path / "d"
    assert run_cli("ingest", str(many), data=data).returncode == 0
    cmd = [sys.executable, "-m", "newsdesk", "--data", str(data), "search", "cocoa", "-n", "300"]
    for lines in (1, 0):  # `| head -1` (closed mid-output), and a reader that never reads
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(lines):
            assert child.stdout.readline()
        child.stdout.close()
        rc = child.wait(timeout=60)
        err = child.stderr.read()
        child.stderr.close()
        assert rc == 0 and err == b"", (lines, rc, err)


def test_ingest_of_a_missing_input_is_an_error_after_the_rest(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"title": "ok", "body": "fine"}\nnot json\n')
    missing = tmp_path / "missing-file.jsonl"
    proc = run_cli("ingest", str(missing), str(good), data=tmp_path / "d")
    assert proc.returncode == 1
    assert "1 new, 0 already present, 1 rejected" in proc.stdout  # the other input was still read
    assert f"newsdesk: {missing}: no such file or directory" in proc.stderr.splitlines()
    proc = run_cli("ingest", str(missing), "--json", data=tmp_path / "d")
    assert proc.returncode == 1 and proc.stderr.strip() == f"newsdesk: {missing}: no such file or directory"
    proc = run_cli("ingest", str(tmp_path / "*.nothing"), data=tmp_path / "d")  # a glob matching nothing
    assert proc.returncode == 1 and "1 rejected" in proc.stdout  # every input rejected: exit 1 (issue 12)


def test_reindex_length_floor_is_kept_and_shown(seeded):
    """``reindex --length-floor N`` records the desk's padding and rebuilds; ``stats`` says it;
    a value that is neither auto nor a word count is refused in one line, nothing changed."""
    before = run_cli("stats", data=seeded)
    assert "length floor    200 words (auto" in before.stdout
    proc = run_cli("reindex", "--length-floor", "50", data=seeded)
    assert proc.returncode == 0, proc.stderr
    assert "reindexed 1 articles" in proc.stdout
    assert "length floor    50 words (set" in run_cli("stats", data=seeded).stdout
    bad = run_cli("reindex", "--length-floor", "banana", data=seeded)
    assert bad.returncode != 0 and "--length-floor 'banana'" in bad.stderr
    assert json.loads(run_cli("stats", "--json", data=seeded).stdout)["length_floor"]["setting"] == "50"
    assert "1 match for 'sanctuary'" in run_cli("search", "sanctuary", data=seeded).stdout
