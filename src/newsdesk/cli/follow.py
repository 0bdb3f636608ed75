"""Following the news: `feeds`, `poll`, `watch`, `alerts`, `spikes`, `snapshot` (thin shells over the Desk)."""

from __future__ import annotations

import sys

import click

from . import QueryCommand
from .common import emit_rows, open_desk, print_json


def _query(words: tuple[str, ...]) -> str:
    return " ".join(words)


def _feed_line(f: dict) -> str:
    status = (
        f"HTTP {f['status']}" if f["status"] else ("never fetched" if f["state"] == "new" else "no answer")
    )
    parts = [f"{f['name']:<28}", f"{f['state']:<8}", f"every {f['every']:<4}", status]
    if f["last_fetch"]:
        parts.append(f"last {f['last_fetch']}")
        parts.append(f"{f['items_seen']} items, {f['new_items']} new")
    if f["errors"]:
        parts.append(f"{f['errors']} errors in a row")
    parts.append(f"next {f['next_due']}")
    line = "  ".join(parts)
    if f["error"]:
        line += f"\n    {f['error']}"
    if f["final_url"]:
        line += f"\n    redirected to {f['final_url']}"
    return line


# -- feeds --------------------------------------------------------------------------
@click.group()
def feeds():
    """Follow RSS/Atom feeds: add, list, remove, import/export OPML (then `newsdesk poll` or `watch`)."""


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="A short name (default: host and path of the URL).")
@click.option("--every", default="15m", show_default=True, help="How often to poll: 30s, 15m, 1h, 1d.")
@click.option("--fetch-pages", is_flag=True, help="Fetch each entry's page and keep its full text.")
@click.pass_context
def feeds_add(ctx, url, name, every, fetch_pages):
    """Follow the feed at URL; it is due at once, then every --every."""
    with open_desk(ctx, create=True) as desk:
        feed = desk.follow.add_feed(url, name=name, every=every, fetch_pages=fetch_pages)
    click.echo(
        f"following {feed['url']} as {feed['name']!r}, every {feed['every']} (poll now: newsdesk poll)"
    )


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def feeds_list(ctx, as_json):
    """Every feed: state, last fetch, HTTP status, items seen, new items, errors in a row, next due."""
    with open_desk(ctx) as desk:
        rows = desk.follow.feeds()
    emit_rows(rows, as_json, "no feeds (add one: newsdesk feeds add URL)", _feed_line)


@feeds.command("remove")
@click.argument("name")
@click.pass_context
def feeds_remove(ctx, name):
    """Stop following the feed NAME (or URL); its articles stay in the desk."""
    with open_desk(ctx) as desk:
        feed = desk.follow.remove_feed(name)
    click.echo(f"stopped following {feed['name']!r} ({feed['url']}); its articles stay")


@feeds.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--every", default="15m", show_default=True, help="Poll interval for the imported feeds.")
@click.pass_context
def feeds_import(ctx, path, every):
    """Follow every feed listed in an OPML file (as feed readers export it)."""
    with open_desk(ctx, create=True) as desk:
        done = desk.follow.import_opml(path, every=every)
    click.echo(f"{len(done['added'])} feeds added, {len(done['skipped'])} skipped")
    for line in done["skipped"]:
        click.echo(f"  skipped {line}", err=True)


@feeds.command("export")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to FILE, not stdout."
)
@click.pass_context
def feeds_export(ctx, output):
    """Print the followed feeds as OPML 2.0 (for a feed reader or another desk)."""
    with open_desk(ctx) as desk:
        text = desk.follow.export_opml()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


# -- poll / watch --------------------------------------------------------------------
def _poll_line(r) -> str:
    if r.error:
        return f"{r.name}: failed ({r.error}); will retry later"
    if r.status == 304:
        return f"{r.name}: not modified (304)"
    how = " (conditional request)" if r.conditional else ""
    moved = f", redirected to {r.final_url}" if r.redirects else ""
    return f"{r.name}: HTTP {r.status}, {r.seen} items, {r.new} new{how}{moved}"


