"""Core commands: ingest, search, show, stats, reindex."""

from __future__ import annotations

import contextlib
import glob
import os

import click

from ..desk import COLLAPSE_MODES, FORMATS, RANKS, parse_mapping
from ..errors import NewsdeskError
from . import QueryCommand
from .common import interactive, open_desk, print_json, progress_bar, render_highlight


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="FIELD=COLUMN,...",
    help="Which input field holds which article field, e.g. --map body=content,published=pub_date. "
    "Fields: title, body, published, url, source, authors, lang, external_id.",
)
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), help="Read every input as this format.")
@click.option("--fetch-pages", is_flag=True, help="For feed entries, fetch the linked page for its full text.")
@click.option("--enrich", is_flag=True, help="Extract entities and quotes right after storing.")
@click.option(
    "--update",
    is_flag=True,
    help="Replace stored articles whose text changed (same id; the old text is kept as a revision, "
    "shown by `show`); without it, a stored article is left as it is.",
)
@click.option("--no-dedup", "no_dedup", is_flag=True,
              help="Do not look for copies of what the desk holds while storing (run `newsdesk enrich` later).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def ingest(ctx, inputs, mapping, fmt, fetch_pages, enrich, update, no_dedup, as_json):
    """Read INPUT files, directories (recursively), globs or feed URLs into the desk.

    Formats are chosen by extension (.txt .jsonl .jsonl.gz .ndjson .json .csv
    .tsv .html .htm .rss .atom .rdf .xml .warc .warc.gz .arc) or by sniffing
    the content; in a directory only files with those extensions are read,
    unless --format is given. Ingest is idempotent: an article already stored
    is counted, not added again (--update replaces it if it changed). Bad
    records are skipped with a one-line reason, also appended to rejects.log
    in the data directory. An INPUT that does not exist is an error (exit 1)
    once the other inputs are stored; so is an ingest whose every record was
    rejected.
    """
    try:
        field_map = parse_mapping(list(mapping))
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    missing = [i for i in inputs if _missing_input(i)]
    inputs = [i for i in inputs if i not in missing]
    if not inputs:
        _report_missing(missing)
    desk = open_desk(ctx, create=True)
    try:
        with progress_bar("ingesting") as advance:
            summary = desk.ingest(
                list(inputs), mapping=field_map, fetch_pages=fetch_pages, format=fmt, progress=advance,
                update=update, dedup=not no_dedup,
            )
        enriched = None
        if enrich:
            with progress_bar("enriching") as advance:  # spaCy is loaded only now
                enriched = next(iter(desk.enrich(progress=advance).values()), 0)
    finally:
        # a spinner while closing packs the copy-detection rows the ingest wrote
        with progress_bar("packing copy-detection rows") if desk.packing_pending() else contextlib.nullcontext():
            desk.close()
    if as_json:
        out = summary.to_dict()
        if enriched is not None:
            out["enriched"] = enriched
        print_json(out)
        _report_missing(missing)
        _all_rejected(summary)
        return
    for reject in summary.rejects[:20]:
        click.echo(f"rejected {reject}", err=True)
    if summary.rejected > 20:
        click.echo(f"… and {summary.rejected - 20} more rejects, see {desk.path}/rejects.log", err=True)
    rate = (summary.new + summary.present) / summary.seconds if summary.seconds else 0
    click.echo(f"{summary} ({summary.seconds:.1f}s, {rate:,.0f} articles/s)")
    for note in summary.notes:
        click.echo(f"note: {note}", err=True)
    if enriched is not None:
        click.echo(f"enriched {enriched} articles")
    _report_missing(missing)
    _all_rejected(summary)


def _all_rejected(summary) -> None:
    """Nothing stored and nothing already there, only rejects: the ingest failed (exit 1)."""
    if summary.rejected and not (summary.new or summary.present):
        raise NewsdeskError(f"every input was rejected ({summary.rejected:,} rejects; reasons above and in rejects.log)")


def _missing_input(item: str) -> bool:
    """A file named on the command line that is not there (globs and URLs are the readers' business)."""
    return not item.startswith(("http://", "https://")) and not glob.has_magic(item) and not os.path.exists(item)


def _report_missing(missing: list[str]) -> None:
    """A typo in a file name is an error, not one more reject: say so and exit 1."""
    if not missing:
        return
    for item in missing[:-1]:
        click.echo(f"newsdesk: {item}: no such file or directory", err=True)
    raise NewsdeskError(f"{missing[-1]}: no such file or directory")


@click.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", default=10, show_default=True, help="How many results.")
@click.option("--offset", default=0, show_default=True, help="Skip this many results (paging).")
@click.option("--since", metavar="DATE", help="Only articles published on or after DATE: 2018, 2018-03, 2018-03-05, an ISO 8601 timestamp, now-7d.")
@click.option("--until", metavar="DATE", help="Only articles published on or before DATE (2018-03 = to the end of March).")
@click.option("--source", multiple=True, help="Only articles from this source (repeat for several).")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "date-asc"]),
    default="relevance",
    show_default=True,
    help="Order of results: best match, newest first, or oldest first.",
)
@click.option(
    "--recency",
    metavar="HALF_LIFE",
    help="Favour recent articles: a score is doubled today and gains half as much every "
    "HALF_LIFE (e.g. 7d, 12h, 2w, 1y). Relevance sort only.",
)
@click.option(
    "--operator",
    type=click.Choice(["AND", "OR"], case_sensitive=False),
    default="AND",
    show_default=True,
    help="Operator between words that have none.",
)
@click.option(
    "--collapse",
    type=click.Choice(COLLAPSE_MODES),
    default="copies",
    show_default=True,
    help="One hit per copy group (near-copies and syndicated wire text, '+N copies'), per story, "
    "per exact duplicate only, or none.",
)
@click.option("--all", "show_dups", is_flag=True, help="Keep every copy: the same as --collapse none.")
@click.option("--lang", multiple=True, metavar="CODE",
              help="Only articles in this language (ISO 639-1 such as de, zh; und: undetermined; repeat for "
              "several), analysed by that language's rules only. The same as a top-level lang:CODE.")
