"""The web UI: server-rendered pages (Jinja2) over the same Desk as the JSON API.

No JavaScript is needed: forms and links carry the state (query, filters,
page, raw/normalised), the timeline chart is SVG drawn on the server, and the
one stylesheet is served from ``static/``. Pages work by keyboard, on a phone,
and without colour (highlights are bold + underlined, chart series differ by
dash and marker).
"""

from __future__ import annotations

import math
import os
import re
from html import escape
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ..api.errors import ApiError, date_range
from ..api.guard import COOKIE
from ..errors import NewsdeskError, NotEnrichedError
from . import languages
from .chart import svg_timeline

HERE = os.path.dirname(__file__)
PER_PAGE = 20
templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))
router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """Add the pages and the static files to the app."""
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")
    app.state.render_login = render_login
    app.include_router(router)
    from .follow import router as follow_router  # issue 10: saved searches, feed health

    app.include_router(follow_router)


def _highlight(snippet: str) -> Markup:
    """Search snippets arrive HTML-escaped with <b> around matches; show them as <mark>."""
    return Markup(snippet.replace("<b>", "<mark>").replace("</b>", "</mark>"))


def _url(path: str, **params: Any) -> str:
    pairs = []
    for k, v in params.items():
        if v is None or v == "" or v is False:
            continue
        for item in v if isinstance(v, list | tuple) else [v]:
            pairs.append((k, "1" if item is True else str(item)))
    return path + ("?" + urlencode(pairs) if pairs else "")


templates.env.filters["highlight"] = _highlight
templates.env.globals["url"] = _url
templates.env.globals["lang_attrs"] = languages.attrs  # lang="…" dir="…" on every article text
templates.env.globals["lang_name"] = languages.name


def _page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, ctx, status_code=status)


def render_error(request: Request, status: int, message: str, **extra: Any) -> Response:
    return _page(request, "error.html", status=status, status_code=status, message=message)


