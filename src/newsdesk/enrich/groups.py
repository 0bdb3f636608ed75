"""Reading what the copies and stories stages wrote, in the shapes the interfaces print.

The stages store seqs; users see article ids. Everything here maps one to the
other once per call (one lookup for all the seqs involved). No SQL here (that is
:mod:`newsdesk.store.copies` and :mod:`newsdesk.store.stories`) and no Desk.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from ..periods import granularity, period_label, period_start, series
from ..store import copies as store_copies
from ..store import entities as store_entities
from ..store import stories as store_stories

if TYPE_CHECKING:
    from ..store import Store

UNITS = ("articles", "originals", "stories")


def columns(store: Store, seqs: list[int]) -> dict[int, dict[str, Any]]:
    """{seq: {"copies": [ids of the other members of its copy group], "copy_of": id of the
    original or None, "story": story id or None}} for every seq asked."""
    if not seqs:
        return {}
    if len(seqs) <= 200:  # a page of hits or one article: the one-query read
        return store_copies.hit_columns(store, seqs)
    info = store_copies.copy_info(store, seqs)
    story = store_stories.stories_of_seqs(store, seqs)
    wanted = set(seqs)
    for i in info.values():
        wanted.update(i["copies"])
        if i["copy_of"] is not None:
            wanted.add(i["copy_of"])
    ids = store.ids_by_seq(sorted(wanted))
    out: dict[int, dict[str, Any]] = {}
    for seq in seqs:
        i = info.get(seq)
        out[seq] = {
            "copies": [ids[s] for s in i["copies"] if s in ids] if i else [],
            "copy_of": ids.get(i["copy_of"]) if i and i["copy_of"] is not None else None,
            "story": story.get(seq),
        }
    return out


def export_columns(store: Store, seqs: list[int]) -> dict[int, dict[str, Any]]:
    """What an export row gains: ``copy_of`` (the original's id, or "") and ``story`` (or "")."""
    return {
        seq: {"copy_of": c["copy_of"] or "", "story": c["story"] if c["story"] is not None else ""}
        for seq, c in columns(store, seqs).items()
    }


def stories(
    store: Store, seqs: list[int] | None = None, since: str = "", until: str = "", top: int = 20,
    order: str = "size",
) -> list[dict[str, Any]]:
    """Stories by size (or growth, or recency), each with ``id``, ``title``, ``size``, ``sources``,
    ``originals``, ``first_published``, ``last_published``, ``article_ids`` (in time order) and
    ``matched`` (its members among ``seqs`` or the period)."""
    found = store_stories.list_stories(store, since=since, until=until, seqs=seqs, order=order, limit=top)
    ids = store.ids_by_seq(sorted({s for st in found for s in st["seqs"]}))
    out = []
    for st in found:
        out.append({
            "id": st["id"], "title": st["title"], "size": st["size"], "sources": st["sources"],
            "originals": st["originals"], "first_published": st["first_published"],
            "last_published": st["last_published"], "matched": st["matched"],
            "article_ids": [ids[s] for s in st["seqs"] if s in ids],
        })
    return out


def story(store: Store, story_id: int) -> dict[str, Any] | None:
    """One story: its members in time order (``{id, title, source, published, copy_of}``, copy_of
    as an id), a timeline of members per day/week/month, its top entities and its quotations."""
    found = store_stories.get_story(store, story_id)
    if found is None:
        return None
    members = found["members"]
    by_seq = {m["seq"]: m["id"] for m in members}
    missing = [m["copy_of"] for m in members if m["copy_of"] is not None and m["copy_of"] not in by_seq]
    by_seq.update(store.ids_by_seq(missing))
    articles = [
        {"id": m["id"], "title": m["title"], "source": m["source"], "published": m["published"],
         "copy_of": by_seq.get(m["copy_of"]) if m["copy_of"] is not None else None}
        for m in members
    ]
    dates = [m["published"] for m in members if m["published"]]
    unit = granularity(dates[0] if dates else "", dates[-1] if dates else "")
    names = store_entities.names_by_id(store, found["entity_ids"])
    seqs = [m["seq"] for m in members]
    return {
        "id": found["id"], "title": found["title"], "size": found["size"], "sources": found["sources"],
        "originals": found["originals"], "first_published": found["first_published"],
        "last_published": found["last_published"], "articles": articles,
        "timeline_unit": unit, "timeline": series(dates, unit),
        "entities": [{"name": n, "type": t} for n, t in (names[e] for e in found["entity_ids"] if e in names)],
        "quotes": store_entities.quotes(store, seqs=seqs, limit=50) if seqs else [],
    }


def counts(store: Store, rows: list[tuple[int, date]], unit: str, interval: str) -> Counter[date]:
    """Matches per period by ``unit``: every article, only originals (no one's copy), or distinct
    stories (an article in no story counts as its own). Each count is at most the article count."""
    if unit == "articles":
        return Counter(period_start(d, interval) for _s, d in rows)
    by_label: dict[str, date] = {}

    def label(day_iso: str) -> str:
        day = date.fromisoformat(day_iso)
        key = period_label(period_start(day, interval), interval)
        by_label[key] = period_start(day, interval)
        return key

    got = store_stories.counts_by_period(store, [(s, d.isoformat()) for s, d in rows], unit, label)
    return Counter({by_label[k]: n for k, n in got.items()})


def source_roles(store: Store, seqs: list[int]) -> dict[str, dict[str, int]]:
    """Per source among ``seqs``: articles, originals, and copies of others (who originates, who
    republishes)."""
    sources = store.sources_by_seq(seqs)
    originals = store_copies.originals_among(store, seqs)
    out: dict[str, dict[str, int]] = {}
    for seq in seqs:
        s = sources.get(seq, "")
        d = out.setdefault(s, {"articles": 0, "originals": 0, "copies": 0})
        d["articles"] += 1
        d["originals" if seq in originals else "copies"] += 1
    return out