@click.option(
    "--rank",
    type=click.Choice(RANKS),
    default="bm25",
    show_default=True,
    help="Ranking: bm25 (the top 10 of an all-words query, or of an OR request of six words or more, "
    "re-ordered by how much of the query the headline and first lines hold: a model learned on the "
    "ranking bench's dev splits), or opt-in heavier modes: relaxed (AND, then OR matches fill a short "
    "page), rm3 (pseudo-relevance feedback for queries of six words or more), hybrid (BM25 fused with "
    "static embeddings by reciprocal rank; needs newsdesk[semantic]), ltr (relaxed, the top 20 of each "
    "pass re-ordered, short OR queries too). docs/benchmarks.md says what each costs.",
)
@click.option(
    "--facets",
    "with_facets",
    is_flag=True,
    help="After the results, the top sources, months and entities of ALL matches (not just this "
    "page); entities need `newsdesk enrich`. With --json: one extra final line {\"facets\": "
    "{\"sources\": [...], \"months\": [...], \"entities\": [...]}}, each item {value, count}; entities also carry type.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per result line.")
@click.pass_context
def search(ctx, query, limit, offset, since, until, source, sort, recency, operator, collapse, show_dups,
           lang, rank, with_facets, as_json):
    """Search the desk for QUERY and print ranked results with highlighted snippets.

    \b
    Query syntax (Lucene-style, see docs/query-language.md):
      jeff sessions                 both words (AND by default)
      "james baker" -treasury       a phrase, without a word
      (opec OR "oil prices") AND saudi
      title:cocoa published:[1987-03-01 TO 1987-03-31]

    Words starting with '-' are query text (-treasury excludes a word);
    put `--` before the query to be explicit: newsdesk search -- -cocoa
    """
    q = " ".join(query)
    desk = open_desk(ctx)
    try:
        results = desk.search(
            q, limit=limit, offset=offset, since=since, until=until,
            source=list(source) or None, sort=sort, recency=recency,
            operator=operator.upper(), collapse="none" if show_dups else collapse,
            lang=list(lang) or None, rank=rank,
        )
        facets = desk.facets(q, results=results) if with_facets else None  # the same parse and snapshot
    finally:
        desk.close()
    if as_json:
        for hit in results:
            print_json(hit.to_dict())
        if facets is not None:
            print_json({"facets": facets})
        return
    color = interactive()
    if not results.hits:
        if results.total:
            click.echo(f"{results.total:,} matches for {q!r}, none on this page (see --limit, --offset)")
        else:
            click.echo(f"no results for {q!r}")
        if facets is not None and results.total:
            _print_facets(facets, color)
        return
    first, last = results.offset + 1, results.offset + len(results.hits)
    noun = "match" if results.total == 1 else "matches"
    click.echo(f"{results.total:,} {noun} for {q!r}, showing {first}–{last}\n")
    for hit in results:
        date = hit.published[:10] if hit.published else "(undated)"
        title = hit.title or "(no headline)"
        head = f"{hit.rank:>3}. {date}  {hit.source or '-'}  "
        if color:
            click.echo(head + click.style(title, bold=True))
        else:
            click.echo(head + title)
        click.echo("     " + render_highlight(hit.snippet, color))
        ids = f"     id {hit.id}" + (f"  external_id {hit.external_id}" if hit.external_id else "")
        if hit.copies:
            ids += f"  +{len(hit.copies)} cop{'y' if len(hit.copies) == 1 else 'ies'}"
        if hit.story is not None:
            ids += f"  story {hit.story}"
        click.echo(click.style(ids, dim=True) if color else ids)
        click.echo()
    if facets is not None:
        _print_facets(facets, color)


MONTHS_SHOWN = 24  # the latest months of a long span in text output


