"""Analysis on real desks: timelines with shares, top sources/terms, export of every match."""

from __future__ import annotations

import csv
import io
import json

import pytest

import newsdesk
from newsdesk import analysis
from newsdesk.errors import NewsdeskError
from newsdesk.model import Record


def _records() -> list[Record]:
    recs = []
    for i in range(12):  # coffee news in March and April, one undated
        recs.append(Record(
            title=f"Coffee quota talks {i}",
            body="The International Coffee Organization discussed export quotas for coffee producers. "
            f"Brazil and Colombia differ. Item {i}.",
            published=f"1987-0{3 + i % 2}-{10 + i:02d}T12:00:00Z", source="Wire A" if i % 3 else "Wire B",
            external_id=f"c{i}",
        ))
    for i in range(30):  # background: other news spread over March-May
        recs.append(Record(
            title=f"Company results {i}", body=f"The company said profits rose in the quarter. Shares up {i}.",
            published=f"1987-0{3 + i % 3}-{1 + i % 27:02d}T09:00:00Z", source="Wire A", external_id=f"o{i}",
        ))
    recs.append(Record(title="Undated coffee note", body="Coffee export quotas again.", external_id="u1"))
    return recs


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = newsdesk.open(tmp_path_factory.mktemp("an") / "d")
    d.ingest_records(_records())
    yield d
    d.close()


def test_timeline_counts_and_shares(small):
    data = small.timeline(["coffee"], "month", normalize=True)
    s = data["series"][0]
    assert s["total"] == 13 and s["undated"] == 1
    by = {b["period"]: b for b in s["buckets"]}
    assert list(by) == ["1987-03", "1987-04"]
    assert by["1987-03"]["count"] == 6 and by["1987-04"]["count"] == 6
    # share = matches / all articles in that month (6 coffee + 10 others in March)
    assert by["1987-03"]["all"] == 16
    assert by["1987-03"]["share"] == pytest.approx(6 / 16, abs=1e-6)
    assert by["1987-03"]["value"] == by["1987-03"]["share"]


def test_timeline_compares_queries_on_one_axis_with_gaps_filled(small):
    data = small.timeline(["coffee", "profits"], "month")
    periods = [[b["period"] for b in s["buckets"]] for s in data["series"]]
    assert periods[0] == periods[1] == ["1987-03", "1987-04", "1987-05"]
    assert data["series"][0]["buckets"][2]["count"] == 0
    assert data["series"][1]["buckets"][2]["value"] == 10


def test_timeline_weeks_start_on_monday_and_source_filter_changes_denominator(small):
    weeks = small.timeline(["coffee"], "week")["series"][0]["buckets"]
    from datetime import date

    assert all(date.fromisoformat(b["period"]).weekday() == 0 for b in weeks)
    assert sum(b["count"] for b in weeks) == 12
    only_b = small.timeline(["coffee"], "month", source="Wire B")["series"][0]["buckets"]
    assert all(b["share"] == 1.0 for b in only_b if b["count"])  # Wire B only carries coffee


def test_timeline_rejects_bad_interval(small):
    with pytest.raises(NewsdeskError):
        small.timeline(["coffee"], "year")


def test_top_sources(small):
    assert small.top("sources", "coffee") == [
        {"source": "Wire A", "count": 8}, {"source": "Wire B", "count": 4}, {"source": "", "count": 1}
    ] or small.top("sources", "coffee")[:2] == [
        {"source": "Wire A", "count": 8}, {"source": "Wire B", "count": 4}
    ]


def test_top_terms_are_significant_not_frequent(small):
    terms = [t["term"] for t in small.top("terms", "coffee", 10)]
    assert "coffee" in terms
    assert any(" " in t for t in terms), "bigrams are included"
    assert "export quotas" in terms or "coffee organization" in terms
    assert not {"the", "said", "and", "company"} & set(terms)


def test_top_entities_empty_before_enrichment(small):
    assert small.top("entities", "coffee") == []


def test_export_csv_and_jsonl_hold_every_match(small):
    buf = io.StringIO()
    n = small.export("coffee", "csv", buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert n == len(rows) == small.search("coffee").total == 13
    assert set(rows[0]) == {*analysis.EXPORT_FIELDS, "copy_of", "story"}  # the stages' columns too
    assert rows[0]["published"] >= rows[1]["published"]  # newest first, undated last
    assert rows[-1]["published"] == ""
    assert "coffee" in rows[0]["snippet"].lower() and "<b>" not in rows[0]["snippet"]
    buf = io.StringIO()
    small.export("coffee", "jsonl", buf, source="Wire B")
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert len(lines) == 4 and {x["source"] for x in lines} == {"Wire B"}


def test_export_pages_through_more_than_one_page(small):
    from newsdesk.search import make_plan
    from newsdesk.search.match import matching_seqs

    pages = list(matching_seqs(make_plan(small.corpus, "*"), page=5))
    seqs = [s for page in pages for s in page]
    assert len(pages) > 1 and len(seqs) == len(set(seqs)) == small.stats()["articles"]


def test_similar_articles(small):
    art = small.get("c1")
    sims = small.similar(art.id, 3)
    assert sims and all(s["id"] != art.id for s in sims)
    assert all("Coffee" in s["title"] for s in sims)


@pytest.mark.slow
def test_reuters_coffee_timeline_and_oil_export(reuters_desk):
    s = reuters_desk.timeline(["coffee"], "month", normalize=True)["series"][0]
    periods = [b["period"] for b in s["buckets"]]
    assert periods[0] == "1987-02" and periods[-1] == "1987-10"
    assert all(0 <= b["share"] < 0.1 for b in s["buckets"])
    buf = io.StringIO()
    n = reuters_desk.export("oil", "csv", buf)
    assert n == reuters_desk.search("oil").total == len(list(csv.DictReader(io.StringIO(buf.getvalue()))))
