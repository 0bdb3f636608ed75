"""The stories stage's tables: stories, their members and the desk's term statistics.

``stories`` holds one row per story with what a listing needs (representative
headline, first/last published, size, distinct sources, originals) and the
clustering state (``centroid``: the summed TF-IDF vector of its members' headline
and lead, top terms only; ``entities``: summed salience per entity id), so the
online stage can resume in another process. ``story_members`` says which story
each article joined. ``story_df`` holds document frequencies of headline+lead
terms over the desk, the IDF the stage weighs terms by (``meta['stories.docs']``
is the document count).

Reads for the rest of newsdesk are the plain functions at the end:
:func:`story_of`, :func:`list_stories`, :func:`get_story`, :func:`counts_by_period`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model import StoredRow
    from . import Store

DDL = """
CREATE TABLE IF NOT EXISTS stories (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,          -- headline of the article that started it
    rep_seq         INTEGER NOT NULL,       -- that article
    first_published TEXT NOT NULL,
    last_published  TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sources         INTEGER NOT NULL,       -- distinct sources among members
    originals       INTEGER NOT NULL,       -- members that are nobody's copy
    centroid        TEXT NOT NULL,          -- JSON {term: summed weight}, top terms
    entities        TEXT NOT NULL           -- JSON {entity id: summed salience}
);
CREATE INDEX IF NOT EXISTS stories_last ON stories(last_published);
CREATE INDEX IF NOT EXISTS stories_size ON stories(size);
CREATE TABLE IF NOT EXISTS story_members (
    seq       INTEGER PRIMARY KEY,
    story     INTEGER NOT NULL,
    published TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story, published);
CREATE TABLE IF NOT EXISTS story_df (
    term TEXT PRIMARY KEY,
    df   INTEGER NOT NULL
) WITHOUT ROWID;
"""

_CHUNK = 900


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- term statistics -------------------------------------------------------------
def doc_freqs(store: Store, terms: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _chunks(sorted(set(terms))):
        marks = ",".join("?" * len(part))
        out.update(store.db.execute(f"SELECT term, df FROM story_df WHERE term IN ({marks})", part))
    return out


def add_doc_freqs(store: Store, counts: dict[str, int], docs: int) -> int:
    """Add a batch's document frequencies and document count; returns the new document count."""
    store.db.executemany(
        "INSERT INTO story_df (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
        sorted(counts.items()),
    )
    total = int(store.get_meta("stories.docs", "0")) + docs
    store.set_meta("stories.docs", str(total))
    return total


# -- clustering state ------------------------------------------------------------
def active_stories(store: Store, since: str, until: str, skip: set[int]) -> list[tuple]:
    """Stories whose span meets [since, until], but not those in ``skip``:
    (id, rep_seq, title, first, last, size, centroid dict, entities dict) tuples."""
    ids = [
        i
        for (i,) in store.db.execute(
            "SELECT id FROM stories WHERE last_published >= ? AND first_published <= ?", (since, until)
        )
        if i not in skip
    ]
    out = []
    for part in _chunks(ids):
        marks = ",".join("?" * len(part))
        for row in store.db.execute(
            "SELECT id, rep_seq, title, first_published, last_published, size, centroid, entities "
            f"FROM stories WHERE id IN ({marks})",
            part,
        ):
            ents = {int(k): v for k, v in json.loads(row[7]).items()}
            out.append((*row[:6], json.loads(row[6]), ents))
    return out


def next_story_id(store: Store) -> int:
    return store.db.execute("SELECT coalesce(max(id), 0) + 1 FROM stories").fetchone()[0]


def stories_of_seqs(store: Store, seqs: Iterable[int]) -> dict[int, int]:
    """{seq: story} for the seqs that joined a story."""
    out: dict[int, int] = {}
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        out.update(store.db.execute(f"SELECT seq, story FROM story_members WHERE seq IN ({marks})", part))
    return out


def copy_of_seqs(store: Store, seqs: Iterable[int]) -> dict[int, int]:
    """{seq: seq of its original} for the seqs the copies stage marked as copies."""
    out: dict[int, int] = {}
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        out.update(
            store.db.execute(
                f"SELECT seq, copy_of FROM copies WHERE seq IN ({marks}) AND copy_of IS NOT NULL", part
            )
        )
    return out


def article_entities(store: Store, seqs: Iterable[int]) -> dict[int, dict[int, float]]:
    """{seq: {entity id: salience}} from the entities stage (empty when it has not run)."""
    out: dict[int, dict[int, float]] = {}
    have = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='article_entities'"
    ).fetchone()
    if not have:
        return out
    for part in _chunks(sorted(set(seqs))):
        marks = ",".join("?" * len(part))
        for seq, eid, sal in store.db.execute(
            f"SELECT seq, entity_id, salience FROM article_entities WHERE seq IN ({marks})", part
        ):
            out.setdefault(seq, {})[eid] = sal
    return out