def _print_facets(facets: dict, color: bool) -> None:
    """Top sources, months and entities of all matches, as three short columns of counts."""
    for key in ("sources", "months", "entities"):
        items = facets.get(key) or []
        click.echo(click.style(key, bold=True) if color else key)
        if key == "months" and len(items) > MONTHS_SHOWN:  # all of them are in --json
            click.echo(f"  … {len(items) - MONTHS_SHOWN} earlier months")
            items = items[-MONTHS_SHOWN:]
        if not items:
            hint = {"entities": " (run `newsdesk enrich` to extract them)", "months": " (no dated matches)"}.get(key, "")
            click.echo(f"  none{hint}")
        for item in items:
            label = item["value"] or "(none)"
            if item.get("type"):
                label += f" ({item['type']})"
            click.echo(f"  {item['count']:>8,}  {label}")
        click.echo()


@click.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the article as one JSON object.")
@click.pass_context
def show(ctx, article_id, as_json):
    """Print the whole article ARTICLE_ID (its id or its external id)."""
    desk = open_desk(ctx)
    try:
        article = desk.get(article_id)
        info = desk.article_info(article.id)  # copy_of, copies, story, revisions
    finally:
        desk.close()
    if as_json:
        print_json(info)
        return
    click.echo(click.style(article.title or "(no headline)", bold=True))
    meta = [article.published or "(undated)", article.source]
    if article.authors:
        meta.append("by " + ", ".join(article.authors))
    click.echo("  ".join(m for m in meta if m))
    if article.url:
        click.echo(article.url)
    click.echo(f"id {article.id}" + (f"  external_id {article.external_id}" if article.external_id else ""))
    click.echo()
    click.echo(article.body)
    extra = {k: v for k, v in article.metadata.items() if v not in ("", [], None)}
    if extra:
        click.echo()
        for key, value in extra.items():
            click.echo(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    if info["copy_of"]:
        click.echo()
        click.echo(f"copy of {info['copy_of']}")
    if info["copies"]:
        click.echo(f"{len(info['copies'])} cop{'y' if len(info['copies']) == 1 else 'ies'}: {', '.join(info['copies'][:20])}")
    if info["story"] is not None:
        click.echo(f"story {info['story']} (newsdesk story {info['story']})")
    for rev in info["revisions"]:
        click.echo()
        click.echo(f"revision {rev['n']} (seen {rev['seen_at']}, replaced {rev['replaced_at']}): {rev['title']}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as one JSON object.")
@click.pass_context
def stats(ctx, as_json):
    """Articles, sources, date range, articles per language and per month."""
    desk = open_desk(ctx)
    try:
        data = desk.stats()
    finally:
        desk.close()
    if as_json:
        print_json(data)
        return
    click.echo(f"data directory  {data['data_dir']}")
    click.echo(f"articles        {data['articles']:,} ({data['indexed']:,} indexed)")
    click.echo(f"sources         {data['sources']:,}")
    if data["first_published"]:
        click.echo(f"published       {data['first_published'][:10]} … {data['last_published'][:10]}"
                   + (f" ({data['undated']:,} undated)" if data["undated"] else ""))
    langs = data.get("languages") or []
    if langs:
        shown = ", ".join(f"{row['lang']} {row['articles']:,}" for row in langs[:12])
        more = f", … {len(langs) - 12} more" if len(langs) > 12 else ""
        click.echo(f"languages       {shown}{more}")
        without = [row["lang"] for row in langs if not row.get("entities", True) and row["lang"] != "und"]
        if without:
            click.echo(f"entities        none for {', '.join(without)} (no spaCy model for them here)")
        if data.get("analysis") == "english":
            click.echo("analysis        English stemming for every article (analysis=english)")
    floor = data.get("length_floor")
    if floor:
        words = floor["floor"] if floor["floor"] is not None else floor.get("default")
        how = "set" if floor["setting"] != "auto" else ("auto" if floor["floor"] is not None else "auto, not chosen yet")
        click.echo(f"length floor    {words} words ({how}; texts shorter count as this long for ranking)")
    if data["per_month"]:
        click.echo("\nper month")
        peak = max(m["articles"] for m in data["per_month"])
        for m in data["per_month"]:
            bar = "█" * max(1, round(40 * m["articles"] / peak))
            click.echo(f"  {m['month']}  {m['articles']:>8,}  {bar}")


@click.command()
@click.option("--length-floor", default=None, metavar="auto|WORDS",
              help="Count texts shorter than WORDS as that long for BM25 (auto, the default setting: "
                   "200 for a desk of news, none for one of abstracts, chosen from its lengths); kept in the desk.")
@click.pass_context
def reindex(ctx, length_floor):
    """Rebuild the search index from the SQLite store alone (e.g. after an upgrade)."""
    desk = open_desk(ctx)
    try:
        with progress_bar("reindexing", total=desk.count()) as advance:
            n = desk.set_length_floor(length_floor, progress=advance) if length_floor is not None else 0
            if not n:
                n = desk.reindex(progress=advance)
    finally:
        desk.close()
    click.echo(f"reindexed {n:,} articles")