@click.command()
@click.argument("names", nargs=-1)
@click.option(
    "--due", "due_only", is_flag=True, help="Only feeds whose --every has passed (what watch does)."
)
@click.option("--force", is_flag=True, help="Also feeds that are backing off after errors.")
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Feeds fetched at once (different hosts).",
)
@click.option(
    "--spacing",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Seconds between two requests to the same host.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def poll(ctx, names, due_only, force, concurrency, spacing, as_json):
    """Fetch every feed once (or NAMES, or only the due ones) and ingest what is new.

    Conditional requests (ETag / If-Modified-Since) make an unchanged feed cost
    one 304. Feeds that failed wait out their backoff unless --force. New
    articles go through the same path as `newsdesk ingest` and are matched
    against saved searches at once.
    """
    with open_desk(ctx, create=True) as desk:
        results = desk.follow.poll(
            names or None, due_only=due_only, force=force, concurrency=concurrency, host_spacing=spacing
        )
    if as_json:
        print_json([r.__dict__ for r in results])
        return
    if not results:
        click.echo("no feeds to poll" + (" (none due)" if due_only else " (add one: newsdesk feeds add URL)"))
    for r in results:
        click.echo(_poll_line(r))
    new = sum(r.new for r in results)
    failed = sum(1 for r in results if r.error)
    click.echo(f"{len(results)} feeds polled, {new} new articles, {failed} failed", err=True)


@click.command()
@click.option(
    "--tick",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.2, 3600),
    help="Longest sleep between rounds, seconds.",
)
@click.option(
    "--spacing",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Seconds between two requests to the same host.",
)
@click.pass_context
def watch(ctx, tick, spacing):
    """Keep polling feeds on their schedules and delivering alerts, until Ctrl-C."""
    with open_desk(ctx, create=True) as desk:
        click.echo(
            f"watching {desk.path}: feeds on their schedules, alerts as they match (Ctrl-C stops)", err=True
        )

        def report(r: dict) -> None:
            for res in r.get("feeds", []):
                click.echo(_poll_line(res))
            p = r.get("percolation")
            for line in getattr(p, "errors", []):
                click.echo(f"  {line}", err=True)
            d = r.get("delivery")
            if d is not None and (d.sent or d.failed):
                click.echo(f"delivered {d.sent}, failed {d.failed}")
                for line in d.errors:
                    click.echo(f"  {line}", err=True)
            if r.get("busy"):
                click.echo(f"waiting: {r['busy']}", err=True)
            sys.stdout.flush()

        desk.follow.watch(tick=tick, on_round=report, host_spacing=spacing)


# -- alerts ---------------------------------------------------------------------------
@click.group()
def alerts():
    """Saved searches that alert: Atom feed, webhook or email on every new match or spike."""


@alerts.command("add", cls=QueryCommand)
@click.argument("name")
@click.argument("query", nargs=-1, required=True)
@click.option(
    "--notify",
    multiple=True,
    metavar="CHANNEL",
    help="atom (always on), webhook:URL or email:ADDRESS; repeat for several.",
)
@click.option(
    "--every",
    "cadence",
    default="now",
    show_default=True,
    type=click.Choice(["now", "hourly", "daily", "weekly"]),
    help="Each match as it comes, or a digest per hour/day/week.",
)
@click.option(
    "--spike", is_flag=True, help="Notify when the query's share of coverage spikes, not per article."
)
@click.option(
    "--interval",
    default="day",
    show_default=True,
    type=click.Choice(["hour", "day"]),
    help="Period a spike is measured over.",
)
@click.pass_context
def alerts_add(ctx, name, query, notify, cadence, spike, interval):
    """Save QUERY as NAME; articles arriving from now on that match it are delivered.

    Email needs an SMTP server in the environment (NEWSDESK_SMTP_HOST ...) or in
    DATA/settings.toml, never on the command line; see docs/how-to/alerts.md.
    """
    with open_desk(ctx, create=True) as desk:
        alert = desk.follow.add_alert(
            name, _query(query), notify=notify, every=cadence, spike=spike, interval=interval
        )
    click.echo(
        f"saved search {alert['name']!r}: {alert['query']} -> {', '.join(alert['channels'])} "
        f"({'spikes per ' + interval if spike else cadence})"
    )
    click.echo(f"Atom feed: /feeds/{alert['name']}.atom (under newsdesk serve)")
    if any(c.startswith("webhook:") for c in alert["channels"]):
        click.echo(f"webhook secret (X-Newsdesk-Signature is its HMAC-SHA256 of the body): {alert['secret']}")


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_list(ctx, as_json):
    """Every saved search: query, channels, cadence, matches, outbox state."""
    with open_desk(ctx) as desk:
        rows = desk.follow.alerts()
    emit_rows(rows, as_json, "no saved searches (add one: newsdesk alerts add NAME QUERY)", _alert_line)


