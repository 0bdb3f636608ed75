"""Direct quotations and who said them, by rules over the text and the article's entities.

Wire copy attributes quotes in a handful of shapes, which these rules cover
without a parser (so enrichment needs only spaCy's tokenizer and NER):

* after the quote: ``"…," Sessions said`` / ``"…," said Sessions`` /
  ``"…," he said`` / ``"…," the attorney general said in a statement`` /
  ``"…," according to the department``;
* before it: ``Sessions said: "…"`` / ``According to Sessions, "…"``;
* no attribution of its own: the speaker of the quote just before, when nobody
  else is named in between (an interrupted quote ``"…," Sessions said. "…"``
  is two quotes with one speaker; so is a run of quoted paragraphs).

A quotation running over paragraphs (wire style: no closing mark at the end of
a paragraph, an opening mark at the start of the next) is one quote. Pronouns
resolve to the nearest preceding person; "the attorney general" to the person
whose stripped title matches; "the department"/"the company" to an organisation.
Offsets are character offsets into the body, covering the text between the marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import ArticleEntity, norm

MIN_WORDS = 4  # shorter quoted strings are scare quotes, titles or fragments
MAX_CHARS = 3000
CUES = (
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adds",
    "stated",
    "asked",
    "declared",
    "continued",
    "explained",
    "noted",
    "wrote",
    "writes",
    "argued",
    "insisted",
    "warned",
    "replied",
    "commented",
    "remarked",
    "announced",
    "predicted",
    "acknowledged",
    "conceded",
    "recalled",
    "testified",
    "cautioned",
    "complained",
    "urged",
    "observed",
    "stressed",
    "emphasized",
    "maintained",
    "responded",
    "concluded",
    "claimed",
    "suggested",
    "tweeted",
)
CUE_RE = "(?:" + "|".join(CUES) + ")"
_CUE_TAIL = (
    r"(?:\s+(?:in|on)\s+a\s+(?:statement|interview|speech|letter|memo|news\s+conference|press\s+release))?"
)
_OPEN = {'"', "\u201c"}
_CLOSE = {'"', "\u201d"}
_GENERIC_ORG = {
    "company",
    "firm",
    "group",
    "bank",
    "agency",
    "ministry",
    "department",
    "government",
    "board",
    "union",
    "council",
    "committee",
    "office",
    "corporation",
    "administration",
    "association",
    "commission",
    "authority",
    "exchange",
    "fund",
    "party",
    "court",
}


@dataclass
class Quote:
    """One direct quotation; ``speaker`` is a canonical name ('' if unattributed)."""

    text: str
    start: int
    end: int
    speaker: str = ""
    speaker_type: str = ""
    cue: str = ""


def find_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the text between quotation marks; multi-paragraph quotes joined."""
    spans: list[tuple[int, int]] = []
    start = -1
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if start < 0:
            if c in _OPEN:
                start = i + 1
        elif c in _CLOSE or c in _OPEN:
            line_start = text.rfind("\n", 0, i)
            at_line_start = text[line_start + 1 : i].strip() == "" and line_start >= start
            if at_line_start and c != "\u201d":
                pass  # a new paragraph re-opening the same quotation
            else:
                spans.append((start, i))
                start = -1
        elif c == "\n" and text.startswith("\n", i + 1) and start >= 0:
            # paragraph break: continues only if the next paragraph opens with a mark
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] not in _OPEN:
                spans.append((start, i))
                start = -1
            else:
                i = j  # skip the re-opening mark
        if start >= 0 and i - start > MAX_CHARS:
            start = -1
        i += 1
    return spans


_SENT_END = re.compile(r"[.!?][\"\u201d']?\s+(?=[A-Z\"\u201c])|\n\s*\n")


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


def _clean_quote(raw: str) -> str:
    return " ".join(raw.replace("\u201c", " ").replace('"', " ").split()).rstrip(",")


@dataclass
class _Mention:
    start: int
    end: int
    ent: ArticleEntity


