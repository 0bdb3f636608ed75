"""`newsdesk spark run` against the embedded path, on synthetic news (issue 14).

    python bench/spark.py                 # 100,000 articles (hours with --enrich on 2 cores)
    python bench/spark.py --small 2000    # a few minutes

The corpus is ``bench/make_corpus.py`` N articles, written as FILES JSONL files and as FILES
CC-News-style WARC.gz files (one HTML response per article, built with warcio), so Spark
has files to split the reading over. Reported, each from a fresh process:

- Spark start-up alone (a session and one trivial job), apart from the jobs;
- `spark run` wall time, with and without ``--enrich``, at local[1] and local[2], on JSONL and
  WARC, and the speed-up from 1 to 2 cores (the issue's target is >= 1.8x with --enrich);
- the embedded path on the same JSONL: `newsdesk ingest` and `newsdesk enrich`;
- `newsdesk import` of the plain run's Parquet (articles/s) against `newsdesk ingest`.

``--enrich-n`` caps the articles the --enrich runs get (the first files), since spaCy is the
cost; every figure says which N it is for.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def make_inputs(n: int, files: int, work: Path) -> tuple[list[Path], list[Path]]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    corpus = work / "corpus.jsonl.gz"
    subprocess.run([PY, str(ROOT / "bench" / "make_corpus.py"), str(n), "-o", str(corpus)], check=True)
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    jsonl, warcs = [], []
    per = -(-len(rows) // files)
    for f in range(files):
        part = rows[f * per : (f + 1) * per]
        jp = work / f"part-{f}.jsonl"
        with open(jp, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in part)
        jsonl.append(jp)
        wp = work / f"part-{f}.warc.gz"
        with open(wp, "wb") as fh:
            w = WARCWriter(fh, gzip=True)
            for r in part:
                paras = "".join(f"<p>{s}.</p>" for s in r["body"].split(". "))
                html = (
                    f'<html><head><meta charset="utf-8"><title>{r["title"]}</title>'
                    f'<meta property="og:site_name" content="{r["source"]}">'
                    f'<meta property="article:published_time" content="{r["published"]}"></head>'
                    f"<body><article><h1>{r['title']}</h1>{paras}</article></body></html>"
                )
                headers = StatusAndHeaders(
                    "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
                )
                rec = w.create_warc_record(
                    f"https://{r['source']}.example/{r['id']}",
                    "response",
                    payload=io.BytesIO(html.encode()),
                    http_headers=headers,
                    warc_headers_dict={
                        "WARC-Date": r["published"],
                        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid4()}>",
                    },
                )
                w.write_record(rec)
        warcs.append(wp)
    return jsonl, warcs


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return wall, done.stdout


def spark_startup() -> float:
    code = (
        "import time; t=time.monotonic(); from newsdesk.spark import job; s=job.session('local[2]');"
        "s.sparkContext.parallelize([1]).count(); print(time.monotonic()-t)"
    )
    _wall, out = timed([PY, "-c", code])
    return float(out.strip().splitlines()[-1])


def spark_run(inputs: list[Path], out: Path, master: str, enrich: bool) -> tuple[float, dict]:
    cmd = [
        PY,
        "-m",
        "newsdesk",
        "spark",
        "run",
        *map(str, inputs),
        "--out",
        str(out),
        "--master",
        master,
        "--dedup",
        "--json",
    ]
    if enrich:
        cmd.append("--enrich")
    wall, stdout = timed(cmd)
    return wall, json.loads(stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=None, metavar="N", help="N articles instead of 100,000")
    ap.add_argument(
        "--enrich-n",
        type=int,
        default=None,
        metavar="N",
        help="articles for the --enrich runs (default: all)",
    )
    ap.add_argument("--files", type=int, default=4, help="input files per format")
    ap.add_argument("--keep", metavar="DIR", help="work here and keep it (default: a temporary directory)")
    args = ap.parse_args()
    n = args.small or 100_000
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="newsdesk-bench-spark-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"corpus: {n} synthetic articles as {args.files} JSONL + {args.files} WARC.gz files; cores: {os.cpu_count()}"
    )
    jsonl, warcs = make_inputs(n, args.files, work)
    res: dict[str, float] = {}
    res["startup"] = spark_startup()
    print(f"Spark start-up (session + one trivial job): {res['startup']:.1f} s")

    for fmt, inputs in (("jsonl", jsonl), ("warc", warcs)):
        for cores in (1, 2):
            wall, man = spark_run(inputs, work / f"out-{fmt}-{cores}", f"local[{cores}]", enrich=False)
            res[f"{fmt}-plain-{cores}"] = wall
            res[f"{fmt}-plain-{cores}-work"] = man["timings"]["total_s"] - man["timings"]["startup_s"]
            print(
                f"spark run {fmt:5} --dedup          local[{cores}]: {wall:7.1f} s  "
                f"({man['counts']['articles']} articles, {man['counts'].get('copy_groups', 0)} copy groups; "
                f"job {man['timings']['total_s']:.1f} s of which start-up {man['timings']['startup_s']:.1f} s)"
            )
        print(
            f"  speed-up 1 -> 2 cores: {res[f'{fmt}-plain-1'] / res[f'{fmt}-plain-2']:.2f}x "
            f"(the jobs without their own start-up: {res[f'{fmt}-plain-1-work'] / res[f'{fmt}-plain-2-work']:.2f}x)"
        )

    enrich_inputs = jsonl
    en = n
    if args.enrich_n and args.enrich_n < n:
        per = -(-n // args.files)
        k = max(1, -(-args.enrich_n // per))
        enrich_inputs, en = jsonl[:k], min(n, k * per)
    for cores in (1, 2):
        wall, man = spark_run(enrich_inputs, work / f"out-enrich-{cores}", f"local[{cores}]", enrich=True)
        res[f"enrich-{cores}"] = wall
        res[f"enrich-{cores}-work"] = man["timings"]["total_s"] - man["timings"]["startup_s"]
        print(
            f"spark run jsonl --dedup --enrich local[{cores}]: {wall:7.1f} s  ({en} articles, "
            f"{man['counts']['entities']} entities; enrich step {man['timings'].get('enrich_s', 0):.1f} s)"
        )
    print(
        f"  speed-up 1 -> 2 cores with --enrich: {res['enrich-1'] / res['enrich-2']:.2f}x "
        f"(the jobs without their own start-up: {res['enrich-1-work'] / res['enrich-2-work']:.2f}x; target >= 1.8x)"
    )

    desk = work / "embedded"
    shutil.rmtree(desk, ignore_errors=True)
    wall, _ = timed([PY, "-m", "newsdesk", "--data", str(desk), "ingest", *map(str, jsonl)])
    res["ingest"] = wall
    print(f"embedded: newsdesk ingest (copies at ingest) of {n}: {wall:7.1f} s = {n / wall:,.0f} articles/s")
    edesk = work / "embedded-enrich"
    shutil.rmtree(edesk, ignore_errors=True)
    timed([PY, "-m", "newsdesk", "--data", str(edesk), "ingest", *map(str, enrich_inputs)])
    wall, _ = timed([PY, "-m", "newsdesk", "--data", str(edesk), "enrich", "--stage", "entities"])
    res["enrich-embedded"] = wall
    print(
        f"embedded: newsdesk enrich --stage entities of {en} (all cores): {wall:7.1f} s = {en / wall:,.0f} articles/s"
    )

    idesk = work / "imported"
    shutil.rmtree(idesk, ignore_errors=True)
    wall, out = timed(
        [PY, "-m", "newsdesk", "--data", str(idesk), "import", str(work / "out-jsonl-2"), "--json"]
    )
    print(
        f"newsdesk import of {n} (copies at import): {wall:7.1f} s = {n / wall:,.0f} articles/s; "
        f"plain ingest {n / res['ingest']:,.0f} articles/s; ratio {res['ingest'] / wall:.2f}x"
    )
    wall2, _ = timed(
        [PY, "-m", "newsdesk", "--data", str(idesk), "import", str(work / "out-jsonl-2"), "--json"]
    )
    print(f"newsdesk import again (adds nothing): {wall2:.1f} s")
    ideskE = work / "imported-enrich"
    shutil.rmtree(ideskE, ignore_errors=True)
    wall, _ = timed(
        [PY, "-m", "newsdesk", "--data", str(ideskE), "import", str(work / "out-enrich-2"), "--json"]
    )
    print(
        f"newsdesk import of the --enrich run ({en}, entities written, index re-stamped): {wall:.1f} s = {en / wall:,.0f} articles/s"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
