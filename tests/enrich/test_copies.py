"""The copies stage on a real store: each kind of near-copy is found, distinct articles are not."""

from __future__ import annotations

import pytest

from newsdesk.enrich.copies import CopiesStage
from newsdesk.model import Article, StoredRow
from newsdesk.store import Store, article_values
from newsdesk.store import copies as copies_db

pytest.importorskip("rensa")

PARAS = [
    "Dock workers at the port of Rotterdam began a 48-hour strike on Wednesday after talks on a new "
    "wage agreement broke down, the FNV union said in a statement issued early in the morning.",
    "The union is seeking a seven percent pay rise over two years and firm limits on the use of "
    "automated cranes at the container terminals. Terminal operators have offered four percent.",
    "The port authority said container ships were being held at anchor outside the harbour and that "
    "some vessels would be diverted to Antwerp and Hamburg until the dispute was settled.",
    "Shipping line Maersk said it expected delays of up to three days for cargo bound for Germany and "
    "Switzerland, and advised customers to book rail transport where they could.",
    "Rotterdam is the largest port in Europe and handled more than 13 million containers last year. "
    "The last strike there, in 2019, lasted two days and cost operators an estimated 20 million euros.",
]
TITLE = "Dock workers walk out at Rotterdam port over pay"
BODY = "\n\n".join(PARAS)
FOOTER = (
    "Reporting by Jane Whitaker; Editing by Tom Okafor. Copyright 2026 Harbor Times. All rights "
    "reserved. This material may not be published, broadcast, rewritten or redistributed."
)

#: kind -> (title, body) of a copy of the article above
COPIES = {
    "headline": ("Rotterdam port hit by 48-hour dock strike", BODY),
    "dateline": (TITLE, "ROTTERDAM, June 3 - " + BODY),
    "byline": (TITLE, "By Lena Marsh\n\n" + BODY),
    "credit": (TITLE, "ROTTERDAM (Reuters) - " + BODY),
    "footer": (TITLE, BODY + "\n\n" + FOOTER),
    "rewrap": (TITLE, "\n".join(" ".join(BODY.split()[i : i + 7]) for i in range(0, len(BODY.split()), 7))),
    "reorder": (TITLE, "\n\n".join([PARAS[0], PARAS[3], PARAS[1], PARAS[4], PARAS[2]])),
    "truncate": (TITLE, "\n\n".join(PARAS[:4])),
    "words": (
        TITLE,
        BODY.replace("Wednesday", "Thursday").replace("largest", "biggest").replace("firm", "strict"),
    ),
    "excerpt": (TITLE, PARAS[0] + " " + PARAS[1]),
}
OTHER = (
    "Rotterdam dock strike ends with pay deal",
    "Dock workers at Rotterdam agreed on Friday to end their strike after the FNV union and terminal "
    "operators reached a deal on a 5.5 percent pay rise over two years, a government mediator said.\n\n"
    "The agreement also sets up a joint committee on the introduction of automated cranes. Work will "
    "resume on Saturday morning, the union said, and ships waiting offshore should be handled by Monday.",
)


def art(
    aid: str, title: str, body: str, published: str = "2026-06-03T06:00:00Z", source: str = "Wire"
) -> Article:
    return Article(
        id=aid,
        external_id=aid,
        url="",
        source=source,
        title=title,
        body=body,
        published=published,
        authors=[],
        lang="en",
        metadata={},
        provenance="test",
        ingested_at="2026-06-03T06:00:00Z",
    )


def add(store: Store, articles: list[Article]) -> list[StoredRow]:
    new, _ = store.add_values([article_values(a) for a in articles])
    return [StoredRow(*r) for r in new]


def run(store: Store, stage: CopiesStage, rows: list[StoredRow]) -> list[int]:
    computed = stage.compute(rows)
    with store.transaction():
        return stage.write(store, rows, computed)


def groups_by_id(store: Store) -> dict[str, tuple[int, str | None]]:
    """{article id: (group, copy_of id)}."""
    ids = dict(store.db.execute("SELECT seq, id FROM articles").fetchall())
    info = copies_db.copy_info(store, list(ids))
    return {ids[s]: (i["group"], ids.get(i["copy_of"])) for s, i in info.items()}


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path))
    yield s
    s.close()


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_each_kind_of_copy_is_found(store, kind):
    title, body = COPIES[kind]
    rows = add(
        store,
        [
            art("orig", TITLE, BODY),
            art("copy", title, body, "2026-06-03T09:00:00Z", "Harbor Times"),
            art("other", *OTHER, "2026-06-05T18:50:00Z"),
        ],
    )
    run(store, CopiesStage(), rows)
    g = groups_by_id(store)
    assert g["copy"] == (g["orig"][0], "orig")
    assert g["orig"][1] is None
    assert g["other"][0] != g["orig"][0]