class Attributor:
    """Resolves speaker phrases to the article's entities."""

    def __init__(self, text: str, entities: dict[str, ArticleEntity]) -> None:
        self.text = text
        self.entities = entities
        self.mentions = sorted(
            (_Mention(s, e, ent) for ent in entities.values() for s, e in ent.spans),
            key=lambda m: m.start,
        )
        self.by_word: dict[str, ArticleEntity] = {}
        for ent in entities.values():
            if ent.type == "PERSON":
                for w in ent.name.split():
                    self.by_word.setdefault(w.lower(), ent)
        # surnames of the article's people where the model missed them ("Lopez disagreed.")
        surnames = {
            e.name.split()[-1]: e
            for e in entities.values()
            if e.type == "PERSON" and len(e.name.split()) > 1 and len(e.name.split()[-1]) > 2
        }
        if surnames:
            taken = [(m.start, m.end) for m in self.mentions]
            rx = re.compile(r"\b(" + "|".join(re.escape(w) for w in surnames) + r")\b")
            for hit in rx.finditer(text):
                if not any(a <= hit.start() < b for a, b in taken):
                    self.mentions.append(_Mention(hit.start(), hit.end(), surnames[hit.group(1)]))
            self.mentions.sort(key=lambda m: m.start)

    def in_range(
        self, lo: int, hi: int, types: tuple[str, ...] = ("PERSON", "ORG", "GPE", "NORP")
    ) -> list[_Mention]:
        return [m for m in self.mentions if m.start >= lo and m.end <= hi and m.ent.type in types]

    def nearest_before(self, pos: int, types: tuple[str, ...]) -> ArticleEntity | None:
        """The last entity of these types before ``pos``, preferring a sentence subject
        ("Lopez disagreed. She said" -> Lopez, not someone named as an object since)."""
        best = subject = None
        for m in self.mentions:
            if m.end > pos:
                break
            if m.ent.type in types:
                best = m.ent
                head = self.text[max(0, m.start - 60) : m.start]
                cut = sentence_start(head, at_start=m.start <= 60)
                possessive = self.text[m.end : m.end + 2] in ("'s", "\u2019s")
                if cut >= 0 and len(head[cut:].split()) <= 4 and not possessive:
                    subject = m.ent
        return subject or best

    def phrase(
        self, phrase: str, lo: int, hi: int, quote_start: int, prefer: str = "last"
    ) -> ArticleEntity | str | None:
        """The entity (or a bare name) that ``text[lo:hi]`` == ``phrase`` refers to."""
        found = self.in_range(lo, hi)
        if found:
            people = [m for m in found if m.ent.type == "PERSON"] or found
            return people[0].ent if prefer == "first" else people[-1].ent
        words = re.findall(r"[\w'.-]+", phrase)
        if not words:
            return None
        first = words[0].lower()
        if first in ("he", "she"):
            return self.nearest_before(quote_start, ("PERSON",))
        if first in ("they", "it", "we"):
            return self.nearest_before(quote_start, ("ORG", "GPE"))
        if first in ("the", "a", "an", "its", "his", "her", "their"):
            rest = [w.lower().strip(".") for w in words[1:]]
            if not rest:
                return None
            head = rest[-1]
            # "the attorney general", "the spokesman" -> the nearest person carrying that title
            titled = [m for m in self.mentions if m.end <= quote_start and head in m.ent.titles]
            if not titled:
                titled = [m for m in self.mentions if head in m.ent.titles and m.ent.type == "PERSON"]
            if titled:
                return titled[-1].ent if titled[-1].end <= quote_start else titled[0].ent
            for m in reversed(self.mentions):  # "the department" -> the Justice Department
                if m.end <= quote_start and m.ent.type == "ORG" and m.ent.name.lower().split()[-1] == head:
                    return m.ent
            if head in _GENERIC_ORG and first == "the":
                return self.nearest_before(quote_start, ("ORG",))
            return None  # "a senior official", "the diplomat": nobody the article names
        caps = [w for w in words if w[:1].isupper()]
        if caps and len(caps) == len(words) and len(words) <= 4:
            ent = self.by_word.get(words[-1].lower().strip("."))
            return ent if ent is not None else " ".join(words)
        return None


_LEAD = r"^\s*[,?!\-–—]*\s*"
_CUE_AT = re.compile(r"\b(?P<cue>" + CUE_RE + r")\b(?P<tail>" + _CUE_TAIL + ")")
_ACCORDING = re.compile(r"\b(?P<cue>[Aa]ccording to)\s+")
_PRONOUN_AT = re.compile(r"\b(he|she|they|it|we)\s*$", re.IGNORECASE)
_ARTICLE_AT = re.compile(
    r"\b(?:the|a|an|its|his|her|their)\s+(?:[\w.\-]+\s+){0,3}[\w.\-]+\s*$", re.IGNORECASE
)
_CAPS_AT = re.compile(r"(?:[A-Z][\w'.\-]*\s+){0,4}[A-Z][\w'.\-]*\s*$")


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


def _phrase_before(s: str) -> tuple[int, int] | None:
    """The speaker phrase that ends ``s`` (text up to a cue verb): offsets into ``s``."""
    s2 = s.rstrip()
    for rx in (_PRONOUN_AT, _CAPS_AT, _ARTICLE_AT):
        m = rx.search(s2)
        if m:
            return m.start(), m.end()
    return None


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
        if att.text[m.end : m.end + 2] not in ("'s", "\u2019s")
    ]
    ph = _phrase_before(s2)
    who = att.phrase(s2[ph[0] : ph[1]], lo + ph[0], lo + ph[1], quote_start) if ph else None
    if isinstance(who, str) or (who is not None and who.type == "PERSON"):
        return who
    if people and len(s2.split()) <= 15:  # "analyst Philip Fricke of Goldman Sachs said"
        return people[0].ent
    if who is None and ph is None:  # "He did not give details but said" -> the clause's subject
        m = re.match(r"\s*(he|she|they)\b", s2, re.IGNORECASE)
        return att.phrase(m.group(1), lo + m.start(1), lo + m.end(1), quote_start) if m else None
    return who


