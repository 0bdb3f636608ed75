"""The stories stage on a real store: related articles join, unrelated ones do not, ids stay put."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.enrich.copies import CopiesStage
from newsdesk.enrich.stories import StoriesStage
from newsdesk.model import Article, StoredRow
from newsdesk.store import Store, article_values
from newsdesk.store import stories as stories_db

pytest.importorskip("rensa")

DATA = Path(__file__).resolve().parents[1] / "data" / "stories"


def written() -> list[dict]:
    return [json.loads(line) for line in (DATA / "written.jsonl").open(encoding="utf-8")]


def gold() -> list[dict]:
    """The gold set (Reuters and written stories, with copies), in arrival order."""
    rows = [json.loads(line) for line in (DATA / "gold.jsonl").open(encoding="utf-8")]
    return sorted(rows, key=lambda o: (o["published"], o["id"]))


def art(o: dict, **kw) -> Article:
    o = {**o, **kw}
    return Article(
        id=o["id"],
        external_id=o["id"],
        url="",
        source=o.get("source", "Wire"),
        title=o["title"],
        body=o["body"],
        published=o["published"],
        authors=[],
        lang="en",
        metadata={},
        provenance="test",
        ingested_at=o["published"],
    )


def add(store: Store, articles: list[Article]) -> list[StoredRow]:
    new, _ = store.add_values([article_values(a) for a in articles])
    return [StoredRow(*r) for r in new]


def run(store: Store, stage, rows: list[StoredRow]) -> list[int]:
    computed = stage.compute(rows)
    with store.transaction():
        return stage.write(store, rows, computed)


def story_by_id(store: Store) -> dict[str, int]:
    ids = dict(store.db.execute("SELECT seq, id FROM articles").fetchall())
    return {ids[s]: st for s, st in stories_db.all_members(store).items()}


@pytest.fixture
def store(tmp_path):
    s = Store(str(tmp_path))
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _subdir(tmp_path):
    (tmp_path / "in-order").mkdir()


def _run_gold(store: Store, batch: int = 100) -> dict[str, int]:
    rows = add(store, [art(o) for o in gold()])
    copies, stories = CopiesStage(), StoriesStage()
    for i in range(0, len(rows), batch):
        run(store, copies, rows[i : i + batch])
    for i in range(0, len(rows), batch):
        run(store, stories, rows[i : i + batch])
    return story_by_id(store)


def test_written_stories_are_found_and_look_alikes_kept_apart(store):
    """On a desk of the gold set (so the IDF is a desk's, not 16 articles'): no two articles of
    different written stories (two quakes, two fires... look-alike events) share a story, and
    most pairs of one story do (copies included)."""
    got = _run_gold(store)
    mine = {o["id"]: o["story"] for o in gold() if o["story"].startswith("w-")}
    assert len(mine) > 16  # the written originals and their copies
    same = [(a, b) for a in mine for b in mine if a < b and mine[a] == mine[b]]
    apart = [(a, b) for a in mine for b in mine if a < b and mine[a] != mine[b]]
    assert not [(a, b) for a, b in apart if got[a] == got[b]]
    joined = sum(got[a] == got[b] for a, b in same)
    assert joined / len(same) >= 0.8, f"{joined}/{len(same)} same-story pairs joined"


def test_story_ids_are_stable_as_articles_arrive(store):
    docs = sorted(written(), key=lambda o: o["published"])
    stage = StoriesStage()
    first = add(store, [art(o) for o in docs[:8]])
    run(store, stage, first)
    before = story_by_id(store)
    second = add(store, [art(o) for o in docs[8:]])
    run(store, StoriesStage(), second)  # a new stage object: as another process would
    after = story_by_id(store)
    assert {k: after[k] for k in before} == before
    assert set(after) == {o["id"] for o in docs}


def test_copy_joins_its_originals_story_and_counts_are_kept(store):
    docs = written()
    quake = next(o for o in docs if o["id"] == "w-quake-1")
    copy = {
        **quake,
        "id": "copy",
        "title": "Japan quake: no tsunami",
        "published": "2026-03-02T05:00:00Z",
        "source": "Metro Herald",
        "body": "TOKYO (Reuters) - " + quake["body"],
    }
    rows = add(store, [art(quake), art(copy)])
    run(store, CopiesStage(), rows)
    run(store, StoriesStage(), rows)
    got = story_by_id(store)
    assert got["copy"] == got["w-quake-1"]
    story = stories_db.get_story(store, got["copy"])
    assert story["size"] == 2 and story["sources"] == 2 and story["originals"] == 1
    assert story["title"] == quake["title"]
    assert [m["id"] for m in story["members"]] == ["w-quake-1", "copy"]
    assert story["members"][1]["copy_of"] == rows[0].seq


def test_the_time_window_separates_the_same_text_a_month_apart(store):
    first = next(o for o in written() if o["id"] == "w-strike-1")
    later = {**first, "id": "later", "published": "2026-07-10T06:00:00Z"}  # 37 days on
    rows = add(store, [art(first), art(later)])
    run(store, StoriesStage(window_days=3), rows)
    got = story_by_id(store)
    assert got["later"] != got["w-strike-1"]
    with store.transaction():
        StoriesStage().reset(store)
    assert story_by_id(store) == {}
    run(store, StoriesStage(window_days=60), rows)
    got = story_by_id(store)
    assert got["later"] == got["w-strike-1"]


def test_rebuild_reclusters_in_time_order_into_exactly_one_story_each(store):
    """Articles stored out of time order and clustered one by one; the rebuild re-clusters them
    in published order, as one time-ordered pass over the desk would."""
    docs = gold()
    shuffled = docs[1::2] + docs[::2]
    rows = add(store, [art(o) for o in shuffled])
    stage = StoriesStage()
    for i in range(0, len(rows), 50):
        run(store, stage, rows[i : i + 50])
    with store.transaction():
        n = stage.rebuild(store)
    assert n == len(docs)
    got = story_by_id(store)
    assert len(got) == len(docs)
    assert store.db.execute("SELECT count(*) FROM story_members").fetchone()[0] == len(docs)
    partition = {frozenset(a for a in got if got[a] == s) for s in got.values()}
    sizes = sorted(s["size"] for s in stories_db.list_stories(store, limit=10_000))
    assert sizes == sorted(len(p) for p in partition)
    assert stories_db.list_stories(store, limit=1)[0]["size"] >= 6
    other = Store(str(Path(store.directory) / "in-order"))
    rows = add(other, [art(o) for o in docs])
    run(other, StoriesStage(), rows)  # one time-ordered batch, as the rebuild reads them
    again = story_by_id(other)
    other.close()
    assert partition == {frozenset(a for a in again if again[a] == s) for s in again.values()}


def test_index_values(store):
    docs = written()[:2]
    rows = add(store, [art(o) for o in docs])
    stage = StoriesStage()
    run(store, stage, rows)
    values = stage.index_values(store, [rows[0].seq, 999])
    assert values[rows[0].seq]["story"] == [story_by_id(store)[docs[0]["id"]]]
    assert values[999] == {"story": []}


def _volcano(store: Store) -> list[StoredRow]:
    a = {
        "id": "erupt",
        "title": "Karva volcano erupts, villages evacuated",
        "published": "2026-09-06T08:00:00Z",
        "body": "The Karva volcano in northern Iceland erupted on Sunday, sending lava toward two villages. "
        "Civil protection officials evacuated about 300 people and closed the coastal road.",
    }
    b = {
        "id": "ash",
        "title": "Ash from Karva grounds flights at Keflavik",
        "published": "2026-09-07T07:00:00Z",
        "body": "Airlines cancelled dozens of departures from Keflavik airport on Monday as ash drifted over "
        "the capital. The airport operator said it hoped to reopen by the evening.",
    }
    return add(store, [art(a), art(b)])


def test_shared_salient_entities_join_what_the_words_alone_do_not(tmp_path):
    from newsdesk.store import entities as entities_db

    def ent(name: str, salience: float) -> dict:
        return {
            "norm": name.lower(),
            "name": name,
            "type": "LOC",
            "aliases": [],
            "count": 2,
            "salience": salience,
            "in_title": True,
            "in_lead": True,
        }

    (tmp_path / "words").mkdir()
    (tmp_path / "entities").mkdir()
    plain = Store(str(tmp_path / "words"))
    rows = _volcano(plain)
    run(plain, StoriesStage(), rows)
    words_only = story_by_id(plain)
    plain.close()
    store = Store(str(tmp_path / "entities"))
    rows = _volcano(store)
    with store.transaction():
        entities_db.write_results(
            store,
            [
                {"seq": rows[0].seq, "entities": [ent("Karva", 0.9), ent("Iceland", 0.5)], "quotes": []},
                {
                    "seq": rows[1].seq,
                    "entities": [ent("Karva", 0.8), ent("Iceland", 0.4), ent("Keflavik", 0.6)],
                    "quotes": [],
                },
            ],
        )
    run(store, StoriesStage(), rows)
    with_entities = story_by_id(store)
    store.close()
    assert words_only["erupt"] != words_only["ash"]
    assert with_entities["erupt"] == with_entities["ash"]


def test_a_rolled_back_batch_leaves_nothing_and_the_rerun_equals_a_clean_run(tmp_path):
    """As after a SIGKILL mid-batch: the transaction rolls back, the same stage objects (with
    their in-memory state) run the batch again, and the result is that of a run without the
    failure: every article in one copy group and one story, nothing doubled."""
    docs = gold()
    (tmp_path / "clean").mkdir()
    (tmp_path / "failed").mkdir()
    clean = Store(str(tmp_path / "clean"))
    expect = _run_gold(clean)
    expect_groups = dict(clean.db.execute("SELECT a.id, c.grp FROM copies c JOIN articles a USING (seq)"))
    clean.close()
    store = Store(str(tmp_path / "failed"))
    rows = add(store, [art(o) for o in docs])
    copies, stories = CopiesStage(), StoriesStage()
    for i in range(0, len(rows), 100):
        part = rows[i : i + 100]
        for stage in (copies, stories):
            if i == 200:  # this batch fails once, after the stage wrote its rows
                with pytest.raises(KeyboardInterrupt), store.transaction():
                    stage.write(store, part, stage.compute(part))
                    raise KeyboardInterrupt
            run(store, stage, part)
    got = story_by_id(store)
    groups = dict(store.db.execute("SELECT a.id, c.grp FROM copies c JOIN articles a USING (seq)"))
    assert store.db.execute("SELECT count(*) FROM story_members").fetchone()[0] == len(docs)
    assert store.db.execute("SELECT count(*) FROM copies").fetchone()[0] == len(docs)
    store.close()
    partition = lambda m: {frozenset(a for a in m if m[a] == s) for s in m.values()}  # noqa: E731
    assert partition(got) == partition(expect)
    assert partition(groups) == partition(expect_groups)
