"""Wildcard words and ``/regex/`` terms as regexes over a field's terms.

Shared by the parser, which refuses a pattern the engine would refuse (so every
error carries a position), and the compiler, which builds the tantivy queries.
tantivy compiles a term regex into an automaton of at most 1,000 states: about
50 ``?`` or ``*`` in one word. Checking against the engine itself, on a one-field
probe schema, keeps the limit exact instead of guessing it from the pattern.
"""

from __future__ import annotations

import re

import tantivy

from ..analyzers import EXACT_FIELDS, STEM_ANALYZER, STEMMED_FIELDS, WORD_FIELDS

# endings whose stem is shorter than the word: "immigrat*" must also find the stem "immigr"
# (immigrate, immigration, immigrant); a handful of exact terms, so it stays cheap
SUFFIXES = (
    "e",
    "s",
    "es",
    "ed",
    "ing",
    "ion",
    "ions",
    "er",
    "ers",
    "y",
    "ies",
    "al",
    "ally",
    "ly",
    "ment",
    "ness",
    "ity",
    "ive",
    "ous",
    "ate",
    "ation",
    "ism",
    "ist",
    "ant",
    "ance",
    "ence",
    "able",
    "ible",
)
WILDCARD = re.compile(r"(?<!\\)[*?]")

_PROBE_SCHEMA = (lambda sb: (sb.add_text_field("probe"), sb.build())[1])(tantivy.SchemaBuilder())


def tokenized(fld: str) -> bool:
    """Whether the field's text is split into words (so a wildcard word may be several)."""
    return fld in STEMMED_FIELDS or fld in WORD_FIELDS


def wildcard_pieces(text: str) -> list[str]:
    """The words of a wildcard term as the index's tokenizer splits them (on anything
    but letters and digits), keeping ``*``/``?``: ``x-ray*`` -> ``["x", "ray*"]``."""
    pieces, buf, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":  # an escaped character is literal punctuation: a separator
            i += 1
            c = " "
        if c.isalnum() or c in "*?":
            buf.append(c)
        elif buf:
            pieces.append("".join(buf))
            buf = []
        i += 1
    if buf:
        pieces.append("".join(buf))
    return pieces


def piece_regex(fld: str, piece: str) -> str:
    """The regex over a field's terms for one wildcard word (lower-cased, not stemmed).

    On a stemmed field a trailing-``*`` prefix also matches the stems of its likely
    completions, because the index holds ``immigr`` for *immigration*."""
    piece = piece.lower()
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in piece)
    prefix = piece[:-1]
    if fld in STEMMED_FIELDS and piece.endswith("*") and prefix.isalnum():
        stems = set()
        for word in [prefix] + [prefix + suffix for suffix in SUFFIXES]:
            terms = STEM_ANALYZER.analyze(word)
            if len(terms) == 1 and not terms[0].startswith(prefix):
                stems.add(terms[0])
        regex = "|".join([regex] + sorted(re.escape(st) for st in stems))
    return regex


def exact_regex(text: str) -> str:
    """The regex for a wildcard over a whole exact value (``source:reut*``): any character."""
    parts = re.split(r"((?<!\\)[*?])", text.lower())
    return "".join(
        ".*" if p == "*" else "." if p == "?" else re.escape(re.sub(r"\\(.)", r"\1", p)) for p in parts
    )


def regexes(fld: str, text: str) -> list[str]:
    """The regexes a wildcard term compiles to, one per word (several: a phrase)."""
    if not tokenized(fld):
        return [exact_regex(text)]
    return [piece_regex(fld, p) for p in wildcard_pieces(text) if WILDCARD.search(p)]


def user_regex(pattern: str) -> str:
    """A ``/regex/`` as typed, lower-cased outside escapes to meet the lower-cased terms.

    ``\\D``, ``\\W``, ``\\p{Lu}`` keep their case (and meaning); ``[A-Z]`` becomes ``[a-z]``.
    """
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            j = i + 2
            if pattern[i + 1] in "pP" and j < len(pattern) and pattern[j] == "{":
                close = pattern.find("}", j)
                j = len(pattern) if close < 0 else close + 1
            out.append(pattern[i:j])
            i = j
            continue
        out.append(c.lower())
        i += 1
    return "".join(out)


# Lucene's regex operators that Rust's regex syntax reads as literal characters:
# accepting them would silently search for something else
_LUCENE_ONLY = re.compile(r"(?<!\\)(?:\\\\)*([~&@#<])")


def regex_problem(regex: str) -> str | None:
    """Why tantivy would refuse ``regex`` (a readable reason), or None when it compiles."""
    m = _LUCENE_ONLY.search(regex)
    if m:
        return (
            f"expected a regular expression without Lucene's {m.group(1)!r} operator "
            f"(not supported: escape it as '\\{m.group(1)}' to match the character itself)"
        )
    try:
        tantivy.Query.regex_query(_PROBE_SCHEMA, "probe", regex)
    except ValueError as err:
        text = str(err)
        if "size limit" in text:
            return (
                "expected a simpler pattern: it needs more than the 1,000 automaton states the index allows"
            )
        detail = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")]
        reason = (
            detail[0][len("error:") :].strip().rstrip("'") if detail else "not a valid regular expression"
        )
        return f"expected a valid regular expression ({reason})"
    return None


__all__ = [
    "EXACT_FIELDS",
    "SUFFIXES",
    "WILDCARD",
    "exact_regex",
    "piece_regex",
    "regex_problem",
    "regexes",
    "tokenized",
    "user_regex",
    "wildcard_pieces",
]