def add_members(store: Store, rows: Iterable[tuple[int, int, str]]) -> None:
    """(seq, story, published) rows; replaces an article's earlier membership."""
    store.db.executemany(
        "INSERT OR REPLACE INTO story_members (seq, story, published) VALUES (?, ?, ?)", list(rows)
    )


def save_stories(store: Store, rows: Iterable[tuple[int, int, str, dict, dict]]) -> None:
    """Write (id, rep_seq, title, centroid, entities) and refresh each story's aggregates from
    its members (size, sources, originals, first/last published)."""
    rows = list(rows)
    for sid, rep, title, centroid, ents in rows:
        store.db.execute(
            "INSERT INTO stories (id, title, rep_seq, first_published, last_published, size, sources, "
            "originals, centroid, entities) VALUES (?, ?, ?, '', '', 0, 0, 0, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET title = excluded.title, rep_seq = excluded.rep_seq, "
            "centroid = excluded.centroid, entities = excluded.entities",
            (
                sid,
                title,
                rep,
                json.dumps(centroid, separators=(",", ":")),
                json.dumps({str(k): v for k, v in ents.items()}, separators=(",", ":")),
            ),
        )
    has_copies = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='copies'"
    ).fetchone()
    orig = "sum(c.copy_of IS NULL)" if has_copies else "count(*)"
    join = "LEFT JOIN copies c ON c.seq = m.seq" if has_copies else ""
    for part in _chunks([r[0] for r in rows]):
        marks = ",".join("?" * len(part))
        aggs = store.db.execute(
            f"SELECT m.story, count(*), count(DISTINCT a.source), {orig}, min(m.published), "
            f"max(m.published) FROM story_members m JOIN articles a ON a.seq = m.seq {join} "
            f"WHERE m.story IN ({marks}) GROUP BY m.story",
            part,
        ).fetchall()
        store.db.executemany(
            "UPDATE stories SET size = ?, sources = ?, originals = ?, first_published = ?, "
            "last_published = ? WHERE id = ?",
            [(n, src, o, first, last, sid) for sid, n, src, o, first, last in aggs],
        )


def bump_state(store: Store) -> int:
    """Advance the stage's state counter (lets a process tell whether its cache is current)."""
    value = int(store.get_meta("stories.state", "0")) + 1
    store.set_meta("stories.state", str(value))
    return value


def state(store: Store) -> int:
    return int(store.get_meta("stories.state", "0"))


def reset(store: Store) -> None:
    """Forget every story, membership and term statistic (``--redo``, ``--rebuild``)."""
    for table in ("stories", "story_members", "story_df"):
        store.db.execute(f"DELETE FROM {table}")
    store.set_meta("stories.docs", "0")
    bump_state(store)


def rows_by_published(store: Store, make: Callable[..., StoredRow], chunk: int = 2000) -> Iterator[list]:
    """Every article as ``make(*row)`` in (published, seq) order, ``chunk`` at a time (for a rebuild)."""
    from . import COLUMNS, select_list  # noqa: PLC0415 - the package imports this module while it loads

    after: tuple[str, int] = ("", 0)
    while True:
        rows = store.db.execute(
            f"SELECT {select_list(COLUMNS)} FROM articles WHERE (published, seq) > (?, ?) ORDER BY published, seq LIMIT ?",
            (after[0], after[1], chunk),
        ).fetchall()
        if not rows:
            return
        from . import decoded  # noqa: PLC0415 - the package imports this module while it loads

        yield [make(*r) for r in decoded(store.texts, rows)]
        after = (rows[-1][7], rows[-1][0])


# -- reads for search, show, stories, story and timeline -------------------------
def story_of(store: Store, seqs: Iterable[int]) -> dict[int, int]:
    """{seq: story id} for articles in a story (others are absent)."""
    return stories_of_seqs(store, seqs)


def _story_dict(row: tuple) -> dict[str, Any]:
    sid, title, rep, first, last, size, sources, originals, ents = row
    top = sorted(((int(k), v) for k, v in json.loads(ents).items()), key=lambda kv: -kv[1])[:10]
    return {
        "id": sid,
        "title": title,
        "rep_seq": rep,
        "first_published": first,
        "last_published": last,
        "size": size,
        "sources": sources,
        "originals": originals,
        "entity_ids": [k for k, _ in top],
    }


_STORY_COLS = "s.id, s.title, s.rep_seq, s.first_published, s.last_published, s.size, s.sources, s.originals, s.entities"


