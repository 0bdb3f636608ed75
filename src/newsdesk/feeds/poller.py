"""The poller: fetch feeds politely, in parallel, and ingest what is new through the one ingest path.

Politeness and robustness, in the order a fetch meets them:

* **per-host spacing**: requests to the same host (``host:port``) go one at a
  time through a :class:`HostGate`, each starting at least ``host_spacing``
  seconds after the previous one *ended*, so the server sees that much quiet;
  the article pages of ``--fetch-pages`` feeds pass the same gate; different hosts go in parallel, at most
  ``concurrency`` at once (the global limit);
* **conditional GET**: the last ``ETag`` / ``Last-Modified`` go back as
  ``If-None-Match`` / ``If-Modified-Since``; a 304 costs no parsing, no ingest;
* **timeouts and size caps** over the whole response (:func:`newsdesk.fetch.get`);
* **redirects** followed (at most 5) and recorded on the feed;
* a body that is **not a feed** (an HTML page, garbage) is rejected with a
  one-line reason and counts as a failure; its validators are not kept, so
  the next try fetches it whole;
* **backoff** for failing feeds: the next try waits ``every x 2^(errors-1)``
  (capped at :data:`MAX_BACKOFF_S`) with +/-20% jitter, so a dead server is not
  hammered and many feeds failing together spread out.

Fetching happens in worker threads that never touch the store; the calling
thread parses, ingests (``ingest``: the Desk's ``ingest_records``, so ids,
dedup and percolation are the same as for any file) and records each feed's
state. The items of every answer already in are ingested in one call, so
500 small feeds cost a few index commits rather than 500.
"""

from __future__ import annotations

import contextlib
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import fetch
from ..errors import NewsdeskError, ReaderError, WriterBusyError
from ..model import IngestSummary, Record, Reject
from ..readers import ReadOptions
from ..readers import feed as feed_reader
from ..store import Store
from ..store import feeds as table

MAX_BACKOFF_S = 6 * 3600
TIMEOUT_S = 20.0
MAX_BYTES = 20_000_000
CONCURRENCY = 8
HOST_SPACING_S = 1.0
MAX_TOGETHER = 100  # feeds whose items go into one ingest call
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")
_HTML = ("text/html", "application/xhtml")

Ingest = Callable[[Iterable[Record | Reject]], IngestSummary]
Get = Callable[..., fetch.Response]


@dataclass
class FeedResult:
    """One feed's fetch: status (0 = no answer), entries seen, new articles, the error if any."""

    name: str
    url: str
    status: int = 0
    conditional: bool = False
    seen: int = 0
    new: int = 0
    error: str = ""
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)
    started: float = 0.0  # time.monotonic() when the request went out (spacing is measured on it)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def backoff(every_s: int, errors: int) -> float:
    """Seconds until the next try after ``errors`` consecutive failures (jittered)."""
    base = min(MAX_BACKOFF_S, every_s * 2 ** max(0, errors - 1))
    return base * random.uniform(0.8, 1.2)


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HostGate:
    """One request at a time per host, each starting ``spacing`` seconds after the last one ended.

    Shared by the feed workers and the page fetches of ``--fetch-pages`` feeds, so
    a feed's article pages on the same site wait their turn like its feed does.
    """

    def __init__(self, spacing: float) -> None:
        self.spacing = spacing
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = host_of(url)
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            last = self._last.get(host)
            if last is not None:
                wait = last + self.spacing - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()