def test_distinct_articles_are_not_merged(store):
    template = (
        "The Federal Reserve entered the government securities market to arrange {} of customer "
        "repurchase agreements, a Fed spokesman said. Dealers said federal funds were trading at {} "
        "when the Fed began its temporary and indirect supply of reserves to the banking system."
    )
    rows = add(
        store,
        [
            art("a", TITLE, BODY),
            art("b", *OTHER, "2026-06-05T18:50:00Z"),
            art(
                "fed1",
                "Fed adds reserves",
                template.format("1.5 billion dlrs", "6-1/8 pct"),
                "2026-03-20T11:45:00Z",
            ),
            # the same template a week later: another day's operation, not a copy (outside the window)
            art(
                "fed2",
                "Fed adds reserves",
                template.format("1.5 billion dlrs", "6-1/8 pct"),
                "2026-03-27T11:45:00Z",
            ),
        ],
    )
    run(store, CopiesStage(), rows)
    g = groups_by_id(store)
    assert len({grp for grp, _ in g.values()}) == 4
    assert all(c is None for _, c in g.values())


def test_original_is_earliest_then_source_then_id(store):
    rows = add(
        store,
        [
            art("late", TITLE, BODY, "2026-06-03T10:00:00Z", "A"),
            art("z-early", TITLE, "LONDON (Reuters) - " + BODY, "2026-06-03T06:00:00Z", "B"),
            art("a-early", TITLE, BODY + "\n\n" + FOOTER, "2026-06-03T06:00:00Z", "B"),
            art("early-a-source", TITLE, "By Lena Marsh\n\n" + BODY, "2026-06-03T06:00:00Z", "A"),
        ],
    )
    run(store, CopiesStage(), rows)
    g = groups_by_id(store)
    assert {c for _, c in g.values()} == {None, "early-a-source"}
    assert g["early-a-source"][1] is None
    assert len({grp for grp, _ in g.values()}) == 1


def _gold_rows(n: int = 120) -> list[Article]:
    import json
    from pathlib import Path

    gold = Path(__file__).resolve().parents[1] / "data" / "stories" / "gold.jsonl"
    rows = [json.loads(line) for line in gold.open(encoding="utf-8")]
    rows = [o for o in rows if o["story"] in set(sorted({o["story"] for o in rows})[:40])][:n]
    rows.sort(key=lambda o: (o["published"], o["id"]))
    return [art(o["id"], o["title"], o["body"], o["published"], o["source"]) for o in rows]


def test_incremental_batches_equal_one_batch(tmp_path):
    articles = _gold_rows()
    (tmp_path / "one").mkdir()
    (tmp_path / "many").mkdir()
    one = Store(str(tmp_path / "one"))
    run(one, CopiesStage(), add(one, articles))
    many = Store(str(tmp_path / "many"))
    rows = add(many, articles)
    stage = CopiesStage()
    for i in range(0, len(rows), 17):
        run(many, stage, rows[i : i + 17])
    a, b = groups_by_id(one), groups_by_id(many)
    assert a == b
    assert sum(1 for _, c in a.values() if c) >= 20  # the sample holds copies, so the test can fail


def test_new_article_matches_stored_one_after_band_table_is_lost(tmp_path):
    store = Store(str(tmp_path))
    run(store, CopiesStage(), add(store, [art("orig", TITLE, BODY), art("other", *OTHER)]))
    assert copies_db.band_rows(store)
    with store.transaction():
        copies_db.clear_bands(store)
    store.close()
    store = Store(str(tmp_path))  # another process: nothing cached
    changed = run(store, CopiesStage(), add(store, [art("copy", *COPIES["footer"], "2026-06-03T08:00:00Z")]))
    g = groups_by_id(store)
    assert g["copy"] == (g["orig"][0], "orig")
    assert copies_db.band_rows(store)
    assert changed == sorted(store.db.execute("SELECT seq FROM articles WHERE id='copy'").fetchone())


def test_an_earlier_longer_version_becomes_the_original(store):
    stage = CopiesStage()
    first = add(store, [art("lead", TITLE, PARAS[0] + " " + PARAS[1], "2026-06-03T07:00:00Z")])
    run(store, stage, first)
    second = add(store, [art("full", TITLE, BODY, "2026-06-03T06:00:00Z")])  # published earlier
    changed = run(store, stage, second)
    g = groups_by_id(store)
    assert g["lead"] == (g["full"][0], "full")  # the earlier-published longer one is the original
    assert g["full"][0] == first[0].seq  # the group key is the smallest seq: it did not move
    assert changed == [second[0].seq]  # so only the new article's index field changed


def test_index_values_and_reset(store):
    stage = CopiesStage()
    rows = add(store, [art("orig", TITLE, BODY), art("copy", *COPIES["credit"]), art("other", *OTHER)])
    run(store, stage, rows)
    values = stage.index_values(store, [r.seq for r in rows] + [999])
    assert values[rows[0].seq] == values[rows[1].seq] == {"copy_group": [rows[0].seq]}
    assert values[rows[2].seq] == {"copy_group": [rows[2].seq]}
    assert values[999] == {"copy_group": [999]}
    with store.transaction():
        stage.reset(store)
    assert copies_db.all_groups(store) == {}
    assert not copies_db.band_rows(store)


def test_rerun_of_the_same_batch_doubles_nothing(store):
    stage = CopiesStage()
    rows = add(store, [art("orig", TITLE, BODY), art("copy", *COPIES["words"])])
    run(store, stage, rows)
    before = (groups_by_id(store), store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0])
    run(store, stage, rows)
    after = (groups_by_id(store), store.db.execute("SELECT count(*) FROM copy_keys").fetchone()[0])
    assert before == after
