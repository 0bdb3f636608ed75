"""Entity and quote commands: enrich, entity, entities, quotes (thin shells over the Desk)."""

from __future__ import annotations

import time

import click

from .common import open_desk, print_json, progress_bar


@click.command()
@click.option("--workers", "-j", type=int, default=None, help="Processes to use (default: all cores).")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=64,
    show_default=True,
    help="Articles per task and per committed transaction.",
)
@click.option("--redo", is_flag=True, help="Forget all enrichment first and enrich every article again.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as one JSON object.")
@click.pass_context
def enrich(ctx, workers, batch_size, redo, as_json):
    """Extract entities and quotes from every article not yet enriched.

    Resumable: each batch commits its entities, quotes and checkpoint together,
    so an interrupted run loses at most one batch and re-running finishes the
    rest without doubling anything. Search keeps working meanwhile.
    """
    from ..enrich import pending, run  # noqa: PLC0415 - spaCy only for this command

    desk = open_desk(ctx, create=False)
    started = time.monotonic()
    try:
        total = desk.store.count() if redo else len(pending(desk))
        with progress_bar("enriching", total=total) as advance:
            done = run(desk, progress=advance, workers=workers, batch_size=batch_size, redo=redo)
    finally:
        desk.close()
    seconds = time.monotonic() - started
    if as_json:
        print_json({"enriched": done, "seconds": round(seconds, 2)})
        return
    rate = done / seconds if seconds else 0.0
    click.echo(f"enriched {done} articles ({seconds:.1f}s, {rate:,.1f} articles/s)")


def _article_line(a: dict) -> str:
    day = (a.get("published") or "")[:10] or "undated"
    return f"  {day}  {a['title'][:70]}  [{a['id']}]"


@click.command()
@click.argument("name", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def entity(ctx, name, as_json):
    """Everything about one person, organisation or place: NAME in any case."""
    desk = open_desk(ctx)
    try:
        page = desk.entity(" ".join(name))
    finally:
        desk.close()
    if as_json:
        print_json(page)
        return
    echo = click.echo
    n = page['articles']
    echo(f"{page['name']} ({page['type']}) — {n} article{'' if n == 1 else 's'}")
    if page["aliases"]:
        echo("also: " + ", ".join(page["aliases"][:12]))
    if page["timeline"]:
        echo(f"\ncoverage per {page['timeline_unit']}:")
        peak = max(p["count"] for p in page["timeline"])
        for p in page["timeline"]:
            echo(f"  {p['period']:<10} {'#' * max(1 if p['count'] else 0, round(30 * p['count'] / peak)):<30} {p['count']}")
    if page["co_mentions"]:
        echo("\nmentioned with: " + ", ".join(f"{c['name']} ({c['count']})" for c in page["co_mentions"]))
    if page["top_sources"]:
        echo(
            "sources: " + ", ".join(f"{s['source'] or '(none)'} ({s['count']})" for s in page["top_sources"])
        )
    if page["salient"]:
        echo("\nmost about them:")
        for a in page["salient"]:
            echo(_article_line(a))
    echo("\nlatest:")
    for a in page["latest"]:
        echo(_article_line(a))
    if page["quotes"]:
        echo("\nquotes:")
        for q in page["quotes"]:
            echo(
                f"  “{q['text']}” ({q['cue'] or 'said'}, {(q['published'] or '')[:10] or 'undated'}, [{q['article_id']}])"
            )


@click.command()
@click.option("--top", "-n", default=20, show_default=True, help="How many entities.")
@click.option(
    "--type",
    "etype",
    type=click.Choice(["PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"], case_sensitive=False),
    help="Only this kind of entity.",
)
@click.option("--query", "-q", metavar="Q", help="Only within the articles matching this query.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def entities(ctx, top, etype, query, as_json):
    """The most covered entities, overall or within a query's matches."""
    desk = open_desk(ctx)
    try:
        rows = desk.entities(top=top, type=etype, query=query)
    finally:
        desk.close()
    if as_json:
        print_json(rows)
        return
    for r in rows:
        click.echo(f"{r['articles']:>7}  {r['name']:<40} {r['type']}")


@click.command()
@click.option("--by", metavar="NAME", help="Only quotes by this speaker.")
@click.option("--query", "-q", metavar="Q", help="Only quotes from articles matching this query.")
@click.option("--limit", "-n", default=50, show_default=True, help="How many quotes.")
@click.option("--offset", default=0, show_default=True, help="Skip this many (paging).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def quotes(ctx, by, query, limit, offset, as_json):
    """Who said what: quotations with their speakers, newest first."""
    desk = open_desk(ctx)
    try:
        rows = desk.quotes(by=by, query=query, limit=limit, offset=offset)
    finally:
        desk.close()
    for q in rows:
        if as_json:
            print_json(q)
        else:
            day = (q["published"] or "")[:10] or "undated"
            click.echo(
                f"“{q['text']}”\n    — {q['speaker'] or 'unattributed'}, {day}, {q['title'][:60]} [{q['article_id']}]"
            )
