"""Entity names: from the surface forms a model finds to one canonical name per thing.

NER gives spans such as "Atty. Gen. Jeff Sessions", "Mr. Sessions", "SESSIONS" or
"the Justice Department". Users follow *people and organisations*, so these must
collapse into one entity each:

* :func:`clean` strips honorifics and job titles (remembering them, so a quote
  attributed to "the attorney general" can be resolved), possessives, leading
  articles, company suffixes and middle initials, and case-folds ALL-CAPS.
* :func:`resolve_article` maps short forms ("Sessions") to the full name used in
  the same article and aggregates counts, headline/lead presence and salience.
* :func:`norm` is the key shared by the store, the index's ``entity`` field and
  the query language (``entity:"Jeff Sessions"`` -> ``jeff sessions``).

The corpus-wide type (a model that tags "Trump" as ORG once must not split him)
is decided by majority vote when entities are written (see ``enrich.write``).
Pure Python, no spaCy: the tests and the hooks import it cheaply.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..store.entities import norm  # one definition of the lookup key and threshold

KEPT_TYPES = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"}
LEAD_CHARS = 300  # the "lead": roughly the first paragraph of wire copy

# words that, in front of a person's name, are a title or honorific (lower-case, no dots)
TITLE_WORDS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "rev",
    "reverend",
    "father",
    "sister",
    "brother",
    "rabbi",
    "imam",
    "pope",
    "king",
    "queen",
    "prince",
    "princess",
    "sheikh",
    "president",
    "vice",
    "chairman",
    "chairwoman",
    "chair",
    "secretary",
    "minister",
    "premier",
    "chancellor",
    "governor",
    "gov",
    "senator",
    "sen",
    "representative",
    "rep",
    "congressman",
    "congresswoman",
    "mayor",
    "judge",
    "justice",
    "attorney",
    "atty",
    "general",
    "gen",
    "lt",
    "col",
    "colonel",
    "maj",
    "major",
    "capt",
    "captain",
    "adm",
    "admiral",
    "sgt",
    "sergeant",
    "commissioner",
    "director",
    "ambassador",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chief",
    "executive",
    "officer",
    "ceo",
    "cfo",
    "coach",
    "speaker",
    "leader",
    "treasurer",
    "deputy",
    "undersecretary",
    "counsel",
    "superintendent",
    "sheriff",
    "detective",
    "inspector",
    "analyst",
    "economist",
    "head",
    "founder",
    "candidate",
    "nominee",
    "emir",
    "ayatollah",
    "gov.",
    "pres",
    "supt",
}
ABBREVIATIONS = {
    "atty": "attorney",
    "gen": "general",
    "gov": "governor",
    "sen": "senator",
    "rep": "representative",
    "pres": "president",
    "lt": "lieutenant",
    "col": "colonel",
    "maj": "major",
    "capt": "captain",
    "adm": "admiral",
    "sgt": "sergeant",
    "supt": "superintendent",
    "prof": "professor",
    "dr": "doctor",
    "rev": "reverend",
}
ORG_SUFFIXES = {
    "co",
    "cos",
    "inc",
    "corp",
    "corporation",
    "ltd",
    "plc",
    "llc",
    "ag",
    "sa",
    "nv",
    "bhd",
    "spa",
}
# table labels and units of financial wire copy that the model takes for names
NOISE = {
    "avg",
    "revs",
    "rev",
    "shr",
    "shrs",
    "net",
    "qtr",
    "oper",
    "note",
    "nil",
    "vs",
    "co",
    "inc",
    "corp",
    "ltd",
    "bank",
    "finance",
    "commission",
    "loss",
    "profit",
    "sales",
    "div",
    "pay",
    "record",
    "prior",
    "mths",
    "mln",
    "dlrs",
    "cts",
    "pct",
    "billion",
    "tonnes",
    "reuter",
    "cash",
    "oil",
    "gold",
}
UNITS = {"dlrs", "dlr", "cts", "mln", "pct", "tonnes", "stg", "yen", "marks", "francs"}
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "him", "her", "them", "his", "its"}
_WS = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s\"'“”‘’(\[{<,;:.\-–—]+|[\s\"'“”‘’)\]}>,;:\-–—]+$")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_INITIAL = re.compile(r"^[A-Z]\.?$")
_TITLE_BEFORE = re.compile(r"([A-Za-z]+\.?)[ \t]+")


def _bare(word: str) -> str:
    return word.lower().strip(".,")


def _fold_caps(name: str, label: str) -> str:
    """'JEFF SESSIONS' -> 'Jeff Sessions'; short ALL-CAPS organisations stay acronyms (IBM, OPEC)."""
    letters = [c for c in name if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return name
    if label == "ORG" and not any(len(w) > 4 for w in name.split()):
        return name
    if label in ("GPE", "LOC", "NORP") and len(name.replace(".", "")) <= 3:
        return name  # U.S., UK, EC
    return " ".join(w.capitalize() if len(w) > 1 else w for w in name.split())


@dataclass
class Cleaned:
    """A mention reduced to its canonical name; ``titles`` are the stripped title words."""

    name: str
    label: str
    titles: set[str] = field(default_factory=set)


def clean(text: str, label: str) -> Cleaned | None:
    """The canonical name of one mention, or None when it is not a usable name."""
    if label not in KEPT_TYPES:
        return None
    text = _WS.sub(" ", text).strip()
    text = _EDGE.sub("", text)
    text = _POSSESSIVE.sub("", text).strip()
    words = text.split()
    # leading lower-case words ("the", "notify Immigration and Customs Enforcement"), "The"
    while words and (not words[0][:1].isupper() and not words[0][:1].isdigit() or words[0] == "The"):
        words.pop(0)
    while words and words[-1].lower() in ("of", "and", "for", "the", "&", "de"):  # "Bank of"
        words.pop()
    titles: set[str] = set()
    if label == "PERSON":
        # a title phrase in front: "Treasury Secretary James Baker", "Atty. Gen. Jeff Sessions"
        last_title = -1
        for i, w in enumerate(words[:-1]):
            if _bare(w) in TITLE_WORDS:
                last_title = i
        if 0 <= last_title <= 4:
            titles = {ABBREVIATIONS.get(_bare(w), _bare(w)) for w in words[: last_title + 1]}
            words = words[last_title + 1 :]
        if any(any(c.isdigit() for c in w) for w in words):
            return None
        if len(words) > 2:  # middle initials: "James A. Baker" -> "James Baker"
            words = [words[0]] + [w for w in words[1:-1] if not _INITIAL.match(w)] + [words[-1]]
        if len(words) == 1 and _bare(words[0]) in TITLE_WORDS:
            return None  # "Atty" alone
    elif label == "ORG":
        while len(words) > 1 and _bare(words[-1]) in ORG_SUFFIXES:
            words.pop()
    if not words:
        return None
    name = " ".join(words)
    if not any(c.isalpha() for c in name) or len(name) < 2 or len(name) > 80:
        return None
    low = name.lower()
    if low in PRONOUNS or low in NOISE or low.split()[-1] in UNITS:
        return None
    if label in ("PERSON", "GPE", "LOC", "NORP") and sum(c.isdigit() for c in name):
        return None
    return Cleaned(_fold_caps(name, label), label, titles)


@dataclass
class ArticleEntity:
    """One entity as it appears in one article."""

    name: str
    type: str
    aliases: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    count: int = 0
    in_title: bool = False
    in_lead: bool = False
    salience: float = 0.0
    spans: list[tuple[int, int]] = field(default_factory=list)
    votes: Counter[str] = field(default_factory=Counter)  # type -> weighted mentions

    @property
    def norm(self) -> str:
        return norm(self.name)


def _word_in(word: str, text: str) -> bool:
    """``word`` as a whole word of ``text``, any case. A find loop, not a regex built per call:
    one pattern per entity name overflowed re's cache and was recompiled on every article."""
    low, w = text.lower(), word.lower()
    i = low.find(w)
    while i >= 0 and w:
        j = i + len(w)
        if not (i and (low[i - 1].isalnum() or low[i - 1] == "_")) and not (
            j < len(low) and (low[j].isalnum() or low[j] == "_")
        ):
            return True
        i = low.find(w, i + 1)
    return False


