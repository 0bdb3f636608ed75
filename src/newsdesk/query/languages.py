"""Query rules of single languages that the index's analysis cannot express by itself.

* **CJK words.** A word typed without spaces (``纽约保姆``) is one run of characters,
  indexed as overlapping bigrams. Asking for all of them as a phrase demands the exact
  string; news writes ``纽约一名保姆``. Like a search engine's CJK match query, the word
  instead requires the bigrams that cover each of its characters once (``纽约``, ``保姆``)
  and ranks the exact string higher (the whole phrase as a scoring clause). A quoted
  phrase stays a phrase.
* **Hebrew prefixes.** Hebrew writes ``and``, ``the``, ``in``, ``to``, ``from``, ``that``,
  ``as`` as one-letter prefixes of the next word (``בדפטפורד``: in Deptford), and tantivy
  has no Hebrew stemmer. A Hebrew query word also matches itself behind the common
  prefixes and their pairs (``ו``+``ה``...): the index is untouched, the query is a
  disjunction of a few exact terms.
* **Russian fleeting vowels.** ``пепел`` / ``пепла``, ``рынок`` / ``рынка``, ``отец`` / ``отца``:
  the vowel of the last syllable drops in most case forms and Snowball keeps both stems. A
  Russian query word whose stem ends in consonant + е/о/ё + consonant also asks for the stem
  without that vowel.
"""

from __future__ import annotations

import re

import tantivy

from ..index.languages import CJK_CHAR

HEBREW = re.compile(r"[\u05d0-\u05ea]")
_SINGLE = "והבלמשכ"
HEBREW_PREFIXES = tuple(_SINGLE) + tuple(a + b for a in "וש" for b in "הבלמכ") + ("מה", "כש", "לכ")
CJK_PHRASE_BOOST = 1.0  # the exact run, on top of its covering bigrams


def is_cjk_bigrams(terms: list[tuple[int, str]]) -> bool:
    """Whether every term is a CJK bigram (the analysis of one typed CJK word)."""
    return len(terms) >= 2 and all(len(t) == 2 and CJK_CHAR.match(t[0]) and CJK_CHAR.match(t[1]) for _p, t in terms)


def cjk_word(
    schema: tantivy.Schema, name: str, terms: list[tuple[int, str]], phrase_field: str | None = None
) -> tantivy.Query:
    """The bigrams covering each character once, all required, and the whole run as a boost
    (looked for in ``phrase_field`` when ``name`` keeps no positions: the body fields)."""
    cover = list(dict.fromkeys([t for _p, t in terms[0::2]] + [terms[-1][1]]))
    first = terms[0][0]
    phrase = tantivy.Query.phrase_query(schema, phrase_field or name, [(p - first, t) for p, t in terms])
    clauses = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, name, t)) for t in cover]
    clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(phrase, CJK_PHRASE_BOOST)))
    return tantivy.Query.boolean_query(clauses)


def hebrew_word(schema: tantivy.Schema, name: str, term: str) -> tantivy.Query:
    """``term`` alone or behind a Hebrew prefix, as one disjunction."""
    variants = [term] + [p + term for p in HEBREW_PREFIXES]
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, v)) for v in variants]
    )


def hebrew_stems(word: str) -> list[str]:
    """``word`` and what it is with one or two prefix letters off (for highlighting)."""
    out = [word]
    for prefix in sorted(HEBREW_PREFIXES, key=len, reverse=True):
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            out.append(word[len(prefix):])
    return out


_RU_FLEETING = re.compile(r"^(.*[бвгджзйклмнпрстфхцчшщ])[еоё]([бвгджзклмнпрстфхцчшщ])$")


def russian_word(schema: tantivy.Schema, name: str, term: str) -> tantivy.Query | None:
    """``term`` or its stem without a fleeting vowel; None when it has none to lose."""
    m = _RU_FLEETING.match(term)
    if m is None or len(term) < 4:
        return None
    short = m.group(1) + m.group(2)
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, v)) for v in (term, short)]
    )
