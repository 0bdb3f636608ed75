"""The copies and stories reads the Desk builds on: copy info, originals, stories, counts by unit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.enrich.copies import CopiesStage
from newsdesk.enrich.stories import StoriesStage
from newsdesk.model import Article, StoredRow
from newsdesk.store import Store, article_values
from newsdesk.store import copies as copies_db
from newsdesk.store import stories as stories_db

pytest.importorskip("rensa")

GOLD = Path(__file__).resolve().parents[1] / "data" / "stories" / "gold.jsonl"


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """A store holding the gold set with both stages run, and the gold rows by id."""
    rows = sorted(
        (json.loads(line) for line in GOLD.open(encoding="utf-8")), key=lambda o: (o["published"], o["id"])
    )
    store = Store(str(tmp_path_factory.mktemp("desk")))
    new, _ = store.add_values(
        [
            article_values(
                Article(
                    id=o["id"],
                    external_id=o["id"],
                    url="",
                    source=o["source"],
                    title=o["title"],
                    body=o["body"],
                    published=o["published"],
                    authors=[],
                    lang="en",
                    metadata={},
                    provenance="test",
                    ingested_at=o["published"],
                )
            )
            for o in rows
        ]
    )
    stored = [StoredRow(*r) for r in new]
    for stage in (CopiesStage(), StoriesStage()):
        for i in range(0, len(stored), 200):
            part = stored[i : i + 200]
            computed = stage.compute(part)
            with store.transaction():
                stage.write(store, part, computed)
    seq_of = {r.id: r.seq for r in stored}
    yield store, {o["id"]: o for o in rows}, seq_of
    store.close()


def test_copy_info_names_the_original_and_the_other_members(desk):
    store, gold, seq_of = desk
    copy_id = next(i for i, o in gold.items() if o["kind"] == "credit")
    orig = gold[copy_id]["copy_of"]
    info = copies_db.copy_info(store, [seq_of[copy_id], seq_of[orig]])
    assert info[seq_of[copy_id]]["copy_of"] == seq_of[orig]
    assert info[seq_of[orig]]["copy_of"] is None
    assert seq_of[copy_id] in info[seq_of[orig]]["copies"]
    assert seq_of[orig] in info[seq_of[copy_id]]["copies"]
    assert info[seq_of[orig]]["group"] == info[seq_of[copy_id]]["group"]


def test_originals_among(desk):
    store, gold, seq_of = desk
    seqs = list(seq_of.values())
    originals = copies_db.originals_among(store, seqs + [10**9])
    assert 10**9 in originals  # not done yet: counted as an original
    n_copies = sum(o["kind"] not in ("original",) for o in gold.values())
    assert abs((len(seqs) - (len(originals) - 1)) - n_copies) <= 5
    groups, members = copies_db.group_stats(store)
    assert members - groups == len(seqs) - (len(originals) - 1)


def test_counts_by_unit_never_exceed_articles(desk):
    store, _, seq_of = desk
    rows = list(store.db.execute("SELECT seq, published FROM articles").fetchall())
    month = lambda p: p[:7]  # noqa: E731
    arts = stories_db.counts_by_period(store, rows, "articles", month)
    origs = stories_db.counts_by_period(store, rows, "originals", month)
    stories = stories_db.counts_by_period(store, rows, "stories", month)
    assert sum(arts.values()) == len(rows)
    assert all(origs.get(b, 0) <= n and stories.get(b, 0) <= n for b, n in arts.items())
    assert sum(origs.values()) < sum(arts.values())
    assert sum(stories.values()) < sum(origs.values())
    with pytest.raises(ValueError, match="unit"):
        stories_db.counts_by_period(store, rows, "words", month)


def test_list_and_get_stories(desk):
    store, gold, seq_of = desk
    top = stories_db.list_stories(store, limit=5)
    assert [s["size"] for s in top] == sorted((s["size"] for s in top), reverse=True)
    first = top[0]
    assert first["sources"] >= 1 and first["originals"] <= first["size"] and first["title"]
    story = stories_db.get_story(store, first["id"])
    pubs = [m["published"] for m in story["members"]]
    assert pubs == sorted(pubs) and len(pubs) == first["size"]
    assert story["first_published"] == pubs[0] and story["last_published"] == pubs[-1]
    assert stories_db.get_story(store, 10**9) is None
    # restricted to some seqs (a query's hits): only stories holding them, counting only them
    ferry = [seq_of[i] for i, o in gold.items() if o["story"] == "r-channel-ferry"]
    found = stories_db.list_stories(store, seqs=ferry[:3], limit=10)
    assert sum(s["matched"] for s in found) == 3
    assert all(set(s["seqs"]) <= set(ferry[:3]) for s in found)
    # a period restricts the members counted
    in_march = stories_db.list_stories(store, since="1987-03-01", until="1987-03-08", limit=1000)
    assert all(stories_db.get_story(store, s["id"])["first_published"] < "1987-03-08" for s in in_march)
    grow = stories_db.list_stories(store, since="1987-03-05", until="1987-03-07", order="growth", limit=3)
    assert grow
    with pytest.raises(ValueError, match="order"):
        stories_db.list_stories(store, order="size-desc")
    assert stories_db.story_of(store, ferry[:1]) == {ferry[0]: story_id_of(store, ferry[0])}


def story_id_of(store: Store, seq: int) -> int:
    return stories_db.all_members(store)[seq]


def test_source_roles(desk):
    store, gold, seq_of = desk
    roles = copies_db.source_roles(store)
    assert sum(r["articles"] for r in roles.values()) == len(gold)
    for r in roles.values():
        assert r["originals"] + r["copies"] == r["articles"]
        assert r["copies_of_others"] <= r["copies"]
    # the made copies are by other (fictional) outlets, of Reuters originals
    assert roles["Daily Ledger"]["copies_of_others"] >= 10
    assert roles["Reuters"]["originals"] > roles["Reuters"]["copies"]
    some = copies_db.source_roles(store, list(seq_of.values())[:50])
    assert sum(r["articles"] for r in some.values()) == 50


def test_hit_columns_equal_the_table_by_table_read(tmp_path):
    """The one-query read for a page of hits gives what copy_info + stories + ids give."""
    import newsdesk
    from newsdesk.enrich import groups
    from newsdesk.model import Record

    body = " ".join(f"word{i} alpha beta gamma delta" for i in range(60))
    with newsdesk.open(tmp_path / "d") as d:
        d.ingest_records([
            Record(title="Original", body=body, external_id="a", published="2024-01-01T10:00:00Z", source="A"),
            Record(title="Copy", body="LONDON - " + body, external_id="b", published="2024-01-01T12:00:00Z", source="B"),
            Record(title="Other", body=" ".join(f"other{i} words here" for i in range(80)), external_id="c",
                   published="2024-01-02T10:00:00Z", source="C"),
        ])
        seqs = d.store.all_seqs()
        fast = copies_db.hit_columns(d.store, seqs)
        slow = groups.columns(d.store, seqs * 100)  # over 200 seqs: the table-by-table path
        assert fast == {s: slow[s] for s in seqs}
        ids = d.store.ids_by_seq(seqs)
        assert fast[seqs[1]]["copy_of"] == ids[seqs[0]] and fast[seqs[0]]["copies"] == [ids[seqs[1]]]
        assert fast[seqs[2]] == {"copies": [], "copy_of": None, "story": None}


def test_group_reads_agree_with_the_whole_table(desk):
    """Members and group counts read through ``copies_shared`` (the rows of groups with more
    than one member) are those of the whole table, and the reads use that index."""
    store, _, _ = desk
    by_group: dict[int, list[int]] = {}
    for seq, grp in store.db.execute("SELECT seq, grp FROM copies"):
        by_group.setdefault(grp, []).append(seq)
    found = copies_db.members(store, list(by_group) + [10**9])
    assert {g: sorted(m) for g, m in found.items()} == {g: sorted(m) for g, m in by_group.items()}
    many = {g: m for g, m in by_group.items() if len(m) > 1}
    assert len(many) >= 10 and copies_db.group_stats(store) == (len(many), sum(map(len, many.values())))
    plan = store.db.execute(
        f"EXPLAIN QUERY PLAN SELECT grp, seq FROM copies WHERE grp IN (1, 2) AND {copies_db.SHARED}"
    ).fetchall()
    assert "copies_shared" in str(plan)


def test_a_schema_8_store_drops_its_index_of_every_group(tmp_path):
    """Opening a store of schema 8 (one index entry per article's group) drops that index; the
    groups read the same through ``copies_shared``."""
    import sqlite3

    import newsdesk
    from newsdesk.model import Record

    body = " ".join(f"word{i} alpha beta gamma delta" for i in range(60))
    data = tmp_path / "d"
    with newsdesk.open(data) as d:
        d.ingest_records([
            Record(title="Original", body=body, external_id="a", published="2024-01-01T10:00:00Z", source="A"),
            Record(title="Copy", body="LONDON - " + body, external_id="b", published="2024-01-01T12:00:00Z", source="B"),
            Record(title="Other", body="something else entirely " * 30, external_id="c", source="C"),
        ])
        before = copies_db.copy_info(d.store, d.store.all_seqs())
    db = sqlite3.connect(data / "newsdesk.db")
    db.executescript(
        "DROP INDEX copies_shared; CREATE INDEX copies_grp ON copies(grp);"
        "UPDATE meta SET value = '8' WHERE key = 'schema_version';"
    )
    db.close()
    with newsdesk.open(data) as d:
        names = {n for (n,) in d.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "copies_shared" in names and "copies_grp" not in names
        assert copies_db.copy_info(d.store, d.store.all_seqs()) == before
        assert before[1]["copies"] == [2] and before[3]["copies"] == []


def test_group_counts_when_a_redo_moved_a_group_head_elsewhere(tmp_path):
    """A redo can move a group's head (the row whose seq is the group) into a lower group and
    leave its old members naming it: counts and members then are those of the rows as they are."""
    store = Store(str(tmp_path))
    try:
        with store.transaction():
            copies_db.put(store, [(1, 4, None, 50), (2, 1, 1, 50), (3, 1, 1, 50), (4, 4, None, 50),
                                  (5, 5, None, 50), (7, 5, 5, 50), (8, 8, None, 50)])
        # groups as stored: 4 -> {1, 4}, 1 -> {2, 3} (head 1 is in group 4), 5 -> {5, 7}, 8 -> {8}
        assert copies_db.group_stats(store) == (3, 6)
        assert {g: sorted(m) for g, m in copies_db.members(store, [1, 4, 5, 8]).items()} == {
            1: [2, 3], 4: [1, 4], 5: [5, 7], 8: [8]}
        with store.transaction():
            copies_db.update_groups(store, [(3, None, 3)])
        assert copies_db.group_stats(store) == (2, 4)  # group 1 is {2} alone now
    finally:
        store.close()
