"""An article's language: what its page or feed declares, else what py3langid reads in it.

Order (as Media Cloud's ``mcmetadata``): declared metadata first -- a JSONL/CSV
``lang`` column, ``<html lang>``, ``Content-Language``, ``dc.language``,
``og:locale``, RSS ``<language>``, Atom ``xml:lang`` (the readers put it in
``Record.lang``) -- normalised to ISO 639-1 (``en-US`` -> ``en``, ``eng`` -> ``en``,
``zh-Hans`` -> ``zh``). Only when nothing usable is declared is the text read, by
py3langid (its model ships in the wheel; loaded once, on first use), on the
headline and the lead only (``DETECT_CHARS``): the cost per article stays a fraction
of a millisecond and the lead says as much about the language as the rest.

Text that is too short, or that the model is not sure about (mixed languages,
tables of figures, lists of names), gets ``und`` rather than a guess: an ``und``
article is analysed like English, as every article was before languages were told
apart, so a wrong guess can only cost what a right one would have gained.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from ..index.languages import CJK_CHAR, UNDETERMINED, lang_code

# Chosen on the dev split of tests/data/languages (NTREX, 12 languages; see the issue-15 report)
# and on Reuters-21578 (English only: no article may leave English): at 600 characters of headline
# + lead and 0.8, every NTREX dev article is right and no Reuters article is taken for another
# language (at 300 characters two are called French: "Groupement pour le financement ...")
DETECT_CHARS = 600
MIN_LETTERS = 16  # fewer letters than this (a CJK character counts 3): und
MIN_CONFIDENCE = 0.80  # normalised probability of the best language; below: und (no wrong dev headline)
# English wire copy is most of many desks: an all-ASCII lead this dense in English function words
# is English without asking the model (about 0.02 ms instead of 0.5). Measured: taken by 68% of
# Reuters articles and 109 of the 123 English NTREX articles, by no NTREX article (headline or
# lead) in the 11 other languages.
_EN_TEXT = """the of and to in a is that for on said with was as by at it from has he be its his an are
    have were will but not this which they after who"""
_EN_WORDS = frozenset(_EN_TEXT.split())
_WORD = re.compile(r"[a-z]+")
EN_MIN_WORDS = 12  # words looked at, at least
EN_MIN_SHARE = 0.25  # share of them that must be English function words (at least 4 different ones)
#: the languages the detector may answer: the ISO 639-1 ones it knows, minus Latin, Esperanto,
#: Volapük and the labels that are not languages of news (py3langid 0.4 also has "pcm", "zxx", ...:
#: on Reuters' all-capitals tables of figures those won otherwise)
_NOT_NEWS = frozenset({"la", "eo", "vo"})

_lock = threading.Lock()
_identifier: Any = None


def _detector() -> Any:
    """py3langid's identifier, loaded once per process (about 1.4 s) and restricted to
    the two-letter languages of news."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                ident.set_languages([c for c in ident.labels if len(c) == 2 and c not in _NOT_NEWS])
                _identifier = ident
    return _identifier


def _letters(sample: str) -> int:
    if sample.isascii():
        return sum(1 for c in sample if c.isalpha())
    return sum(3 if CJK_CHAR.match(c) else 1 for c in sample if c.isalpha())


def _plainly_english(sample: str) -> bool:
    if not sample.isascii():
        return False
    words = _WORD.findall(sample.lower())
    if len(words) < EN_MIN_WORDS:
        return False
    common = [w for w in words if w in _EN_WORDS]
    return len(common) >= EN_MIN_SHARE * len(words) and len(set(common)) >= 4


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code or ``und``, confidence) for ``text`` (read up to ``DETECT_CHARS``)."""
    sample = text[:DETECT_CHARS]
    if _letters(sample) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    if _plainly_english(sample):
        return "en", 1.0
    code, confidence = _detector().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return UNDETERMINED, confidence
    return lang_code(code) or UNDETERMINED, confidence


def resolve_language(declared: str | None, title: str, body: str) -> str:
    """The language to store: the declared one when it names a language, else detected."""
    code = lang_code(declared)
    if code:
        return code
    head = f"{title}\n{body[:DETECT_CHARS]}" if title else body[:DETECT_CHARS]
    return detect(head)[0]
