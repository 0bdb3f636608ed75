"""``rank="ltr"`` as readers ask for it: through Desk.search and ``newsdesk search --rank ltr``."""

from __future__ import annotations

import pytest

import newsdesk
from tests.conftest import run_cli

from .harbour import harbour_records


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Twelve articles with "harbour strike" deep in the body, one in the headline, one in the lead."""
    records = harbour_records(7, deep=12, others=10)
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
