"""Entity quality and enrichment throughput on Reuters-21578 articles carrying ``people`` tags.

Quality: for each tagged person (e.g. ``james-baker``), is it among the PERSON
entities newsdesk extracts from that article? Strict = first and last name match
(a one-word tag such as ``reagan`` matches on the last name); lenient = last
name only. Extracted persons matching no tag are reported, not targeted: the
tags list only the people an editor thought the story was about.

Throughput: articles/s for raw spaCy ``nlp.pipe`` (the same tok2vec + ner
pipeline) against newsdesk's analysis (NER + normalisation + quotes), on one
core and on all cores (a process pool, as ``newsdesk enrich`` uses); and the
cost of the dependency parser that quotes.py runs on quote sentences only:
analysis with it against quotes by rules alone, in interleaved rounds of the
same process, on this Reuters sample and on the quote-heavy gold set of
tests/data/quotes (the worst case).

Run: .venv/bin/python bench/entities.py [--sample 600] [--data PATH.jsonl.gz]
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsdesk.enrich import ner  # noqa: E402

SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
DEFAULT = SHARED / "data" / "reuters21578" / "reuters21578.jsonl.gz"


def load(path: Path, sample: int) -> list[tuple[int, str, str, list[str]]]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            people = d.get("people") or (d.get("metadata") or {}).get("people") or []
            if people and d.get("body"):
                body = "\n".join(x.strip() for x in d["body"].split("\n"))
                out.append((len(out), d.get("title", ""), body, people))
                if len(out) >= sample:
                    break
    return out


def _chunk_work(items: list[tuple[int, str, str]]) -> int:
    return len(ner.analyse(items))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=600, help="tagged articles to use")
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"no Reuters data at {args.data} (pass --data)")
    arts = load(args.data, args.sample)
    items = [(i, t, b) for i, t, b, _p in arts]
    nlp = ner.load_nlp()

    texts = [ner.prepare(b) for _i, _t, b in items]
    list(nlp.pipe(texts[:20]))  # warm up
    # one core: CPU seconds (robust when other processes share the machine) and wall seconds
    t0, c0 = time.perf_counter(), time.process_time()
    for _doc in nlp.pipe(texts, batch_size=ner.PIPE_BATCH):
        pass
    raw, raw_cpu = len(texts) / (time.perf_counter() - t0), len(texts) / (time.process_time() - c0)

    t0, c0 = time.perf_counter(), time.process_time()
    results = ner.analyse(items, nlp)
    ours1, ours1_cpu = len(items) / (time.perf_counter() - t0), len(items) / (time.process_time() - c0)

    # the parser on quote sentences against quotes by rules alone: interleaved rounds, CPU seconds
    def rate(batch: list[tuple[int, str, str]], parse: bool, rounds: int = 3) -> float:
        cpu = 0.0
        for _ in range(rounds):
            c = time.process_time()
            ner.analyse(batch, nlp, parse=parse)
            cpu += time.process_time() - c
        return rounds * len(batch) / cpu

    sys.path.insert(0, str(ROOT / "bench"))
    import quotes as gold_quotes  # bench/quotes.py: the quote-heavy gold set

    heavy = [(i, a.title, a.body) for i, a in enumerate(gold_quotes.load())]
    pairs = {}
    for name, batch in (("reuters", items), ("quote gold set", heavy)):
        rules = with_parser = 0.0
        for _ in range(2):
            rules += rate(batch, parse=False, rounds=1 if name == "reuters" else 3)
            with_parser += rate(batch, parse=True, rounds=1 if name == "reuters" else 3)
        pairs[name] = (len(batch), rules / 2, with_parser / 2)

    chunks = [items[i : i + 64] for i in range(0, len(items), 64)]
    t0 = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        sum(pool.map(_chunk_work, chunks))
    oursn = len(items) / (time.perf_counter() - t0)

    tags_total = strict = lenient = untagged = extracted = 0
    for (_i, _t, _b, people), res in zip(arts, results, strict=True):
        persons = [e["norm"].split() for e in res["entities"] if e["type"] == "PERSON"]
        extracted += len(persons)
        tag_words = [p.split("-") for p in people]
        for tw in tag_words:
            tags_total += 1
            if any(p[-1] == tw[-1] and (len(tw) == 1 or p[0] == tw[0]) for p in persons):
                strict += 1
            if any(p[-1] == tw[-1] for p in persons):
                lenient += 1
        untagged += sum(1 for p in persons if not any(p[-1] == tw[-1] for tw in tag_words))

    print(f"articles (with people tags): {len(arts)}")
    print(f"tagged persons:              {tags_total}")
    print(f"recall strict (first+last):  {strict / tags_total:.3f}")
    print(f"recall lenient (last name):  {lenient / tags_total:.3f}")
    print(
        f"extracted PERSON entities:   {extracted} ({untagged} not tagged, {untagged / max(1, len(arts)):.2f}/article)"
    )
    print(f"raw spaCy nlp.pipe, 1 core:  {raw:.1f} articles/s wall, {raw_cpu:.1f} per CPU-second")
    print(f"newsdesk analyse, 1 core:    {ours1:.1f} articles/s wall, {ours1_cpu:.1f} per CPU-second")
    print(
        f"newsdesk analyse, {args.workers} procs:  {oursn:.1f} articles/s ({oursn / args.workers:.1f}/core)"
    )
    for name, (n, rules, with_parser) in pairs.items():
        print(
            f"quotes, {name} ({n} articles), per CPU-second: rules only {rules:.1f}, "
            f"with parser on quote sentences {with_parser:.1f} (ratio {with_parser / rules:.2f})"
        )


if __name__ == "__main__":
    main()