def _local(target: str) -> str:
    """Where to go after logging in: a path on this server only (never ``//elsewhere``)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target or "\r" in target:
        return "/"
    return target


def render_login(request: Request, status: int = 200, error: str = "", next_url: str | None = None) -> Response:
    """The login form (``serve --read-key``): what a page answers, with 401, to a visitor without the key."""
    if next_url is None:
        next_url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _page(request, "login.html", status=status, error=error, next=_local(next_url))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:  # noqa: A002
    return render_login(request, next_url=next)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",  # noqa: A002
) -> Response:
    """Check the key, keep it in an HttpOnly, SameSite=Strict cookie, go back where the visitor was."""
    if not key.strip() or not request.app.state.desk.verify_key(key.strip()):
        return render_login(request, status=401, error="That key is not valid (newsdesk keys list).", next_url=next)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


Q = Annotated[str, Query(max_length=1000)]


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: Q = "",
    page: Annotated[int, Query(ge=1, le=5000)] = 1,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    source: Annotated[list[str] | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(pattern="^(relevance|date|date-asc)$")] = "relevance",
    collapse: Annotated[str, Query(pattern="^(copies|stories|exact|none)$")] = "copies",
    lang: Annotated[list[str] | None, Query(max_length=12)] = None,
) -> HTMLResponse:
    desk = request.app.state.desk
    langs = [x.strip().lower() for x in lang or [] if x.strip()][:10]
    ctx: dict[str, Any] = {"q": q, "since": since, "until": until, "source": source or [], "sort": sort,
                           "page": page, "error": None, "results": None, "facets": None, "lang": langs,
                           "languages": []}
    if q.strip():
        try:
            since, until = date_range(since or None, until or None)
            bad = next((x for x in langs if not languages.FILTER_CODE.match(x)), None)
            if bad is not None:
                raise ApiError(400, f"lang {bad!r}: give an ISO 639-1 code such as de, or und")
            res = desk.search(q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE,
                              since=since or None, until=until or None, source=source or None, sort=sort,
                              collapse=collapse, lang=langs or None)
            ctx["results"] = res
            ctx["hit_lang"] = {h.id: h.lang for h in res.hits}
            ctx["pages"] = max(1, math.ceil(res.total / PER_PAGE))
            ctx["facets"] = desk.facets(q, results=res)
            ctx["languages"] = ctx["facets"].get("lang", [])
        except (NewsdeskError, ApiError) as err:
            ctx["error"] = str(err)
            return _page(request, "search.html", status=400, **ctx)
    else:
        ctx["stats"] = desk.stats()
        ctx["languages"] = [{"value": x.get("lang", ""), "count": x.get("articles", 0)}
                            for x in ctx["stats"].get("languages") or []]
    return _page(request, "search.html", **ctx)


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    q: Annotated[list[str] | None, Query(max_length=1000)] = None,
    interval: Annotated[str, Query(pattern="^(day|week|month)$")] = "month",
    normalize: bool = False,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    unit: Annotated[str, Query(pattern="^(articles|originals|stories)$")] = "articles",
) -> HTMLResponse:
    desk = request.app.state.desk
    queries = [x for x in (q or []) if x.strip()][:5]
    ctx: dict[str, Any] = {"queries": queries, "interval": interval, "normalize": normalize, "unit": unit,
                           "since": since, "until": until, "error": None, "chart": None}
    if queries:
        try:
            since, until = date_range(since or None, until or None)
            data = desk.timeline(queries, interval, normalize, since or None, until or None, unit=unit)
            ctx["data"] = data
            ctx["chart"] = Markup(svg_timeline(data))
            ctx["terms"] = desk.top("terms", queries[0], 20, since or None, until or None)
            ctx["sources"] = desk.top("sources", queries[0], 10, since or None, until or None)
            ctx["entities"] = desk.top("entities", queries[0], 10, since or None, until or None)
            ctx["spikes"] = desk.follow.spikes(queries[0], interval="day", first=1) if interval == "day" else []
        except (NewsdeskError, ApiError) as err:
            ctx["error"] = str(err)
            return _page(request, "timeline.html", status=400, **ctx)
    return _page(request, "timeline.html", **ctx)


TYPE_LABELS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
               "NORP": "group", "EVENT": "event", "FAC": "place"}


def _mark_entities(body: str, entities: list[dict[str, Any]]) -> Markup:
    """The body, escaped, with entity mentions marked and linked to their entity pages.

    Each mention becomes ``<a class="ent entity-TYPE" href="/entities/Name"><mark>…</mark></a>``
    with the type in a ``title`` and in an underline style (solid person, dashed
    organisation, dotted place…), so the type is readable without colour.
    Matching runs on the raw text and every piece is escaped on its way out.
    Paragraphs (blank lines, or indented lines) are kept.
    """
    forms: dict[str, dict[str, Any]] = {}
    for e in entities:
        for form in e.get("surfaces") or [e.get("name", "")]:
            if form and len(form) > 1 and form not in forms:
                forms[form] = e
    ordered = sorted(forms, key=len, reverse=True)[:300]
    pattern = (
        re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in ordered) + r")(?!\w)") if ordered else None
    )

    def mark(text: str) -> str:
        if pattern is None:
            return escape(text)
        out, pos = [], 0
        for m in pattern.finditer(text):
            e = forms[m.group(1)]
            etype = str(e.get("type") or "")
            label = TYPE_LABELS.get(etype, etype.lower() or "entity")
            cls = "ent entity-" + re.sub(r"[^A-Za-z]", "", etype or "OTHER")
            href = escape(_entity_url(str(e.get("name", ""))))
            out.append(escape(text[pos : m.start()]))
            out.append(f'<a class="{cls}" href="{href}" title="{escape(label)}: {escape(str(e.get("name", "")))}">'
                       f"<mark>{escape(m.group(1))}</mark></a>")
            pos = m.end()
        out.append(escape(text[pos:]))
        return "".join(out)

    paras = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s{2,})", body) if p.strip()]
    return Markup("".join(f"<p>{mark(p)}</p>" for p in paras))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, q: Q = "") -> HTMLResponse:
    page = request.app.state.desk.article_page(article_id)  # one lookup of the article for everything
    art, ents = page["article"], page["entities"]  # entities and quotes: [] before enrichment
    types = sorted({TYPE_LABELS.get(e.get("type", ""), "") for e in ents} - {""})
    note = languages.entities_note(art.lang, ents, page.get("entities_note", languages.NOT_GIVEN))
    return _page(request, "article.html", a=art, q=q, body=_mark_entities(art.body, ents),
                 entities=ents, quotes=page["quotes"], types=types, similar=page["similar"],
                 revisions=page["revisions"], groups=page["groups"], entities_note=note)


@router.get("/stories", response_class=HTMLResponse)
def stories_page(
    request: Request, q: Q = "", order: Annotated[str, Query(pattern="^(size|growth|recent)$")] = "size",
) -> HTMLResponse:
    """The biggest (or fastest-growing, or latest) stories, overall or of a query."""
    ctx: dict[str, Any] = {"q": q, "order": order, "items": [], "error": None, "active": "stories"}
    try:
        ctx["items"] = request.app.state.desk.stories(q or None, top=50, order=order)
    except NewsdeskError as err:
        ctx["error"] = str(err)
        return _page(request, "stories.html", status=400, **ctx)
    return _page(request, "stories.html", **ctx)


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: Annotated[int, Path(ge=0, le=2**62)]) -> HTMLResponse:
    """One story: its articles in time order, a timeline, its entities and quotes."""
    s = request.app.state.desk.story(story_id)  # 404 page when there is none
    chart = None
    if s["timeline"]:
        buckets = [{"period": b["period"], "count": b["count"], "all": 0, "share": 0.0, "value": b["count"]}
                   for b in s["timeline"]]
        chart = Markup(svg_timeline({"interval": s["timeline_unit"], "normalize": False,
                                     "series": [{"query": s["title"][:40], "buckets": buckets}]}))
    return _page(request, "story.html", s=s, chart=chart, active="stories")


@router.get("/entities/{name:path}", response_class=HTMLResponse)
def entity_page(request: Request, name: str) -> HTMLResponse:
    """One entity; a page saying how to get entity pages before enrichment, else 404 if unknown."""
    try:
        info = request.app.state.desk.entity(name)
    except NotEnrichedError:
        info = None
    chart = None
    if info and info["timeline"]:  # already gap-free: quiet periods are zeros
        buckets = [{"period": b["period"], "count": b["count"], "all": 0, "share": 0.0, "value": b["count"]}
                   for b in info["timeline"]]
        chart = Markup(svg_timeline({"interval": info["timeline_unit"], "normalize": False,
                                     "series": [{"query": info["name"], "buckets": buckets}]}))
    return _page(request, "entity.html", name=name, info=info, chart=chart)


def _entity_url(name: str) -> str:
    """The entity page of ``name`` (slashes and all quoted: "U.S./Canada" is one name)."""
    return "/entities/" + quote(name, safe="")


templates.env.globals["entity_url"] = _entity_url