def list_stories(
    store: Store,
    *,
    since: str = "",
    until: str = "",
    seqs: Iterable[int] | None = None,
    order: str = "size",
    limit: int = 20,
    min_size: int = 1,
) -> list[dict[str, Any]]:
    """Stories as dicts (id, title, rep_seq, first/last_published, size, sources, originals,
    entity_ids (top 10 by summed salience), matched, seqs), best first.

    ``order``: "size" (members in the period), "growth" (members in the period minus the
    members in the period of equal length before it), "recent" (last published).
    ``since``/``until`` (ISO strings, inclusive/exclusive) restrict the members counted;
    ``seqs`` (e.g. a query's hits) restricts to stories holding one of them, counting only those.
    ``seqs`` in each dict lists the counted members' seqs in time order.
    """
    if order not in ("size", "growth", "recent"):
        raise ValueError(f"order must be size, growth or recent, not {order!r}")
    where, params = [], []
    if since:
        where.append("published >= ?")
        params.append(since)
    if until:
        where.append("published < ?")
        params.append(until)
    counted: dict[int, list[int]] = {}
    if seqs is not None:
        seq_list = sorted(set(seqs))
        extra = (" AND " + " AND ".join(where)) if where else ""
        for part in _chunks(seq_list):
            marks = ",".join("?" * len(part))
            for seq, story in store.db.execute(
                f"SELECT seq, story FROM story_members WHERE seq IN ({marks}){extra} ORDER BY published, seq",
                (*part, *params),
            ):
                counted.setdefault(story, []).append(seq)
    else:
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        for seq, story in store.db.execute(
            f"SELECT seq, story FROM story_members{cond} ORDER BY published, seq", params
        ):
            counted.setdefault(story, []).append(seq)
    score: dict[int, float] = {sid: len(m) for sid, m in counted.items() if len(m) >= min_size}
    if order == "growth" and since and until:
        from datetime import datetime

        a, b = (
            datetime.fromisoformat(since.replace("Z", "+00:00")),
            datetime.fromisoformat(until.replace("Z", "+00:00")),
        )
        before = (a - (b - a)).strftime("%Y-%m-%dT%H:%M:%SZ")
        prior: dict[int, int] = {}
        for story, n in store.db.execute(
            "SELECT story, count(*) FROM story_members WHERE published >= ? AND published < ? GROUP BY story",
            (before, since),
        ):
            prior[story] = n
        score = {sid: n - prior.get(sid, 0) for sid, n in score.items()}
    rows: dict[int, tuple] = {}
    for part in _chunks(sorted(score)):
        marks = ",".join("?" * len(part))
        for row in store.db.execute(f"SELECT {_STORY_COLS} FROM stories s WHERE s.id IN ({marks})", part):
            rows[row[0]] = row
    if order == "recent":
        ranked = sorted(rows, key=lambda sid: (rows[sid][4], sid), reverse=True)
    else:
        ranked = sorted(rows, key=lambda sid: (-score[sid], -rows[sid][5], sid))
    out = []
    for sid in ranked[:limit]:
        d = _story_dict(rows[sid])
        d["matched"] = len(counted[sid])
        d["seqs"] = counted[sid]
        out.append(d)
    return out


def get_story(store: Store, story_id: int) -> dict[str, Any] | None:
    """One story as a dict (as in :func:`list_stories`) with ``members``: a list of
    {seq, id, title, source, published, copy_of (seq or None)} in time order; None if unknown."""
    row = store.db.execute(f"SELECT {_STORY_COLS} FROM stories s WHERE s.id = ?", (story_id,)).fetchone()
    if row is None:
        return None
    d = _story_dict(row)
    rows = store.db.execute(
        "SELECT m.seq, a.id, a.title, a.source, a.published FROM story_members m "
        "JOIN articles a ON a.seq = m.seq WHERE m.story = ? ORDER BY m.published, m.seq",
        (story_id,),
    ).fetchall()
    copy_of = copy_of_seqs(store, [r[0] for r in rows])
    d["members"] = [
        {"seq": s, "id": i, "title": t, "source": src, "published": p, "copy_of": copy_of.get(s)}
        for s, i, t, src, p in rows
    ]
    return d


def counts_by_period(
    store: Store, rows: Iterable[tuple[int, str]], unit: str, period: Callable[[str], str]
) -> dict[str, int]:
    """{period: count} of (seq, published) rows by ``unit``: "articles" (every row),
    "originals" (rows that are no one's copy) or "stories" (distinct stories among the rows in
    that period; an article in no story counts as its own). ``period`` maps a published string
    to its bucket label (the caller's bucketing, so the three units line up with the timeline).
    Every bucket's count is <= the "articles" count of the same bucket."""
    rows = list(rows)
    if unit not in ("articles", "originals", "stories"):
        raise ValueError(f"unit must be articles, originals or stories, not {unit!r}")
    out: dict[str, int] = {}
    if unit == "articles":
        for _, pub in rows:
            b = period(pub)
            out[b] = out.get(b, 0) + 1
        return out
    if unit == "originals":
        copies = copy_of_seqs(store, [s for s, _ in rows])
        for seq, pub in rows:
            if seq not in copies:
                b = period(pub)
                out[b] = out.get(b, 0) + 1
        return out
    story = stories_of_seqs(store, [s for s, _ in rows])
    seen: dict[str, set] = {}
    for seq, pub in rows:
        seen.setdefault(period(pub), set()).add(story.get(seq, ("seq", seq)))
    return {b: len(s) for b, s in seen.items()}


def all_members(store: Store) -> dict[int, int]:
    """{seq: story} for the whole desk (the bench and tests read every assignment)."""
    return dict(store.db.execute("SELECT seq, story FROM story_members"))
