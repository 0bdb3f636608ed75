"""Pairing quotation marks in real copy: which mark opens, which closes, and where a quote ends.

Counting marks (every second ``"`` closes) breaks on the first irregularity
and then inverts the rest of the article, so that the text *between*
quotations comes back as quotes. Instead every mark is given a role from its
own shape and its neighbours (a ``"`` after a space and before a letter opens;
one after a letter or a stop and before a space closes; ``’`` between letters
is an apostrophe), and the pairing resynchronises at known boundaries:

* a new paragraph that opens a mark while a quote is open continues it (the
  convention for quotations over several paragraphs); so does an opening mark
  right after a full stop inside the quote (the same, with paragraphs run
  together: ``… the hardest. "By pledging …``);
* a paragraph that ends with the quote open and a next paragraph that does not
  re-open it ends the quote there (a closing mark is missing);
* an opening mark after ``, said X`` inside an open quote means the closing
  mark before the attribution is missing: the first quote ends at the comma;
* a closing mark with no open quote (``"a recruiting sergeant" for terrorists"``)
  is ignored, as are marks of the other family inside a quote (nesting).

Double marks (straight, curly, « », „ “, 「 」) and single marks (straight and
curly, as British copy and headlines use them, ‚ ‘, ‹ › and 『 』) are separate
families. The marks of every language are read, with or without ``lang``:

* guillemets point either way: « … » (French, with or without the inner
  spaces), » … « (German, Danish, Czech) and » … » (Swedish, Finnish); a
  guillemet opens when a word follows it and closes when one comes before
  it, and only between two spaces (French spacing) does its shape decide;
* „ … “ and ‚ … ‘ (German, Czech, …) and „ … ” (Polish, Hungarian, Dutch):
  the low mark always opens, the high one closes;
* 「 」, 『 』 and 〝 〟 (Japanese, Chinese) have fixed roles; ＂ is read like ``"``;
* ” … ” (Swedish, Finnish: the same mark at both ends) is read like a
  straight ``"`` when ``lang`` is ``sv`` or ``fi``; elsewhere ” only closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 3000  # an "open" quote longer than this lost its closing mark long ago

# role of each mark when it is unambiguous; None: decided by context
_DOUBLE = {
    '"': None,
    "\u201c": "open",
    "\u201d": "close",
    "\u00ab": "open",
    "\u00bb": "close",
    "\u201e": "open",
}
_DOUBLE.update({"\u300c": "open", "\u300d": "close", "\u301d": "open", "\u301e": "close", "\u301f": "close"})
_DOUBLE["\uff02"] = None  # ＂ full-width straight mark: read like "
_SINGLE = {"'": None, "\u2018": "open", "\u2019": None, "\u201a": "open", "\u2039": "open", "\u203a": "close"}
_SINGLE.update({"\u300e": "open", "\u300f": "close"})
_GUILLEMETS = set("\u00ab\u00bb\u2039\u203a")  # their direction is read from the words around them
_CJK = set("\u300c\u300d\u300e\u300f\u301d\u301e\u301f")  # fixed roles, even between two letters
_SAME_MARK_LANGS = {"sv", "fi"}  # ”…”: the right double mark opens too
_GERSHAYIM_LANGS = {"he", "yi"}  # a " between two letters abbreviates
ALL_MARKS = "".join(_DOUBLE) + "".join(_SINGLE)
_LOW_OPEN = {"\u201e": '\u201c\u201d"', "\u201a": "\u2018\u2019'"}  # „…“ and ‚…‘ close with a high mark
_OPEN_BEFORE = set(" \t\n\u00a0([{\u2014\u2013-/:\u3001\u3002\uff0c\uff1a") | set(_DOUBLE) | set(_SINGLE)
_CLOSE_AFTER = set(" \t\n\u00a0.,;:!?)]}\u2014\u2013-/\u2026\u3001\u3002\uff0c") | set(_DOUBLE) | set(_SINGLE)
_STOP_END = r"[.!?\u2026\u3002\uff01\uff1f]"  # a sentence ends (also 。！？)
_CUE = r"(?:said|says|added|adds|told|tells|asked|explained|insisted|wrote|continued|argued|warned)"
_MISSING_CLOSE = re.compile(
    r",\s+(?:"
    + _CUE
    + r"\s+[A-Z][\w.'\u2019-]*|(?:[A-Z][\w.'\u2019-]*\s+){1,4}"
    + _CUE
    + r"\b|(?:he|she|they)\s+"
    + _CUE
    + r"\b)"
)
_PARA = re.compile(r"\n\s*\n")


@dataclass
class Mark:
    pos: int
    char: str
    family: str  # "double" | "single"
    role: str  # "open" | "close" | "either"


@dataclass
class QuoteSpan:
    """The text of one quotation: ``start``/``end`` are offsets of the text between the marks
    (continuation marks inside it included); ``closed`` is False when a mark was missing."""

    start: int
    end: int
    opener: str
    closed: bool = True
    paragraphs: int = 1


def _guillemet_role(char: str, before: str, after: str) -> str:
    """« » ‹ ›: open before a word, close after one; between spaces (French) by shape."""
    opens = (before.isspace() or before in _OPEN_BEFORE) and (after.isalnum() or after in "([\"'\u2026")
    closes = not before.isspace() and (after.isspace() or after in _CLOSE_AFTER)
    if opens and not closes:
        return "open"
    if closes and not opens:
        return "close"
    return "open" if char in "\u00ab\u2039" else "close"


def _role(text: str, i: int, char: str, family: str, lang: str | None = None) -> str | None:
    fixed = (_DOUBLE if family == "double" else _SINGLE)[char]
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if char in _GUILLEMETS:
        return _guillemet_role(char, before, after)
    if char in _CJK:
        return fixed
    if char == '"' and lang in _GERSHAYIM_LANGS and before.isalpha() and after.isalpha():
        return None  # ארה"ב, צה"ל: a straight mark standing for gershayim, inside a word
    if char == "\u201d" and lang in _SAME_MARK_LANGS:
        fixed = None  # ”…” : decided by context, like a straight mark
    if family == "single":
        if before.isalnum() and after.isalnum():
            return None  # don't, Labour's, rock'n'roll
        if char != "\u2018" and before in " \t\n(" and after.isdigit():
            return None  # '90s
    if char in "\u201c\u2018" and not before.isspace() and before not in "([{" and (after in _CLOSE_AFTER):
        return "close"  # „…“ and ‚…‘: the high mark closes
    if fixed is not None:
        return fixed
    opens = before in _OPEN_BEFORE and not after.isspace()
    closes = not before.isspace() and (after in _CLOSE_AFTER or after.isspace())
    if char == "\u2019":  # a right mark never opens: "rock ’n’ roll", "the ’90s" are elisions
        return "close" if closes else None
    if opens and not closes:
        return "open"
    if closes and not opens:
        return "close"
    return "either"


def marks(text: str, lang: str | None = None) -> list[Mark]:
    out = []
    for i, c in enumerate(text):
        family = "double" if c in _DOUBLE else "single" if c in _SINGLE else None
        if family is None:
            continue
        role = _role(text, i, c, family, lang)
        if role is not None:
            out.append(Mark(i, c, family, role))
    return out


def _paragraph_end(text: str, pos: int) -> int:
    m = _PARA.search(text, pos)
    return m.start() if m else len(text)


def _closes(opener: Mark, m: Mark) -> bool:
    if m.family != opener.family:
        return False
    if opener.char in _LOW_OPEN:
        return m.char in _LOW_OPEN[opener.char] or m.char in "\u201d\u2019"
    return m.role in ("close", "either")


def _possessive(text: str, m: Mark, rest: list[Mark]) -> bool:
    """A ``s’`` + lower-case word inside single-quoted copy ("the carers’ support") is a
    possessive, not the end of the quote, when another closing mark follows in the paragraph."""
    if m.family != "single" or text[m.pos - 1 : m.pos] != "s":
        return False
    if not re.match(r"\s+[a-z]", text[m.pos + 1 : m.pos + 4]):
        return False
    para_end = _paragraph_end(text, m.pos)
    return any(r.pos < para_end and r.family == "single" and r.role in ("close", "either") for r in rest)


def find_spans(text: str, lang: str | None = None) -> list[QuoteSpan]:
    """Every top-level quotation in ``text``, in order (``lang``: the article's ISO 639-1 code)."""
    ms = marks(text, lang)
    spans: list[QuoteSpan] = []
    opener: Mark | None = None
    start = last = paras = 0
    i = 0
    while i < len(ms):
        m = ms[i]
        i += 1
        if opener is None:
            if m.role in ("open", "either"):
                opener, start, last, paras = m, m.pos + 1, m.pos + 1, 1
            continue  # a closing mark with nothing open: a stray, ignored
        brk = _PARA.search(text, last, m.pos)
        if brk is not None:  # a paragraph ended inside the open quote
            reopens = text[brk.end() : m.pos].strip() == "" and m.family == opener.family
            if reopens and m.role in ("open", "either"):
                paras, last = paras + 1, m.pos + 1  # the next paragraph continues it
                continue
            spans.append(QuoteSpan(start, brk.start(), opener.char, closed=False, paragraphs=paras))
            opener = None
            i -= 1  # look at this mark again, outside any quote
            continue
        if m.pos - start > MAX_CHARS:
            opener = None
            i -= 1
            continue
        if m.family != opener.family:
            continue  # nested quotation of the other family
        low_close = opener.char in _LOW_OPEN and m.char in _LOW_OPEN[opener.char]
        if low_close or (_closes(opener, m) and m.role != "open"):
            if _possessive(text, m, ms[i:]):
                continue
            spans.append(QuoteSpan(start, m.pos, opener.char, paragraphs=paras))
            opener = None
            continue
        # an opening mark while a quote is open
        inner = text[last : m.pos]
        missing = _MISSING_CLOSE.search(inner)
        if missing is not None:  # "…, said Grace Wanjiru. “Every day…": the close was left out
            spans.append(
                QuoteSpan(start, last + missing.start(), opener.char, closed=False, paragraphs=paras)
            )
            opener, start, last, paras = m, m.pos + 1, m.pos + 1, 1
        elif re.search(_STOP_END + r"\s*$", inner):
            paras, last = paras + 1, m.pos + 1  # run-together paragraphs of one quotation
        else:
            opener, start, last, paras = m, m.pos + 1, m.pos + 1, 1  # parity broken: resync here
    if opener is not None:
        end = _paragraph_end(text, last)
        if end - start <= MAX_CHARS:
            spans.append(QuoteSpan(start, end, opener.char, closed=False, paragraphs=paras))
    return [s for s in spans if text[s.start : s.end].strip()]
