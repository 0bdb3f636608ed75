"""Pages for following the news: saved searches (/alerts) and feed health (/feeds).

Plain forms, no JavaScript: making or deleting a saved search and freezing a
result set post the API key in a form field (writes always need one, as over
the JSON API); a wrong key re-renders the page with the reason, status 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import NewsdeskError

router = APIRouter(include_in_schema=False)
RECENT = 5


def _desk(request: Request):
    return request.app.state.desk


def _alerts_page(request: Request, status: int = 200, **ctx: Any) -> HTMLResponse:
    from . import _page

    desk = _desk(request)
    alerts = []
    for a in desk.follow.alerts():
        detail = desk.follow.alert(a["name"], matches=RECENT, deliveries=3)
        detail.pop("secret", None)
        alerts.append(detail)
    defaults = {"q": "", "error": "", "message": "", "form": {}}
    return _page(
        request,
        "alerts.html",
        status=status,
        active="alerts",
        alerts=alerts,
        snapshots=desk.follow.snapshots(),
        **{**defaults, **ctx},
    )


def _key_ok(request: Request, key: str) -> bool:
    return bool(key) and _desk(request).verify_key(key.strip())


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    q: Annotated[str, Query(max_length=1000)] = "",
    done: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    return _alerts_page(request, q=q, message=done)


@router.post("/alerts", response_class=HTMLResponse)
def alerts_create(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    query: Annotated[str, Form(max_length=1000)],
    key: Annotated[str, Form(max_length=200)] = "",
    notify: Annotated[str, Form(max_length=2000)] = "",
    every: Annotated[str, Form(max_length=10)] = "now",
) -> Response:
    form = {"name": name, "query": query, "notify": notify, "every": every}
    if not _key_ok(request, key):
        return _alerts_page(
            request, 403, q=query, form=form, error="That API key is not valid (newsdesk keys create)."
        )
    channels = [c for c in notify.replace(",", " ").split() if c]
    try:
        _desk(request).follow.add_alert(name.strip(), query, notify=channels, every=every)
    except NewsdeskError as err:
        return _alerts_page(request, 400, q=query, form=form, error=str(err))
    return RedirectResponse(f"/alerts?done=saved+{name.strip()}", status_code=303)


@router.post("/alerts/{name}/delete", response_class=HTMLResponse)
def alerts_delete(request: Request, name: str, key: Annotated[str, Form(max_length=200)] = "") -> Response:
    if not _key_ok(request, key):
        return _alerts_page(request, 403, error="That API key is not valid (newsdesk keys create).")
    try:
        _desk(request).follow.remove_alert(name)
    except NewsdeskError as err:
        return _alerts_page(request, 404, error=str(err))
    return RedirectResponse(f"/alerts?done=deleted+{name}", status_code=303)


@router.post("/snapshots", response_class=HTMLResponse)
def snapshot_create(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    query: Annotated[str, Form(max_length=1000)],
    key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if not _key_ok(request, key):
        return _alerts_page(request, 403, q=query, error="That API key is not valid (newsdesk keys create).")
    try:
        _desk(request).follow.create_snapshot(name.strip(), query)
    except NewsdeskError as err:
        return _alerts_page(request, 400, q=query, error=str(err))
    return RedirectResponse(f"/alerts?done=froze+{name.strip()}#snapshots", status_code=303)


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request) -> HTMLResponse:
    from . import _page

    return _page(request, "feeds.html", active="feeds", feeds=_desk(request).follow.feeds())
