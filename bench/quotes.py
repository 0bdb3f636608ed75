"""Precision and recall of (quotation, speaker) pairs on the gold set in tests/data/quotes/.

Each gold file is one article: {"title", "body", "quotes": [{"text", "speaker"}]},
where ``text`` is the quotation (or its start: it must occur, whitespace
collapsed, inside the extracted quote) and ``speaker`` the person or
organisation who said it (null when the article names nobody). A predicted
pair is correct when its quote contains a gold text and its speaker matches
(same normalised name, or same last word: "Reagan" ~ "Ronald Reagan").
Predicted quotes without a speaker are not pairs; a predicted speaker for a
gold quote with no named speaker is a wrong pair.

Run: .venv/bin/python bench/quotes.py [-v]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsdesk.enrich import ner  # noqa: E402

GOLD = ROOT / "tests" / "data" / "quotes"


def flat(s: str) -> str:
    return " ".join(s.replace("\u201c", '"').replace("\u201d", '"').replace('"', " ").split()).lower()


def same_speaker(a: str, b: str) -> bool:
    a, b = flat(a), flat(b)
    return a == b or (a.split()[-1:] == b.split()[-1:] and bool(a) and bool(b))


def evaluate(verbose: bool = False) -> dict[str, float]:
    files = sorted(GOLD.glob("*.json"))
    gold_pairs = tp = predicted = found_quotes = gold_quotes = 0
    for i, path in enumerate(files):
        g = json.loads(path.read_text())
        result = ner.analyse([(i, g["title"], g["body"])])[0]
        preds = result["quotes"]
        used: set[int] = set()
        for gq in g["quotes"]:
            gold_quotes += 1
            if gq["speaker"]:
                gold_pairs += 1
            match = next((k for k, p in enumerate(preds) if flat(gq["text"]) in flat(p["text"])), None)
            if match is not None:
                found_quotes += 1
            ok = (
                match is not None
                and gq["speaker"]
                and preds[match]["speaker"]
                and same_speaker(gq["speaker"], preds[match]["speaker"])
            )
            if ok:
                tp += 1
            if verbose and not ok and gq["speaker"]:
                got = preds[match]["speaker"] if match is not None else "(quote not found)"
                print(f"  MISS {path.name}: {gq['text'][:50]!r} gold={gq['speaker']!r} got={got!r}")
            if match is not None:
                used.add(match)
        for k, p in enumerate(preds):
            if p["speaker"]:
                predicted += 1
                if verbose and k not in used:
                    print(f"  EXTRA {path.name}: {p['text'][:50]!r} speaker={p['speaker']!r}")
    # a predicted quote that covers several gold texts (merged quotes) counts once
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold_pairs if gold_pairs else 0.0
    return {
        "articles": len(files),
        "gold_quotes": gold_quotes,
        "gold_pairs": gold_pairs,
        "predicted_pairs": predicted,
        "correct_pairs": tp,
        "quote_recall": round(found_quotes / gold_quotes, 3) if gold_quotes else 0.0,
        "precision": round(min(precision, 1.0), 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0,
    }


if __name__ == "__main__":
    scores = evaluate(verbose="-v" in sys.argv)
    for k, v in scores.items():
        print(f"{k:>16}: {v}")
