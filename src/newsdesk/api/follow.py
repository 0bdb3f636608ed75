"""Following over HTTP: Atom feeds of saved searches, /api/alerts, /api/snapshots, /api/feeds.

Reads follow the app's read-key rule; every write (making or deleting an
alert or a snapshot) needs an API key. A feed reader cannot always send an
``Authorization`` header, so ``/feeds/NAME.atom`` also takes the read key as
``?key=``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from ..desk import Desk
from .errors import check_read_key, require_key, require_read_key

router = APIRouter(tags=["follow"])
read = [Depends(require_read_key)]
write = [Depends(require_key)]
Name = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


class AlertIn(BaseModel):
    name: str = Field(max_length=64)
    query: str = Field(max_length=1000)
    notify: list[str] = Field(default_factory=list, max_length=20)
    every: Literal["now", "hourly", "daily", "weekly"] = "now"
    spike: bool = False
    interval: Literal["hour", "day"] = "day"


class SnapshotIn(BaseModel):
    name: str = Field(max_length=64)
    query: str = Field(max_length=1000)
    since: str | None = Field(default=None, max_length=40)
    until: str | None = Field(default=None, max_length=40)
    source: list[str] | None = Field(default=None, max_length=50)
    sort: Literal["relevance", "date", "date-asc"] = "relevance"


def _atom_key(request: Request) -> None:
    """The read key as a Bearer header or as ``?key=`` (for feed readers)."""
    if not request.app.state.read_key:
        return
    key = request.query_params.get("key", "")
    if key and desk_of(request).verify_key(key):
        return
    check_read_key(request)  # Bearer, or the /login cookie


@router.get(
    "/feeds/{name}.atom",
    dependencies=[Depends(_atom_key)],
    summary="Atom feed of a saved search",
    include_in_schema=False,
)
def alert_atom(request: Request, name: Name, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:
    base = str(request.base_url).rstrip("/")
    body = desk_of(request).follow.alert_feed(
        name, self_url=f"{base}/feeds/{name}.atom", site_url=f"{base}/alerts/{name}", limit=limit
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/api/alerts", dependencies=read, summary="Saved searches with match counts and outbox state")
def list_alerts(request: Request) -> dict[str, Any]:
    return {"alerts": desk_of(request).follow.alerts()}


@router.get("/api/alerts/{name}", dependencies=read, summary="One saved search: recent matches, delivery log")
def show_alert(request: Request, name: Name) -> dict[str, Any]:
    alert = desk_of(request).follow.alert(name)
    alert.pop("secret", None)  # only its maker sees it (POST /api/alerts, newsdesk alerts show)
    return alert


@router.post(
    "/api/alerts", dependencies=write, status_code=201, summary="Save a search that alerts (needs a key)"
)
def add_alert(request: Request, body: AlertIn) -> dict[str, Any]:
    return desk_of(request).follow.add_alert(
        body.name, body.query, notify=body.notify, every=body.every, spike=body.spike, interval=body.interval
    )


@router.delete("/api/alerts/{name}", dependencies=write, summary="Delete a saved search (needs a key)")
def delete_alert(request: Request, name: Name) -> dict[str, Any]:
    desk_of(request).follow.remove_alert(name)
    return {"deleted": name}


@router.get(
    "/api/feeds", dependencies=read, summary="Feed health: last fetch, status, items, errors, next due"
)
def list_feeds(request: Request) -> dict[str, Any]:
    return {"feeds": desk_of(request).follow.feeds()}


@router.get("/api/feeds/{name}", dependencies=read, summary="One feed's health and its recent fetches")
def show_feed(request: Request, name: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
    return desk_of(request).follow.feed(name)


@router.get("/api/snapshots", dependencies=read, summary="Frozen result sets")
def list_snapshots(request: Request) -> dict[str, Any]:
    return {"snapshots": desk_of(request).follow.snapshots()}


@router.get(
    "/api/snapshots/{name}", dependencies=read, summary="A snapshot: its description and rows, or an export"
)
def show_snapshot(
    request: Request, name: Name, format: Annotated[Literal["json", "csv", "jsonl"], Query()] = "json"
) -> Any:
    desk = desk_of(request)
    if format == "json":
        return desk.follow.snapshot(name, rows=True)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson; charset=utf-8"
    return PlainTextResponse(
        desk.follow.export_snapshot(name, format),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


@router.post(
    "/api/snapshots", dependencies=write, status_code=201, summary="Freeze a query's results (needs a key)"
)
def create_snapshot(request: Request, body: SnapshotIn) -> dict[str, Any]:
    meta = desk_of(request).follow.create_snapshot(
        body.name, body.query, since=body.since, until=body.until, source=body.source, sort=body.sort
    )
    return {k: v for k, v in meta.items() if k != "id"}


@router.delete("/api/snapshots/{name}", dependencies=write, summary="Delete a snapshot (needs a key)")
def delete_snapshot(request: Request, name: Name) -> dict[str, Any]:
    desk_of(request).follow.delete_snapshot(name)
    return {"deleted": name}
