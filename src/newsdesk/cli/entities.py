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
    default=None,
    help="Articles per task and per committed transaction (default: 64 for entities, 1000 for copies and stories).",
)
@click.option("--stage", "stage", metavar="NAME", default=None,
              help="Run only this enrichment stage (see `newsdesk stats`; default: every stage, in order).")
@click.option("--redo", "redo", metavar="NAME", is_flag=False, flag_value="*", default=None,
              help="Forget what stage NAME wrote and run it on every article again (after its rules "
              "changed); other stages are untouched. Alone, --redo redoes every stage.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as one JSON object.")
@click.pass_context
def enrich(ctx, workers, batch_size, stage, redo, as_json):
    """Run the enrichment stages (entities and quotes, and the others) over articles not yet done.

    Each stage keeps its own checkpoint: an interrupted run loses at most one
    batch, and re-running finishes the rest without doubling anything. Search
    keeps working meanwhile. spaCy is loaded only by the stage that needs it.
    """
    started = time.monotonic()
    with open_desk(ctx, create=False) as desk:
        total = desk.count() * (1 if stage else len(desk.stages())) if redo else None
        if total is None:
            total = desk.pending(stage) if stage else sum(s["pending"] for s in desk.stages())
        with progress_bar("enriching", total=total) as advance:
            done = desk.enrich(stage=stage, redo=redo, progress=advance, workers=workers, batch_size=batch_size)
        missing = _skipped_languages(desk) if "entities" in done else []
    seconds = time.monotonic() - started
    first = next(iter(done.values()), 0)
    if as_json:
        print_json({"enriched": first, "stages": done, "seconds": round(seconds, 2), "no_entities_for": missing})
        return
    rate = first / seconds if seconds else 0.0
    click.echo(f"enriched {first} articles ({seconds:.1f}s, {rate:,.1f} articles/s)")
    for name, n in list(done.items())[1:]:
        click.echo(f"  {name}: {n} articles")
    if missing:
        click.echo(f"  no entities for {', '.join(missing)}: no spaCy model for those languages is installed")


def _skipped_languages(desk) -> list[str]:
    """Languages whose articles got no entities (no model installed for them)."""
    info = next((s for s in desk.stages() if s["name"] == "entities"), {})
    have = desk.entity_languages()
    return [lang for lang in info.get("skipped_languages", []) if lang not in have]


def _article_line(a: dict) -> str:
    day = (a.get("published") or "")[:10] or "undated"
    return f"  {day}  {a['title'][:70]}  [{a['id']}]"


@click.command()
@click.argument("name", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def entity(ctx, name, as_json):
    """Everything about one person, organisation or place: NAME in any case."""
    with open_desk(ctx) as desk:
        page = desk.entity(" ".join(name))
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
    with open_desk(ctx) as desk:
        rows = desk.entities(top=top, type=etype, query=query)
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
@click.option("--kind", type=click.Choice(["full", "partial"]),
              help="Only full quotations, or only partial ones (a few quoted words inside reported speech).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def quotes(ctx, by, query, limit, offset, kind, as_json):
    """Who said what: quotations with their speakers, newest first."""
    with open_desk(ctx) as desk:
        rows = desk.quotes(by=by, query=query, limit=limit, offset=offset, kind=kind)
    for q in rows:
        if as_json:
            print_json(q)
        else:
            day = (q["published"] or "")[:10] or "undated"
            click.echo(
                f"“{q['text']}”\n    — {q['speaker'] or 'unattributed'}, {day}, {q['title'][:60]} [{q['article_id']}]"
            )
