"""Reading what the entity stage wrote, in the shapes the interfaces print.

These are what ``Desk.entity``, ``Desk.entities``, ``Desk.quotes`` and the
article page return, so the CLI, the HTTP API and the web UI all print the same
objects. No SQL here (that is :mod:`newsdesk.store.entities`) and no Desk: a
query is turned into the seqs it matches by the caller's search plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import NotEnrichedError, NotFoundError
from ..periods import granularity, series
from ..store import entities as store_entities

if TYPE_CHECKING:
    from ..model import Article
    from ..store import Store

LIST = 10  # articles / co-mentions / sources shown on an entity page


def require(store: Store) -> None:
    """NotEnrichedError unless the entity stage has run on this desk."""
    if not store_entities.has_run(store):
        raise NotEnrichedError(store.directory)


def resolve(store: Store, name: str) -> tuple[int, str, str, list[str]]:
    """(id, name, type, aliases) of the entity a user typed; NotFoundError suggests close ones."""
    require(store)
    found = store_entities.find(store, name)
    if found is None:
        close = store_entities.close_names(store, name)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise NotFoundError(f"no entity named {name!r} in {store.directory}{hint}")
    return found


def entity_page(store: Store, name: str) -> dict[str, Any]:
    """Everything about one entity: coverage, timeline, company it keeps, sources, quotes."""
    eid, canonical, etype, aliases = resolve(store, name)
    cov = store_entities.coverage(store, eid, LIST)
    dates = cov["dates"]
    unit = granularity(dates[0] if dates else "", dates[-1] if dates else "")
    return {
        "name": canonical,
        "type": etype,
        "aliases": aliases,
        "articles": cov["articles"],
        "timeline_unit": unit,
        "timeline": series(dates, unit),
        "co_mentions": cov["co_mentions"],
        "top_sources": cov["top_sources"],
        "latest": cov["latest"],
        "salient": cov["salient"],
        "quotes": store_entities.quotes(store, speaker=eid, limit=20),
    }


def top_entities(
    store: Store, top: int = 20, type: str | None = None, seqs: list[int] | None = None  # noqa: A002
) -> list[dict[str, Any]]:
    """The entities in the most articles, overall or among ``seqs`` (a query's matches)."""
    require(store)
    return store_entities.top(store, n=top, etype=type, seqs=seqs)


def list_quotes(
    store: Store, by: str | None = None, seqs: list[int] | None = None, limit: int = 50, offset: int = 0,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Quotations, newest first; ``by`` one speaker (NotFoundError if unknown), ``seqs`` within matches."""
    require(store)
    eid = resolve(store, by)[0] if by else None
    return store_entities.quotes(store, speaker=eid, seqs=seqs, limit=limit, offset=offset, kind=kind)


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


def _seq(store: Store, article: Article) -> int:
    seq = store.seq_of(article.id)
    if seq is None:
        raise NotFoundError(f"no article with id {article.id!r} in {store.directory}")
    return seq


def article_enrichment(store: Store, article: Article) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(entities, quotes) of one article, what its page shows; ([], []) before enrichment.

    Entities: ``name``, ``type``, ``mentions`` (count in the article), ``salience``,
    ``in_title``, ``in_lead`` and ``surfaces`` (the spellings found in this
    article's text), most salient first. A spelling shared by two of the article's
    entities goes to the more salient one only, so one mention never links to two
    pages. Quotes: ``text``, ``speaker``, ``speaker_type``, ``cue``, ``start``/``end``
    offsets into the body and ``kind``, in reading order.
    """
    if not store_entities.has_run(store):
        return [], []
    seq = _seq(store, article)
    return _article_entities(store, seq, article), store_entities.quotes_of_article(store, seq)


def _article_entities(store: Store, seq: int, art: Article) -> list[dict[str, Any]]:
    rows = store_entities.of_article(store, seq)
    text = f"{art.title or ''}\n{art.body or ''}"
    names = {r[0] for r in rows}
    taken: set[str] = set()
    out = []
    for name, etype, aliases_all, count, salience, in_title, in_lead in rows:
        aliases = [a for a in aliases_all if a not in names]
        forms = [f for f in _surfaces(name, aliases, text) if f not in taken]
        taken.update(forms)
        out.append({
            "name": name, "type": etype, "mentions": count, "salience": salience,
            "in_title": in_title, "in_lead": in_lead, "surfaces": forms,
        })
    return out
