"""Quotations in copy that is not English: which quoted strings are quotes, and a cautious speaker.

quotes.py reads English with cue verbs, a dependency parse and pronoun
resolution; none of that carries over to other languages. Here the marks
(quote_marks, with the article's language) find the spans, and:

* a quoted string is a ``full`` quotation when it opens a sentence or follows
  a colon, dash or comma (``„…“, sagte sie`` / ``Il a dit : « … »`` /
  ``氏は、「…」と述べた``) and a ``partial`` one when it is a clause of its
  own words inside a sentence; short quoted strings inside a sentence (one to
  three words: titles, names, terms, scare quotes, and sometimes a short
  partial quote) are left out unless the sentence carries one of the
  language's reporting words, since nothing else tells them apart;
* the speaker is given only when the entity stage found a person (or an
  organisation) in the same sentence, outside the quote, and the sentence has
  a reporting word of the language: the nearest such name. Otherwise the
  speaker stays unknown: a wrong name is worse than none.

Words are counted by spaces, or for Chinese and Japanese as one per two
characters, so the same thresholds serve every script.
"""

from __future__ import annotations

import re

from .names import ArticleEntity

MIN_WORDS = 4
CJK_LANGS = {"zh", "ja", "ko"}
# reporting words (lower-case stems, matched at a word start; anywhere in CJK) per language:
# only these let a short quoted string count, and only these allow a speaker
CUES: dict[str, tuple[str, ...]] = {
    "de": ("sagt", "gesagt", "erklär", "betont", "meint", "fügte", "schrieb", "schreibt", "warn", "kritisier",
           "laut ", "zufolge", "teilte", "sprach", "nannte", "nennt", "bezeichne", "forder", "beschrieb",
           "beschreibt", "bericht", "tituliert", "versicher", "so "),
    "fr": ("déclar", "dit ", "dit,", "dit-", "affirm", "ajout", "expliqu", "indiqu", "soulign", "selon ",
           "écrit", "annonc", "estim", "assur", "publié", "révél", "taxait", "décri", "qualifi", "signal",
           "avert", "confirm", "ironis", "fustig", "constat"),
    "es": ("dij", "dice", "afirm", "declar", "señal", "explic", "asegur", "según ", "añad", "indic", "escrib",
           "coment", "manifest", "acus", "describ", "inform", "advert", "calific"),
    "it": ("ha detto", "dice", "dichiar", "afferm", "spieg", "aggiun", "secondo ", "scritto", "sottoline",
           "descri", "defin"),
    "pt": ("disse", "diz", "afirm", "declar", "explic", "segundo ", "acrescent", "escrev", "descrev"),
    "nl": ("zei", "zegt", "verklaar", "aldus", "volgens ", "schreef", "voegde", "stelde", "benadruk",
           "beschre", "noemde", "waarschuw"),
    "sv": ("sade", "sa ", "sa,", "sagt", "säger", "skrev", "skriver", "förklar", "enligt ", "menar", "berätta",
           "försäkra", "anklaga", "tillade", "uppga", "beskr", "varn", "kallade"),
    "da": ("sagde", "siger", "skrev", "skriver", "ifølge ", "forklar", "tilføjede", "udtalte", "beskr", "advar"),
    "no": ("sa ", "sa,", "sier", "skrev", "skriver", "ifølge ", "forklar", "uttalte", "la til", "beskr", "advar"),
    "fi": ("sanoi", "sanoo", "kertoi", "kertoo", "mukaan", "kirjoitti", "totesi", "sanoen", "kuvaili", "varoitti"),
    "ru": ("сказал", "заявил", "отметил", "сообщ", "говорит", "по словам", "пишет", "написал", "объясня",
           "добавил", "подчеркну", "называ", "назвал", "по мнению", "утвержда", "описыва", "предупред"),
    "ar": ("قال", "وقال", "تقول", "يقول", "أضاف", "وأضاف", "صرح", "أكد", "وأكد", "أعلن", "بحسب", "وفقا", "حسب",
           "تشرح", "يشرح", "كتب", "اتهم", "وصف", "حذر", "محذر", "قائلا", "كشف", "وكشف"),
    "zh": ("說", "说", "表示", "稱", "称", "指出", "認為", "认为", "強調", "强调", "寫道", "写道", "據", "据", "譴責",
           "谴责", "保證", "保证", "形容", "告訴", "告诉", "警告"),
    "ja": ("述べ", "語っ", "語る", "話し", "言っ", "言う", "によると", "強調", "明らか", "書い", "発表", "宣言",
           "批判", "指摘", "表現", "警告"),
}  # fmt: skip
_BOUNDARY = ".!?:;\u2014\u2013-\n\u3002\uff01\uff1f\uff1a\uff1b\u3001\uff0c"
_OPENERS = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a\u2039\u203a\u300c\u300d\u300e\u300f\u301d\u301f\uff02"
_SENT_END = re.compile(r"[.!?\u3002\uff01\uff1f](?:\s|$)|[\u3002\uff01\uff1f]|\n\s*\n")


