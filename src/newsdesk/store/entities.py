"""The entity stage's tables (entities, article_entities, quotes): every write and read.

The checkpoint is the ``stage_runs`` row of stage "entities" (store/stages.py),
written in the same transaction as an article's mentions and quotes (and the
``Store.touch`` that makes the index re-index it), so a run killed at any
instant has all of an article's enrichment or none of it, and a re-run never
doubles anything. Round 1 kept the checkpoint in a table ``enriched``; the
schema-2 migration copies it into ``stage_runs``.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import Store

DDL = """
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
    kind      TEXT NOT NULL DEFAULT 'full',   -- 'full' or 'partial' (a few words inside reported speech)
    UNIQUE (seq, start)
);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_entity_id);
"""

STAGE = "entities"  # the stage_runs name of the stage that fills these tables


def norm(name: str) -> str:
    """The lookup key of a name: lower-cased, whitespace collapsed (the ``entity`` index term)."""
    return " ".join(name.lower().split())

MAX_ALIASES = 30
CHUNK = 900  # names per SELECT ... IN (...), under SQLite's variable limit


def forget_all(store: Store) -> list[int]:
    """Forget all enrichment (inside a transaction); returns the seqs that had any."""
    db = store.db
    seqs = [s for (s,) in db.execute("SELECT seq FROM stage_runs WHERE stage = ?", (STAGE,))]
    for table in ("article_entities", "quotes", "entities"):
        db.execute(f"DELETE FROM {table}")
    return seqs


def has_run(store: Store) -> bool:
    """Whether the entity stage has run on this desk at all (else reads say "run enrich")."""
    return store.get_meta(f"stage_ran:{STAGE}") != ""


def _better_name(old: str, new: str) -> bool:
    """Prefer a mixed-case display name over an ALL-CAPS or all-lower one."""

    def mixed(s: str) -> bool:
        return s != s.upper() and s != s.lower()

    if any(len(w) > 4 for w in old.split()):
        return mixed(new) and not mixed(old)
    return False  # short names keep their first form: "OPEC" must not become "Opec"


def _entities_by_norm(db: Any, norms: list[str]) -> dict[str, tuple]:
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


def write_results(store: Store, results: list[dict[str, Any]]) -> None:
    """Store a batch of article results; call inside a transaction.

    Whatever an earlier run wrote for these seqs is removed first (their entity
    counts given back), so a re-run after ``--redo`` or an update never doubles.
    """
    db = store.db
    seqs = [r["seq"] for r in results]
    _forget_seqs(db, seqs)
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
            q_rows.append(
                (r["seq"], q["text"], speaker_id, q["speaker"], q["cue"], q["start"], q["end"], q.get("kind", "full"))
            )
    db.executemany(
        "INSERT OR REPLACE INTO article_entities (seq, entity_id, count, salience, in_title, in_lead) "
        "VALUES (?,?,?,?,?,?)",
        ae_rows,
    )
    db.executemany(
        'INSERT OR REPLACE INTO quotes (seq, text, speaker_entity_id, speaker_name, cue, start, "end", kind) '
        "VALUES (?,?,?,?,?,?,?,?)",
        q_rows,
    )
    store.set_meta(f"stage_ran:{STAGE}", "1")


def _forget_seqs(db: Any, seqs: list[int]) -> None:
    """Remove the mentions and quotes of ``seqs``, decrementing their entities' article counts."""
    for i in range(0, len(seqs), CHUNK):
        part = seqs[i : i + CHUNK]
        marks = ",".join("?" * len(part))
        db.execute(
            "UPDATE entities SET articles = articles - (SELECT count(*) FROM article_entities ae "
            f"WHERE ae.entity_id = entities.id AND ae.seq IN ({marks})) WHERE id IN "
            f"(SELECT entity_id FROM article_entities WHERE seq IN ({marks}))",
            part + part,
        )
        db.execute(f"DELETE FROM article_entities WHERE seq IN ({marks})", part)
        db.execute(f"DELETE FROM quotes WHERE seq IN ({marks})", part)


# -- reads -------------------------------------------------------------------------
SALIENT = 0.5  # salience at or above which an entity is "salient" in an article (enrich/names.py)
_ART = "SELECT a.seq, a.id, a.external_id, a.title, a.source, a.published, ae.salience "


