"""Build tests/data/quotes-languages/gold.jsonl from the Parallel Universal Dependencies treebanks.

Run from the repository root with the PUD ``*-ud-test.conllu`` files of each
language in one folder (``git show HEAD:de_pud-ud-test.conllu`` of
UniversalDependencies/UD_German-PUD and so on; Japanese from
UD_Japanese-PUD, which only the stored copy we could read held, as
``ja_pud_news_head.txt``, the ``# sent_id`` / ``# text`` lines of its first
news documents)::

    .venv/bin/python tests/data/quotes-languages/build.py FOLDER

The output is committed, so tests never run this. The labels below are the
gold: which quoted strings in each news sentence are quotations (words someone
said or wrote, whole or in part) and which are not (titles, names, terms and
scare quotes). They were decided once per sentence id from the English source
sentence, and per language where a translator added or dropped marks
(``OVERRIDES``), before any rule was tuned. The split is per sentence id, the
same in every language, so a sentence tuned on in one language is never tested
in another.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {
    "de": "de_pud-ud-test.conllu", "fr": "fr_pud-ud-test.conllu", "sv": "sv_pud-ud-test.conllu",
    "es": "es_pud-ud-test.conllu", "ar": "ar_pud-ud-test.conllu", "zh": "zh_pud-ud-test.conllu",
    "ru": "ru_pud-ud-test.conllu", "ja": "ja_pud_news_head.txt",
}  # fmt: skip
# (opening, closing) marks of each language's quotations, for cutting the gold spans
PAIRS = {
    "de": [("\u201e", "\u201c"), ("\u00bb", "\u00ab")], "fr": [("\u00ab", "\u00bb")],
    "sv": [("\u201d", "\u201d"), ('"', '"')], "es": [('"', '"'), ("\u00ab", "\u00bb")],
    "ar": [('"', '"')], "zh": [("\u201c", "\u201d"), ('"', '"')], "ru": [("\u00ab", "\u00bb")],
    "ja": [("\u300c", "\u300d")],
}  # fmt: skip
# sentence ids whose quoted strings are NOT quotations (titles, names, terms, scare quotes)
NOT_QUOTES = {
    "n01019004", "n01021011", "n01043005", "n01063043", "n01066045", "n01096040", "n01132006",
    "n01132013", "n01136010", "n01137003", "n01138026", "n02033113", "n04003043", "n04009002",
    "n05002023", "n01116009", "n01030006", "n01003010", "n01003012", "n01005023", "n01009027",
    "n01016032", "n01084008", "n01084023", "n01084045", "n01109012", "n01110022", "n01135002",
    "n01141002", "n01145015", "n01147026", "n01149010", "n02034018", "n02042026", "n01107005",
    "n01107006", "n03010012", "n01017013",
}  # fmt: skip
# per language and sentence: one label per quoted string, in order (True: a quotation)
OVERRIDES = {
    ("ar", "n01021007"): [False], ("ar", "n01102006"): [False, True], ("ar", "n03006028"): [False, True],
    ("ru", "n01019004"): [False, False], ("ru", "n03006028"): [False, True], ("de", "n01143003"): [True, False],
    ("fr", "n01025025"): [False], ("sv", "n01025025"): [False], ("zh", "n01025025"): [False],
}  # fmt: skip
# whole sentences put in quotes by the translator with no quotation in the source: left out
SKIP = {("sv", "n02082017"), ("sv", "n04001002")}


def sentences(path: Path) -> dict[str, str]:
    out, sid = {}, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# sent_id"):
            sid = line.split("=", 1)[1].strip()
        elif line.startswith("# text =") and sid.startswith("n"):
            out[sid] = line.split("=", 1)[1].strip()
    return out


def quoted(text: str, pairs: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """(start, end) of the text between each top-level pair of marks."""
    out, i = [], 0
    while i < len(text):
        for o, c in pairs:
            j = text.find(c, i + 1) if text[i] == o else -1
            if j > 0:
                out.append((i + 1, j))
                i = j
                break
        i += 1
    return out


def split_of(sid: str) -> str:
    return "dev" if hashlib.md5(sid.encode()).hexdigest()[0] in "01234567" else "test"


def main(folder: Path) -> None:
    rows = []
    for lang, name in FILES.items():
        for sid, text in sentences(folder / name).items():
            spans = quoted(text, PAIRS[lang])
            if not spans or (lang, sid) in SKIP:
                continue
            labels = OVERRIDES.get((lang, sid), [sid not in NOT_QUOTES] * len(spans))
            assert len(labels) == len(spans), (lang, sid, spans)
            gold = [
                {"start": a, "end": b, "text": text[a:b]}
                for (a, b), ok in zip(spans, labels, strict=True)
                if ok
            ]
            rows.append({"id": f"{lang}-{sid}", "lang": lang, "split": split_of(sid), "text": text,
                         "quotes": gold, "marked": len(spans)})  # fmt: skip
    with (HERE / "gold.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences written to {HERE / 'gold.jsonl'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
