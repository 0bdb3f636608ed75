"""Enrichment's own tables in the store's database, and the writes that fill them.

``enriched`` is the checkpoint: an article's row there is written in the same
transaction as its mentions and quotes (and the ``store.touch`` that makes the
index re-index it), so a run killed at any instant either has all of an
article's enrichment or none of it, and a re-run never doubles anything.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from .names import norm

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL,               -- canonical display name, e.g. "Jeff Sessions"
    norm      TEXT NOT NULL UNIQUE,        -- lower-cased, whitespace collapsed: the index term
    type      TEXT NOT NULL,               -- majority of type_votes
    aliases   TEXT NOT NULL DEFAULT '[]',  -- JSON: other surface forms seen
    type_votes TEXT NOT NULL DEFAULT '{}', -- JSON: {type: articles tagging it so}
    articles  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS article_entities (
    seq       INTEGER NOT NULL,
    entity_id INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    salience  REAL NOT NULL,
    in_title  INTEGER NOT NULL,
    in_lead   INTEGER NOT NULL,
    PRIMARY KEY (seq, entity_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_entities_entity ON article_entities(entity_id, salience);
CREATE TABLE IF NOT EXISTS quotes (
    id        INTEGER PRIMARY KEY,
    seq       INTEGER NOT NULL,
    text      TEXT NOT NULL,
    speaker_entity_id INTEGER,
    speaker_name TEXT NOT NULL DEFAULT '',
    cue       TEXT NOT NULL DEFAULT '',
    start     INTEGER NOT NULL,
    "end"     INTEGER NOT NULL,
    UNIQUE (seq, start)
);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_entity_id);
CREATE TABLE IF NOT EXISTS enriched (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL
);
"""

MAX_ALIASES = 30
CHUNK = 900  # names per SELECT ... IN (...), under SQLite's variable limit


def ensure(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


def reset(db: sqlite3.Connection) -> list[int]:
    """Forget all enrichment (inside a transaction); returns the seqs that had been enriched."""
    seqs = [s for (s,) in db.execute("SELECT seq FROM enriched")]
    for table in ("article_entities", "quotes", "entities", "enriched"):
        db.execute(f"DELETE FROM {table}")
    return seqs


def exists(db: sqlite3.Connection) -> bool:
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='enriched'").fetchone()
        is not None
    )


def _better_name(old: str, new: str) -> bool:
    """Prefer a mixed-case display name over an ALL-CAPS or all-lower one."""

    def mixed(s: str) -> bool:
        return s != s.upper() and s != s.lower()

    if any(len(w) > 4 for w in old.split()):
        return mixed(new) and not mixed(old)
    return False  # short names keep their first form: "OPEC" must not become "Opec"


def _entities_by_norm(db: sqlite3.Connection, norms: list[str]) -> dict[str, tuple]:
    """{norm: (id, name, aliases, type_votes)} of the stored entities among ``norms``.

    One query per ``CHUNK`` names rather than one per entity: a batch names hundreds.
    """
    out: dict[str, tuple] = {}
    for i in range(0, len(norms), CHUNK):
        part = norms[i : i + CHUNK]
        marks = ",".join("?" * len(part))
        for key, *row in db.execute(
            f"SELECT norm, id, name, aliases, type_votes FROM entities WHERE norm IN ({marks})", part
        ):
            out[key] = tuple(row)
    return out


def write_results(db: sqlite3.Connection, results: list[dict[str, Any]]) -> None:
    """Store a batch of article results; call inside a transaction."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    seqs = [r["seq"] for r in results]
    marks = ",".join("?" * len(seqs))
    done = {s for (s,) in db.execute(f"SELECT seq FROM enriched WHERE seq IN ({marks})", seqs)}
    results = [r for r in results if r["seq"] not in done]
    # upsert entities: votes, aliases, display name
    agg: dict[str, dict[str, Any]] = {}
    for r in results:
        for e in r["entities"]:
            a = agg.setdefault(e["norm"], {"name": e["name"], "votes": Counter(), "aliases": set(), "n": 0})
            a["votes"].update(e.get("votes") or {e["type"]: 1})
            a["aliases"].update(e["aliases"])
            a["n"] += 1
            if _better_name(a["name"], e["name"]):
                a["name"] = e["name"]
        for q in r["quotes"]:
            if q["speaker"]:
                key = norm(q["speaker"])
                agg.setdefault(key, {"name": q["speaker"], "votes": Counter(), "aliases": set(), "n": 0})
                if not agg[key]["votes"]:
                    agg[key]["votes"][q["speaker_type"] or "PERSON"] += 0
    ids: dict[str, int] = {}
    existing = _entities_by_norm(db, list(agg))
    for key, a in agg.items():
        row = existing.get(key)
        if row is None:
            votes = a["votes"]
            etype = votes.most_common(1)[0][0] if votes else "PERSON"
            aliases = sorted(x for x in a["aliases"] if x != a["name"])[:MAX_ALIASES]
            cur = db.execute(
                "INSERT INTO entities (name, norm, type, aliases, type_votes, articles) VALUES (?,?,?,?,?,?)",
                (a["name"], key, etype, json.dumps(aliases), json.dumps(dict(votes)), a["n"]),
            )
            ids[key] = int(cur.lastrowid or 0)
            continue
        eid, name, aliases_json, votes_json = row
        votes = Counter(json.loads(votes_json))
        votes.update(a["votes"])
        aliases = set(json.loads(aliases_json))
        if _better_name(name, a["name"]):
            name = a["name"]
        if len(aliases) < MAX_ALIASES:
            aliases |= a["aliases"]
        aliases.discard(name)
        etype = votes.most_common(1)[0][0] if votes else "PERSON"
        db.execute(
            "UPDATE entities SET name=?, type=?, aliases=?, type_votes=?, articles=articles+? WHERE id=?",
            (name, etype, json.dumps(sorted(aliases)[:MAX_ALIASES]), json.dumps(dict(votes)), a["n"], eid),
        )
        ids[key] = eid
    ae_rows = []
    q_rows = []
    for r in results:
        for e in r["entities"]:
            ae_rows.append(
                (r["seq"], ids[e["norm"]], e["count"], e["salience"], int(e["in_title"]), int(e["in_lead"]))
            )
        for q in r["quotes"]:
            speaker_id = ids.get(norm(q["speaker"])) if q["speaker"] else None
            q_rows.append((r["seq"], q["text"], speaker_id, q["speaker"], q["cue"], q["start"], q["end"]))
    db.executemany(
        "INSERT OR REPLACE INTO article_entities (seq, entity_id, count, salience, in_title, in_lead) "
        "VALUES (?,?,?,?,?,?)",
        ae_rows,
    )
    db.executemany(
        'INSERT OR REPLACE INTO quotes (seq, text, speaker_entity_id, speaker_name, cue, start, "end") '
        "VALUES (?,?,?,?,?,?,?)",
        q_rows,
    )
    db.executemany("INSERT INTO enriched (seq, at) VALUES (?, ?)", [(r["seq"], now) for r in results])