def entity_fields(store: Store, seqs: list[int], salient: float = SALIENT) -> dict[int, dict[str, list[str]]]:
    """{seq: {"entity": [norms], "salient": [norms]}} for the enriched articles among seqs."""
    out: dict[int, dict[str, list[str]]] = {}
    for i in range(0, len(seqs), CHUNK):
        chunk = seqs[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        for seq, ent_norm, salience in store.db.execute(
            "SELECT ae.seq, e.norm, ae.salience FROM article_entities ae "
            f"JOIN entities e ON e.id = ae.entity_id WHERE ae.seq IN ({marks})",
            chunk,
        ):
            fields = out.setdefault(seq, {"entity": [], "salient": []})
            fields["entity"].append(ent_norm)
            if salience >= salient:
                fields["salient"].append(ent_norm)
    return out


def known_norms(store: Store, grams: list[str]) -> list[str]:
    """Which of these lower-cased word n-grams are names of covered entities (one indexed lookup)."""
    if not grams:
        return []
    marks = ",".join("?" * len(grams))
    return [
        r[0]
        for r in store.db.execute(f"SELECT norm FROM entities WHERE norm IN ({marks}) AND articles > 0", grams)
    ]


def names_by_norm(store: Store, norms: list[str]) -> dict[str, tuple[str, str]]:
    """{norm: (display name, type)} for the given index terms."""
    if not norms:
        return {}
    marks = ",".join("?" * len(norms))
    return {
        n: (name, etype)
        for n, name, etype in store.db.execute(
            f"SELECT norm, name, type FROM entities WHERE norm IN ({marks})", norms
        )
    }


def names_by_id(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    """{entity id: (display name, type)}."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {
        i: (name, etype)
        for i, name, etype in store.db.execute(f"SELECT id, name, type FROM entities WHERE id IN ({marks})", ids)
    }


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern, matched literally: '%' and '_' are no wildcards (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find(store: Store, name: str) -> tuple[int, str, str, list[str]] | None:
    """(id, name, type, aliases) of the entity with this name, else of exactly one
    well-covered entity with this alias ("Sessions", "Mr. Sessions"), else None."""
    db = store.db
    row = db.execute("SELECT id, name, type, aliases FROM entities WHERE norm=?", (norm(name),)).fetchone()
    if row is None:
        row = db.execute(
            "SELECT id, name, type, aliases FROM entities WHERE aliases LIKE ? ESCAPE '\\' "
            "ORDER BY articles DESC LIMIT 1",
            (f'%"{_like_literal(name.strip())}"%',),
        ).fetchone()
    return (row[0], row[1], row[2], json.loads(row[3])) if row else None


def close_names(store: Store, name: str, n: int = 5) -> list[str]:
    """Names of covered entities that look like ``name`` (for "did you mean")."""
    key = norm(name)
    norms = [r[0] for r in store.db.execute("SELECT norm FROM entities WHERE articles > 0")]
    close = difflib.get_close_matches(key, norms, n=n, cutoff=0.6)
    if not close:
        last = key.split()[-1] if key else ""
        close = [x for x in norms if last and last in x.split()][:n]
    return close


def _article(row: tuple) -> dict[str, Any]:
    _seq, aid, ext, title, source, published, salience = row
    return {"id": aid, "external_id": ext, "title": title, "source": source, "published": published,
            "salience": salience}


def coverage(store: Store, eid: int, n: int = 10) -> dict[str, Any]:
    """An entity's article count, publication dates, co-mentions, sources, latest and most salient articles."""
    db = store.db
    base = _ART + "FROM article_entities ae JOIN articles a ON a.seq = ae.seq WHERE ae.entity_id = ? "
    articles = db.execute("SELECT count(*) FROM article_entities WHERE entity_id=?", (eid,)).fetchone()[0]
    dates = [
        r[0]
        for r in db.execute(
            "SELECT a.published FROM article_entities ae JOIN articles a ON a.seq = ae.seq "
            "WHERE ae.entity_id = ? AND a.published != '' ORDER BY a.published",
            (eid,),
        )
    ]
    co = db.execute(
        "SELECT e.name, e.type, count(*) AS n FROM article_entities x "
        "JOIN article_entities y ON y.seq = x.seq AND y.entity_id != x.entity_id "
        "JOIN entities e ON e.id = y.entity_id WHERE x.entity_id = ? "
        "GROUP BY y.entity_id ORDER BY n DESC, e.name LIMIT ?",
        (eid, n),
    ).fetchall()
    sources = db.execute(
        "SELECT a.source, count(*) AS n FROM article_entities ae JOIN articles a ON a.seq = ae.seq "
        "WHERE ae.entity_id = ? GROUP BY a.source ORDER BY n DESC LIMIT ?",
        (eid, n),
    ).fetchall()
    latest = db.execute(base + "ORDER BY a.published DESC, a.seq DESC LIMIT ?", (eid, n)).fetchall()
    salient = db.execute(
        base + "AND ae.salience >= ? ORDER BY ae.salience DESC, a.published DESC LIMIT ?",
        (eid, SALIENT, n),
    ).fetchall()
    return {
        "articles": articles,
        "dates": dates,
        "co_mentions": [{"name": a, "type": t, "count": c} for a, t, c in co],
        "top_sources": [{"source": s, "count": c} for s, c in sources],
        "latest": [_article(r) for r in latest],
        "salient": [_article(r) for r in salient],
    }


def _in_seqs(column: str, seqs: list[int] | None) -> tuple[str, list[Any]]:
    """A JOIN restricting ``column`` to seqs (json_each: no temp table, thread-safe); none for None."""
    if seqs is None:
        return "", []
    return f"JOIN json_each(?) s ON s.value = {column} ", [json.dumps(seqs)]


def top(store: Store, n: int = 20, etype: str | None = None, seqs: list[int] | None = None) -> list[dict[str, Any]]:
    """The entities in the most articles, overall or among ``seqs``."""
    where, params = ["1"], []
    if etype:
        where.append("e.type = ?")
        params.append(etype.upper())
    join, join_params = _in_seqs("ae.seq", seqs)
    rows = store.db.execute(
        "SELECT e.name, e.type, count(*) AS n, sum(ae.salience >= ?) FROM article_entities ae "
        f"JOIN entities e ON e.id = ae.entity_id {join}WHERE {' AND '.join(where)} "
        "GROUP BY ae.entity_id ORDER BY n DESC, e.name LIMIT ?",
        [SALIENT, *join_params, *params, n],
    ).fetchall()
    return [{"name": a, "type": t, "articles": c, "salient_in": s} for a, t, c, s in rows]


def quotes(
    store: Store, speaker: int | None = None, seqs: list[int] | None = None, limit: int = 50, offset: int = 0,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Quotations newest first: all, by one speaker entity id, and/or within ``seqs``."""
    where, params = ["1"], []
    if speaker is not None:
        where.append("q.speaker_entity_id = ?")
        params.append(speaker)
    if kind:
        where.append("q.kind = ?")
        params.append(kind)
    join, join_params = _in_seqs("q.seq", seqs)
    rows = store.db.execute(
        'SELECT q.text, coalesce(e.name, q.speaker_name), a.id, a.title, a.published, q.cue, q.start, q."end", '
        "q.kind FROM quotes q JOIN articles a ON a.seq = q.seq LEFT JOIN entities e ON e.id = q.speaker_entity_id "
        f"{join}WHERE {' AND '.join(where)} ORDER BY a.published DESC, a.seq DESC, q.start LIMIT ? OFFSET ?",
        [*join_params, *params, limit, offset],
    ).fetchall()
    return [
        {"text": t, "speaker": sp, "article_id": aid, "title": title, "published": pub, "cue": cue,
         "start": s, "end": e, "kind": k}
        for t, sp, aid, title, pub, cue, s, e, k in rows
    ]


def of_article(store: Store, seq: int) -> list[tuple[str, str, list[str], int, float, bool, bool]]:
    """One article's entities, most salient first: (name, type, aliases, count, salience, in_title, in_lead)."""
    rows = store.db.execute(
        "SELECT e.name, e.type, e.aliases, ae.count, ae.salience, ae.in_title, ae.in_lead "
        "FROM article_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.seq = ? "
        "ORDER BY ae.salience DESC, ae.count DESC, e.name",
        (seq,),
    ).fetchall()
    return [(n, t, json.loads(a), c, s, bool(ti), bool(le)) for n, t, a, c, s, ti, le in rows]


def quotes_of_article(store: Store, seq: int) -> list[dict[str, Any]]:
    """One article's quotations in reading order."""
    rows = store.db.execute(
        'SELECT q.text, coalesce(e.name, q.speaker_name), e.type, q.cue, q.start, q."end", q.kind FROM quotes q '
        "LEFT JOIN entities e ON e.id = q.speaker_entity_id WHERE q.seq = ? ORDER BY q.start",
        (seq,),
    ).fetchall()
    return [
        {"text": t, "speaker": sp or "", "speaker_type": st or "", "cue": cue, "start": s, "end": e, "kind": k}
        for t, sp, st, cue, s, e, k in rows
    ]


def migrate_round1(db: Any) -> None:
    """Schema 1 -> 2: the ``enriched`` checkpoint becomes stage_runs rows; quotes gain ``kind``."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "enriched" in tables:
        db.execute(
            "INSERT OR IGNORE INTO stage_runs (stage, seq, version) SELECT ?, seq, 1 FROM enriched",
            (STAGE,),
        )
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (f"stage_ran:{STAGE}",))
        db.execute("DROP TABLE enriched")
    columns = {r[1] for r in db.execute("PRAGMA table_info(quotes)")}
    if "kind" not in columns:
        db.execute("ALTER TABLE quotes ADD COLUMN kind TEXT NOT NULL DEFAULT 'full'")