def _alert_line(a: dict) -> str:
    o = a["outbox"]
    mode = f"spikes/{a['spike_interval']}" if a["spike"] else a["cadence"]
    return (
        f"{a['name']:<20} {mode:<10} {a['matches']:>6} matches  sent {o['sent']}, pending {o['pending']}, "
        f"failed {o['failed']}  {a['query']}  -> {', '.join(a['channels'])}"
    )


@alerts.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_show(ctx, name, as_json):
    """One saved search: settings, secret, recent matches and the delivery log (status codes)."""
    with open_desk(ctx) as desk:
        a = desk.follow.alert(name)
    if as_json:
        print_json(a)
        return
    click.echo(f"{a['name']}: {a['query']}")
    click.echo(
        f"  channels: {', '.join(a['channels'])}; "
        f"{'spikes per ' + a['spike_interval'] if a['spike'] else 'cadence ' + a['cadence']}"
    )
    click.echo(f"  webhook secret: {a['secret']}")
    click.echo(f"  {a['matches']} matches; outbox: {a['outbox']}")
    click.echo("recent matches:")
    for m in a["recent"]:
        click.echo(
            f"  {m['matched_at']}  {m['id']}  {(m['published'] or '')[:10]:<10}  {m['title'] or '(untitled)'}"
        )
    click.echo("delivery log:")
    if not a["deliveries"]:
        click.echo("  (nothing sent yet)")
    for d in a["deliveries"]:
        state = "ok" if d["ok"] else "FAILED"
        click.echo(
            f"  {d['at']}  {d['channel']}  {d['items']} items  status {d['status']}  {state}"
            + (f"  {d['error']}" if d["error"] else "")
        )


@alerts.command("remove")
@click.argument("name")
@click.pass_context
def alerts_remove(ctx, name):
    """Delete the saved search NAME with its matches and delivery log."""
    with open_desk(ctx) as desk:
        desk.follow.remove_alert(name)
    click.echo(f"removed saved search {name!r}")


