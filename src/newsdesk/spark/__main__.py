"""``python -m newsdesk.spark run INPUT… --out DIR``, or on a cluster
``spark-submit "$(python -c 'import newsdesk.spark.__main__ as m; print(m.__file__)')" run …``
(spark-submit takes a script file, not ``-m``).

The same job as ``newsdesk spark run``, for clusters: ``spark-submit`` decides master,
executors and memory; this entry point passes no master unless ``--master`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys

from newsdesk.spark import analytics, job  # absolute: spark-submit runs this file as a script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsdesk.spark", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="read, enrich, find copies; write Parquet")
    run.add_argument("inputs", nargs="+")
    run.add_argument("--out", required=True)
    run.add_argument("--enrich", action="store_true")
    run.add_argument("--dedup", action="store_true")
    run.add_argument("--master", default=None)
    run.add_argument("--format", dest="fmt", default=None)
    run.add_argument("--partitions", type=int, default=None)
    for name in ("timeline", "top"):
        p = sub.add_parser(name)
        p.add_argument("queryfile")
        p.add_argument("--from", dest="src", required=True, help="the --out DIR of a run")
        p.add_argument("--master", default=None)
        if name == "timeline":
            p.add_argument("--interval", default="month")
        else:
            p.add_argument("--kind", default="sources", choices=["sources", "entities"])
            p.add_argument("-n", type=int, default=10)
    a = parser.parse_args(argv)
    if a.cmd == "run":
        manifest = job.run(a.inputs, a.out, a.enrich, a.dedup, a.master, a.fmt, partitions=a.partitions)
        print(json.dumps(manifest["counts"]))
        return 0
    spark = job.session(a.master)
    queries = analytics.read_queries(a.queryfile)
    if a.cmd == "timeline":
        print(analytics.dumps(analytics.timeline(spark, a.src, queries, a.interval)))
    else:
        for row in analytics.top(spark, a.src, a.kind, queries, a.n):
            print(analytics.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