def _fetch_host(
    feeds: list[dict[str, Any]],
    get: Get,
    gate: HostGate,
    timeout: float,
    max_bytes: int,
    out: queue.Queue,
    stop: threading.Event,
) -> None:
    """One worker: the feeds of one host, in turn, through the host's gate."""
    for feed in feeds:
        if stop.is_set():
            return
        with gate.slot(feed["url"]):
            started = time.monotonic()
            try:
                response: fetch.Response | ReaderError = get(
                    feed["url"],
                    etag=feed["etag"],
                    last_modified=feed["last_modified"],
                    timeout=timeout,
                    max_bytes=max_bytes,
                    accept="application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                    "text/xml;q=0.9, */*;q=0.5",
                )
            except ReaderError as err:
                response = err
            except Exception as err:  # noqa: BLE001 - a worker must always report back
                response = ReaderError(feed["url"], f"{type(err).__name__}: {err}")
        out.put((feed, response, started))


def _parse(
    feed: dict[str, Any], response: fetch.Response, gate: HostGate | None = None, timeout: float = TIMEOUT_S
) -> tuple[list[Record | Reject], str, str]:
    """(records and entry rejects, the feed's title, '' or why this body is not a feed)."""
    body = response.body

    def canned(url: str) -> bytes:
        if url == feed["url"]:
            return body
        with gate.slot(url) if gate else contextlib.nullcontext():  # an article page (--fetch-pages)
            return fetch.fetch(url, timeout=timeout)

    options = ReadOptions(fetch=canned, fetch_pages=feed["fetch_pages"])
    items = list(feed_reader.read(feed["url"], options))
    records = [i for i in items if isinstance(i, Record)]
    ctype = response.content_type.split(";")[0].strip().lower()
    if not records:
        head = body[:512].lstrip().lower()
        if ctype.startswith(_HTML) or head.startswith((b"<!doctype html", b"<html")):
            return [], "", f"not a feed: the server sent an HTML page ({ctype or 'text/html'}), not RSS/Atom"
        rejects = [i for i in items if isinstance(i, Reject)]
        if rejects and str(rejects[0].reason).startswith("not a feed"):
            return [], "", str(rejects[0].reason)
        if body.strip() and b"<" not in body[:1024]:
            return [], "", "not a feed: the body is not XML"
    title = next((r.source for r in records if r.source), "")
    return items, title, ""


def _status_of(error: ReaderError) -> int:
    match = _HTTP_STATUS.search(error.reason)
    return int(match.group(1)) if match else 0


def _outcome(
    feed: dict[str, Any], response: fetch.Response | ReaderError, started: float, gate: HostGate | None = None
) -> tuple[FeedResult, dict[str, Any], list[Record | Reject]]:
    """What a fetch says before ingesting: the result so far, the feed state to write, items to ingest."""
    result = FeedResult(feed["name"], feed["url"], started=started)
    state: dict[str, Any] = {}
    items: list[Record | Reject] = []
    if isinstance(response, ReaderError):
        result.error = response.reason
        result.status = _status_of(response)
        result.conditional = bool(feed["etag"] or feed["last_modified"])
        return result, state, items
    result.status = response.status
    result.conditional = response.conditional
    result.final_url = response.final_url
    result.redirects = response.redirects
    result.seconds = response.seconds
    state.update(final_url=response.final_url, redirects=response.redirects)
    if response.status == 304:
        return result, state, items
    items, title, problem = _parse(feed, response, gate)
    if problem:
        result.error = problem
        return result, state, []
    result.seen = sum(1 for i in items if isinstance(i, Record))
    # validators are kept only once the items are safely ingested (see _record)
    state.update(
        etag=response.etag,
        last_modified=response.last_modified,
        items_seen=result.seen,
        title=title or feed["title"],
    )
    return result, state, items


def _record(
    store: Store,
    feed: dict[str, Any],
    result: FeedResult,
    state: dict[str, Any],
    now_ts: float,
    guard: Callable[[], AbstractContextManager[Any]],
) -> None:
    if result.error:  # keep the last good validators: the next try fetches whole unless unchanged
        state = {k: v for k, v in state.items() if k in ("final_url", "redirects")}
    errors = feed["errors"] + 1 if result.error else 0
    delay = backoff(feed["every_s"], errors) if result.error else feed["every_s"]
    now_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ts))
    state.update(
        last_fetch_at=now_iso,
        last_status=result.status,
        last_error=result.error,
        errors=errors,
        next_due=now_ts + delay,
        new_items=result.new,
        total_new=feed["total_new"] + result.new,
    )
    with guard():
        table.record_fetch(
            store,
            feed["id"],
            state,
            {
                "at": now_iso,
                "status": result.status,
                "conditional": result.conditional,
                "seen": result.seen,
                "new": result.new,
                "ms": round(result.seconds * 1000),
                "error": result.error,
            },
        )


def _ingest_together(
    store: Store,
    ingest: Ingest,
    ready: list[tuple],
    guard: Callable[[], AbstractContextManager[Any]],
    gate: HostGate | None = None,
) -> list[FeedResult]:
    """Ingest the items of every feed whose answer is in, in one call (one index commit, one
    percolation), then attribute the new articles to their feeds by provenance (``URL#entryN``)."""
    outcomes = [(feed, *_outcome(feed, response, started, gate)) for feed, response, started in ready]
    items = [i for _f, _r, _s, its in outcomes for i in its]
    if items:
        with guard():
            before = table.top_seq(store)
        try:
            ingest(items)
        except WriterBusyError:  # the desk is busy, not the feeds: nothing recorded, all stay due
            raise
        except NewsdeskError as err:  # the items could not be stored: every feed here tries again later
            for _f, result, _s, its in outcomes:
                if its:
                    result.error = f"could not ingest: {err}"
        else:
            with guard():
                fresh = table.new_per_feed(store, before)
            for feed, result, _s, _its in outcomes:
                result.new = fresh.get(feed["url"], 0)
    now_ts = time.time()
    for feed, result, state, _its in outcomes:
        _record(store, feed, result, state, now_ts, guard)
    return [r for _f, r, _s, _i in outcomes]


def poll(
    store: Store,
    ingest: Ingest,
    feeds: list[dict[str, Any]],
    get: Get | None = None,
    concurrency: int = CONCURRENCY,
    host_spacing: float = HOST_SPACING_S,
    timeout: float = TIMEOUT_S,
    max_bytes: int = MAX_BYTES,
    guard: Callable[[], AbstractContextManager[Any]] | None = None,
    on_result: Callable[[FeedResult], Any] | None = None,
) -> list[FeedResult]:
    """Fetch ``feeds`` once each (hosts in parallel, each host spaced), ingest, record; in arrival order."""
    if not feeds:
        return []
    guard = guard or nullcontext
    by_host: dict[str, list[dict[str, Any]]] = {}
    for feed in feeds:
        by_host.setdefault(host_of(feed["url"]), []).append(feed)
    hosts = list(by_host.values())
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    gate = HostGate(host_spacing)
    todo: queue.Queue = queue.Queue()
    for h in hosts:
        todo.put(h)

    def worker() -> None:
        while not stop.is_set():
            try:
                group = todo.get_nowait()
            except queue.Empty:
                return
            _fetch_host(group, get or fetch.get, gate, timeout, max_bytes, out, stop)

    threads = [
        threading.Thread(target=worker, daemon=True, name=f"newsdesk-poll-{i}")
        for i in range(max(1, min(concurrency, len(hosts))))
    ]
    for t in threads:
        t.start()
    results: list[FeedResult] = []
    try:
        while len(results) < len(feeds):
            ready = [out.get()]  # wait for one answer, then take every other one already in
            while len(ready) < MAX_TOGETHER:
                try:
                    ready.append(out.get_nowait())
                except queue.Empty:
                    break
            for result in _ingest_together(store, ingest, ready, guard, gate):
                results.append(result)
                if on_result:
                    on_result(result)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=timeout + 5)
    return results
