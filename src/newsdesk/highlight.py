"""Snippets: the best fragment of an article's body with the query's words in ``<b>…</b>``.

tantivy's SnippetGenerator re-tokenises every body it is given and costs about
60 µs per hit, most of a search's time. Here one regular expression per query
(the query's words and their stems as word prefixes, compiled once) finds
candidate words in C; each candidate is confirmed by running it through the
index's own analyzer (cached), so "sessions" lights up for "session" and
"Jeffrey" does not for "jeff". The fragment is the window of
``SNIPPET_CHARS`` holding the most distinct query words, then the most matches.

Other languages (issue 15): the query's words are also analysed for every other
analysis the search compiled them for (``analyses``, which ``search.plan`` leaves on
the tree it hands on), and a candidate word lights up when its stem under one of
them is that analysis's stem of a query word; folded languages are searched in an
accent-folded copy of the text (``économie`` for ``economie``). CJK query words are
found as they are written (the index matched their bigrams in order), and a CJK
snippet starts after a sentence end (。！？) rather than at a space.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from . import query as query_mod
from .analyzers import ANALYSES, ENGLISH, FOLDED, stem
from .index.languages import CJK_CHAR, CJK_RUN
from .query.compile import fold
from .query.languages import HEBREW, hebrew_stems
from .query.parse import _Required

SNIPPET_CHARS = 220
HIGHLIGHT_FIELDS = ("text", "title", "body")
MAX_MATCHES = 64
_WORD_END = re.compile(r"\w*")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    terms = query_mod.STEM_ANALYZER.analyze(word)
    return terms[0] if len(terms) == 1 else ""


def query_words(node: query_mod.Node) -> tuple[set[str], set[str]]:
    """(stems, prefixes) of the words a query asks for in the text fields, not negated."""
    stems: set[str] = set()
    prefixes: set[str] = set()
    if isinstance(node, query_mod.Term | query_mod.Phrase) and node.field == "entity":
        stems.update(query_mod.STEM_ANALYZER.analyze(node.text))  # entity:"James Baker": its words
    elif isinstance(node, query_mod.Term | query_mod.Phrase) and node.field in HIGHLIGHT_FIELDS:
        if isinstance(node, query_mod.Term) and node.wildcard:
            prefix = node.text.rstrip("*?").lower()
            if len(prefix) >= 2:
                prefixes.add(prefix)
        else:
            stems.update(query_mod.STEM_ANALYZER.analyze(node.text.replace("\\", "")))
    elif isinstance(node, query_mod.Bool):
        for child in node.must + node.should:
            s, p = query_words(child)
            stems |= s
            prefixes |= p
    elif isinstance(node, query_mod.Fuzzy) and node.field in HIGHLIGHT_FIELDS:
        stems.update(query_mod.STEM_ANALYZER.analyze(node.text))  # the word as typed; its variants are not marked
    elif isinstance(node, _Required):  # +required wrapper (a lone -negation is not highlighted)
        return query_words(node.node)
    return stems, prefixes


def _text_words(node: query_mod.Node) -> list[str]:
    """The texts of the positive, non-wildcard words and phrases in the text fields."""
    if isinstance(node, query_mod.Term | query_mod.Phrase) and node.field in (*HIGHLIGHT_FIELDS, "entity"):
        return [] if isinstance(node, query_mod.Term) and node.wildcard else [node.text.replace("\\", "")]
    if isinstance(node, query_mod.Fuzzy) and node.field in HIGHLIGHT_FIELDS:
        return [node.text]
    if isinstance(node, query_mod.Bool):
        return [w for child in node.must + node.should for w in _text_words(child)]
    if isinstance(node, _Required):
        return _text_words(node.node)
    return []


def language_words(node: query_mod.Node, analyses: tuple[str, ...]) -> tuple[dict[str, set[str]], set[str]]:
    """({analysis: stems} for the non-English analyses, CJK runs as written) of a query."""
    words = _text_words(node)
    stems = {a: {st for w in words for st in query_mod.analyze("text", w, a)}
             for a in analyses if a not in (ENGLISH, "cjk")}
    runs = {run for w in words for run in CJK_RUN.findall(w)} if "cjk" in analyses else set()
    # a run the text splits (纽约一名保姆 for 纽约保姆) lights up by the bigrams the query required
    cjk = runs | {run[i : i + 2] for run in runs if len(run) > 2 for i in range(0, len(run) - 1, 2)}
    cjk |= {run[-2:] for run in runs if len(run) > 2}
    return {a: st for a, st in stems.items() if st}, cjk


def _fold_chars(text: str) -> str:
    """``text`` with each accented letter as its base letter, one character for one
    (so positions stay those of ``text``)."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    folded = fold(c)
    return folded if len(folded) == 1 else c


