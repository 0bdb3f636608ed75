"""Issue 15 measured on real news text: inflection cases, detection and known-item floors.

The inflection cases (``tests/data/languages/inflections.jsonl``) run on their snippets,
so they need no corpus; the corpus tests (marked slow: they index 1,476 articles twice)
need NTREX (see tests/data/languages/README.md) and skip without it. Per-language analysis and ``newsdesk.languages`` are issue 15's
work: the tests that need them skip, naming what is missing, until they exist.
"""

from __future__ import annotations

import gzip
import importlib
import inspect
import json
import os
from pathlib import Path

import pytest

from newsdesk import desk as desk_mod
from newsdesk.model import Record

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "languages"
CORPUS_PLACES = (
    Path(os.environ["NEWSDESK_LANG_CORPUS"]) if os.environ.get("NEWSDESK_LANG_CORPUS") else None,
    ROOT.parent / "shared" / "data" / "languages" / "ntrex.jsonl.gz",
    ROOT / ".bench-cache" / "languages" / "ntrex.jsonl.gz",
)
CASES = [json.loads(line) for line in (DATA / "inflections.jsonl").read_text(encoding="utf-8").splitlines() if line]
KINDS = {"plural", "case", "elision", "diacritic", "cjk", "prefix", "compound"}
# cases the right analysis still gets wrong, and why: strict, so a fix shows up as a pass to remove
KNOWN_GAPS = {
    ("ar", "برلمان"): "Arabic Snowball reads the first letter of برلمان as the prefix ب-: "
                      "برلمان stems to رلم, البرلمان to برلم",
}
HAS_CHOICE = "analysis" in inspect.signature(desk_mod.open).parameters


def newsdesk_detect():
    """newsdesk's detector, text in, (code, confidence) or code out; skip before it exists."""
    for name in ("newsdesk.languages", "newsdesk.readers.languages"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "detect"):
            return module.detect
    pytest.skip("newsdesk has no language detector yet")


def case_id(case: dict) -> str:
    return f"{case['lang']}-{case['query']}-{case['kind']}"


#: the length floor these desks are built with: the one the issue-15 figures were measured at.
#: `auto` gives NTREX's even-length articles none (issue 16), and unpadded en and fa fall one
#: query of 40 below English-only (MRR@10 0.850 / 0.863, 0.908 / 0.921): the comparison of
#: analyses is kept at one floor, and that finding is reported in issue 16's note
ANALYSIS_FLOOR = 200


def open_desk(path: Path, analysis: str):
    """A desk analysing "languages" (each article by its own language) or "english"."""
    if HAS_CHOICE:
        desk = desk_mod.open(path, analysis=analysis)
        desk.set_length_floor(ANALYSIS_FLOOR)
        return desk
    desk = desk_mod.open(path)
    if hasattr(desk, "set_analysis"):
        desk.set_analysis(analysis)
        return desk
    if analysis == "english":
        return desk
    desk.close()
    pytest.skip("per-language analysis is not in newsdesk yet")


def corpus_path() -> Path:
    found = next((p for p in CORPUS_PLACES if p is not None and p.exists()), None)
    if found is None:
        pytest.skip("NTREX corpus not found (tests/data/languages/README.md says where it goes)")
    return found


def ids_for(desk, lang: str, query: str, limit: int = 200) -> list[str]:
    hits = desk.search(f"lang:{lang} {query}", limit=limit, snippets=False, collapse=False).hits
    return [h.external_id for h in hits]


def snippet_records() -> list[Record]:
    return [Record(title="", body=c["snippet"], lang=c["lang"], external_id=f"snip-{i}")
            for i, c in enumerate(CASES)]


@pytest.fixture(scope="module")
def snippet_desks(tmp_path_factory):
    """Every snippet in one desk per analysis (built on first use)."""
    made: dict = {}

    def get(analysis: str):
        if analysis not in made:
            d = open_desk(tmp_path_factory.mktemp(f"snippets-{analysis}") / "data", analysis)
            d.ingest_records(snippet_records(), dedup=False)
            made[analysis] = d
        return made[analysis]

    yield get
    for d in made.values():
        d.close()


def test_every_inflection_case_is_well_formed():
    for case in CASES:
        assert case["kind"] in KINDS, case
        assert case["form"] in case["snippet"], case
        assert case["english"] in {"miss", "found"}, case
        assert case["query"].strip() and len(case["query"].split()) <= 3, case
    assert {c["lang"] for c in CASES} >= {"de", "fr", "es", "ru", "ar", "zh", "ja"}


def with_gaps(cases: list[dict]) -> list:
    return [pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_GAPS[(c["lang"], c["query"])], strict=True))
            if (c["lang"], c["query"]) in KNOWN_GAPS else c for c in cases]


