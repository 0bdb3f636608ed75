"""Per-language analysis: which language gets which tokenizer chain, and in which fields.

One definition for the index and for every reader of its terms (query compiler,
highlighting, top terms): the chains below are registered on every tantivy index
newsdesk opens, and :mod:`newsdesk.analyzers` analyses queries with the very same
objects.

An *analysis* names a chain and a set of fields:

* ``en`` -- English and undetermined (``und``) articles: today's ``text``/``title``/``body``
  fields with tantivy's built-in ``en_stem``, untouched, so an English desk ranks
  exactly as before;
* the 17 other languages tantivy can stem (``ar da de el es fi fr hu it nl no pt ro
  ru sv ta tr``): ``text_de``, ``title_de``, ``body_de``..., Snowball stems;
* ``cjk`` -- Chinese, Japanese, Korean: overlapping character bigrams, made here in
  Python (:func:`cjk_text`) because tantivy has none; tokens keep consecutive
  positions, so a query's bigrams are a phrase;
* ``simple`` -- every other language: lower-cased, accent-folded words.

No stop words are removed in any chain (as in English today): removing them leaves
position gaps that break phrase queries ("de la", "to be or not"); common words are
handled at query time (``search.plan.drop_common_words``) and in top terms.

Accents are folded *before* stemming for languages whose readers commonly type
without them (de fr es it pt nl ro ca pl...: ``Müller``/``muller``, ``économie``/
``economie``, ``elección``/``eleccion``), so both spellings reach the stemmer as one
string. Languages where the marks make different words (da no sv fi hu tr: ``får``
is not ``far``) and non-Latin scripts are not folded. Elisions (``l'économie``,
``dell'economia``, ``qu'il``, with ' or ’) are split by the tokenizer itself: the
article is its own token and the noun is found alone.
"""

from __future__ import annotations

import functools
import re

import tantivy

#: Snowball languages tantivy stems, by ISO 639-1 code (English is "en" below)
SNOWBALL = {
    "ar": "arabic", "da": "danish", "de": "german", "el": "greek", "es": "spanish", "fi": "finnish",
    "fr": "french", "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "ta": "tamil", "tr": "turkish",
}
CJK_LANGS = frozenset({"zh", "ja", "ko"})
#: where users expect accent-insensitive matching (see the module docstring)
FOLDED = frozenset({"de", "es", "fr", "it", "nl", "pt", "ro", "simple"})
ENGLISH = "en"  # English and undetermined: the original fields and en_stem
ANALYSES = (ENGLISH, *SNOWBALL, "cjk", "simple")
UNDETERMINED = "und"
ANALYSIS_FIELD = "analysis"  # raw: which analysis a document went through (languages present)
BASE_FIELDS = ("text", "title", "body")  # the fields each analysis has its own copy of
#: body fields keep which articles hold each word, not its frequency or positions: body
#: positions were a fifth of the index (issue 13) and ``text`` (headline + body) holds them; a
#: ``body:"..."`` phrase is matched on ``text`` and required word by word in the body
#: (query.compile). Ranking reads ``text`` and ``title`` only, so the body's frequencies served
#: no more than the score of a bare ``body:`` query: 2 % of a 100k data directory
BODY_OPTION = "basic"
#: base fields kept without positions -> the base field whose positions hold their text
POSITIONS_IN = {"body": "text"}


def positional_field(name: str) -> str | None:
    """For a field kept without positions (``body``, ``body_de``), the field with positions that
    holds its text (``text``, ``text_de``); None for a field that has its own."""
    base, sep, suffix = name.partition("_")
    target = POSITIONS_IN.get(base)
    return None if target is None else target + sep + suffix
LONG_TOKEN_BYTES = 40  # as tantivy's built-in chains (RemoveLongFilter(40))