def resolve_article(
    mentions: list[tuple[int, int, str, str]],
    title: str = "",
    text: str = "",
    lead_chars: int = LEAD_CHARS,
) -> dict[str, ArticleEntity]:
    """Group one article's (start, end, text, label) mentions into entities keyed by norm.

    Short forms resolve to the full name used in the same article: a one-word
    mention (any kept type: the model sometimes tags "Trump" as ORG) that equals
    the last (or first) word of a multi-word PERSON name becomes that person.
    """
    cleaned = []
    for s, e, surface, label in mentions:
        c = clean(surface, label)
        if c is None:
            continue
        # a title just outside the span ("President [Trump]", "Atty. Gen. [Jeff Sessions]")
        title_start = s
        if text:
            for m in reversed(list(_TITLE_BEFORE.finditer(text, max(0, s - 40), s))):
                if m.end() != title_start or _bare(m.group(1)) not in TITLE_WORDS:
                    break
                title_start = m.start()
                word = _bare(m.group(1))
                c.titles.add(ABBREVIATIONS.get(word, word))
            if title_start < s and text[title_start].isupper():
                surface = text[title_start:e]  # "Atty. Gen. Jeff Sessions" is an alias worth keeping
                if c.label in ("ORG", "GPE", "NORP") and len(c.name.split()) <= 2:
                    c.label = "PERSON"
        cleaned.append((s, e, surface, c))
    full: dict[str, Counter[str]] = {}  # surname / first name (lower) -> full names
    for _s, _e, _t, c in cleaned:
        words = c.name.split()
        if c.label == "PERSON" and len(words) >= 2:
            full.setdefault(words[-1].lower(), Counter())[c.name] += 1
    out: dict[str, ArticleEntity] = {}
    for s, e, surface, c in cleaned:
        name, label = c.name, c.label
        words = name.split()
        if len(words) == 1 and words[0].lower() in full:
            name, label = full[words[0].lower()].most_common(1)[0][0], "PERSON"
        key = norm(name)
        ent = out.get(key)
        if ent is None:
            ent = out[key] = ArticleEntity(name=name, type=label)
        # a title in front ("President Trump") is strong evidence of a person
        ent.votes[label] += 3 if c.titles else 1
        ent.count += 1
        ent.titles |= c.titles
        ent.spans.append((s, e))
        surface = _WS.sub(" ", surface).strip()
        if surface != name and len(ent.aliases) < 20:
            ent.aliases.add(surface)
        if s < lead_chars:
            ent.in_lead = True
    top = max((ent.count for ent in out.values()), default=1)
    for ent in out.values():
        multiword_person = ent.votes["PERSON"] and len(ent.name.split()) >= 2
        ent.type = "PERSON" if multiword_person else ent.votes.most_common(1)[0][0]
        if title:
            last = ent.name.split()[-1] if ent.type == "PERSON" else ent.name
            ent.in_title = _word_in(ent.name, title) or (len(last) > 2 and _word_in(last, title))
        ent.salience = round(0.5 * ent.count / top + 0.3 * ent.in_title + 0.2 * ent.in_lead, 3)
    return out
