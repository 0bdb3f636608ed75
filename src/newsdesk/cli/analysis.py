"""Analysis commands: timeline, top, export (thin shells over the Desk's methods)."""

from __future__ import annotations

import sys

import click

from ..desk import INTERVALS
from ..errors import MissingExtraError, NewsdeskError
from . import QueryCommand
from .common import open_desk, print_json

_filters = [
    click.option("--since", metavar="DATE", help="Only articles published on or after DATE."),
    click.option("--until", metavar="DATE", help="Only articles published on or before DATE."),
    click.option("--source", multiple=True, help="Only articles from this source (repeatable)."),
]


def filters(fn):
    for opt in reversed(_filters):
        fn = opt(fn)
    return fn


@click.command(cls=QueryCommand)
@click.argument("queries", nargs=-1, required=True, metavar="QUERY...")
@click.option("--interval", type=click.Choice(INTERVALS), default="month", show_default=True)
@click.option("--normalize", is_flag=True, help="Share of all articles in each period instead of counts.")
@click.option("--unit", type=click.Choice(["articles", "originals", "stories"]), default="articles", show_default=True,
              help="Count every matching article, only originals (not copies of another), or distinct stories.")
@click.option("--png", "png", type=click.Path(dir_okay=False, writable=True), help="Also draw the chart to FILE.")
@click.option("--json", "as_json", is_flag=True, help="Print the timeline as one JSON object.")
@filters
@click.pass_context
def timeline(ctx, queries, interval, normalize, unit, png, as_json, since, until, source):
    """Matching articles per day, week or month for one or more QUERY (compared side by side).

    \b
    Examples:
      newsdesk timeline coffee --interval month --normalize
      newsdesk timeline coffee cocoa sugar --png attention.png
    """
    with open_desk(ctx) as desk:
        data = desk.timeline(list(queries), interval, normalize, since, until, list(source) or None, unit=unit)
    if png:
        _draw_png(data, png)
    if as_json:
        print_json(data)
        return
    series = data["series"]
    head = f"{interval:<10}" + "".join(f"{s['query'][:18]:>20}" for s in series)
    click.echo(head)
    for i, b in enumerate(series[0]["buckets"] if series else []):
        cells = []
        for s in series:
            sb = s["buckets"][i]
            cells.append(f"{sb['count']:>10,} {sb['share'] * 100:7.2f}%" if normalize else f"{sb['count']:>20,}")
        click.echo(f"{b['period']:<10}" + "".join(f"{c:>20}" for c in cells))
    for s in series:
        extra = f" ({s['undated']} undated)" if s["undated"] else ""
        click.echo(f"total {s['query']}: {s['total']:,}{extra}")
    if png:
        click.echo(f"chart written to {png}")


def _draw_png(data: dict, path: str) -> None:
    """Render the timeline with matplotlib (the [plot] extra), lines told apart by style too."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingExtraError("matplotlib", "plot") from None
    fig, ax = plt.subplots(figsize=(9, 4), dpi=120)
    styles = ["-o", "--s", ":^", "-.D"]
    for i, s in enumerate(data["series"]):
        periods = [b["period"] for b in s["buckets"]]
        values = [b["value"] * (100 if data["normalize"] else 1) for b in s["buckets"]]
        ax.plot(periods, values, styles[i % len(styles)], label=s["query"], markersize=4)
    ax.set_ylabel("% of all articles" if data["normalize"] else "articles")
    ax.set_title(f"Attention over time (per {data['interval']})")
    ax.legend()
    ax.grid(alpha=0.3)
    n = len(data["series"][0]["buckets"]) if data["series"] else 0
    if n > 12:
        ax.set_xticks(ax.get_xticks()[:: max(1, n // 12)])
    fig.autofmt_xdate()
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as err:
        raise NewsdeskError(f"{path}: cannot write the chart: {err}") from None
    finally:
        plt.close(fig)


@click.command(cls=QueryCommand)
@click.argument("kind", type=click.Choice(["terms", "sources", "entities"]))
@click.argument("query", default="*")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--originals", is_flag=True,
              help="Sources: who originates and who republishes (articles, originals, copies of others).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@filters
@click.pass_context
def top(ctx, kind, query, limit, originals, as_json, since, until, source):
    """Top terms, sources or entities of QUERY's matches.

    Terms are significant ones (unusually frequent among the matches compared
    with the whole desk; words and two-word phrases), not the most frequent.
    Entities need `newsdesk enrich` first.
    """
    with open_desk(ctx) as desk:
        items = desk.top(kind, query, limit, since, until, list(source) or None, originals=originals)
    if as_json:
        print_json(items)
        return
    if not items:
        hint = " (run `newsdesk enrich` first)" if kind == "entities" else ""
        click.echo(f"no {kind}{hint}")
    for it in items:
        if kind == "terms":
            click.echo(f"{it['term']:<32} {it['docs']:>6} of {it['sample']:<6} (all: {it['background']:,})")
        elif kind == "sources" and originals:
            click.echo(f"{it['source'] or '(unknown)':<32} {it['articles']:>8,} articles {it['originals']:>8,} "
                       f"originals {it['copies']:>8,} copies")
        elif kind == "sources":
            click.echo(f"{it['source'] or '(unknown)':<32} {it['count']:>8,}")
        else:
            name = it.get("name") or it.get("entity") or ""
            click.echo(f"{name:<32} {it.get('type', ''):<8} {it.get('count', it.get('articles', '')):>8}")


@click.command(cls=QueryCommand)
@click.argument("query")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Write CSV to FILE ('-' for stdout).")
@click.option("--jsonl", "jsonl_path", type=click.Path(dir_okay=False), help="Write JSON Lines to FILE ('-' for stdout).")
@click.option("--raw", is_flag=True, help="CSV: keep cells starting with = + - @ as they are (default: "
              "prefix them with ' so spreadsheets do not run them as formulas).")
@filters
@click.pass_context
def export(ctx, query, csv_path, jsonl_path, raw, since, until, source):
    """Write EVERY match of QUERY (no cap, newest first; `*` for all articles) with id, external_id,
    published, source, title, url, snippet, and copy_of/story once those stages have run."""
    if bool(csv_path) == bool(jsonl_path):
        raise click.UsageError("give exactly one of --csv FILE or --jsonl FILE")
    fmt, path = ("csv", csv_path) if csv_path else ("jsonl", jsonl_path)
    with open_desk(ctx) as desk:
        if path == "-":
            n = desk.export(query, fmt, sys.stdout, raw=raw, since=since, until=until, source=list(source) or None)
        else:
            try:
                fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            except OSError as err:
                raise NewsdeskError(f"{path}: cannot write: {err}") from None
            with fh:
                n = desk.export(query, fmt, fh, raw=raw, since=since, until=until, source=list(source) or None)
            click.echo(f"{n:,} articles written to {path}", err=False)
    if path == "-":
        click.echo(f"{n:,} articles exported", err=True)
