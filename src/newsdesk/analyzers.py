"""The text analysis of every indexed field, defined once for index, query and top terms.

The index names tantivy's built-in tokenizers in its schema (``en_stem`` for
headline and body, ``default`` for authors and URLs, ``raw`` for exact values).
Everything that has to produce the *same terms* outside tantivy -- the query
compiler turning words into terms, highlighting, top terms counting stems in
stored text -- uses the analyzers below, which rebuild those chains with
``tantivy.TextAnalyzerBuilder``. ``tests/query/test_compile.py`` checks on varied
text (accents, CJK, digits, 40-byte words, punctuation) that they agree with the
index's own tokenizers, positions included.

The index keeps its built-in tokenizer names on purpose: the names are written
into every index directory's schema, so registering our own chain under a new
name would make older directories unreadable without a reindex.

Other languages (issue 15): every article's text is in the fields of its own
language's *analysis* (``newsdesk.index.languages``: ``text_de``, ``title_cjk``...;
English and undetermined text stays in ``text``/``title``/``body``). The functions
below take an ``analysis`` ("en" by default, the behaviour before issue 15) and use
the same chain objects the index registers, with the same Python preparation
(CJK bigrams), so a query term is always a term the index holds.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tantivy

from .index.languages import (
    ANALYSES,
    CHAINS,
    ENGLISH,
    FOLDED,
    SNOWBALL,
    analysis_of,
    analysis_text,
    build_chain,
    field_name,
)

# tokenizer names as the index schema spells them (tantivy built-ins)
STEM_TOKENIZER = "en_stem"
WORD_TOKENIZER = "default"
RAW_TOKENIZER = "raw"
# tantivy's built-in chains drop tokens of 40 bytes or more (RemoveLongFilter(40))
LONG_TOKEN_BYTES = 40

# which analysis each query field gets (index.build_schema gives the fields these tokenizers)
STEMMED_FIELDS = frozenset({"text", "title", "body"})  # en_stem: English Snowball stems
WORD_FIELDS = frozenset({"author", "url"})  # default: lower-cased words
EXACT_FIELDS = frozenset({"source", "lang", "id", "salient"})  # raw: the whole value, lower-cased
ENTITY_FIELD = "entity"  # raw: normalised entity names (lower case, single spaces)
INTEGER_FIELDS = frozenset({"story"})  # u64 ids (the stories stage): ``story:42``
DATE_FIELD = "published"
FIELD_TOKENIZERS = {
    **{f: STEM_TOKENIZER for f in STEMMED_FIELDS},
    **{f: WORD_TOKENIZER for f in WORD_FIELDS},
    **{f: RAW_TOKENIZER for f in EXACT_FIELDS | {ENTITY_FIELD}},
}


def _chain(stem: bool) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    builder = builder.filter(tantivy.Filter.remove_long(LONG_TOKEN_BYTES)).filter(tantivy.Filter.lowercase())
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


# built once: building a chain costs more than analysing a query
STEM_ANALYZER = _chain(stem=True)  # == tantivy's "en_stem"
WORD_ANALYZER = _chain(stem=False)  # == tantivy's "default"; also the surface form of a stem


def analyze(fld: str, text: str, analysis: str = ENGLISH) -> list[str]:
    """The terms the index holds for ``text`` in field ``fld`` (of ``analysis``), in order."""
    if fld in STEMMED_FIELDS:
        if analysis != ENGLISH:
            return CHAINS[analysis].analyze(analysis_text(analysis, text))
        return STEM_ANALYZER.analyze(text)
    if fld in WORD_FIELDS:
        return WORD_ANALYZER.analyze(text)
    if fld == ENTITY_FIELD:
        return [" ".join(text.lower().split())]
    return [text.strip().lower()] if text.strip() else []


def analyze_positions(fld: str, text: str, analysis: str = ENGLISH) -> list[tuple[int, str]]:
    """``(position, term)`` pairs as the index stores them.

    Positions matter for phrases: a dropped 40-byte token leaves a gap in the
    index, so ``"foo <long word> bar"`` must ask for ``bar`` two positions after ``foo``.
    """
    if fld in STEMMED_FIELDS and analysis != ENGLISH:
        pre = CHAINS[analysis].pre_tokenize(analysis_text(analysis, text))
        return [(t.position, t.text) for t in pre.tokens]
    if fld in STEMMED_FIELDS or fld in WORD_FIELDS:
        analyzer = STEM_ANALYZER if fld in STEMMED_FIELDS else WORD_ANALYZER
        return [(t.position, t.text) for t in analyzer.pre_tokenize(text).tokens]
    return list(enumerate(analyze(fld, text)))


def stem(word: str, analysis: str = ENGLISH) -> str:
    """The one term ``word`` becomes under ``analysis`` ("" if it makes none or several)."""
    return _stem(word, analysis)


@lru_cache(maxsize=131072)
def _stem(word: str, analysis: str) -> str:
    terms = STEM_ANALYZER.analyze(word) if analysis == ENGLISH else CHAINS[analysis].analyze(word)
    return terms[0] if len(terms) == 1 else ""


# surface forms (no stemming, no folding) per analysis: what top terms show
SURFACE_ANALYZERS = {a: WORD_ANALYZER if a == ENGLISH else build_chain(a, stem=False, fold=False) for a in ANALYSES}


def _stop_chain(language: str) -> tantivy.TextAnalyzer | None:
    try:
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
        return builder.filter(tantivy.Filter.stopword(language)).build()
    except ValueError:  # tantivy-py 0.27 has no Arabic list although it names the language
        return None


# one stop-word chain per Snowball language (tantivy's lists): a word is a stop word when it yields nothing
_STOP_CHAINS = {a: chain for a in SNOWBALL if (chain := _stop_chain(SNOWBALL[a])) is not None}
_STOP_CHAINS[ENGLISH] = _stop_chain("english")  # tantivy's list, as bm25s and Lucene use one


# what tantivy has no list for: Arabic (its list is missing from tantivy-py 0.27), Hebrew and
# Persian (analysed as "simple"; the scripts never collide), and the function bigrams of Chinese
_EXTRA_STOP_TEXT = {
    "ar": """في من على إلى عن أن إن مع هذا هذه ذلك التي الذي الذين كان كانت قد لا ما لم لن هو هي هم
        وقال قال أو ثم بعد قبل بين حتى عند كل أي وفي ومن وعلى وأن إلى أنه أنها وهو وهي""",
    "simple": """של את על עם זה זו זאת הוא היא הם הן לא כי גם אם או אבל כל עוד רק יותר אחרי לפני בין
        אשר כך כמו היה היו אמר אמרה
        و در به از که این آن را با است برای یک تا هم می بر شد شده بود های ها او ما آنها نیز""",
    "cjk": """我们 他们 你们 这个 那个 一个 没有 什么 可以 已经 因为 所以 但是 如果 还是 表示 就是 这些
        那些 其中 以及 目前 进行 自己 认为 今年 去年 时间 不是 这样""",
}
_EXTRA_STOPS = {a: frozenset(text.split()) for a, text in _EXTRA_STOP_TEXT.items()}
_HIRAGANA = re.compile(r"^[\u3040-\u309f]+$")  # Japanese particles and endings (した, ている)


@lru_cache(maxsize=65536)
def is_stopword(word: str, analysis: str) -> bool:
    """Whether ``word`` (lower-cased) is a stop word of ``analysis``'s language: tantivy's lists
    for the Snowball languages, short lists of our own for Arabic, Hebrew, Persian and Chinese,
    and any all-hiragana bigram in Japanese."""
    if word in _EXTRA_STOPS.get(analysis, ()):
        return True
    if analysis == "cjk":
        return bool(_HIRAGANA.match(word))
    chain = _STOP_CHAINS.get(analysis)
    return chain is not None and not chain.analyze(word)


__all__ = [
    "ANALYSES", "DATE_FIELD", "ENGLISH", "ENTITY_FIELD", "EXACT_FIELDS", "FIELD_TOKENIZERS", "FOLDED",
    "INTEGER_FIELDS", "LONG_TOKEN_BYTES", "RAW_TOKENIZER", "STEMMED_FIELDS", "STEM_ANALYZER",
    "STEM_TOKENIZER", "SURFACE_ANALYZERS", "WORD_ANALYZER", "WORD_FIELDS", "WORD_TOKENIZER", "analysis_of",
    "analyze", "analyze_positions", "field_name", "is_stopword", "stem",
]