class Highlighter:
    """Cuts highlighted snippets for one query; build once per search, use for every hit."""

    def __init__(
        self,
        stems: set[str],
        prefixes: set[str] = frozenset(),
        chars: int = SNIPPET_CHARS,
        lang_stems: dict[str, set[str]] | None = None,
        cjk: set[str] = frozenset(),
    ) -> None:
        self.stems = stems
        self.prefixes = tuple(sorted(prefixes))
        self.chars = chars
        self.lang_stems = lang_stems or {}
        self.cjk = tuple(sorted(cjk, key=lambda run: (-len(run), run)))  # longest first, then in a fixed order
        # a stem is usually a prefix of its surface forms; Snowball's y->i ("polici") is not
        starts = {st[:-1] if st.endswith("i") and len(st) > 3 else st for st in stems} | set(prefixes)
        starts |= {st for group in self.lang_stems.values() for st in group if not CJK_CHAR.search(st)}
        self._starts = tuple(sorted(st for st in starts if st))
        self._folded = any(a in FOLDED for a in self.lang_stems)
        # Arabic stems lose prefixes (ال، و، ب), Hebrew words gain them (ב, ה, ו...): the start
        # of such a query word is inside the word in the text
        hebrew = {st for st in self.lang_stems.get("simple", ()) if HEBREW.match(st)}
        self._infix = frozenset(self.lang_stems.get("ar", ())) | hebrew
        #: what the snippets depend on besides the text: two highlighters with one signature
        #: cut the same snippet from an article (search.memo keeps snippets by it)
        self.signature = (frozenset(stems), self.prefixes, chars,
                          frozenset((a, frozenset(st)) for a, st in self.lang_stems.items()), self.cjk)

    @classmethod
    def for_query(
        cls, tree: query_mod.Node, chars: int = SNIPPET_CHARS, analyses: tuple[str, ...] | None = None
    ) -> Highlighter:
        """``analyses``: those the query was compiled for (default: what the plan left on the tree)."""
        stems, prefixes = query_words(tree)
        analyses = analyses or getattr(tree, "analyses", None) or ANALYSES
        lang_stems, cjk = language_words(tree, tuple(analyses)) if analyses != (ENGLISH,) else ({}, set())
        return cls(stems, prefixes, chars, lang_stems, cjk)

    def _matches(self, text: str) -> list[tuple[int, int, str]]:
        """Query words in ``text``: found with str.find on the lower-cased text (C speed),
        extended to the whole word, confirmed through the analyzer."""
        if not self._starts and not self.cjk:
            return []
        lower = text.lower()
        if len(lower) != len(text):  # a few non-ASCII letters change length when lower-cased
            lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        found: dict[int, tuple[int, int, str]] = {}
        sources = [lower]
        if self._folded and not lower.isascii():
            folded = _fold_chars(lower)
            if folded != lower:
                sources.append(folded)
        if len(sources) == 1 and not self._infix:
            self._find_words(lower, found)
        else:
            self._find_words_anywhere(lower, sources, found)
        for run in self.cjk:  # longest first: a longer query word wins over a part of it
            pos = text.find(run)
            while pos != -1 and len(found) < MAX_MATCHES:
                end = pos + len(run)
                if not any(s < end and pos < e for s, e, _k in found.values()):  # no overlap either way
                    found[pos] = (pos, end, run)
                pos = text.find(run, pos + len(run))
        return [found[k] for k in sorted(found)]

    def _find_words(self, lower: str, found: dict[int, tuple[int, int, str]]) -> None:
        """:meth:`_find_words_anywhere` for one source and no infix words (English and most
        languages), with its look-ups held in locals: a third less time a snippet."""
        find, word_end, key_of, prefixes = lower.find, _WORD_END.match, self._key, self.prefixes
        for start in self._starts:
            pos = find(start)
            while pos != -1 and len(found) < MAX_MATCHES:
                if pos == 0 or not lower[pos - 1].isalnum():
                    end = word_end(lower, pos).end()  # type: ignore[union-attr]
                    word = lower[pos:end]
                    key = key_of(word)
                    if key:
                        found[pos] = (pos, end, key)
                    elif prefixes and word.startswith(prefixes):
                        found[pos] = (pos, end, word)
                    pos = find(start, end)
                else:
                    pos = find(start, pos + 1)

    def _find_words_anywhere(
        self, lower: str, sources: list[str], found: dict[int, tuple[int, int, str]]
    ) -> None:
        """Each start in each source (the text, its accent-folded copy): at a word start, or
        inside a word for the infix words (Arabic, Hebrew), each extended to its whole word."""
        for start in self._starts:
            for src in sources:
                pos = src.find(start)
                while pos != -1 and len(found) < MAX_MATCHES:
                    if pos and src[pos - 1].isalnum() and start in self._infix:
                        back = pos
                        while back and lower[back - 1].isalnum():
                            back -= 1
                        end = _WORD_END.match(lower, pos).end()
                        key = self._key(lower[back:end])
                        if key:
                            found[back] = (back, end, key)
                        pos = src.find(start, end)
                    elif pos == 0 or not src[pos - 1].isalnum():
                        end = _WORD_END.match(lower, pos).end()
                        word = lower[pos:end]
                        key = self._key(word)
                        if key:
                            found[pos] = (pos, end, key)
                        elif self.prefixes and word.startswith(self.prefixes):
                            found[pos] = (pos, end, word)
                        pos = src.find(start, end)
                    else:
                        pos = src.find(start, pos + 1)

    def _key(self, word: str) -> str:
        """The query word ``word`` stands for ("" if none): its English stem, else its stem in
        one of the query's other analyses (tagged with the analysis)."""
        key = _stem(word)
        if key in self.stems:
            return key
        for analysis, stems in self.lang_stems.items():
            key = stem(word, analysis)
            if key in stems:
                return f"{analysis}:{key}"
            if analysis == "simple" and HEBREW.match(word):
                for bare in hebrew_stems(key)[1:]:
                    if bare in stems:
                        return f"{analysis}:{bare}"
        return ""

    def snippet(self, body: str, title: str = "") -> str:
        """HTML: the best window of ``body`` (or the title if no body), matches in <b>…</b>."""
        text = body or title
        matches = self._matches(text)
        if not matches:
            return escape(_lead(text, self.chars), quote=False)
        start, end = self._best_window(text, matches)
        window = text[start:end]
        esc = _escape if "&" in window or "<" in window or ">" in window else _as_is
        out = []
        pos = start
        for m_start, m_end, _key in matches:
            if m_start < start or m_end > end:
                continue
            out.append(esc(text[pos:m_start]))
            out.append("<b>" + esc(text[m_start:m_end]) + "</b>")
            pos = m_end
        out.append(esc(text[pos:end]))
        return " ".join("".join(out).split())

    def _best_window(self, text: str, matches: list[tuple[int, int, str]]) -> tuple[int, int]:
        # slide a window of ``chars`` over the matches (two pointers): most distinct words wins
        best = (-1, -1, 0)
        counts: dict[str, int] = {}
        j = 0
        n, chars = len(matches), self.chars
        for i in range(min(n, 24)):
            m_start = matches[i][0]
            stop = (m_start - 40 if m_start > 40 else 0) + chars
            while j < n and matches[j][1] <= stop:
                key = matches[j][2]
                counts[key] = counts.get(key, 0) + 1
                j += 1
            score = (len(counts), j - i)
            if score > best[:2]:
                best = (*score, m_start)
            if j > i:
                key = matches[i][2]
                counts[key] -= 1
                if not counts[key]:
                    del counts[key]
            else:
                j = i + 1
        start = _sentence_start(text, best[2], self.chars // 2)
        end = min(len(text), start + self.chars)
        if end < len(text):
            cut = text.rfind(" ", start, end)
            end = cut if cut > best[2] else end
        return start, end


def _escape(text: str) -> str:
    return escape(text, quote=False)


def _as_is(text: str) -> str:
    return text


_SENTENCE_END = re.compile(r"[a-z0-9%)\"'”][.!?][\"'”]?\s+(?=[A-Z\"“])")


def _abbreviation(text: str, period: int) -> bool:
    """Is the word ending at ``period`` a short capitalised abbreviation (Mr, Gen, Atty, Calif)?"""
    word_start = text.rfind(" ", 0, period) + 1
    word = text[word_start:period]
    return len(word) <= 5 and word[:1].isupper()


def _sentence_start(text: str, match: int, lookback: int) -> int:
    """Where the fragment should begin: the start of the match's sentence if it is near,
    else a word boundary shortly before the match ("Atty. Gen." is not a sentence end)."""
    lo = max(0, match - lookback)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, match) if not _abbreviation(text, m.start() + 1)]
    if ends:
        return ends[-1]
    if lo == 0:
        return 0
    if CJK_CHAR.match(text, match):  # no spaces to cut at: after the sentence's end (。！？), or near
        cjk_end = max(text.rfind(mark, max(0, match - lookback // 2), match) for mark in "。！？")
        return cjk_end + 1 if cjk_end != -1 else max(lo, match - 20)
    space = text.find(" ", max(0, match - 40), match)
    return space + 1 if space != -1 else match


def _lead(text: str, chars: int) -> str:
    lead = " ".join(text.split())
    if len(lead) > chars:
        cut = lead.rfind(" ", 0, chars)
        # at a space near the end of the window; CJK text has none to cut at: at the window
        lead = lead[: cut if cut > chars * 0.6 else chars] + "…"
    return lead
