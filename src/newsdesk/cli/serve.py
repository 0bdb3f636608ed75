"""`newsdesk serve` (HTTP API + web UI under uvicorn) and `newsdesk keys` (API keys)."""

from __future__ import annotations

import json
import os
import sys

import click

from ..errors import MissingExtraError
from .common import emit_rows, open_desk

MAX_DEFAULT_WORKERS = 8


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--read-key", is_flag=True,
              help="Require an API key for every read too, pages included (log in at /login); writes always need one.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="HOST",
              help="Also answer requests for this Host name (repeatable; '*': any). "
                   "Default: the --host address, localhost and 127.0.0.1.")
@click.option("--watch", is_flag=True, help="Also poll feeds and deliver alerts in the background (as newsdesk watch).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes sharing the port (default: one per core, at most "
                   f"{MAX_DEFAULT_WORKERS}). Writes take turns; every worker sees a commit at once.")
@click.pass_context
def serve(ctx, host, port, read_key, allowed_hosts, watch, workers):
    """Run the JSON API (/api, docs at /docs) and the web UI (/) on HOST:PORT.

    Writes (POST /api/ingest) need `Authorization: Bearer KEY`; make a key with
    `newsdesk keys create`. Requests naming another Host are refused (400): a
    server reached by another name (0.0.0.0 behind a DNS name) needs --allowed-host.

    With several workers (processes on one port) reads run on every
    core; an ingest waits for the one before it to commit (one writer at a time,
    none refused or lost), and each worker reloads its searcher on the first
    request after a commit, so a search right after an ingest sees it anywhere.
    """
    try:
        import uvicorn  # noqa: F401 - the server the api extra brings (api/workers.py runs it)

        from ..api import create_app
        from ..api.guard import allowed_hosts_for
        from ..api.workers import STARTUP_FAILURE, bind_listeners, close_listeners, run_workers, serve_on
    except ImportError as err:
        raise MissingExtraError(getattr(err, "name", None) or "fastapi", "api") from None
    workers = workers or default_workers()
    listeners = bind_listeners(host, port, workers)  # a busy port: one line, before anything says 'serving'
    port = listeners[0][0].getsockname()[1]  # --port 0: the one the kernel gave
    try:
        desk = open_desk(ctx, create=True)  # opened (and reconciled) once here, before any worker starts
    except BaseException:
        close_listeners(listeners)
        raise
    hosts = allowed_hosts_for(host, allowed_hosts)
    many = f", {workers} workers" if workers > 1 else ""
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"newsdesk serving {desk.path} on http://{shown}:{port}/ (API docs: /docs{many})", err=True)
    stop = None
    if watch:  # issue 10: the watcher runs on a desk (SQLite connection) of its own, in this process only
        from .follow import start_watcher

        stop = start_watcher(desk.path)
    options = {"log_level": "warning", "access_log": False}
    try:
        if workers == 1:  # served here, on the socket(s) just bound, each answer in one write as the workers do
            app = create_app(desk, read_key=read_key, allowed_hosts=hosts)
            if not serve_on(listeners[0], app, **options):
                sys.exit(STARTUP_FAILURE)
        else:  # this process starts a worker per socket and restarts any that dies
            from ..api.app import SERVE_ENV

            os.environ[SERVE_ENV] = json.dumps({"data": desk.path, "read_key": read_key, "allowed_hosts": hosts})
            run_workers(listeners, workers, options)
    finally:
        if stop is not None:
            stop.set()
        desk.close()


def default_workers() -> int:
    """One worker per core this process may run on, at most MAX_DEFAULT_WORKERS.

    Each worker holds its own searcher and SQLite connection (~60 MB); past a few cores
    one desk's reads rarely need more, and ``--workers`` says otherwise.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


@click.group()
def keys():
    """Create, list and revoke API keys (needed for writes over HTTP)."""


@keys.command("create")
@click.option("--name", default="", help="A label to tell keys apart, e.g. who uses it.")
@click.pass_context
def keys_create(ctx, name):
    """Make a new key; it is printed once, as the last word of the output, and stored hashed."""
    with open_desk(ctx, create=True) as desk:
        key = desk.create_key(name)
    click.echo(f"new API key{f' {name!r}' if name else ''} (shown only now; store it safely): {key}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def keys_list(ctx, as_json):
    """List keys (id, name, prefix, created, revoked); never the keys themselves."""
    with open_desk(ctx) as desk:
        rows = desk.list_keys()
    emit_rows(rows, as_json, "no API keys (make one: newsdesk keys create)", _key_line)


def _key_line(r: dict) -> str:
    state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "live"
    return f"{r['id']:>4}  {r['prefix']:<12} {r['name'] or '-':<20} created {r['created_at']}  {state}"


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_context
def keys_revoke(ctx, key_id):
    """Revoke the key with id KEY_ID (see `newsdesk keys list`)."""
    with open_desk(ctx) as desk:
        desk.revoke_key(key_id)
    click.echo(f"revoked API key {key_id}")
