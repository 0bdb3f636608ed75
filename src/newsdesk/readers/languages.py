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

import threading
from typing import Any

from ..index.languages import UNDETERMINED, lang_code

DETECT_CHARS = 600  # headline + lead read by the detector
MIN_LETTERS = 24  # fewer letters than this: und (a headline alone of a few words is often wrong)
MIN_CONFIDENCE = 0.80  # normalised probability of the best language; below: und
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


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code or ``und``, confidence) for ``text`` (read up to ``DETECT_CHARS``)."""
    sample = text[:DETECT_CHARS]
    if sum(1 for c in sample if c.isalpha()) < MIN_LETTERS:
        return UNDETERMINED, 0.0
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
