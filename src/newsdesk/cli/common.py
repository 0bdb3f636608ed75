"""What every command shares: opening the desk, JSON output, progress bars, highlights."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from ..desk import Desk


def open_desk(ctx: click.Context, create: bool = False) -> Desk:
    """The desk named by --data; reading commands refuse to create an empty one.

    An index missing or from an older schema is rebuilt from the store as the desk opens
    (minutes on a big desk, after an upgrade): that shows a progress bar on a terminal."""
    desk = Desk(ctx.obj["data"], create=create, reconcile=False)
    pending = desk.index_rebuild_pending()
    if pending:
        with progress_bar("rebuilding the index from the store", total=pending) as advance:
            desk.reconcile(progress=advance)
    else:
        desk.reconcile()
    return desk


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


def emit_rows(rows: Any, as_json: bool, empty: str, line: Callable[[Any], str]) -> None:
    """What every listing command prints: JSON, or a hint when there is nothing, or a line per row.

    The hint names the command that would make a row, so an empty listing tells
    the user what to do next instead of printing nothing.
    """
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo(empty)
    for row in rows:
        click.echo(line(row))


def interactive() -> bool:
    return sys.stdout.isatty()


@contextlib.contextmanager
def progress_bar(label: str, total: int | None = None, unit: str = "articles") -> Iterator[Any]:
    """A rich progress bar with a rate, shown only when stdout is a terminal.

    Yields ``advance(n)``; a no-op when quiet.
    """
    if not interactive():
        yield lambda n=1: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    class Rate(TextColumn):
        def render(self, task):  # type: ignore[override]
            speed = task.finished_speed or task.speed
            from rich.text import Text

            return Text(f"{speed:,.0f} {unit}/s" if speed else f"… {unit}/s")

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    else:
        columns += [TextColumn("{task.completed:,} " + unit)]
    columns += [Rate(""), TimeElapsedColumn()]
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n=1: progress.advance(task, n)


_B = re.compile(r"</?b>")


def render_highlight(html_snippet: str, color: bool) -> str:
    """A ``<b>``-highlighted snippet for the terminal: bold when a tty, ``**x**`` when piped."""
    from html import unescape

    if color:
        text = html_snippet.replace("<b>", "\x1b[1;33m").replace("</b>", "\x1b[0m")
    else:
        text = _B.sub("**", html_snippet)
    return unescape(text)
