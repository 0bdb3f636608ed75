"""The stories routes under /api: the desk's stories and one story (the copies and stories stages)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from .errors import date_range, require_read_key

MAX_QUERY = 1000

router = APIRouter(prefix="/api", tags=["stories"])
read = [Depends(require_read_key)]


@router.get("/stories", dependencies=read, summary="Stories by size or growth, overall or of a query")
def stories(
    request: Request,
    q: Annotated[str | None, Query(max_length=MAX_QUERY, description="Only stories holding its matches")] = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    top: Annotated[int, Query(ge=1, le=1000)] = 20,
    order: Literal["size", "growth", "recent"] = "size",
) -> dict[str, Any]:
    """The same objects ``newsdesk stories --json`` prints, one per story, best first."""
    since, until = date_range(since, until)
    items = request.app.state.desk.stories(q, since=since, until=until, top=top, order=order)
    return {"query": q, "order": order, "items": items}


@router.get("/stories/{story_id}", dependencies=read, summary="One story: its articles, timeline, entities, quotes")
def story(request: Request, story_id: Annotated[int, Path(ge=0, le=2**62)]) -> dict[str, Any]:
    """The object ``newsdesk story ID --json`` prints; 404 when there is no such story."""
    return request.app.state.desk.story(story_id)
