"""Reading enrichment: entity pages, the most covered entities, quotes. SQLite + tantivy only.

These are what ``Desk.entity``, ``Desk.entities`` and ``Desk.quotes`` return,
so the CLI, the HTTP API and the web UI all print the same objects.
"""

from __future__ import annotations

import difflib
import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

import tantivy

from ..errors import NotEnrichedError, NotFoundError
from . import schema
from .names import SALIENT, norm

if TYPE_CHECKING:
    from ..desk import Desk
    from ..model import Article

LIST = 10  # articles / co-mentions / sources shown on an entity page


def _require(desk: Desk) -> None:
    if not schema.exists(desk.store.db):
        raise NotEnrichedError(desk.path)


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern, matched literally: '%' and '_' are no wildcards (ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def resolve(desk: Desk, name: str) -> tuple[int, str, str, list[str]]:
    """(id, name, type, aliases) of the entity a user typed; NotFoundError suggests close ones."""
    _require(desk)
    db = desk.store.db
    key = norm(name)
    row = db.execute("SELECT id, name, type, aliases FROM entities WHERE norm=?", (key,)).fetchone()
    if row is None:  # an alias ("Sessions", "Mr. Sessions") of exactly one well-covered entity
        like = db.execute(
            "SELECT id, name, type, aliases FROM entities WHERE aliases LIKE ? ESCAPE '\\' "
            "ORDER BY articles DESC LIMIT 1",
            (f'%"{_like_literal(name.strip())}"%',),
        ).fetchone()
        row = like
    if row is None:
        norms = [r[0] for r in db.execute("SELECT norm FROM entities WHERE articles > 0")]
        close = difflib.get_close_matches(key, norms, n=5, cutoff=0.6)
        if not close:
            last = key.split()[-1] if key else ""
            close = [n for n in norms if last and last in n.split()][:5]
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise NotFoundError(f"no entity named {name!r} in {desk.path}{hint}")
    return row[0], row[1], row[2], json.loads(row[3])


def _granularity(first: str, last: str) -> str:
    if not first or not last:
        return "month"
    span = (date.fromisoformat(last[:10]) - date.fromisoformat(first[:10])).days
    return "day" if span <= 60 else "week" if span <= 730 else "month"


def _timeline(dates: list[str], unit: str) -> list[dict[str, Any]]:
    """Articles per period from the first to the last, quiet periods as 0 (as ``timeline``)."""
    from .. import analysis

    counts = analysis.roll_up((date.fromisoformat(d[:10]) for d in dates), unit)
    return [
        {"period": analysis.period_label(p, unit), "count": counts.get(p, 0)}
        for p in analysis.period_range(counts, unit)
    ]


def _article(row: tuple) -> dict[str, Any]:
    seq, aid, ext, title, source, published, salience = row
    return {
        "id": aid,
        "external_id": ext,
        "title": title,
        "source": source,
        "published": published,
        "salience": salience,
    }


_ART = "SELECT a.seq, a.id, a.external_id, a.title, a.source, a.published, ae.salience "


def entity_page(desk: Desk, name: str) -> dict[str, Any]:
    """Everything about one entity: coverage, timeline, company it keeps, sources, quotes."""
    eid, canonical, etype, aliases = resolve(desk, name)
    db = desk.store.db
    base = _ART + "FROM article_entities ae JOIN articles a ON a.seq = ae.seq WHERE ae.entity_id = ? "
    n_articles = db.execute("SELECT count(*) FROM article_entities WHERE entity_id=?", (eid,)).fetchone()[0]
    dates = [
        r[0]
        for r in db.execute(
            "SELECT a.published FROM article_entities ae JOIN articles a ON a.seq = ae.seq "
            "WHERE ae.entity_id = ? AND a.published != '' ORDER BY a.published",
            (eid,),
        )
    ]
    unit = _granularity(dates[0] if dates else "", dates[-1] if dates else "")
    co = db.execute(
        "SELECT e.name, e.type, count(*) AS n FROM article_entities x "
        "JOIN article_entities y ON y.seq = x.seq AND y.entity_id != x.entity_id "
        "JOIN entities e ON e.id = y.entity_id WHERE x.entity_id = ? "
        "GROUP BY y.entity_id ORDER BY n DESC, e.name LIMIT ?",
        (eid, LIST),
    ).fetchall()
    sources = db.execute(
        "SELECT a.source, count(*) AS n FROM article_entities ae JOIN articles a ON a.seq = ae.seq "
        "WHERE ae.entity_id = ? GROUP BY a.source ORDER BY n DESC LIMIT ?",
        (eid, LIST),
    ).fetchall()
    latest = db.execute(base + "ORDER BY a.published DESC, a.seq DESC LIMIT ?", (eid, LIST)).fetchall()
    salient = db.execute(
        base + "AND ae.salience >= ? ORDER BY ae.salience DESC, a.published DESC LIMIT ?",
        (eid, SALIENT, LIST),
    ).fetchall()
    return {
        "name": canonical,
        "type": etype,
        "aliases": aliases,
        "articles": n_articles,
        "timeline_unit": unit,
        "timeline": _timeline(dates, unit),
        "co_mentions": [{"name": n, "type": t, "count": c} for n, t, c in co],
        "top_sources": [{"source": s, "count": c} for s, c in sources],
        "latest": [_article(r) for r in latest],
        "salient": [_article(r) for r in salient],
        "quotes": _quotes(desk, "WHERE q.speaker_entity_id = ?", [eid], 20, 0),
    }


def _parse(desk: Desk, query: str | None) -> tantivy.Query | None:
    """The tantivy query of ``query`` (None for no query or "*": every article).

    Parsed before ``_require`` so a query that does not parse is reported as
    such even on a desk that has not been enriched.
    """
    if not query or query.strip() == "*":
        return None
    from ..search import build_query

    return build_query(desk, query)


def query_seqs(desk: Desk, query: str | tantivy.Query) -> list[int]:
    """The store seqs of every article matching a query (a query string, or one already built)."""
    from ..analysis import matching_seqs
    from ..search import build_query

    tq = build_query(desk, query) if isinstance(query, str) else query
    return [seq for page in matching_seqs(desk, tq) for seq in page]


def _in_query(desk: Desk, tq: tantivy.Query, column: str) -> tuple[str, list[Any]]:
    """A JOIN restricting ``column`` to the query's matches (json_each: no temp table, thread-safe)."""
    return f"JOIN json_each(?) s ON s.value = {column} ", [json.dumps(query_seqs(desk, tq))]


def top_entities(
    desk: Desk, top: int = 20, type: str | None = None, query: str | None = None
) -> list[dict[str, Any]]:  # noqa: A002
    """The entities in the most articles, overall or among a query's matches ("*": overall)."""
    tq = _parse(desk, query)
    _require(desk)
    where, params = ["1"], []
    join, join_params = "", []
    if type:
        where.append("e.type = ?")
        params.append(type.upper())
    if tq is not None:
        join, join_params = _in_query(desk, tq, "ae.seq")
    rows = desk.store.db.execute(
        "SELECT e.name, e.type, count(*) AS n, sum(ae.salience >= ?) FROM article_entities ae "
        f"JOIN entities e ON e.id = ae.entity_id {join}WHERE {' AND '.join(where)} "
        "GROUP BY ae.entity_id ORDER BY n DESC, e.name LIMIT ?",
        [SALIENT, *join_params, *params, top],
    ).fetchall()
    return [{"name": n, "type": t, "articles": c, "salient_in": s} for n, t, c, s in rows]


def _quotes(
    desk: Desk,
    where: str,
    params: list[Any],
    limit: int,
    offset: int,
    join: str = "",
    join_params: list[Any] | None = None,
) -> list[dict[str, Any]]:
    rows = desk.store.db.execute(
        'SELECT q.text, q.speaker_name, coalesce(e.name, q.speaker_name), a.id, a.title, a.published, q.cue, q.start, q."end" '
        f"FROM quotes q JOIN articles a ON a.seq = q.seq LEFT JOIN entities e ON e.id = q.speaker_entity_id {join}"
        f"{where} ORDER BY a.published DESC, a.seq DESC, q.start LIMIT ? OFFSET ?",
        [*(join_params or []), *params, limit, offset],
    ).fetchall()
    return [
        {
            "text": t,
            "speaker": sp,
            "article_id": aid,
            "title": title,
            "published": pub,
            "cue": cue,
            "start": s,
            "end": e,
        }
        for t, _raw, sp, aid, title, pub, cue, s, e in rows
    ]


def list_quotes(
    desk: Desk, by: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Quotations, newest first; ``by`` one speaker (NotFoundError if unknown), ``query`` within matches."""
    tq = _parse(desk, query)
    _require(desk)
    where, params, join, join_params = ["1"], [], "", []
    if by:
        eid = resolve(desk, by)[0]
        where.append("q.speaker_entity_id = ?")
        params.append(eid)
    if tq is not None:
        join, join_params = _in_query(desk, tq, "q.seq")
    return _quotes(desk, "WHERE " + " AND ".join(where), params, limit, offset, join, join_params)


# -- one article ------------------------------------------------------------------
def _the_article(desk: Desk, article: Article | str) -> Article:
    """The Article itself, looked up (by id or external id, as ``Desk.get``) only when given an id."""
    return desk.get(article) if isinstance(article, str) else article


def _article_seq(desk: Desk, article: Article) -> int:
    """The store seq of an article (one lookup on the unique ``id``)."""
    row = desk.store.db.execute("SELECT seq FROM articles WHERE id = ?", (article.id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no article with id {article.id!r} in {desk.path}")
    return row[0]


def article_enrichment(desk: Desk, article: Article | str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(entities, quotes) of one article, what its page shows; ([], []) before enrichment.

    One lookup of the article's seq serves both (see ``article_entities`` and
    ``article_quotes`` for the shapes).
    """
    if not schema.exists(desk.store.db):
        return [], []
    art = _the_article(desk, article)
    seq = _article_seq(desk, art)
    return _article_entities(desk, seq, art), _article_quotes(desk, seq)


def _surfaces(name: str, aliases: list[str], text: str) -> list[str]:
    """The forms of an entity to mark in one article: its name and those aliases the text holds.

    Mentions are not stored per article, so the entity's corpus-wide aliases
    stand in, kept only where they occur in this text as whole words (a leading
    "the" dropped: "the Justice Department" marks "Justice Department").
    """
    out: list[str] = []
    for form in [name, *aliases]:
        form = form.strip()
        if form[:4].lower() == "the ":
            form = form[4:].strip()
        if len(form) < 2 or form in out or (form[0].islower() and not name[:1].islower()):
            continue  # "notify Immigration and Customs Enforcement": a tagger's overreach
        if re.search(r"(?<!\w)" + re.escape(form) + r"(?!\w)", text):
            out.append(form)
    return out


def article_entities(desk: Desk, article: Article | str) -> list[dict[str, Any]]:
    """The entities of one article, most salient first: what the article page highlights.

    Each: ``name``, ``type``, ``mentions`` (count in the article), ``salience``,
    ``in_title``, ``in_lead`` and ``surfaces`` (the spellings found in this
    article's text). A spelling shared by two of the article's entities goes to
    the more salient one only, so one mention never links to two pages.
    [] when the article has not been enriched.
    """
    if not schema.exists(desk.store.db):
        return []
    art = _the_article(desk, article)
    return _article_entities(desk, _article_seq(desk, art), art)


def _article_entities(desk: Desk, seq: int, art: Article) -> list[dict[str, Any]]:
    rows = desk.store.db.execute(
        "SELECT e.name, e.type, e.aliases, ae.count, ae.salience, ae.in_title, ae.in_lead "
        "FROM article_entities ae JOIN entities e ON e.id = ae.entity_id WHERE ae.seq = ? "
        "ORDER BY ae.salience DESC, ae.count DESC, e.name",
        (seq,),
    ).fetchall()
    text = f"{art.title or ''}\n{art.body or ''}"
    names = {r[0] for r in rows}
    taken: set[str] = set()
    out = []
    for name, etype, aliases_json, count, salience, in_title, in_lead in rows:
        aliases = [a for a in json.loads(aliases_json) if a not in names]
        forms = [f for f in _surfaces(name, aliases, text) if f not in taken]
        taken.update(forms)
        out.append({
            "name": name,
            "type": etype,
            "mentions": count,
            "salience": salience,
            "in_title": bool(in_title),
            "in_lead": bool(in_lead),
            "surfaces": forms,
        })
    return out


def article_quotes(desk: Desk, article: Article | str) -> list[dict[str, Any]]:
    """The quotations in one article, in reading order: ``text``, ``speaker`` (canonical
    entity name, or the name as written, or "" when unattributed), ``cue`` and the
    ``start``/``end`` character offsets into the body. [] when not enriched.
    """
    if not schema.exists(desk.store.db):
        return []
    return _article_quotes(desk, _article_seq(desk, _the_article(desk, article)))


def _article_quotes(desk: Desk, seq: int) -> list[dict[str, Any]]:
    rows = desk.store.db.execute(
        'SELECT q.text, coalesce(e.name, q.speaker_name), e.type, q.cue, q.start, q."end" FROM quotes q '
        "LEFT JOIN entities e ON e.id = q.speaker_entity_id WHERE q.seq = ? ORDER BY q.start",
        (seq,),
    ).fetchall()
    return [
        {"text": t, "speaker": sp or "", "speaker_type": st or "", "cue": cue, "start": s, "end": e}
        for t, sp, st, cue, s, e in rows
    ]
