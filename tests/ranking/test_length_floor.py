"""The per-desk length floor (newsdesk.index.lengths): chosen from the desk's own lengths, kept in
the store, applied to every article of one index, changed only through a reindex."""

from __future__ import annotations

import random

import pytest

import newsdesk
from newsdesk.errors import BadParameter
from newsdesk.index import MIN_TEXT_WORDS, lengths
from newsdesk.model import Record
from newsdesk.store import lengths as stored

VOCAB = [f"filler{i}" for i in range(400)]


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(n))


def abstracts(n: int = 260, seed: int = 1) -> list[Record]:
    """Texts of one kind: every body 90-140 words (a journal's abstracts)."""
    rng = random.Random(seed)
    return [Record(title=words(rng, 6), body=words(rng, rng.randint(90, 140)), external_id=f"a{i}")
            for i in range(n)]


def wire(n: int = 260, seed: int = 2) -> list[Record]:
    """A wire's mix: headline-only flashes, two-line briefs and long stories."""
    rng = random.Random(seed)
    return [Record(title=words(rng, 7), body=words(rng, rng.choice([0, 12, 250, 600])), external_id=f"w{i}")
            for i in range(n)]


def flash_and_story() -> list[Record]:
    """A flash that names Baker once, and a long story about him."""
    rng = random.Random(3)
    story = " ".join(words(rng, 60) + " baker" for _ in range(4))
    return [Record(title="baker flash", body="", external_id="flash"),
            Record(title=words(rng, 6), body=story, external_id="story")]


def first(desk: newsdesk.Desk, q: str) -> str:
    return desk.search(q, limit=1, snippets=False, operator="OR", collapse=False).hits[0].external_id


def test_abstracts_get_no_floor_and_a_wire_keeps_200(tmp_path):
    with newsdesk.open(tmp_path / "abstracts") as desk:
        desk.ingest_records(abstracts())
        assert lengths.describe(desk.store)["floor"] == 0
    with newsdesk.open(tmp_path / "wire") as desk:
        desk.ingest_records(wire())
        assert lengths.describe(desk.store)["floor"] == lengths.WIRE_FLOOR == MIN_TEXT_WORDS


def test_the_floor_decides_whether_a_flash_outranks_the_story(tmp_path):
    with newsdesk.open(tmp_path / "d") as desk:
        desk.ingest_records(wire() + flash_and_story())
        assert lengths.describe(desk.store)["floor"] == 200
        assert first(desk, "baker") == "story"  # padded, the flash is no shorter than the story
        assert desk.set_length_floor(0) == desk.store.count()  # reindexed, every article
        assert first(desk, "baker") == "flash"  # BM25's length norm: the one-line flash wins
        assert desk.set_length_floor(0) == 0  # unchanged: no reindex
        assert desk.set_length_floor("auto") == desk.store.count()
        assert first(desk, "baker") == "story"


def test_the_setting_survives_reopening_and_reindexing(tmp_path):
    with newsdesk.open(tmp_path / "d") as desk:
        desk.ingest_records(wire() + flash_and_story())
        desk.set_length_floor(0)
    with newsdesk.open(tmp_path / "d") as desk:
        assert lengths.describe(desk.store) == {"setting": "0", "floor": 0}
        desk.reindex()
        assert first(desk, "baker") == "flash"
        desk.ingest_records(abstracts(20, seed=9))  # later articles are padded the desk's way
        assert first(desk, "baker") == "flash"


def test_a_small_desk_waits_with_the_old_floor(tmp_path):
    with newsdesk.open(tmp_path / "d") as desk:
        desk.ingest_records(abstracts(50))  # too few to judge how lengths spread
        assert lengths.describe(desk.store)["floor"] is None
        assert desk.set_length_floor("auto") == 0  # still too few: nothing to redo
        desk.ingest_records(abstracts(250, seed=5))  # grown, but its index is padded the old way
        assert lengths.describe(desk.store)["floor"] is None
        desk.reindex()  # a build from nothing chooses
        assert lengths.describe(desk.store)["floor"] == 0


def test_a_desk_indexed_before_the_setting_keeps_its_padding_until_a_reindex(tmp_path):
    with newsdesk.open(tmp_path / "d") as desk:
        desk.ingest_records(abstracts() + flash_and_story())
        assert first(desk, "baker") == "flash"
        stored.set_setting(desk.store, "200")  # what an index from before issue 16 was built with
        desk.reindex()
        assert first(desk, "baker") == "story"
        stored.set_setting(desk.store, stored.AUTO)  # as such a desk reads: auto, nothing chosen
        desk.ingest_records(abstracts(10, seed=7))  # not a fresh index: padded as before
        assert lengths.describe(desk.store)["floor"] is None
        assert first(desk, "baker") == "story"
        desk.reindex()
        assert lengths.describe(desk.store)["floor"] == 0
        assert first(desk, "baker") == "flash"


@pytest.mark.parametrize("bad", ["-1", "abc", "20000", 1.5])
def test_bad_settings_are_refused(tmp_path, bad):
    with newsdesk.open(tmp_path / "d") as desk, pytest.raises(BadParameter, match="length_floor"):
        desk.set_length_floor(bad)


def test_the_spread_of_the_bench_collections_sides():
    """The threshold lies between the two groups of dev desks (index/lengths.py's docstring)."""
    one_kind = [("", "x " * n) for n in range(90, 290)]
    mixed = [("head line", "x " * n) for n in [0, 5, 30, 300, 900] * 50]
    assert lengths.length_spread(one_kind) < lengths.SPREAD < lengths.length_spread(mixed)
    assert lengths.choose_floor(one_kind[:10]) is None
