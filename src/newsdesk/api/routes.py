"""The JSON API under /api: each route is one call on the Desk."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ..desk import RANKS, Desk
from ..errors import NotEnrichedError
from .answers import json_answer
from .errors import (
    UPLOAD_PREFIX,
    ApiError,
    date_range,
    public_provenance,
    require_key,
    require_read_key,
    scrub,
)
from .params import openapi_parameters, read_query
from .upload import receive_file
from .writes import one_writer

MAX_QUERY = 1000  # characters in a query
MAX_LIMIT = 100  # results per page
MAX_OFFSET = 100_000
MAX_UPLOAD = 512 * 1024 * 1024  # bytes per ingest request

router = APIRouter(prefix="/api", tags=["api"])
read = [Depends(require_read_key)]

Q = Annotated[str, Query(max_length=MAX_QUERY, description="Query (see docs/query-language.md)")]
Since = Annotated[str | None, Query(max_length=40, description="Published on or after (YYYY-MM-DD)")]
Until = Annotated[str | None, Query(max_length=40, description="Published on or before (YYYY-MM-DD)")]
Source = Annotated[list[str] | None, Query(max_length=200, description="Only these sources")]


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


class SearchQuery(BaseModel):
    """``/api/search``'s query parameters (read by :func:`newsdesk.api.params.read_query`)."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field("*", max_length=MAX_QUERY, description="Query (see docs/query-language.md)")
    limit: int = Field(10, ge=0, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    since: str | None = Field(None, max_length=40, description="Published on or after (YYYY-MM-DD)")
    until: str | None = Field(None, max_length=40, description="Published on or before (YYYY-MM-DD)")
    source: list[str] | None = Field(None, max_length=200, description="Only these sources")
    sort: Literal["relevance", "date", "date-asc"] = "relevance"
    facets: bool = True
    collapse: Literal["copies", "stories", "exact", "none"] = "copies"
    lang: list[str] | None = Field(None, max_length=50, description="Only these languages (ISO 639-1, und)")
    rank: Literal[RANKS] = Field(  # type: ignore[valid-type]  # the same choices as search --rank
        "bm25", description="bm25 (the top 10 of an all-words query or of an OR request of 6+ words re-ordered "
        "by a learned model of the headline and first lines); opt-in: relaxed (AND, then OR to fill a short page), "
        "rm3 (feedback for long queries, ~4x slower), hybrid (BM25 + static embeddings by RRF; semantic extra, "
        "slow on first use), ltr (relaxed, the top 20 of each pass re-ordered, short OR queries too; 1-2.5 ms more)")


@router.get("/search", dependencies=read, summary="Ranked, highlighted results and facets",
            response_model=dict[str, Any], openapi_extra=openapi_parameters(SearchQuery))
async def search(request: Request) -> Response:
    """One hit per copy group by default (each hit lists its ``copies``, ``copy_of`` and ``story``).

    Runs on the event loop, not in a thread: a page of hits takes about a millisecond,
    less than the hop to the thread pool and back costs at concurrency 1, and a server
    with several workers (``serve --workers``) spreads load over processes, not threads.
    Parameters are read by hand against :class:`SearchQuery` (see :mod:`.params`).
    """
    p = read_query(request, SearchQuery)
    desk = desk_of(request)
    since, until = date_range(p.since, p.until)
    res = desk.search(p.q, limit=p.limit, offset=p.offset, since=since, until=until, source=p.source, sort=p.sort,
                      collapse=p.collapse, lang=p.lang, rank=p.rank)
    out: dict[str, Any] = {"query": p.q, "total": res.total, "offset": p.offset, "limit": p.limit,
                           "results": res.hits}
    if p.facets:
        out["facets"] = desk.facets(p.q, results=res)  # the same parse and searcher snapshot
    return json_answer(out)


#: GET routes the guard answers itself, past the router (see api/guard.py): the function of each
#: takes the request and returns the response; what it raises the guard answers with the app's handlers
DIRECT_ROUTES = {"/api/search": search}


@router.get("/articles/{article_id}", dependencies=read, summary="One article in full",
            response_model=dict[str, Any])
def article(request: Request, article_id: Annotated[str, Path(max_length=500)]) -> Response:
    desk = desk_of(request)
    out = desk.article_info(article_id)  # the article, plus copy_of, copies, story and revisions
    out["provenance"] = public_provenance(out["provenance"], desk)  # a file's name, not the server's path
    for rev in out["revisions"]:
        rev["provenance"] = public_provenance(rev.get("provenance", ""), desk)
    return json_answer(out)


@router.get("/timeline", dependencies=read, summary="Matches per day/week/month, with shares of all coverage",
            response_model=dict[str, Any])
def timeline(
    request: Request,
    q: Annotated[list[str], Query(description="One or more queries")] = ("*",),  # type: ignore[assignment]
    interval: Literal["day", "week", "month"] = "month",
    normalize: bool = False,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    unit: Literal["articles", "originals", "stories"] = "articles",
) -> Response:
    """Counts per period by ``unit``: every article, only originals (no copies), or distinct stories."""
    queries = list(q)
    if len(queries) > 10:
        raise ApiError(400, "compare at most 10 queries on one timeline")
    for one in queries:  # FastAPI's max_length does not reach into the items of a list
        if len(one) > MAX_QUERY:
            raise ApiError(400, f"q: a query may have at most {MAX_QUERY} characters (this one has {len(one)})",
                           parameter="q")
    since, until = date_range(since, until)
    return json_answer(desk_of(request).timeline(queries, interval, normalize, since, until, source, unit=unit))


@router.get("/top/{kind}", dependencies=read, summary="Top terms, sources or entities of a query's matches",
            response_model=dict[str, Any])
def top(
    request: Request,
    kind: Literal["terms", "sources", "entities"],
    q: Q = "*",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    since: Since = None,
    until: Until = None,
    source: Source = None,
) -> Response:
    since, until = date_range(since, until)
    items = desk_of(request).top(kind, q, limit, since, until, source)
    return json_answer({"query": q, "kind": kind, "items": items})


@router.get("/entities/{name}", dependencies=read, summary="Everything about one entity (needs enrichment)")
def entity(request: Request, name: Annotated[str, Path(max_length=300)]) -> dict[str, Any]:
    return desk_of(request).entity(name)  # unknown, or not enriched yet: 404 saying so


@router.get("/quotes", dependencies=read, summary="Quotations with their speakers (needs enrichment)")
def quotes(
    request: Request,
    by: Annotated[str | None, Query(max_length=300)] = None,
    q: Annotated[str | None, Query(max_length=MAX_QUERY)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    kind: Literal["full", "partial"] | None = None,
) -> dict[str, Any]:
    """Each quote: text, speaker, article_id, title, published, cue, start, end, kind (full|partial)."""
    try:
        items = desk_of(request).quotes(by=by, query=q, limit=limit, offset=offset, kind=kind)
    except NotEnrichedError:  # no quotes yet; an unknown speaker is still a 404, a bad query a 400
        items = []
    return {"by": by, "query": q, "items": items}


def _export(request: Request, q: str, since, until, source, fmt: str, raw: bool = False) -> StreamingResponse:
    desk = desk_of(request)
    since, until = date_range(since, until)
    if fmt == "csv":  # a bad query raises here (a 400), before anything is streamed
        body = desk.export_lines(q, raw=raw, since=since, until=until, source=source)
        media = "text/csv; charset=utf-8"
    else:
        import json

        rows = desk.iter_export(q, since=since, until=until, source=source)
        body = (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        media = "application/x-ndjson"
    name = "newsdesk-export." + fmt
    return StreamingResponse(body, media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/export.csv", dependencies=read, summary="Every match as CSV, streamed (no cap)",
            response_class=StreamingResponse)
def export_csv(request: Request, q: Q = "*", since: Since = None, until: Until = None,
               source: Source = None, raw: bool = False) -> StreamingResponse:
    """Cells starting with = + - @ are prefixed with ' so spreadsheets show them as text (raw=true: as they are)."""
    return _export(request, q, since, until, source, "csv", raw)


@router.get("/export.jsonl", dependencies=read, summary="Every match as JSON Lines, streamed (no cap)",
            response_class=StreamingResponse)
def export_jsonl(request: Request, q: Q = "*", since: Since = None, until: Until = None,
                 source: Source = None) -> StreamingResponse:
    return _export(request, q, since, until, source, "jsonl")


@router.post("/ingest", dependencies=[Depends(require_key)], summary="Add articles (needs an API key)",
             openapi_extra={"requestBody": {"content": {
                 "application/x-ndjson": {"schema": {"type": "string"}},
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}},
             }}})
async def ingest(
    request: Request,
    format: Annotated[str | None, Query(max_length=20, description="Reader format, if not guessable")] = None,  # noqa: A002
) -> dict[str, Any]:
    """Send JSON Lines as ``application/x-ndjson``, or upload a file (``file`` field) in any reader format."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    tmp = tempfile.mkdtemp(prefix=UPLOAD_PREFIX)
    try:
        if ctype == "multipart/form-data":
            path = await receive_file(request, tmp, MAX_UPLOAD)  # capped as it streams, name checked
        elif ctype in ("application/x-ndjson", "application/jsonl", "application/json-lines"):
            path = os.path.join(tmp, "upload.jsonl")
            format = format or "jsonl"  # noqa: A001
            with open(path, "wb") as fh:
                size = 0
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_UPLOAD:
                        raise ApiError(413, f"body larger than {MAX_UPLOAD // 2**20} MiB: split it")
                    fh.write(chunk)
        else:
            raise ApiError(415, "send JSON Lines as 'Content-Type: application/x-ndjson', "
                           "or a file as multipart/form-data in the 'file' field")
        summary = await run_in_threadpool(_ingest_file, request, path, format)
        out = summary.to_dict()  # rejects name the uploaded file, not where the server put it
        for key in ("rejects", "notes"):
            out[key] = [scrub(r.replace(tmp + os.sep, ""), desk_of(request)) for r in out[key]]
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _ingest_file(request: Request, path: str, fmt: str | None):
    """Ingest with a desk of its own (own SQLite connection), in this desk's turn of writes.

    Searches keep using the app's desk; once the writer commits, the app's index is
    reloaded here (other workers reload on their next request), so the new articles
    are searchable at once. API ingests in any worker wait for each other
    (:func:`newsdesk.api.writes.one_writer`): none is refused or lost.
    """
    app_desk: Desk = request.app.state.desk

    def ingest():
        writer = Desk(app_desk.path)
        try:
            return writer.ingest(path, format=fmt)
        finally:
            writer.close()

    with request.app.state.ingest_lock:
        summary = one_writer(app_desk.path, ingest)
    app_desk.refresh()
    return summary