@alerts.command("test")
@click.argument("name")
@click.option("--limit", "-n", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def alerts_test(ctx, name, limit, as_json):
    """What NAME matches in the desk today, newest first (records and sends nothing)."""
    with open_desk(ctx) as desk:
        t = desk.follow.test_alert(name, limit=limit)
    if as_json:
        print_json(t)
        return
    click.echo(f"{t['total']:,} articles in the desk match {t['query']}; the latest:")
    for h in t["latest"]:
        click.echo(f"  {(h['published'] or '')[:10]:<10}  {h['id']}  {h['title'] or '(untitled)'}")


@alerts.command("deliver")
@click.argument("name", required=False)
@click.pass_context
def alerts_deliver(ctx, name):
    """Send what the outbox holds that is due now (watch and ingest do this by themselves)."""
    with open_desk(ctx) as desk:
        desk.follow.percolate()
        d = desk.follow.deliver(name)
    click.echo(f"delivered {d.sent}, failed {d.failed}")
    for line in d.errors:
        click.echo(f"  {line}", err=True)


# -- spikes ---------------------------------------------------------------------------
@click.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--interval", default="day", show_default=True, type=click.Choice(["hour", "day"]))
@click.option("--first", default=3, show_default=True, help="Articles shown per spike (the earliest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def spikes(ctx, query, interval, first, as_json):
    """Periods in which QUERY's share of coverage rose clearly above its trailing 14 periods."""
    with open_desk(ctx) as desk:
        found = desk.follow.spikes(_query(query), interval=interval, first=first)
    if as_json:
        print_json(found)
        return
    if not found:
        click.echo("no spikes")
    for s in found:
        test = f"z={s['z']}" if s["method"] == "z" else f"p={s['p']}"
        click.echo(
            f"{s['period']}  {s['count']} of {s['total']} articles ({s['share']:.2%}; baseline "
            f"{s['baseline_share']:.2%}, expected {s['expected']}; {test})"
        )
        for a in s["articles"]:
            click.echo(f"    {a['published'][:16]}  {a['id']}  {a['title'] or '(untitled)'}")


# -- snapshots ------------------------------------------------------------------------
@click.group()
def snapshot():
    """Frozen result sets: exactly what a query returned, to cite and re-export unchanged."""


@snapshot.command("create", cls=QueryCommand)
@click.argument("name")
@click.argument("query", nargs=-1, required=True)
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE.")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE.")
@click.option("--source", multiple=True, help="Only this source (repeat for several).")
@click.option(
    "--sort", default="relevance", show_default=True, type=click.Choice(["relevance", "date", "date-asc"])
)
@click.pass_context
def snapshot_create(ctx, name, query, since, until, source, sort):
    """Freeze every result of QUERY now (ids, ranks, scores, query, filters, desk version) as NAME."""
    with open_desk(ctx) as desk:
        s = desk.follow.create_snapshot(
            name, _query(query), since=since, until=until, source=list(source) or None, sort=sort
        )
    click.echo(
        f"snapshot {s['name']!r}: {s['count']:,} results of {s['query']} at desk version {s['desk_version']}, "
        f"sha256 {s['checksum']}"
    )


@snapshot.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def snapshot_list(ctx, as_json):
    """Every snapshot: name, result count, when it was made, its query."""
    with open_desk(ctx) as desk:
        rows = desk.follow.snapshots()
    emit_rows(
        rows,
        as_json,
        "no snapshots (make one: newsdesk snapshot create NAME QUERY)",
        lambda s: f"{s['name']:<20} {s['count']:>8,} results  {s['created_at']}  {s['query']}",
    )


@snapshot.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def snapshot_show(ctx, name, as_json):
    """What a snapshot froze: query, filters, desk version, time, newsdesk version, checksum."""
    with open_desk(ctx) as desk:
        s = desk.follow.snapshot(name)
    if as_json:
        print_json(s)
        return
    for key in (
        "name",
        "query",
        "filters",
        "count",
        "total",
        "desk_version",
        "articles",
        "created_at",
        "newsdesk_version",
        "checksum",
    ):
        click.echo(f"{key:<17} {s[key]}")


@snapshot.command("export")
@click.argument("name")
@click.option("--csv", "fmt", flag_value="csv", default=True, help="CSV with a header row (default).")
@click.option("--jsonl", "fmt", flag_value="jsonl", help="JSON Lines: a description line, then one row each.")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to FILE, not stdout."
)
@click.pass_context
def snapshot_export(ctx, name, fmt, output):
    """Write the snapshot's rows, byte for byte the same whatever was ingested since."""
    with open_desk(ctx) as desk:
        text = desk.follow.export_snapshot(name, fmt)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)


@snapshot.command("delete")
@click.argument("name")
@click.pass_context
def snapshot_delete(ctx, name):
    """Delete a snapshot (the only change a snapshot admits)."""
    with open_desk(ctx) as desk:
        desk.follow.delete_snapshot(name)
    click.echo(f"deleted snapshot {name!r}")


def start_watcher(path: str, tick: float = 5.0):
    """Run `watch` in a daemon thread on its own Desk (``serve --watch``); returns the stop event."""
    import threading

    from ..desk import Desk

    stop = threading.Event()

    def run() -> None:
        import logging

        log = logging.getLogger("newsdesk.watch")
        with Desk(path) as desk:
            while not stop.is_set():
                try:
                    desk.follow.watch(stop=stop, tick=tick)
                except Exception:  # noqa: BLE001 - keep serving; the log has the details
                    log.exception("watcher round failed; retrying in %ss", tick)
                    stop.wait(tick)

    threading.Thread(target=run, name="newsdesk-watch", daemon=True).start()
    return stop
