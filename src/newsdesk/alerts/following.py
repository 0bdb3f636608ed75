"""Following the news, composed: what the Desk offers as ``desk.follow``.

The Desk hands this object the parts it owns (store, index, its ingest and
search, its locks) and nothing else; each method composes the feeds, alerts
and snapshots modules, so the Desk itself stays a door, not a room. The
object is cheap and made per use (``Desk.follow``), so it always sees the
Desk's current index (``reindex`` replaces it).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from ..errors import WriterBusyError
from ..index import Index
from ..store import Store


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Following:
    """Feeds, saved searches, alerts, spikes and snapshots of one desk."""

    def __init__(
        self,
        store: Store,
        index: Index,
        path: str,
        ingest: Callable[..., Any],
        search: Callable[..., Any],
        lock: AbstractContextManager[Any],
        writing: Callable[[], AbstractContextManager[Any]],
    ) -> None:
        self.store = store
        self._index = index
        self.path = path
        self._ingest = ingest
        self._search = search
        self._lock = lock
        self._writing = writing

    def add_feed(
        self, url: str, name: str | None = None, every: str | int = "15m", fetch_pages: bool = False
    ) -> dict[str, Any]:
        """Follow a feed; it is due at once, then every ``every`` (``15m``, ``1h``...)."""
        from ..feeds import subscriptions

        with self._lock:
            return subscriptions.health(
                subscriptions.add(self.store, url, name, every, fetch_pages, _now_iso())
            )

    def feeds(self) -> list[dict[str, Any]]:
        """Every feed with its health: last fetch, status, items seen, new, errors, next due."""
        from ..feeds import subscriptions
        from ..store import feeds as feeds_table

        return [subscriptions.health(f) for f in feeds_table.all_feeds(self.store)]

    def feed(self, name: str) -> dict[str, Any]:
        """One feed's health and its recent fetches."""
        from ..feeds import subscriptions
        from ..store import feeds as feeds_table

        found = subscriptions.get(self.store, name)
        return {**subscriptions.health(found), "fetches": feeds_table.fetch_log(self.store, found["id"])}

    def remove_feed(self, name: str) -> dict[str, Any]:
        from ..feeds import subscriptions

        with self._lock:
            return subscriptions.health(subscriptions.remove(self.store, name))

    def import_opml(self, path: str | os.PathLike[str], every: str | int = "15m") -> dict[str, list[str]]:
        """Follow every feed of an OPML file; feeds already followed are skipped, not errors."""
        from ..errors import NewsdeskError
        from ..feeds import opml

        done: dict[str, list[str]] = {"added": [], "skipped": []}
        for item in opml.read(os.fspath(path)):
            try:
                self.add_feed(item["url"], item["name"] or None, every)
                done["added"].append(item["url"])
            except NewsdeskError as err:
                done["skipped"].append(f"{item['url']}: {err}")
        return done

    def export_opml(self) -> str:
        from ..feeds import opml

        return opml.write(self.feeds())

    def poll(
        self, names: Iterable[str] | None = None, due_only: bool = False, force: bool = False, **options: Any
    ) -> list[Any]:
        """Fetch feeds once and ingest what is new: every feed (``poll``), only the due ones
        (``due_only``: what ``watch`` does), or the named ones. Feeds backing off after errors
        wait their turn unless ``force``. ``options``: concurrency, host_spacing, timeout,
        max_bytes, get, on_result (see newsdesk.feeds.poller.poll)."""
        from ..feeds import poller, subscriptions
        from ..store import feeds as feeds_table

        now_ts = time.time()
        if names:
            chosen = [subscriptions.get(self.store, n) for n in names]
        elif due_only:
            chosen = feeds_table.due(self.store, now_ts)
        else:
            chosen = [
                f
                for f in feeds_table.all_feeds(self.store)
                if force or not f["errors"] or f["next_due"] <= now_ts
            ]
        return poller.poll(self.store, self._ingest, chosen, guard=lambda: self._lock, **options)

    def watch(
        self,
        stop: threading.Event | None = None,
        tick: float = 5.0,
        on_round: Callable[[dict[str, Any]], Any] | None = None,
        **options: Any,
    ) -> None:
        """Poll due feeds, percolate and deliver, round after round until ``stop`` is set
        (``newsdesk watch``, ``serve --watch``). Another process writing is waited out."""
        from ..store import feeds as feeds_table

        stop = stop or threading.Event()
        while not stop.is_set():
            report: dict[str, Any] = {}
            try:
                report["feeds"] = self.poll(due_only=True, **options)
                report["percolation"] = self.percolate()
                report["delivery"] = self.deliver()
            except WriterBusyError as err:
                report["busy"] = str(err)
            if on_round:
                on_round(report)
            upcoming = [f["next_due"] for f in feeds_table.all_feeds(self.store)]
            wait = min([tick, *(t - time.time() for t in upcoming)])
            stop.wait(max(0.2, wait))

    def add_alert(
        self,
        name: str,
        query: str,
        notify: Iterable[str] = (),
        every: str = "now",
        spike: bool = False,
        interval: str = "day",
    ) -> dict[str, Any]:
        """Save a search that alerts: ``notify`` holds ``atom``, ``webhook:URL``, ``email:ADDR``;
        ``every`` now|hourly|daily|weekly; ``spike`` tells of bursts instead of each article.
        Returns the alert, with the webhook ``secret`` (shown only here and by ``alert``)."""
        from . import saved

        with self._lock:
            return saved.add(
                self.store, self._index.schema, name, query, list(notify), every, spike, interval, _now_iso()
            )

    def alerts(self) -> list[dict[str, Any]]:
        from ..store import alerts as alerts_table
        from . import saved

        return [saved.summary(self.store, a) for a in alerts_table.all_alerts(self.store)]

    def alert(self, name: str, matches: int = 20, deliveries: int = 20) -> dict[str, Any]:
        """One saved search: settings, secret, recent matches and the delivery log."""
        from ..store import alerts as alerts_table
        from . import saved

        found = saved.get(self.store, name)
        return {
            **saved.summary(self.store, found),
            "secret": found["secret"],
            "recent": alerts_table.recent_matches(self.store, found["id"], matches),
            "deliveries": alerts_table.deliveries(self.store, found["id"], deliveries),
        }

    def remove_alert(self, name: str) -> None:
        from ..store import alerts as alerts_table
        from . import saved

        with self._lock:
            alerts_table.remove(self.store, saved.get(self.store, name)["id"])

    def test_alert(self, name: str, limit: int = 10) -> dict[str, Any]:
        """What the saved search matches in the desk today, newest first (nothing is recorded or sent)."""
        from . import saved

        found = saved.get(self.store, name)
        results = self._search(found["query"], limit=limit, sort="date", snippets=False)
        return {
            "name": name,
            "query": found["query"],
            "total": results.total,
            "latest": [
                {"id": h.id, "title": h.title, "published": h.published, "source": h.source, "url": h.url}
                for h in results.hits
            ],
        }

    def percolate(self) -> Any:
        """Match articles no saved search has seen yet against every saved search (ingest does this)."""
        from .percolate import percolate

        with self._writing():
            return percolate(self.store, self._index)

    def deliver(
        self, name: str | None = None, now: float | None = None, budget_s: float | None = None
    ) -> Any:
        """Send what the outbox holds that is due (webhooks, email); failures retry with backoff."""
        from . import deliver, saved

        alert_id = saved.get(self.store, name)["id"] if name else None
        return deliver.deliver(
            self.store, self.path, now_ts=now, alert_id=alert_id, budget_s=budget_s, guard=lambda: self._lock
        )

    def after_ingest(self) -> None:
        """After an ingest's final commit: percolate the new seqs, then send what is due now
        (at most a few seconds of it; ``watch`` and the next ingest send the rest)."""
        from . import deliver
        from .percolate import percolate

        percolate(self.store, self._index)
        deliver.deliver(self.store, self.path, budget_s=10.0, guard=lambda: self._lock)

    def alert_feed(self, name: str, self_url: str = "", site_url: str = "", limit: int = 50) -> str:
        """The saved search's Atom feed: its latest ``limit`` matches, newest first."""
        from ..store import alerts as alerts_table
        from . import atom, saved

        found = saved.get(self.store, name)
        return atom.render(
            found, alerts_table.recent_matches(self.store, found["id"], limit), self_url, site_url
        )

    def spikes(self, query: str, interval: str = "day", first: int = 3) -> list[dict[str, Any]]:
        """Periods in which the query's share of coverage spiked, each with its first articles."""
        from . import spikes
        from .percolate import compile_saved

        schema = self._index.schema
        return spikes.bursts(
            self.store, self._index.searcher(), schema, compile_saved(query, schema), interval, first
        )

    def create_snapshot(
        self,
        name: str,
        query: str,
        since: Any = None,
        until: Any = None,
        source: Any = None,
        sort: str = "relevance",
    ) -> dict[str, Any]:
        """Freeze exactly what ``query`` returns now (every match, ranked) as snapshot ``name``."""
        from .. import snapshots

        filters = {"since": since, "until": until, "source": source, "sort": sort}
        with self._lock:
            total = self._search(query, limit=1, snippets=False, **filters).total
            limit = max(1, min(total, snapshots.MAX_ROWS))
            results = self._search(query, limit=limit, snippets=False, **filters)
            return snapshots.freeze(
                self.store, name, query, filters, list(results.hits), results.total, _now_iso()
            )

    def snapshots(self) -> list[dict[str, Any]]:
        from .. import snapshots

        return snapshots.listing(self.store)

    def snapshot(self, name: str, rows: bool = False) -> dict[str, Any]:
        """A snapshot's description (query, filters, desk version, time, checksum), its rows if asked."""
        from .. import snapshots

        if rows:
            meta, items = snapshots.rows(self.store, name)
            return {**{k: v for k, v in meta.items() if k != "id"}, "rows": items}
        return {k: v for k, v in snapshots.get(self.store, name).items() if k != "id"}

    def export_snapshot(self, name: str, fmt: str = "csv") -> str:
        """The snapshot as CSV or JSON Lines: the same bytes whatever the desk ingests later."""
        from .. import snapshots

        return snapshots.export(self.store, name, fmt)

    def delete_snapshot(self, name: str) -> None:
        from .. import snapshots

        with self._lock:
            snapshots.delete(self.store, name)
