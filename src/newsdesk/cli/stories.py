"""Story commands: `stories` (the biggest or fastest-growing stories) and `story ID` (one story)."""

from __future__ import annotations

import click

from . import QueryCommand
from .common import open_desk, print_json


@click.command(cls=QueryCommand)
@click.argument("query", nargs=-1)
@click.option("--since", metavar="DATE", help="Count only members published on or after DATE.")
@click.option("--until", metavar="DATE", help="Count only members published on or before DATE.")
@click.option("--top", "-n", default=20, show_default=True, type=click.IntRange(1, 10_000), help="How many stories.")
@click.option("--by", "order", type=click.Choice(["size", "growth", "recent"]), default="size", show_default=True,
              help="Rank by members in the period, by growth over the period before it, or by latest article.")
@click.option("--rebuild", is_flag=True, help="Re-cluster every article into stories first (after tuning).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story line.")
@click.pass_context
def stories(ctx, query, since, until, top, order, rebuild, as_json):
    """The stories of the desk, or of QUERY's matches: groups of articles about one event.

    Each story shows its size, its distinct sources and how many of its articles
    are originals (not copies of another). Stories need `newsdesk enrich`
    (the stories stage).

    \b
    Examples:
      newsdesk stories --top 10
      newsdesk stories "james baker" --json
      newsdesk stories --since 1987-03-01 --until 1987-03-31 --by growth
    """
    q = " ".join(query) or None
    with open_desk(ctx, create=False) as desk:
        if rebuild:
            click.echo(f"re-clustered {desk.rebuild_stories():,} articles into stories", err=True)
        rows = desk.stories(q, since=since, until=until, top=top, order=order)
    if as_json:
        for row in rows:
            print_json(row)
        return
    if not rows:
        click.echo("no stories (run `newsdesk enrich` to group articles into stories)")
    for r in rows:
        first, last = (r["first_published"] or "")[:10], (r["last_published"] or "")[:10]
        span = first if first == last else f"{first} … {last}"
        click.echo(f"{r['id']:>7}  {r['size']:>4} articles  {r['sources']:>3} sources  "
                   f"{r['originals']:>4} originals  {span:<23}  {r['title'][:70]}")


@click.command()
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="Print the story as one JSON object.")
@click.pass_context
def story(ctx, story_id, as_json):
    """One story STORY_ID: its articles in time order, with sources and copies, a timeline,
    its entities and quotes."""
    with open_desk(ctx, create=False) as desk:
        info = desk.story(story_id)
    if as_json:
        print_json(info)
        return
    click.echo(click.style(info["title"], bold=True))
    click.echo(f"story {info['id']}: {info['size']} articles from {info['sources']} sources, "
               f"{info['originals']} originals, {info['first_published'][:10]} … {info['last_published'][:10]}")
    click.echo()
    for a in info["articles"]:
        day = (a["published"] or "")[:10] or "undated"
        copy = f"  (copy of {a['copy_of']})" if a["copy_of"] else ""
        click.echo(f"  {day}  {a['source'] or '-':<16} {a['title'][:60]}  [{a['id']}]{copy}")
    if info["timeline"]:
        click.echo()
        peak = max(b["count"] for b in info["timeline"]) or 1
        for b in info["timeline"]:
            click.echo(f"  {b['period']:<10} {b['count']:>4}  {'#' * max(1, round(20 * b['count'] / peak)) if b['count'] else ''}")
    if info["entities"]:
        click.echo()
        click.echo("entities: " + ", ".join(e["name"] for e in info["entities"]))
    for q in info["quotes"][:5]:
        click.echo(f"  “{q['text'][:120]}” — {q['speaker'] or 'unattributed'}")
