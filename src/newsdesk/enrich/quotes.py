"""Quotations and who said them: marks paired by quote_marks, speakers found by cue rules and syntax.

Each quotation is ``full`` (a sentence or more of its own: ``"…," Sessions
said`` / ``Mr Clarke said: "…"``) or ``partial`` (a few quoted words inside
reported speech: ``said the plan was "aggressive"``), so users can filter.

Full quotations are attributed by cue rules around the marks, which cover the
shapes of news copy without a parser:

* after the quote: ``"…," Sessions said`` / ``said Sessions`` / ``he told the
  BBC`` / ``the board said in a statement`` / ``according to the department``;
* before it: ``Sessions said: "…"``, also when the colon ends the paragraph
  before (``Paul Boateng MP, Labour's Chief Secretary, said:`` ¶ ``"…"``);
* none of its own: the speaker of the quote just before, when nobody else is
  named in between (an interrupted quote, a run of quoted paragraphs).

What the rules cannot read, and every partial quote, goes to the dependency
parser, run only on those sentences (``parse``): the speaker is the subject of
the nearest reporting verb above the quotation ("X told MPs the government
had inherited a system "on the brink of collapse"" -> X), or the object of
"according to". Phrases become entities in speakers.py. Offsets are character
offsets into the body, covering the text between the marks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import quote_languages, quote_marks
from .names import ArticleEntity, norm
from .speakers import Attributor

MIN_WORDS = 4  # shorter quoted strings are quotes only inside reported speech
CUES = (
    "said", "says", "say", "told", "tells", "added", "adds", "stated", "asked", "declared", "continued",
    "explained", "noted", "wrote", "writes", "argued", "insisted", "warned", "replied", "commented",
    "remarked", "announced", "predicted", "acknowledged", "conceded", "recalled", "testified", "cautioned",
    "complained", "urged", "observed", "stressed", "emphasized", "emphasised", "maintained", "responded",
    "concluded", "claimed", "suggested", "tweeted", "raged", "admitted", "observed", "saying", "adding",
    "fumed", "joked", "revealed", "confirmed", "agreed", "pleaded", "vowed", "promised", "blasted",
)  # fmt: skip
# verbs whose subject is the speaker of a quoted phrase inside their clause
REPORTING = set(CUES) | {
    "call", "called", "calling", "calls", "describe", "described", "describing", "describes", "accused",
    "accusing", "accuses", "termed", "terming", "branded", "labelled", "labeled", "dismissed", "hailed",
    "praised", "condemned", "criticised", "criticized", "warns", "urges", "pledged", "denied", "defended",
    "slammed", "citing", "cited", "believes", "believed", "thinks", "felt", "feels", "hopes", "expects",
    "expected", "insists", "argues", "claims", "admits", "promises", "vows", "wants", "welcomed",
    "attacked", "blamed", "told", "tell", "telling", "say", "speaking", "spoke", "apologised",
    "apologized", "announcing", "insisting", "warning", "arguing", "stating", "suggesting", "signaled",
    "signalled", "explaining", "observing", "promising", "hit",
}  # fmt: skip
CUE_RE = "(?:" + "|".join(CUES) + ")"
_CUE_TAIL = (
    r"(?:\s+(?:in|on)\s+a\s+(?:statement|interview|speech|letter|memo|news\s+conference|press\s+release))?"
)
_NOT_QUOTE_BEFORE = re.compile(
    r"(?:so-called|dubbed|nicknamed|known\s+as|titled|entitled|headlined|marked)\s*$", re.I
)

Parse = Callable[[Sequence[tuple[int, int]]], list[tuple[int, Any]]]  # char ranges -> (offset, parsed doc)


@dataclass
class Quote:
    """One quotation; ``speaker`` is a canonical name ('' if unattributed)."""

    text: str
    start: int
    end: int
    speaker: str = ""
    speaker_type: str = ""
    cue: str = ""
    kind: str = "full"  # "full" | "partial"
    speaker_entity: ArticleEntity | None = field(default=None, repr=False, compare=False)


ENGLISH_RULES = {None, "", "en", "und"}  # languages read with the English cues and parser (und: unknown)


def find_spans(text: str, lang: str | None = None) -> list[tuple[int, int]]:
    """(start, end) of the text of each quotation (continuation marks inside multi-paragraph ones)."""
    return [(s.start, s.end) for s in quote_marks.find_spans(text, lang)]


_SENT_END = re.compile(r"[.!?][\"\u201d'\u2019]?\s+(?=[A-Z\"\u201c\u2018'])|\n\s*\n")


def sentence_start(s: str, at_start: bool = False) -> int:
    """Offset in ``s`` where its last sentence begins; -1 if none (0 if ``at_start``)."""
    best = 0 if at_start else -1
    for m in _SENT_END.finditer(s):
        word = re.search(r"([\w.]+)[.!?]$", s[: m.start() + 1])
        w = word.group(1) if word else ""
        if m.group().startswith(".") and w[:1].isupper() and len(w.replace(".", "")) <= 3:
            continue  # "U.S. Treasury", "Gen. Sessions", "Mr. Baker"
        best = m.end()
    return best


def sentence_end(text: str, pos: int, limit: int = 300) -> int:
    """Offset just past the sentence that runs on at ``pos`` (a stop followed by space, or a paragraph end)."""
    window = text[pos : pos + limit]
    for m in re.finditer(r"[.!?](?=[\"\u201d'\u2019]?(?:\s|$))|\n\s*\n", window):
        word = re.search(r"([\w.]+)$", window[: m.start()])
        w = word.group(1) if word else ""
        if m.group() == "." and w[:1].isupper() and len(w.replace(".", "")) <= 3:
            continue
        return pos + m.end()
    return min(len(text), pos + limit)


def _clean_quote(raw: str) -> str:
    for mark in '"\u201c\u201d\u00ab\u00bb\u201e\u300c\u300d\u300e\u300f\u301d\u301e\u301f\uff02\u2039\u203a\u201a\u2018':
        raw = raw.replace(mark, " ")
    raw = re.sub(r"(?:(?<=\s)|^)['\u2019]|['\u2019](?=\s|$)", " ", raw) if raw.count("\u2018") == 0 else raw
    return " ".join(raw.split()).rstrip(",")


_FUNCTION_WORDS = {
    "of", "to", "in", "on", "for", "and", "or", "but", "as", "at", "by", "with", "from", "that", "which",
    "because", "if", "when", "than", "while", "after", "before", "over", "about", "into", "since", "so",
    "he", "she", "they", "it", "we", "said", "says", "was", "were", "is", "are", "had", "has", "would",
    "will", "could", "should", "might", "can", "may", "according", "until", "unless", "though", "although",
}  # fmt: skip


_DETERMINERS = {
    "a", "an", "the", "its", "his", "her", "their", "our", "of", "new", "two", "three", "some", "most",
    "any", "no", "more", "including", "these", "those", "this", "that", "such", "so", "other",
}  # fmt: skip


def _kind(text: str, start: int, end: int, body: str) -> str | None:
    """'full', 'partial', or None for a quoted name, title or scare quote."""
    before = text[max(0, start - 1 - 60) : start - 1]
    prev = before.rstrip()[-1:] if before.strip() else ""
    nwords = len(body.split())
    sentence = text[max(0, start - 300) : start]
    sentence = sentence[max(0, sentence_start(sentence, True)) :]
    if (
        prev == ""
        or prev in ".!?:;\u2014\u2013-\n"
        or prev in "\"\u201d\u2019'"
        or (prev == "," and nwords >= 3)
    ):
        return "full" if nwords >= 2 else None
    words = re.findall(r"[\w'\u2019-]+", body)
    if _NOT_QUOTE_BEFORE.search(before) or (len(words) >= 2 and all(w[:1].isupper() for w in words)):
        return None  # so-called "sanctuary" cities; the film "Star Wars"
    verb_before = re.search(r"\b" + CUE_RE + r"\s*$", before)
    if verb_before and body[:1].isupper() and nwords >= MIN_WORDS:
        return "full"  # Hill said "We are done here."
    if nwords >= 8 and re.search(r"[.!?]$", body):
        return "full"  # Ryan said "you always have to look at the stock on weakness."
    if nwords >= MIN_WORDS:
        return "partial"
    nxt = re.match(r"\s+([a-z]+)\b", text[end + 1 : end + 30])
    word_before = (re.findall(r"[A-Za-z]+", before[-20:]) or [""])[-1].lower()
    modifier = word_before in _DETERMINERS or (nwords == 1 and body[:1].isupper())
    if nwords <= 2 and nxt and nxt.group(1) not in _FUNCTION_WORDS and modifier:
        return None  # a quoted modifier: "B" shares, a "material adverse" effect
    around = re.sub(r"so-called", "", sentence + text[start : sentence_end(text, start)], flags=re.I)
    has_verb = (
        any(w.lower() in REPORTING for w in re.findall(r"[A-Za-z]+", around)) or "according to" in around
    )
    return "partial" if has_verb else None


def extract(
    text: str, entities: dict[str, ArticleEntity], parse: Parse | None = None, lang: str | None = None
) -> list[Quote]:
    """Every quotation in ``text``, attributed where possible; ``parse`` (optional) parses char ranges.

    ``lang`` is the article's ISO 639-1 code: English (or unknown) copy gets the cue rules and the
    parser; any other language its own quote marks and a speaker only where the entity stage
    named one in the quote's sentence (quote_languages.py); ``parse`` is ignored there."""
    pending = begin(text, entities, lang)
    ranges = pending.ranges()
    return pending.finish(parse(ranges) if parse is not None and ranges else None)