# ISO 639-2/3 codes and names seen in feeds and page metadata -> ISO 639-1
_CODES = {
    "ara": "ar", "dan": "da", "deu": "de", "ger": "de", "ell": "el", "gre": "el", "eng": "en",
    "spa": "es", "fin": "fi", "fra": "fr", "fre": "fr", "hun": "hu", "ita": "it", "nld": "nl",
    "dut": "nl", "nor": "no", "nob": "no", "nno": "no", "nb": "no", "nn": "no", "por": "pt",
    "ron": "ro", "rum": "ro", "rus": "ru", "swe": "sv", "tam": "ta", "tur": "tr", "zho": "zh",
    "chi": "zh", "cmn": "zh", "yue": "zh", "wuu": "zh", "jpn": "ja", "kor": "ko", "cat": "ca",
    "pol": "pl", "ces": "cs", "cze": "cs", "ukr": "uk", "ind": "id", "heb": "he", "iw": "he",
    "in": "id", "hin": "hi", "fas": "fa", "per": "fa", "vie": "vi", "tha": "th",
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "francais": "fr", "spanish": "es", "español": "es", "espanol": "es", "italian": "it",
    "italiano": "it", "portuguese": "pt", "português": "pt", "russian": "ru", "русский": "ru",
    "dutch": "nl", "nederlands": "nl", "arabic": "ar", "chinese": "zh", "中文": "zh",
    "japanese": "ja", "日本語": "ja", "korean": "ko", "swedish": "sv", "turkish": "tr",
}
_TAG = re.compile(r"^[a-z]{2,3}$")


@functools.lru_cache(maxsize=1024)  # called twice per indexed article, with a handful of values
def lang_code(value: str | None) -> str:
    """A declared language (``en-US``, ``eng``, ``zh-Hans``, ``pt_BR``, ``German``) as ISO 639-1,
    or "" when it names none (``x-default``, ``mul``, ``und``, junk)."""
    text = (value or "").strip().lower().replace("_", "-")
    if not text:
        return ""
    if text in _CODES:
        return _CODES[text]
    primary = text.split("-")[0].split(",")[0].split(";")[0].strip()
    primary = _CODES.get(primary, primary)
    if primary in ("und", "mul", "zxx", "mis", "x") or not _TAG.match(primary):
        return ""
    return primary if len(primary) == 2 else ""


def analysis_of(lang: str) -> str:
    """The analysis an article stored with language ``lang`` is indexed with."""
    code = lang_code(lang)
    if not code or code == ENGLISH:
        return ENGLISH
    if code in SNOWBALL:
        return code
    return "cjk" if code in CJK_LANGS else "simple"


def field_name(base: str, analysis: str) -> str:
    """``text`` for English, ``text_de`` for German, ``title_cjk``..."""
    return base if analysis == ENGLISH else f"{base}_{analysis}"


def tokenizer_name(analysis: str) -> str:
    return "en_stem" if analysis == ENGLISH else f"newsdesk_{analysis}"


def build_chain(analysis: str, stem: bool = True, fold: bool = True) -> tantivy.TextAnalyzer:
    """The chain of ``analysis``; ``stem``/``fold`` off give surface forms (top terms' display)."""
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    builder = builder.filter(tantivy.Filter.remove_long(LONG_TOKEN_BYTES)).filter(tantivy.Filter.lowercase())
    if fold and analysis in FOLDED:
        builder = builder.filter(tantivy.Filter.ascii_fold())
    if stem and analysis in SNOWBALL:
        builder = builder.filter(tantivy.Filter.stemmer(SNOWBALL[analysis]))
    elif stem and analysis == ENGLISH:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


# built once at import (19 chains, well under a millisecond each)
CHAINS = {a: build_chain(a) for a in ANALYSES}


def register_tokenizers(index: tantivy.Index) -> None:
    """Give a tantivy index every per-language tokenizer its schema names (en_stem is built in)."""
    for analysis, chain in CHAINS.items():
        if analysis != ENGLISH:
            index.register_tokenizer(tokenizer_name(analysis), chain)


# Han (with extensions and compatibility ideographs), kana, Hangul syllables and jamo
_CJK = (
    "\u1100-\u11ff\u3040-\u30ff\u3131-\u318e\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002ffff"
)
CJK_RUN = re.compile(f"[{_CJK}]+")
CJK_CHAR = re.compile(f"[{_CJK}]")


def cjk_text(text: str) -> str:
    """Text for the ``cjk`` fields: each run of CJK characters becomes its overlapping
    bigrams (a lone character stays a unigram), other words are kept, all space-separated.

    ``中国经济`` -> ``中国 国经 经济``: one token per position, so a query's bigrams, in
    order, are a phrase of consecutive positions (Lucene's CJKBigramFilter does the same).
    """
    if not CJK_CHAR.search(text):
        return text

    def bigrams(m: re.Match[str]) -> str:
        run = m.group(0)
        if len(run) == 1:
            return f" {run} "
        return " " + " ".join(run[i : i + 2] for i in range(len(run) - 1)) + " "

    return CJK_RUN.sub(bigrams, text)


def analysis_text(analysis: str, text: str) -> str:
    """What the index's tokenizer is given for ``text`` under ``analysis`` (bigrams for CJK)."""
    return cjk_text(text) if analysis == "cjk" else text
