"""``rank="ltr"`` as readers ask for it: through Desk.search and ``newsdesk search --rank ltr``."""

from __future__ import annotations

import random

import pytest

import newsdesk
from newsdesk.model import Record
from tests.conftest import run_cli

VOCAB = [f"filler{i}" for i in range(300)]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Twelve articles with "harbour strike" deep in the body, one in the headline, one in the lead."""
    rng = random.Random(7)

    def filler(n: int) -> str:
        return " ".join(rng.choice(VOCAB) for _ in range(n))

    records = [Record(title=filler(6), body=f"{filler(150)} harbour strike {filler(20)} harbour strike "
                      f"{filler(20)} harbour strike", external_id=f"deep{i}") for i in range(12)]
    records.append(Record(title="Harbour strike ends", body=filler(120), external_id="headline"))
    records.append(Record(title=filler(6), body="The harbour strike " + filler(120), external_id="lead"))
    records += [Record(title=filler(6), body=filler(100), external_id=f"other{i}") for i in range(10)]
    path = tmp_path_factory.mktemp("ltr") / "data"
    with newsdesk.open(path) as desk:
        desk.ingest_records(records)
    return path


def test_ltr_reorders_the_relaxed_page_without_changing_what_is_on_it(data):
    with newsdesk.open(data) as desk:
        relaxed = [h.external_id for h in desk.search("harbour strike", rank="relaxed", limit=20).hits]
        ltr = [h.external_id for h in desk.search("harbour strike", rank="ltr", limit=20).hits]
    assert sorted(ltr) == sorted(relaxed) and len(ltr) == 14
    # words in the opening (headline + first words) are the learned model's one feature
    assert ltr.index("lead") < relaxed.index("lead")


def test_search_cli_takes_rank_ltr(data):
    out = run_cli("search", "harbour strike", "--rank", "ltr", "--limit", "1", data=data, check=True)
    assert "Harbour strike ends" in out.stdout
    bad = run_cli("search", "harbour strike", "--rank", "learned", data=data)
    assert bad.returncode != 0 and "ltr" in bad.stderr