@pytest.mark.parametrize("case", with_gaps(CASES), ids=case_id)
def test_the_right_analysis_finds_the_inflected_form(case, snippet_desks):
    desk = snippet_desks("languages")
    assert f"snip-{CASES.index(case)}" in ids_for(desk, case["lang"], case["query"]), (
        f"lang:{case['lang']} {case['query']!r} should find {case['form']!r} ({case['kind']})")


@pytest.mark.parametrize("case", [c for c in CASES if c["english"] == "miss"], ids=case_id)
def test_the_english_analysis_misses_it(case, snippet_desks):
    """Each case marked ``miss`` is one English stemming gets wrong: the cases test something."""
    desk = snippet_desks("english")
    assert f"snip-{CASES.index(case)}" not in ids_for(desk, case["lang"], case["query"])


# -- on the real corpus ----------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    with gzip.open(corpus_path(), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def corpus_desk(corpus, tmp_path_factory):
    d = open_desk(tmp_path_factory.mktemp("ntrex") / "data", "languages")
    d.ingest_records((Record(title=r["title"], body=r["body"], lang=r["lang"], external_id=r["id"],
                             source=r["source"]) for r in corpus), dedup=False)
    yield d
    d.close()


@pytest.mark.slow
@pytest.mark.parametrize("case", with_gaps([c for c in CASES if c["target"]]), ids=case_id)
def test_the_inflected_query_finds_the_real_article(case, corpus_desk):
    assert case["target"] in ids_for(corpus_desk, case["lang"], case["query"])


@pytest.mark.slow
def test_detection_of_full_articles_reaches_the_target_on_test(corpus):
    """Issue 15: >= 0.98 on full articles in every language (test split: never tuned on)."""
    detect = newsdesk_detect()
    right: dict[str, list[int]] = {}
    for row in corpus:
        if row["split"] != "test":
            continue
        got = detect(f"{row['title']}\n\n{row['body']}")
        got = got[0] if isinstance(got, tuple) else got
        cell = right.setdefault(row["lang"], [0, 0])
        cell[0] += got == row["lang"]
        cell[1] += 1
    low = {lang: c / n for lang, (c, n) in right.items() if c / n < 0.98}
    assert not low, f"detection below 0.98 on full test articles: {low}"


# -- known-item floors (all 40 queries per language, each restricted to its language) ---
#: MRR@10 measured by bench/languages.py when these floors were set, less 0.05; lower one
#: only on purpose, saying why in the commit message
MRR_FLOORS = {"en": 0.80, "de": 0.90, "fr": 0.88, "es": 0.92, "it": 0.93, "pt": 0.93, "ru": 0.83,
              "ar": 0.87, "he": 0.55, "fa": 0.85, "zh": 0.83, "ja": 0.81}
#: languages where the per-language analysis is still below English stemming for all, and why
BELOW_ENGLISH: dict[str, str] = {}  # en and fa closed when stop words left queries (5b039a8)


def queries() -> list[dict]:
    rows = []
    for line in (DATA / "queries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, lang, split, target, query = line.split("\t")
            rows.append({"qid": qid, "lang": lang, "split": split, "target": target, "query": query})
    return rows


def mrr_by_language(desk) -> dict[str, float]:
    total: dict[str, list[float]] = {}
    for q in queries():
        ids = ids_for(desk, q["lang"], q["query"], limit=10)
        total.setdefault(q["lang"], []).append(1 / (ids.index(q["target"]) + 1) if q["target"] in ids else 0.0)
    return {lang: sum(v) / len(v) for lang, v in total.items()}


@pytest.fixture(scope="module")
def english_corpus_desk(corpus, tmp_path_factory):
    d = open_desk(tmp_path_factory.mktemp("ntrex-english") / "data", "english")
    d.ingest_records((Record(title=r["title"], body=r["body"], lang=r["lang"], external_id=r["id"],
                             source=r["source"]) for r in corpus), dedup=False)
    yield d
    d.close()


@pytest.fixture(scope="module")
def mrr(corpus_desk, english_corpus_desk) -> dict[str, dict[str, float]]:
    return {"languages": mrr_by_language(corpus_desk), "english": mrr_by_language(english_corpus_desk)}


@pytest.mark.slow
@pytest.mark.parametrize("lang", sorted(MRR_FLOORS))
def test_known_item_mrr_stays_above_its_floor(lang, mrr):
    assert mrr["languages"][lang] >= MRR_FLOORS[lang], f"{lang}: MRR@10 {mrr['languages'][lang]:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("lang", [pytest.param(lang, marks=pytest.mark.xfail(reason=BELOW_ENGLISH[lang], strict=True))
                                  if lang in BELOW_ENGLISH else lang for lang in sorted(MRR_FLOORS)])
def test_per_language_analysis_is_never_below_english_stemming(lang, mrr):
    """Issue 15: known-item MRR@10 never lower than with the English-only analysis."""
    assert mrr["languages"][lang] >= mrr["english"][lang], (
        f"{lang}: {mrr['languages'][lang]:.3f} per language < {mrr['english'][lang]:.3f} English-only")