def extract(text: str, entities: dict[str, ArticleEntity]) -> list[Quote]:
    """Every direct quotation of MIN_WORDS words or more in ``text``, attributed where possible."""
    att = Attributor(text, entities)
    quotes: list[Quote] = []
    prev: Quote | None = None
    prev_close = 0
    for start, end in find_spans(text):
        body = _clean_quote(text[start:end])
        if len(body.split()) < MIN_WORDS:
            continue
        q = Quote(text=body, start=start, end=end)
        who, cue = _attribute(att, text, start, end)
        opens_sentence = (
            re.search(r"(?:^|[.!?:\n]|[.!?]\")\s*$", text[max(0, start - 40) : start - 1]) is not None
        )
        if who is None and opens_sentence and prev is not None and prev.speaker and start - prev_close < 400:
            others = [
                m
                for m in att.in_range(prev_close, start - 1, ("PERSON",))
                if norm(m.ent.name) != norm(prev.speaker)
            ]
            if not others:
                who, cue = prev.speaker, prev.cue
                q.speaker_type = prev.speaker_type
        if isinstance(who, ArticleEntity):
            q.speaker, q.speaker_type = who.name, who.type
        elif isinstance(who, str):
            q.speaker = who
            q.speaker_type = q.speaker_type or "PERSON"
        q.cue = cue
        quotes.append(q)
        prev, prev_close = q, end + 1
    return quotes


def _attribute(att: Attributor, text: str, start: int, end: int) -> tuple[ArticleEntity | str | None, str]:
    after_lo = end + 1
    window = text[after_lo : after_lo + 160]
    nxt = min((window.find(c) for c in '"\u201c' if c in window), default=-1)
    if nxt >= 0:
        window = window[:nxt]
    window = window.replace("\n", " ")
    ends_sentence = text[end - 1 : end] == "." and not window.lstrip().startswith(",")
    if not ends_sentence:
        lead = re.match(_LEAD, window)
        w0 = lead.end() if lead else 0
        rest = window[w0:]
        acc = re.match(r"(?P<cue>according to)\s+", rest, re.IGNORECASE)
        cue_m = _CUE_AT.search(rest[:90])
        if acc:
            lo = after_lo + w0 + acc.end()
            seg = text[lo : lo + 100].replace("\n", " ")
            seg = seg[: _cut(seg)]
            who = att.phrase(seg, lo, lo + len(seg), start, prefer="first")
            if who is not None:
                return who, "according to"
        elif cue_m:
            cue = " ".join((cue_m.group("cue") + cue_m.group("tail")).lower().split())
            head = rest[: cue_m.start()]
            if head.strip(" ,") == "":  # "…," said Sessions
                lo = after_lo + w0 + cue_m.end()
                seg = text[lo : lo + 100].replace("\n", " ")
                seg = seg[: _cut(seg)]
                who = att.phrase(seg, lo, lo + len(seg), start, prefer="first")
                if who is not None:
                    return who, cue
            elif len(head.split()) <= 8 and not re.search(r"[.;]\s", head):  # "…," Sessions said
                who = _speaker_before_cue(att, after_lo + w0, head, start)
                if who is not None:
                    return who, cue
    # before the opening mark: from the last sentence end (or previous quote) to the mark
    lo = max(0, start - 1 - 320)
    before = text[lo : start - 1]
    cut = max(sentence_start(before), before.rfind('"') + 1, before.rfind("\u201d") + 1)
    if cut > 0:
        lo, before = lo + cut, before[cut:]
    flat = before.replace("\n", " ")
    acc = _ACCORDING.search(flat)
    if not acc and not re.search(r"[:,]\s*$", flat):
        return None, ""
    if acc:
        seg = flat[acc.end() :]
        seg = seg[: _cut(seg)]
        who = att.phrase(seg, lo + acc.end(), lo + acc.end() + len(seg), start, prefer="first")
        if who is not None:
            return who, "according to"
    cues = list(_CUE_AT.finditer(flat))
    if cues:
        cue_m = cues[-1]
        who = _speaker_before_cue(att, lo, flat[: cue_m.start()], start)
        if who is not None:
            return who, " ".join((cue_m.group("cue") + cue_m.group("tail")).lower().split())
    return None, ""
