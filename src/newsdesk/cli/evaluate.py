"""``newsdesk eval``: ranking quality on TREC queries + qrels, a known-item set, or TIME."""

from __future__ import annotations

from typing import Any

import click

from ..desk import RANKS
from .common import open_desk, print_json


@click.command("eval")
@click.option("--queries", type=click.Path(exists=True, dir_okay=False), help="TREC queries: qid<TAB>text per line.")
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False), help="TREC qrels: qid 0 docid grade.")
@click.option("--pairs", type=click.Path(exists=True, file_okay=False), help="Known-item mode: a directory of .txt pairs "
              "(first line the query, the whole file the article).")
@click.option("--collection", type=click.Choice(["time", "reuters"]),
              help="Evaluate a shared test collection in a temporary desk (no --data needed).")
@click.option("--limit", default=100, show_default=True, help="Hits ranked per query (depth of the run).")
@click.option("--operator", type=click.Choice(["OR", "AND"]), default="OR", show_default=True,
              help="Operator between the words of natural-language test queries (pairs use AND).")
@click.option("--collapse", is_flag=True, help="Collapse exact duplicates as interactive search does.")
@click.option("--run-out", type=click.Path(dir_okay=False, writable=True), help="Also save the ranking as a TREC run.")
@click.option("--peers", is_flag=True, help="Also rank the queries with plain BM25 engines (raw tantivy; bm25s "
              "with the bench extra) built over the same articles, and print their figures beside newsdesk's.")
@click.option("--rank", type=click.Choice(RANKS), default="bm25", show_default=True,
              help="The ranking mode measured, as search --rank (the opt-in modes cost more per query).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.pass_context
def eval_cmd(ctx, queries, qrels, pairs, collection, limit, operator, collapse, run_out, peers, rank, as_json):
    """Measure ranking quality: nDCG@10, MAP, MRR@10, Recall@100, P@10.

    \b
    newsdesk --data D eval --queries Q.tsv --qrels QRELS.txt [--json] [--run-out run.trec]
    newsdesk --data D eval --pairs ../shared/seed/        (MRR, success@1, success@10)
    newsdesk eval --collection time                        (builds a temporary desk)
    newsdesk --data D eval --queries Q.tsv --qrels QRELS.txt --peers   (tantivy, bm25s beside)

    Figures are printed for all queries, then per query type: names, topics, long
    (six words or more).
    """
    from ..desk import check_writable, evaluate_collection

    if run_out:
        check_writable(run_out)  # before any query runs, and before the desk is opened
    if pairs:
        if peers or rank != "bm25":
            raise click.UsageError("--peers and --rank work with --queries/--qrels or --collection, not with --pairs")
        with open_desk(ctx) as desk:
            summary = desk.known_items(pairs, depth=limit)
        if as_json:
            print_json(summary)
            return
        click.echo(f"pairs {summary['pairs']}  MRR {summary['MRR']:.4f}  success@1 {summary['success@1']:.4f}"
                   f"  success@10 {summary['success@10']:.4f}")
        for name in summary["not_in_desk"]:
            click.echo(f"not in the desk: {name}", err=True)
        return
    if collection:
        _report(evaluate_collection(collection, limit, operator, collapse, run_out, peers=peers, rank=rank), as_json)
        return
    if not (queries and qrels):
        raise click.UsageError("give --queries and --qrels, or --pairs DIR, or --collection NAME")
    with open_desk(ctx) as desk:
        _report(desk.evaluate(queries, qrels, limit, operator, collapse, run_out, peers=peers, rank=rank), as_json)


def _report(metrics: dict[str, Any], as_json: bool) -> None:
    unjudged = metrics.pop("unjudged", [])
    if unjudged:
        total = metrics["queries"] + len(unjudged)
        shown = ", ".join(unjudged[:5]) + (", …" if len(unjudged) > 5 else "")
        click.echo(f"warning: {len(unjudged)} of {total} queries have no relevance judgements "
                   f"and are left out: {shown}", err=True)
    if as_json:
        print_json(metrics)
        return
    by_type = metrics.pop("by_type", {})
    peers = metrics.pop("peers", {})
    notes = metrics.pop("peer_notes", [])
    click.echo(_line(metrics))
    for qtype, m in by_type.items():
        click.echo(f"  {qtype + ':':8} " + _line(m))
    for name, m in peers.items():
        click.echo(f"peer {name}: " + _line(m))
        for qtype, pm in m.get("by_type", {}).items():
            click.echo(f"  {qtype + ':':8} " + _line(pm))
    for note in notes:
        click.echo(f"note: {note}", err=True)


def _line(metrics: dict[str, Any]) -> str:
    """``nDCG@10 0.7990  MAP ...  (64 queries)`` from one metrics dict."""
    values = {k: v for k, v in metrics.items() if k not in ("queries", "by_type")}
    return "  ".join(f"{k} {v:.4f}" for k, v in values.items()) + f"  ({metrics['queries']} queries)"
