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
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from .. import analysis
from ..api.app import ApiError
from ..api.routes import date_range
from ..errors import NewsdeskError, QuerySyntaxError
from .chart import svg_timeline

HERE = os.path.dirname(__file__)
PER_PAGE = 20
templates = Jinja2Templates(directory=os.path.join(HERE, "templates"))
router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """Add the pages and the static files to the app."""
    app.mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static")
    app.include_router(router)


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


def _page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, ctx, status_code=status)


def render_error(request: Request, status: int, message: str, **extra: Any) -> Response:
    return _page(request, "error.html", status=status, status_code=status, message=message)


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
) -> HTMLResponse:
    desk = request.app.state.desk
    ctx: dict[str, Any] = {"q": q, "since": since, "until": until, "source": source or [], "sort": sort,
                           "page": page, "error": None, "results": None, "facets": None}
    if q.strip():
        try:
            since, until = date_range(since or None, until or None)
            res = desk.search(q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE, since=since or None,
                              until=until or None, source=source or None, sort=sort)
            ctx["results"] = res
            ctx["pages"] = max(1, math.ceil(res.total / PER_PAGE))
            ctx["facets"] = analysis.facets(desk, q, since or None, until or None, source or None)
        except (QuerySyntaxError, ApiError) as err:
            ctx["error"] = str(err)
            return _page(request, "search.html", status=400, **ctx)
        except NewsdeskError as err:
            ctx["error"] = str(err)
            return _page(request, "search.html", status=400, **ctx)
    else:
        ctx["stats"] = desk.stats()
    return _page(request, "search.html", **ctx)


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    q: Annotated[list[str] | None, Query(max_length=1000)] = None,
    interval: Annotated[str, Query(pattern="^(day|week|month)$")] = "month",
    normalize: bool = False,
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    desk = request.app.state.desk
    queries = [x for x in (q or []) if x.strip()][:5]
    ctx: dict[str, Any] = {"queries": queries, "interval": interval, "normalize": normalize,
                           "since": since, "until": until, "error": None, "chart": None}
    if queries:
        try:
            since, until = date_range(since or None, until or None)
            data = analysis.timeline(desk, queries, interval, normalize, since or None, until or None)
            ctx["data"] = data
            ctx["chart"] = Markup(svg_timeline(data))
            ctx["terms"] = analysis.top_terms(desk, queries[0], 20, since or None, until or None)
            ctx["sources"] = analysis.top_sources(desk, queries[0], 10, since or None, until or None)
            ctx["entities"] = analysis.top_entities(desk, queries[0], 10)
        except (NewsdeskError, ApiError) as err:
            ctx["error"] = str(err)
            return _page(request, "timeline.html", status=400, **ctx)
    return _page(request, "timeline.html", **ctx)


def _mark_entities(body: str, names: list[str]) -> Markup:
    """The body, escaped, with entity names linked to their pages; paragraphs kept."""
    text = escape(body)
    names = sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True)[:200]
    if names:
        pattern = re.compile(r"\b(" + "|".join(re.escape(escape(n)) for n in names) + r")\b")
        text = pattern.sub(
            lambda m: f'<a class="ent" href="{_url("/entities/" + m.group(1))}"><mark>{m.group(1)}</mark></a>',
            text,
        )
    paras = [p.strip() for p in re.split(r"\n\s*\n|\n(?=\s{2,})", text) if p.strip()]
    return Markup("".join(f"<p>{p}</p>" for p in paras))


def _article_enrichment(desk: Any, article_id: str) -> tuple[list[dict], list[dict]]:
    """Entities and quotes of one article when enrichment has run (else empty lists)."""
    try:
        from ..enrich import queries as eq
    except ImportError:
        return [], []
    ents: list[dict] = []
    quotes: list[dict] = []
    try:
        if hasattr(eq, "article_entities"):
            ents = list(eq.article_entities(desk, article_id))
        if hasattr(eq, "article_quotes"):
            quotes = list(eq.article_quotes(desk, article_id))
    except Exception:  # noqa: BLE001 - enrichment is optional; the page must still render
        return [], []
    return ents, quotes


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, q: Q = "") -> HTMLResponse:
    desk = request.app.state.desk
    art = desk.get(article_id)
    ents, quotes = _article_enrichment(desk, art.id)
    names = [e.get("name", "") for e in ents] + [m for e in ents for m in e.get("mentions", [])]
    return _page(request, "article.html", a=art, q=q, body=_mark_entities(art.body, names),
                 entities=ents, quotes=quotes, similar=analysis.similar(desk, art.id, 5))


@router.get("/entities/{name}", response_class=HTMLResponse)
def entity_page(request: Request, name: str) -> HTMLResponse:
    desk = request.app.state.desk
    try:
        info = desk.entity(name)
    except ImportError:
        info = None
    except NewsdeskError as err:
        return render_error(request, 404, str(err))  # type: ignore[return-value]
    chart = None
    if info and info.get("timeline"):
        tl = info["timeline"]
        if isinstance(tl, list):
            buckets = [{"period": str(b.get("period", b.get("month", ""))), "count": b.get("count", 0),
                        "all": 0, "share": 0.0, "value": b.get("count", 0)} for b in tl]
            chart = Markup(svg_timeline({"interval": "month", "normalize": False,
                                         "series": [{"query": name, "buckets": buckets}]}))
    return _page(request, "entity.html", name=name, info=info, chart=chart)
