"""Spark commands: ``spark run|timeline|top`` (the job, off the desk) and ``import DIR`` (into it).

Thin shells: the work is in :mod:`newsdesk.desk.importing` (the door), which imports pyspark
only when a Spark command runs, so ``newsdesk --help`` stays light.
"""

from __future__ import annotations

import json

import click

from ..desk import INTERVALS
from ..desk import importing as door
from .common import open_desk, print_json


@click.group()
def spark():
    """Bulk ingest, enrichment, copies and analytics on Apache Spark (docs/how-to/spark.md).

    \b
    Examples:
      newsdesk spark run cc-news/*.warc.gz --out OUT --enrich --dedup --master 'local[*]'
      newsdesk --data D import OUT
      newsdesk spark timeline queries.txt --from OUT --json
    """


@spark.command("run")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--out", required=True, metavar="DIR", help="Where the Parquet and manifest.json go (local or s3a://…)."
)
@click.option("--enrich", is_flag=True, help="Run the entity/quote stage (spaCy) on every article.")
@click.option("--dedup", is_flag=True, help="Find copy groups across the whole corpus (MinHash LSH).")
@click.option(
    "--master",
    default=None,
    metavar="URL",
    help="Spark master, e.g. 'local[2]' (default: what spark-submit or SPARK_MASTER say, else local[*]).",
)
@click.option("--format", "fmt", default=None, help="Force the input format (jsonl, csv, warc, text…).")
@click.option(
    "--partitions",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Partitions for enrichment and copies (default: 2 x the cores).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
def run(inputs, out, enrich, dedup, master, fmt, partitions, as_json):
    """Read INPUT... (files, directories, globs, s3a:// or hdfs:// URLs) into Parquet under --out."""
    import os

    master = (
        master or os.environ.get("SPARK_MASTER") or ("local[*]" if "SPARK_HOME" not in os.environ else None)
    )
    manifest = door.spark_run(
        list(inputs), out, enrich=enrich, dedup=dedup, master=master, fmt=fmt, partitions=partitions
    )
    if as_json:
        print_json(manifest)
        return
    c = manifest["counts"]
    click.echo(
        f"{c['articles']} articles, {c['present']} repeated, {c['rejected']} rejected "
        f"in {manifest['timings']['total_s']:.1f} s (Spark start-up {manifest['timings']['startup_s']:.1f} s)"
    )
    if enrich:
        click.echo(f"{c['enriched']} enriched: {c['entities']} entities, {c['quotes']} quotes")
    if dedup:
        click.echo(f"{c['copy_groups']} copy groups holding {c['in_copy_groups']} articles")
    click.echo(f"wrote {out}/manifest.json")


@spark.command("timeline")
@click.argument("queryfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "src", required=True, metavar="DIR", help="The --out DIR of `newsdesk spark run`.")
@click.option("--interval", type=click.Choice(INTERVALS), default="month", show_default=True)
@click.option("--normalize", is_flag=True, help="Share of all articles in each period instead of counts.")
@click.option("--master", default="local[*]", show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the timeline as one JSON object (as `timeline --json`)."
)
def timeline(queryfile, src, interval, normalize, master, as_json):
    """Matching articles per period for every query in QUERYFILE (one per line)."""
    data = door.spark_analytics("timeline", queryfile, src, master, interval=interval, normalize=normalize)
    if as_json:
        print_json(data)
        return
    for s in data["series"]:
        click.echo(f"{s['query']}  ({s['total']} matches, {s['undated']} undated)")
        for b in s["buckets"]:
            click.echo(f"  {b['period']}  {b['count']:>7}")


@spark.command("top")
@click.argument("kind", type=click.Choice(["sources", "entities"]))
@click.argument("queryfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "src", required=True, metavar="DIR", help="The --out DIR of `newsdesk spark run`.")
@click.option("-n", "--top", "n", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--master", default="local[*]", show_default=True)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per query: {query, top: [...]} (rows as `top --json`).",
)
def top(kind, queryfile, src, n, master, as_json):
    """Top sources or entities of every query in QUERYFILE (one per line)."""
    rows = door.spark_analytics(kind, queryfile, src, master, n=n)
    for row in rows:
        if as_json:
            print_json(row)
            continue
        click.echo(row["query"])
        for r in row["top"]:
            label = r.get("source") or r.get("name")
            click.echo(f"  {r.get('count', r.get('articles')):>7}  {label}")


@click.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was imported as JSON.")
@click.pass_context
def import_(ctx, directory, as_json):
    """Load the Parquet of `newsdesk spark run` (DIRECTORY) into the desk; re-running adds nothing."""
    with open_desk(ctx, create=True) as desk:
        done = desk.import_parquet(directory)
    if as_json:
        click.echo(json.dumps(done))
        return
    click.echo(
        f"{done['new']} new, {done['present']} already present; "
        f"entities written for {done['entities_written']}"
        + (f", {done['entities_left']} left for `newsdesk enrich`" if done["entities_left"] else "")
    )
