"""``newsdesk eval``: ranking quality on TREC queries + qrels, a known-item set, or TIME."""

from __future__ import annotations

import tempfile

import click

from ..errors import NewsdeskError
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
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.pass_context
def eval_cmd(ctx, queries, qrels, pairs, collection, limit, operator, collapse, run_out, as_json):
    """Measure ranking quality: nDCG@10, MAP, MRR@10, Recall@100, P@10.

    \b
    newsdesk --data D eval --queries Q.tsv --qrels QRELS.txt [--json] [--run-out run.trec]
    newsdesk --data D eval --pairs ../shared/seed/        (MRR, success@1, success@10)
    newsdesk eval --collection time                        (builds a temporary desk)
    """
    from .. import evaluate as ev

    if run_out:
        ev.check_writable(run_out)
    if pairs:
        desk = open_desk(ctx)
        try:
            summary = ev.known_items(desk, pairs, depth=limit).summary()
        finally:
            desk.close()
        if as_json:
            print_json(summary)
            return
        click.echo(f"pairs {summary['pairs']}  MRR {summary['MRR']:.4f}  success@1 {summary['success@1']:.4f}"
                   f"  success@10 {summary['success@10']:.4f}")
        for name in summary["not_in_desk"]:
            click.echo(f"not in the desk: {name}", err=True)
        return
    if collection:
        _eval_collection(collection, limit, operator, collapse, run_out, as_json)
        return
    if not (queries and qrels):
        raise click.UsageError("give --queries and --qrels, or --pairs DIR, or --collection NAME")
    qs, qr = ev.load_queries(queries), ev.load_qrels(qrels)
    qs, qr = _judged(qs, qr)
    desk = open_desk(ctx)
    try:
        run = ev.run_queries(desk, qs, depth=limit, operator=operator, collapse=collapse)
    finally:
        desk.close()
    _report(run, qr, run_out, as_json)


def _eval_collection(name, limit, operator, collapse, run_out, as_json) -> None:
    import newsdesk

    from .. import evalsets
    from .. import evaluate as ev

    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        desk = newsdesk.open(tmp)
        try:
            if name == "time":
                raw = evalsets.time_dir()
                if not (raw / "TIME.ALL").exists():
                    raise NewsdeskError(f"{raw}: TIME collection not found (set NEWSDESK_SHARED)")
                desk.ingest_records(evalsets.time_records(raw))
                qs, qr = evalsets.time_queries(raw), evalsets.time_qrels(raw)
            else:
                paths = evalsets.reuters_paths()
                if not paths["corpus"].exists():
                    raise NewsdeskError(f"{paths['corpus']}: Reuters not found (set NEWSDESK_SHARED)")
                desk.ingest(str(paths["corpus"]))
                qs, qr = ev.load_queries(paths["queries"]), ev.load_qrels(paths["qrels"])
            qs, qr = _judged(qs, qr)
            run = ev.run_queries(desk, qs, depth=limit, operator=operator, collapse=collapse)
        finally:
            desk.close()
    _report(run, qr, run_out, as_json)


def _judged(queries: dict, qrels: dict) -> tuple[dict, dict]:
    """Only queries with relevance judgements count (as in trec_eval); warn about the others."""
    from .. import evaluate as ev

    judged, unjudged = ev.judged_only(queries, qrels)
    if not judged:
        raise NewsdeskError(f"none of the {len(queries)} queries has a relevant document in the qrels "
                            "(do the query ids match?)")
    if unjudged:
        shown = ", ".join(unjudged[:5]) + (", …" if len(unjudged) > 5 else "")
        click.echo(f"warning: {len(unjudged)} of {len(queries)} queries have no relevance judgements "
                   f"and are left out: {shown}", err=True)
    return judged, {q: qrels[q] for q in judged}


def _report(run, qrels, run_out, as_json) -> None:
    from .. import evaluate as ev

    if run_out:
        ev.write_run(run, run_out)
    metrics = ev.measure(run, qrels)
    if as_json:
        print_json(metrics)
        return
    n = metrics.pop("queries")
    click.echo("  ".join(f"{k} {v:.4f}" for k, v in metrics.items()) + f"  ({n} queries)")
