"""Quote extraction and attribution scored on the gold set in tests/data/quotes/, per split.

The gold set is split into ``dev`` (rules may be tuned on it) and ``test``
(held out: look at its numbers, never at its errors while tuning). Scoring, as
issue 11 defines it:

* a predicted quote matches a gold quote when it covers at least 80 % of the
  gold's words; matching is one-to-one (each prediction serves one gold quote);
* the speaker is right when the predicted speaker contains the gold speaker's
  last word ("Mr Clarke" ~ "Kenneth Clarke", "EMI" ~ "EMI"; alternatives are
  written ``Liberal Democrats/Lib Dems``); a gold quote whose article names
  nobody ("an official said") wants no speaker.

Quote P/R/F1 counts matches; quote+speaker counts matches with the right
speaker. Full and partial quotations (a few quoted words inside reported
speech: ``said the plan was "aggressive"``) are scored apart, by the gold's kind
for recall and by the predicted ``kind`` for precision. Each gold quote that
goes wrong is put down to one failure kind:

* speaker missing / wrong speaker: the quote was found, its speaker was not;
* cut short: the best overlapping prediction holds under 80 % of it;
* pairing broken: it overlaps a prediction that is mostly text outside quotes;
* partial missed / full missed: no prediction touches it;

and predictions matching no gold are ``between quotations`` (mostly outside any
quote and touching one: the signature of inverted pairing) or ``spurious``.

Gold formats: ``*.json`` (one article: title, body, quotes [{text, speaker,
kind?}], split, style; a gold ``text`` may be the beginning of the quotation)
and ``*.txt`` (many articles, quotations marked inline; see the README there).

Other languages (``tests/data/quotes-languages/``: news sentences of the
Parallel UD treebanks in de, fr, sv, es, ru, ar, zh, ja, split per sentence id)
are scored on spans alone, per language and split: a prediction matches a gold
quotation when their overlap covers at least 80 % of each; entities are not
given (no model for those languages), so no speaker is expected.

Run: .venv/bin/python bench/quotes.py [-v] [--split dev|test] [--run-together] [--src OTHER/src]
     [--languages-only]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "quotes"
COVER = 0.8
_MARKS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a\u300c\u300d"


@dataclass
class Gold:
    text: str
    speakers: list[str]  # alternatives; empty: the article names nobody
    kind: str = "full"
    start: int = -1
    end: int = -1


@dataclass
class Article:
    id: str
    style: str
    split: str
    title: str
    body: str
    quotes: list[Gold] = field(default_factory=list)


def words(s: str) -> list[str]:
    """Lower-cased words, quote marks and punctuation dropped ("don't" stays one word)."""
    return re.findall(r"\w+(?:['\u2019]\w+)*", s.lower())


def _mark_spans(body: str, gold: Gold) -> None:
    """Offsets of a JSON gold quote in the body (its text may be only the start)."""
    k = body.find(gold.text)
    if k < 0:
        return
    m = re.search("[" + _MARKS + "]", body[k + len(gold.text) :])
    gold.start, gold.end = k, k + len(gold.text) + (m.start() if m else 0)


_ANNOT = re.compile(r"\{(~?)([^|{}]*)\|([^{}]*)\}")


def parse_txt(path: Path, run_together: bool = False) -> list[Article]:
    """Articles of an annotated .txt file: ``=== id | style | split``, ``# title``, body with
    quotations marked ``{Speaker|text}`` (``{~Speaker|text}`` partial, ``-`` for nobody)."""
    out: list[Article] = []
    chunks = re.split(r"^=== ", path.read_text(encoding="utf-8"), flags=re.M)
    for chunk in chunks[1:]:
        head, _, rest = chunk.partition("\n")
        ident, style, split = (x.strip() for x in head.split("|"))
        title_line, _, raw = rest.partition("\n")
        if run_together:  # paragraphs joined by a space, as some archives store articles
            raw = re.sub(r"\n\s*\n", " ", raw.strip("\n")) + "\n"
        if not title_line.startswith("# "):
            raise ValueError(f"{path.name}: article {ident}: the line after === must be '# title'")
        body, golds, pos = [], [], 0
        length = 0
        for m in _ANNOT.finditer(raw):
            body.append(raw[pos : m.start()])
            length += m.start() - pos
            who = m.group(2).strip()
            speakers = [] if who in ("", "-") else [s.strip() for s in who.split("/")]
            kind = "partial" if m.group(1) else "full"
            golds.append(Gold(m.group(3), speakers, kind, length, length + len(m.group(3))))
            body.append(m.group(3))
            length += len(m.group(3))
            pos = m.end()
        body.append(raw[pos:])
        text = "".join(body).strip("\n")
        if "{" in text or "}" in text:
            raise ValueError(f"{path.name}: article {ident}: unbalanced {{ }} annotation")
        out.append(Article(ident, style, split, title_line[2:].strip(), text, golds))
    return out


def load(gold_dir: Path = GOLD, run_together: bool = False) -> list[Article]:
    """The gold articles; ``run_together``: every body with its paragraphs joined by a space."""
    arts: list[Article] = []
    for path in sorted(gold_dir.glob("*.json")):
        g = json.loads(path.read_text(encoding="utf-8"))
        if run_together:
            g["body"] = re.sub(r"\n\s*\n", " ", g["body"])
        golds = []
        for q in g["quotes"]:
            gq = Gold(q["text"], [q["speaker"]] if q["speaker"] else [], q.get("kind", "full"))
            _mark_spans(g["body"], gq)
            golds.append(gq)
        arts.append(
            Article(path.stem, g.get("style", ""), g.get("split", "dev"), g["title"], g["body"], golds)
        )
    for path in sorted(gold_dir.glob("*.txt")):
        arts.extend(parse_txt(path, run_together))
    return arts


def coverage(gold: list[str], pred: list[str]) -> float:
    if not gold:
        return 0.0
    have = Counter(pred)
    return sum(min(n, have[w]) for w, n in Counter(gold).items()) / len(gold)


def speaker_ok(gold: Gold, pred: str) -> bool:
    got = set(words(pred))
    if not gold.speakers:
        return not got
    return any(words(s) and words(s)[-1] in got for s in gold.speakers)


def _inside(art: Article, start: int, end: int) -> float:
    """Share of ``body[start:end]`` that lies inside gold quotations."""
    if end <= start:
        return 0.0
    inside = sum(max(0, min(end, g.end) - max(start, g.start)) for g in art.quotes if g.start >= 0)
    return inside / (end - start)


def _overlap(g: Gold, p: dict[str, Any]) -> int:
    return max(0, min(g.end, p["end"]) - max(g.start, p["start"]))


def _touches(art: Article, start: int, end: int) -> bool:
    return any(g.start >= 0 and (0 <= start - g.end <= 3 or 0 <= g.start - end <= 3) for g in art.quotes)


def score(arts: list[Article], preds: list[list[dict[str, Any]]], verbose: bool = False) -> dict[str, Any]:
    """Counts and P/R/F1 for all/full/partial, and the failure kinds, over ``arts``."""
    n = Counter()
    fails = Counter()
    for art, pq in zip(arts, preds, strict=True):
        pw = [words(p["text"]) for p in pq]
        used: dict[int, Gold] = {}
        for g in art.quotes:
            gw = words(g.text)
            n[f"gold_{g.kind}"] += 1
            best, best_cov = None, 0.0
            for k, p in enumerate(pq):
                c = coverage(gw, pw[k])
                if g.start >= 0 and not _overlap(g, p):
                    continue  # the same words said elsewhere are not this quotation
                if k not in used and c >= COVER and (best is None or c > best_cov):
                    best, best_cov = k, c
            if best is not None:
                used[best] = g
                n[f"found_{g.kind}"] += 1
                if speaker_ok(g, pq[best]["speaker"]):
                    n[f"right_{g.kind}"] += 1
                    continue
                kind = "speaker missing" if g.speakers and not pq[best]["speaker"] else "wrong speaker"
                got = pq[best]["speaker"]
            else:
                if g.start >= 0:
                    over = [(_overlap(g, p), k) for k, p in enumerate(pq) if _overlap(g, p) > 0]
                else:
                    over = [(coverage(gw, pw[k]), k) for k in range(len(pq)) if coverage(gw, pw[k]) > 0.3]
                got = ""
                if not over:
                    kind = f"{g.kind} missed"
                else:
                    _c, k = max(over)
                    p = pq[k]
                    mostly_gold = _inside(art, p["start"], p["end"]) >= 0.5 or g.start < 0
                    kind = "cut short" if mostly_gold else "pairing broken"
                    got = f"{p['text'][:60]!r}"
            fails[kind] += 1
            if verbose:
                who = "/".join(g.speakers) or "-"
                print(f"  {kind:15} {art.id}: {g.text[:60]!r} gold={who!r} got={got}")
        for k, p in enumerate(pq):
            kind = p.get("kind", "full")
            n[f"pred_{kind}"] += 1
            if k in used:
                n[f"pred_found_{kind}"] += 1
                if speaker_ok(used[k], p["speaker"]):
                    n[f"pred_right_{kind}"] += 1
                continue
            between = _inside(art, p["start"], p["end"]) < 0.5 and _touches(art, p["start"], p["end"])
            fails["between quotations" if between else "spurious"] += 1
            if verbose:
                label = "between quotes" if between else "spurious"
                print(f"  {label:15} {art.id}: {p['text'][:60]!r} speaker={p['speaker']!r}")
    out: dict[str, Any] = {"articles": len(arts)}
    for kind in ("all", "full", "partial"):
        kinds = ("full", "partial") if kind == "all" else (kind,)

        def total(prefix: str, kinds: tuple[str, ...] = kinds) -> int:
            return sum(n[f"{prefix}_{k}"] for k in kinds)

        gold, pred = total("gold"), total("pred")
        row = {"gold": gold, "predicted": pred}
        for what, hit_g, hit_p in (
            ("quote", "found", "pred_found"),
            ("quote+speaker", "right", "pred_right"),
        ):
            p = total(hit_p) / pred if pred else 0.0
            r = total(hit_g) / gold if gold else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            row[what] = (round(p, 3), round(r, 3), round(f, 3))
        out[kind] = row
    out["failures"] = dict(sorted(fails.items()))
    return out


def predict(arts: list[Article], parse: bool = True) -> list[list[dict[str, Any]]]:
    from newsdesk.enrich import ner

    items = [(i, a.title, a.body) for i, a in enumerate(arts)]
    # no keyword by default: --src may point at an older ner.analyse that has no ``parse``
    results = ner.analyse(items) if parse else ner.analyse(items, parse=False)
    return [r["quotes"] for r in results]


def evaluate(
    split: str = "all", verbose: bool = False, run_together: bool = False, parse: bool = True
) -> dict[str, dict[str, Any]]:
    """{split: scores} for dev and test (or the one split asked for)."""
    arts = load(run_together=run_together)
    preds = predict(arts, parse)
    out = {}
    for s in ("dev", "test") if split == "all" else (split,):
        pick = [i for i, a in enumerate(arts) if a.split == s]
        if verbose:
            print(f"-- {s}")
        out[s] = score([arts[i] for i in pick], [preds[i] for i in pick], verbose)
    return out


# Built from the Parallel UD treebanks (tests/data/quotes-languages/build.py); like every corpus
# fetched from a public repository it is not committed: it lives in the shared data folder or
# in the ignored .bench-cache/ of this checkout.
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
GOLD_LANGUAGES_AT = (
    SHARED / "data" / "quotes-languages" / "gold.jsonl",
    ROOT / ".bench-cache" / "quotes-languages" / "gold.jsonl",
)


def languages_gold() -> Path | None:
    """The multilingual span gold set, where one is present (None: build it with build.py)."""
    return next((p for p in GOLD_LANGUAGES_AT if p.exists()), None)


def _span_match(g: dict[str, Any], start: int, end: int) -> bool:
    over = max(0, min(g["end"], end) - max(g["start"], start))
    return over >= COVER * (g["end"] - g["start"]) and over >= COVER * max(1, end - start)


def evaluate_languages(split: str = "all", verbose: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """{split: {lang: {gold, predicted, P, R}}} on the multilingual sentences (spans only)."""
    import inspect

    from newsdesk.enrich import quotes as quotes_mod

    takes_lang = "lang" in inspect.signature(quotes_mod.extract).parameters  # --src may be older
    gold = languages_gold()
    if gold is None:
        print(
            "other languages: no gold set at " + " or ".join(str(p) for p in GOLD_LANGUAGES_AT)
            + " (build it: python tests/data/quotes-languages/build.py PUD_FOLDER); skipped"
        )
        return {}
    rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line]
    counts: dict[str, dict[str, Counter]] = {}
    for r in rows:
        if split != "all" and r["split"] != split:
            continue
        found = (
            quotes_mod.extract(r["text"], {}, None, lang=r["lang"])
            if takes_lang
            else (quotes_mod.extract(r["text"], {}))
        )
        c = counts.setdefault(r["split"], {}).setdefault(r["lang"], Counter())
        c["gold"] += len(r["quotes"])
        c["predicted"] += len(found)
        used: set[int] = set()
        for g in r["quotes"]:
            k = next(
                (k for k, q in enumerate(found) if k not in used and _span_match(g, q.start, q.end)), None
            )
            if k is not None:
                used.add(k)
                c["found"] += 1
            elif verbose:
                print(f"  missed     {r['id']}: {g['text'][:60]!r}")
        if verbose:
            for k, q in enumerate(found):
                if k not in used:
                    print(f"  spurious   {r['id']}: {q.text[:60]!r}")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for s_name, by_lang in counts.items():
        for lang, c in sorted(by_lang.items()):
            p = c["found"] / c["predicted"] if c["predicted"] else 0.0
            rec = c["found"] / c["gold"] if c["gold"] else 0.0
            out.setdefault(s_name, {})[lang] = {"gold": c["gold"], "predicted": c["predicted"],
                                                 "P": round(p, 3), "R": round(rec, 3)}  # fmt: skip
    return out


def report_languages(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    for split in ("dev", "test"):
        if split not in results:
            continue
        print(f"== {split}, other languages (spans): lang gold pred   P / R")
        for lang, r in results[split].items():
            print(f"   {lang:4} {r['gold']:5} {r['predicted']:5}   {r['P']:.3f} / {r['R']:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failure")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument(
        "--src", type=Path, default=ROOT / "src", help="a src/ dir to evaluate (default: this one)"
    )
    ap.add_argument(
        "--run-together",
        action="store_true",
        help="also score every article with its paragraphs joined by a space (as some archives keep them)",
    )
    ap.add_argument("--no-parser", action="store_true", help="quotes by rules alone (what the parser adds)")
    ap.add_argument("--languages-only", action="store_true", help="only the other-language sentences")
    args = ap.parse_args()
    sys.path.insert(0, str(args.src))
    if args.languages_only:
        report_languages(evaluate_languages(args.split, args.verbose))
        return
    runs = [("", False), (", paragraphs run together", True)] if args.run_together else [("", False)]
    for label, together in runs:
        for split, s in evaluate(args.split, args.verbose, together, not args.no_parser).items():
            report(split + label, s)
    report_languages(evaluate_languages(args.split, args.verbose))


def report(name: str, s: dict[str, Any]) -> None:
    print(
        f"== {name}: {s['articles']} articles, {s['all']['gold']} gold quotations, {s['all']['predicted']} predicted"
    )
    print(f"   {'':8} {'gold':>5} {'pred':>5}   quote P / R / F1      quote+speaker P / R / F1")
    for kind in ("all", "full", "partial"):
        r = s[kind]
        q, qs = r["quote"], r["quote+speaker"]
        print(
            f"   {kind:8} {r['gold']:5} {r['predicted']:5}   "
            f"{q[0]:.3f} / {q[1]:.3f} / {q[2]:.3f}   {qs[0]:.3f} / {qs[1]:.3f} / {qs[2]:.3f}"
        )
    print("   failures: " + ", ".join(f"{k} {v}" for k, v in s["failures"].items()))


if __name__ == "__main__":
    main()