@dataclass
class Pending:
    """One article's quotations after the rules: :meth:`ranges` are the sentences left for the
    parser, :meth:`finish` reads its parses. Two steps, so that enrichment can parse the
    sentences of a whole batch of articles in one call (ner.py) instead of one per article."""

    text: str
    quotes: list[Quote]
    att: Attributor | None = None
    todo: list[int] = field(default_factory=list)

    def ranges(self) -> list[tuple[int, int]]:
        """The char ranges to parse: the clause of each quotation the rules left."""
        return [_clause(self.text, self.quotes[k]) for k in self.todo]

    def finish(self, parsed: list[tuple[int, Any]] | None) -> list[Quote]:
        """The quotations, re-attributed with ``parsed`` ((offset, doc) per range) when given."""
        if parsed and self.att is not None:
            # a second pass in order, so "he said" can lean on the speakers found before it
            self.att.speakers.clear()
            _attribute_all(self.att, self.text, self.quotes, dict(zip(self.todo, parsed, strict=True)))
        return self.quotes


def begin(text: str, entities: dict[str, ArticleEntity], lang: str | None = None) -> Pending:
    """The quotations of ``text`` attributed by the rules alone (:func:`extract`'s first step)."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]  # "pt-BR" -> "pt"
    if code not in ENGLISH_RULES:
        return Pending(text, _extract_other(text, entities, code))
    quotes: list[Quote] = []
    for start, end in find_spans(text):
        body = _clean_quote(text[start:end])
        if not re.search(r"\w", body):
            continue
        kind = _kind(text, start, end, body)
        if kind is None:
            continue
        quotes.append(Quote(text=body, start=start, end=end, kind=kind))
    if not quotes:
        return Pending(text, quotes)  # most articles: no need to index names and titles
    att = Attributor(text, entities)
    # rules first; what they leave (and every partial quote) goes to the parser
    return Pending(text, quotes, att, _attribute_all(att, text, quotes, {}))


def _extract_other(text: str, entities: dict[str, ArticleEntity], lang: str) -> list[Quote]:
    quotes: list[Quote] = []
    for start, end in find_spans(text, lang):
        body = _clean_quote(text[start:end])
        kind = quote_languages.kind(text, start, end, body, lang) if re.search(r"\w", body) else None
        if kind is None:
            continue
        q = Quote(text=body, start=start, end=end, kind=kind)
        who, q.cue = quote_languages.speaker(text, start, end, entities, lang)
        if who is not None:
            q.speaker, q.speaker_type, q.speaker_entity = who.name, who.type, who
        quotes.append(q)
    return quotes


def _attribute_all(
    att: Attributor, text: str, quotes: list[Quote], parsed: dict[int, tuple[int, Any]]
) -> list[int]:
    """Attribute ``quotes`` in order (setting their speaker fields); the indexes the rules left."""
    todo: list[int] = []
    prev: Quote | None = None
    for k, q in enumerate(quotes):
        q.speaker = q.speaker_type = q.cue = ""
        who, cue = _attribute(att, text, q.start, q.end)
        if who is None:
            todo.append(k)
            named_nobody = bool(cue)  # "a pal said": a cue whose speaker the article does not name
            if k in parsed:
                who, cue = _from_parse(att, parsed[k][1], parsed[k][0], q)
            if who is None and q.kind == "partial":
                who, cue = _partial_by_rules(att, text, q)
            inherits = who is None and not named_nobody and q.kind == "full" and prev and prev.speaker
            if inherits and _continues(att, text, prev, q):
                who, cue = prev.speaker_entity, prev.cue
        if isinstance(who, str):
            who = att.named(who, q.start)
        if who is not None:
            q.speaker, q.speaker_type, q.speaker_entity = who.name, who.type, who
            att.speakers.append((q.start, who))
        q.cue = cue
        if q.kind == "full":
            prev = q
    return todo


def _continues(att: Attributor, text: str, prev: Quote, q: Quote) -> bool:
    """Does ``q`` (no attribution of its own) go on from ``prev``: it opens a sentence soon
    after, and nobody else is named in between?"""
    opens = re.search(r"(?:^|[.!?:\n]|[.!?,][\"\u201d\u2019'])\s*$", text[max(0, q.start - 40) : q.start - 1])
    if opens is None or q.start - prev.end > 600:
        return False
    after = min(sentence_end(text, prev.end + 1), q.start - 1)  # prev's own attribution may name others
    between = att.in_range(after, q.start - 1, ("PERSON", "ORG"))
    return all(norm(att.canonical(m.ent).name) == norm(prev.speaker) for m in between)


def _clause(text: str, q: Quote) -> tuple[int, int]:
    """The char range to parse for ``q``: its sentence, without the text of a long full quote."""
    head = text[max(0, q.start - 300) : q.start]
    cut = sentence_start(head, at_start=q.start <= 300)
    lo = q.start - len(head) + max(0, cut)
    if q.kind == "full" and text[lo : q.start - 1].strip() == "":
        prev = text[max(0, lo - 300) : lo].rstrip()
        if prev.endswith(":"):  # the colon sentence before introduces this quote
            lo = lo - 300 + max(0, sentence_start(prev, at_start=lo <= 300)) if lo > 300 else 0
    ends = text[q.end - 1 : q.end] in (".", "!", "?") and re.match(
        r"\s*(?:[A-Z\"“‘]|$)", text[q.end + 1 : q.end + 4]
    )
    hi = q.end + 1 if ends else sentence_end(text, q.end + 1)
    return lo, hi


def _from_parse(att: Attributor, doc: Any, offset: int, q: Quote) -> tuple[ArticleEntity | str | None, str]:
    """The subject of the nearest reporting verb above the quotation in the parse."""
    inside = [t for t in doc if q.start <= t.idx + offset < q.end]
    outside = [t for t in doc if not q.start - 1 <= t.idx + offset <= q.end]
    if not inside:
        return None, ""
    anchor = next((t for t in inside if not q.start <= t.head.idx + offset < q.end or t.head is t), inside[0])
    chain = [anchor]
    while chain[-1].head is not chain[-1] and len(chain) < 30:
        chain.append(chain[-1].head)
    verbs = [t for t in chain if t.idx + offset < q.start or t.idx + offset >= q.end]
    if q.kind == "full" and not verbs:  # the quote is its own sentence: its attribution's root
        verbs = [t for t in outside if t.dep_ == "ROOT" and t.lower_ in REPORTING]
    found: list[tuple[Any, str]] = []  # (subject token, cue), nearest verb first
    for v in verbs:
        acc = [c for c in [v, *v.children] if c.lower_ == "according"]
        for a in acc:
            objs = [o for to in a.children for o in to.children if o.dep_ == "pobj"]
            if objs:
                return _resolve_subtree(att, objs[0], offset, q), "according to"
        if v.lower_ not in REPORTING:
            continue
        subj = _subject(v)
        if subj is not None:
            found.append((subj, v.lower_))
    # "X said she had asked for "y"": a pronoun defers to a named subject higher up
    named = [f for f in found if f[0].lower_ not in ("he", "she", "they", "it", "we", "i")]
    for tok, cue in named[:1] or found[:1]:
        return _resolve_subtree(att, tok, offset, q), cue
    return None, ""


def _subject(verb: Any) -> Any:
    """The nsubj of ``verb``, or of the verb it hangs from ("… and signaled …, citing "x"")."""
    v = verb
    for _ in range(4):
        subj = [c for c in v.children if c.dep_ == "nsubj"]
        if subj:
            return subj[0]
        if v.dep_ not in ("conj", "advcl", "xcomp") or v.head is v:
            return None
        v = v.head
    return None


def _resolve_subtree(att: Attributor, tok: Any, offset: int, q: Quote) -> ArticleEntity | str | None:
    """Resolve a subject token: its phrase up to any relative clause ("X, who chairs …")."""
    at = tok.idx + offset
    own = next((m for m in att.mentions if m.start <= at < m.end and m.ent.type in ("PERSON", "ORG")), None)
    if own is not None:  # "Royal expert Dickie Arbuthnot": the head's own name, not a modifier's
        return att.canonical(own.ent)
    left = tok.left_edge.idx + offset
    right = tok.idx + len(tok.text) + offset
    for c in tok.rights:
        if c.dep_ in ("relcl", "acl", "punct") and c.dep_ != "punct":
            break
        if c.dep_ in ("appos", "compound", "flat", "prep", "punct", "npadvmod", "amod", "nummod"):
            right = max(right, c.right_edge.idx + len(c.right_edge.text) + offset)
    return att.phrase(left, right, q.start)


def _partial_by_rules(att: Attributor, text: str, q: Quote) -> tuple[ArticleEntity | str | None, str]:
    """Without a parse: the speaker phrase before the last reporting verb ahead of the quote."""
    lo, _hi = _clause(text, q)
    before = text[lo : q.start - 1]
    acc = re.match(r"\s*According to ([^,]{2,80}),", before)
    if acc:
        return att.phrase(lo + acc.start(1), lo + acc.end(1), q.start), "according to"
    verbs = [
        m
        for m in re.finditer(r"\b[a-z]+\b", before)
        if m.group() in REPORTING and not re.search(r"\b(?:is|are|was|were|been)\s+$", before[: m.start()])
    ]
    if not verbs:
        return None, ""
    v = verbs[0]
    who = _speaker_before_cue(att, lo, before[: v.start()], q.start)
    return (who, v.group()) if who is not None else (None, "")


_LEAD = r"^\s*[,?!\-–—]*\s*"
_CUE_AT = re.compile(r"\b(?P<cue>" + CUE_RE + r")\b(?P<tail>" + _CUE_TAIL + ")")
_ACCORDING = re.compile(r"\b(?P<cue>[Aa]ccording to)\s+")
_PRONOUN_AT = re.compile(r"\b(he|she|they|it|we)\s*$", re.IGNORECASE)
_ARTICLE_AT = re.compile(r"\b(?:the|a|an|its|his|her|their)\s+(?:[\w.'\u2019\-]+\s+){0,3}[\w.\-]+\s*$", re.I)
_CAPS_AT = re.compile(r"(?:[A-Z][\w'.\u2019\-]*\s+){0,4}[A-Z][\w'.\-]*\s*$")


def _cut(s: str) -> int:
    """Where the speaker phrase after a cue ends: the first , ; ! ? or a sentence-ending dot."""
    for m in re.finditer(r"[,;!?:()]|\.(?=\s|$)", s):
        if m.group() != ".":
            return m.start()
        word = re.search(r"([\w.]+)$", s[: m.start()])
        w = word.group(1) if word else ""
        if not (w[:1].isupper() and len(w) <= 4):  # not "Gen." "Atty." "Mr." "U.S."
            return m.start()
    return len(s)


def _speaker_before_cue(att: Attributor, lo: int, s: str, quote_start: int) -> ArticleEntity | str | None:
    """Resolve the words that end ``s`` (the text before a cue verb, at offset ``lo``)."""
    s2 = s.rstrip()
    if s2.endswith(","):  # appositive: "Sessions, the attorney general, said"
        inner = s2[:-1]
        k = inner.rfind(",")
        if k >= 0:
            who = _speaker_before_cue(att, lo, inner[:k], quote_start)
            if who is not None:
                return who
        s2 = inner
    people = [
        m
        for m in att.in_range(lo, lo + len(s2), ("PERSON",))
        if att.text[m.end : m.end + 2] not in ("'s", "’s")
    ]
    ph = None
    for rx in (_PRONOUN_AT, _CAPS_AT, _ARTICLE_AT):
        m = rx.search(s2)
        if m:
            ph = m.start(), m.end()
            break
    who = att.phrase(lo + ph[0], lo + ph[1], quote_start, prefer="last") if ph else None
    if isinstance(who, str) and people and len(s2.split()) <= 15:
        return att.canonical(people[0].ent)  # "Speaking in Leeds, Mr X" read "Speaking" as a name
    if isinstance(who, str) or (who is not None and who.type == "PERSON"):
        return who
    if people and len(s2.split()) <= 15:  # "analyst Philip Fricke of Goldman Sachs said"
        return att.canonical(people[0].ent)
    if who is None and ph is None:  # "He did not give details but said" -> the clause's subject
        m = re.match(r"\s*(he|she|they)\b", s2, re.IGNORECASE)
        return att.phrase(lo + m.start(1), lo + m.end(1), quote_start) if m else None
    return who


def _after_cue(att: Attributor, text: str, lo: int, quote_start: int) -> ArticleEntity | str | None:
    seg = text[lo : lo + 100].replace("\n", " ")
    return att.phrase(lo, lo + _cut(seg), quote_start)


def _attribute(att: Attributor, text: str, start: int, end: int) -> tuple[ArticleEntity | str | None, str]:
    after_lo = end + 1
    window = text[after_lo : after_lo + 160]
    nxt = min((window.find(c) for c in '"\u201c\u2018\u00ab\u201e' if c in window), default=-1)
    if nxt >= 0:
        window = window[:nxt]
    window = window.replace("\n", " ")
    ends_sentence = text[end - 1 : end] in (".", "?", "!") and not re.match(r"\s*[,a-z]", window)
    if re.match(r"\s*\n\s*\n", text[end : end + 4]):
        ends_sentence = True
    if not ends_sentence:
        w0 = re.match(_LEAD, window).end()  # type: ignore[union-attr]
        rest = window[w0:]
        acc = re.match(r"(?P<cue>according to)\s+", rest, re.IGNORECASE)
        cue_m = _CUE_AT.search(rest[:90])
        if acc:
            who = _after_cue(att, text, after_lo + w0 + acc.end(), start)
            if who is not None:
                return who, "according to"
        elif cue_m:
            cue = " ".join((cue_m.group("cue") + cue_m.group("tail")).lower().split())
            head = rest[: cue_m.start()]
            if head.strip(" ,") == "":  # "…," said Sessions
                who = _after_cue(att, text, after_lo + w0 + cue_m.end(), start)
                if who is not None or not cue.endswith("ing"):
                    return who, cue  # "…," said an official: named or not, this is the attribution
            elif len(head.split()) <= 8 and not re.search(r"[.;]\s", head):  # "…," Sessions said
                who = _speaker_before_cue(att, after_lo + w0, head, start)
                if who is not None:
                    return who, cue
    # before the opening mark: from the last sentence end (or previous quote) to the mark
    lo = max(0, start - 1 - 320)
    before = text[lo : start - 1]
    if before.rstrip().endswith(":") and re.search(r"\n\s*\n\s*$", before):
        before = before.rstrip()  # a colon paragraph introducing the quote
    cut = max(
        sentence_start(before), before.rfind('"') + 1, before.rfind("\u201d") + 1, before.rfind("\u2019 ") + 1
    )
    if cut > 0:
        lo, before = lo + cut, before[cut:]
    flat = before.replace("\n", " ")
    acc = _ACCORDING.search(flat)
    bare_cue = re.search(
        r"\b" + CUE_RE + r"(?:\s+(?:the\s+)?[A-Za-z]+){0,2}\s*$", flat
    )  # said "…" / told reporters "…"
    if not acc and not re.search(r"[:,]\s*$", flat) and not bare_cue:
        return None, ""
    if acc:
        seg = flat[acc.end() :]
        who = att.phrase(lo + acc.end(), lo + acc.end() + _cut(seg), start)
        if who is not None:
            return who, "according to"
    cues = [
        m
        for m in _CUE_AT.finditer(flat)
        if not re.search(r"\b(?:is|are|was|were|be|been)\s+$", flat[: m.start()])
    ]
    if cues:
        cue_m = cues[-1]
        who = _speaker_before_cue(att, lo, flat[: cue_m.start()], start)
        cue = " ".join((cue_m.group("cue") + cue_m.group("tail")).lower().split())
        if who is not None or re.search(r"\b" + CUE_RE + r"\b[^.!?]{0,40}[:,]\s*$", flat):
            return who, cue  # a colon after the cue: this clause introduces the quote, named or not
    return None, ""
