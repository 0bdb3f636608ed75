"""Write a synthetic corpus of N news-like articles as JSON Lines (gzip) to stdout or -o.

Sentences are recombined from Reuters-21578 (and TIME) so lengths, vocabulary
and term statistics look like news; dates spread over 2015-2024; a few hundred
sources. Deterministic for a given --seed. Streams: constant memory in N.

    python bench/make_corpus.py 100000 -o /tmp/c100k.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from datetime import UTC, datetime, timedelta

from _common import evalsets


def sentence_pool() -> tuple[list[str], list[str]]:
    sentences, titles = [], []
    with gzip.open(evalsets.reuters_paths()["corpus"], "rt", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            if o.get("title"):
                titles.append(o["title"].title())
            body = " ".join(o.get("body", "").split())
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", body) if 20 < len(s) < 400]
    return sentences, titles


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int)
    ap.add_argument("-o", "--output", help="output .jsonl.gz (default: stdout, uncompressed)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    sentences, titles = sentence_pool()
    sources = [f"source-{i:03d}" for i in range(300)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    span = (datetime(2024, 12, 31, tzinfo=UTC) - start).total_seconds()
    out = gzip.open(args.output, "wt", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    with out:
        for i in range(args.n):
            k = max(2, int(rnd.lognormvariate(2.0, 0.6)))  # ~8 sentences, long tail
            body = " ".join(rnd.choice(sentences) for _ in range(k))
            out.write(json.dumps({
                "id": f"syn-{i}",
                "title": rnd.choice(titles),
                "body": body,
                "published": (start + timedelta(seconds=rnd.random() * span)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "source": rnd.choice(sources),
            }) + "\n")


if __name__ == "__main__":
    main()