_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def words(body: str, lang: str) -> float:
    """How many words ``body`` holds: by spaces, two CJK characters counting as one word."""
    cjk = len(_CJK_CHAR.findall(body))
    return cjk / 2 + len(_CJK_CHAR.sub(" ", body).split())


def _uncased(body: str) -> bool:
    """Arabic, Hebrew, CJK…: nothing in the script marks a name."""
    return not any(c.isupper() or c.islower() for c in body)


def sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]`` (stops inside the span do not cut it)."""
    lo = 0
    for m in _SENT_END.finditer(text, max(0, start - 400), max(0, start - 1)):
        lo = m.end()
    m = _SENT_END.search(text, end + 1)
    return lo, (m.end() if m else len(text))


_CUE_RX: dict[str, re.Pattern[str]] = {}


def cue_in(text: str, lang: str) -> str:
    """The first reporting word of ``lang`` in ``text`` (a stem at a word start, to the word's end;
    anywhere in CJK), or ''."""
    if lang not in CUES:
        return ""
    rx = _CUE_RX.get(lang)
    if rx is None:
        edge, rest = ("", "") if lang in CJK_LANGS else (r"(?<!\w)", r"[\w\u0640-\u065f]*")
        rx = _CUE_RX[lang] = re.compile(
            edge + "(?:" + "|".join(re.escape(c) for c in CUES[lang]) + ")" + rest
        )
    m = rx.search(text.lower())
    return m.group().strip(" ,") if m else ""  # the whole word: "déclaré", not the stem


def kind(text: str, start: int, end: int, body: str, lang: str) -> str | None:
    """'full', 'partial', or None (a title, name, term or scare quote) for a quoted string."""
    before = text[max(0, start - 1 - 60) : max(0, start - 1)].rstrip()
    while before and before[-1] in _OPENERS:  # a mark of a quote just closed: „…“ „…“
        before = before[:-1].rstrip()
    prev = before[-1:] if before else ""
    n = words(body, lang)
    if prev == "" or prev in _BOUNDARY or (prev in ",\uff0c" and n >= 3):
        return "full" if n >= 2 else None
    if _name_like(body, lang):
        return None  # the song "Knuck If You Buck", the bank's "Vantage" option
    if n >= MIN_WORDS and not _uncased(body):
        return "partial"
    lo, hi = sentence(text, start, end)
    around = text[lo : max(lo, start - 1)] + " " + text[min(hi, end + 1) : hi]
    return "partial" if cue_in(around, lang) and not _name_like(body, lang) else None


def _name_like(body: str, lang: str) -> bool:
    """A quoted proper name or title ("Game of Thrones", "Vantage"), where case tells."""
    ws = re.findall(r"[^\W\d_][\w'\u2019-]*", body)
    if not ws or _uncased(body) or (lang == "de" and len(ws) < 2):
        return False  # German capitalises every noun; scripts without case say nothing
    return ws[0][:1].isupper() and all(w[:1].isupper() or len(w) <= 3 for w in ws)


def speaker(
    text: str, start: int, end: int, entities: dict[str, ArticleEntity], lang: str
) -> tuple[ArticleEntity | None, str]:
    """The nearest person (else organisation) named in the quote's sentence, outside the quote,
    when the sentence reports speech in ``lang``; (None, "") otherwise."""
    lo, hi = sentence(text, start, end)
    outside = text[lo : max(lo, start - 1)] + " " + text[min(hi, end + 1) : hi]
    cue = cue_in(outside, lang)
    if not cue:
        return None, ""
    best: tuple[int, int, ArticleEntity] | None = None
    for ent in entities.values():
        if ent.type not in ("PERSON", "ORG"):
            continue
        for s, e in ent.spans:
            if lo <= s < hi and not (start - 1 <= s < end + 1):
                dist = start - e if e <= start else s - end
                rank = (0 if ent.type == "PERSON" else 1, dist)
                if best is None or rank < best[:2]:
                    best = (*rank, ent)
    return (best[2], cue) if best else (None, "")
