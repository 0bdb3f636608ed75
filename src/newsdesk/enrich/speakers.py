"""Who a speaker phrase refers to: names, pronouns, titles and organisations in one article.

Attribution finds the words that name a speaker ("Mr Clarke", "he", "the home
secretary", "the board", "EMI"); this module turns them into one of the
article's entities, so that every quote of one person carries one name:

* a name, or a part of one ("Mr Kerr", "Danny" for Danny Marsh), is the
  article's person with that surname or first name; an all-capitals word that
  spells an organisation's initials ("LGA") is that organisation;
* "he"/"she" is the nearest earlier person, preferring one who was the subject
  of a sentence or spoke last; "they"/"it" the nearest organisation;
* "the home secretary" is the person introduced with that title, before the
  name ("Home Secretary Yvette Crane") or in apposition ("Yvette Crane, the
  home secretary," / "The home secretary, Yvette Crane,");
* "the board", "the department", "the club" is the nearest organisation whose
  name ends that way, or else the nearest organisation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .names import ArticleEntity

_GENERIC_ORG = {
    "company", "firm", "group", "bank", "agency", "ministry", "department", "government", "board",
    "union", "council", "committee", "office", "corporation", "administration", "association",
    "commission", "authority", "exchange", "fund", "party", "court", "club", "charity",
    "foundation", "trust", "team", "airline", "carmaker", "automaker", "regulator", "watchdog",
    "university", "institute", "hospital", "school", "district", "service", "palace", "bench",
    "federation", "organisation", "organization", "society", "network", "station",
}  # fmt: skip
PERSON_WORDS = {
    "spokesman", "spokeswoman", "spokesperson", "official", "source", "aide", "analyst",
    "insider", "pal", "friend", "neighbour", "neighbor", "resident", "witness", "expert",
}  # fmt: skip
_MALE = {"mr", "sir", "lord", "mister", "king", "prince", "father", "brother"}
_FEMALE = {"mrs", "ms", "miss", "dame", "lady", "baroness", "queen", "princess", "sister"}
_TITLE_WORD = re.compile(r"[a-z][\w'-]*")
_STOP = {"the", "a", "an", "of", "for", "and", "to", "in", "at", "on", "who", "its", "his", "her", "their"}


_ORG_NAME = re.compile(
    r"\b(?:[A-Z][\w&'-]+\s+){1,3}(?:Motors|Inc|Corp|Group|Bank|Airlines|Energy|Software|Holdings|Ltd|plc|"
    r"Trust|Foundation|Council|Association|Union|Institute|Capital|Partners|Ventures|Media|Labs)\b"
)


@dataclass
class Mention:
    start: int
    end: int
    ent: ArticleEntity


def _appositive_titles(text: str, ent: ArticleEntity) -> set[str]:
    """Lower-case words of the titles this person is given in apposition."""
    found: set[str] = set()
    for s, e in ent.spans:
        after = re.match(r",\s+(?:the|a|an|its|their)?\s*([^,.;:\"“”()]{3,60})[,.]", text[e : e + 80])
        before = re.search(
            r"(?:^|[.\n]\s*|\b)[Tt]he\s+([a-z][^,.;:\"“”()]{2,50}),\s*$", text[max(0, s - 60) : s]
        )
        pre = re.search(r"(?:^|\s)((?:[a-z][\w-]*\s+){1,3})$", text[max(0, s - 50) : s])
        if pre is not None:
            found |= {w for w in pre.group(1).split() if w not in _STOP}
        for m in (after, before):
            if m is not None:
                words = _TITLE_WORD.findall(m.group(1))
                if words and all(w.islower() or w[0].isupper() for w in words):
                    found |= {w.lower() for w in words if w.lower() not in _STOP}
    return found


class Attributor:
    """Resolves speaker phrases (by offsets in the text) to the article's entities."""

    def __init__(self, text: str, entities: dict[str, ArticleEntity]) -> None:
        self.text = text
        self.entities = entities
        self.mentions = sorted(
            (Mention(s, e, ent) for ent in entities.values() for s, e in ent.spans), key=lambda m: m.start
        )
        people = [e for e in entities.values() if e.type == "PERSON"]
        long_people = [e for e in people if len(e.name.split()) > 1]
        self.by_word: dict[str, ArticleEntity] = {}
        for ent in sorted(long_people, key=lambda e: -e.count):
            for w in (ent.name.split()[-1], ent.name.split()[0]):
                self.by_word.setdefault(w.lower(), ent)
        for ent in people:
            for w in ent.name.split():
                self.by_word.setdefault(w.lower(), ent)
        self.initials: dict[str, ArticleEntity] = {}
        for ent in entities.values():
            words = [
                w for w in re.findall(r"[A-Za-z]+", ent.name) if w.lower() not in ("of", "the", "and", "for")
            ]
            if ent.type == "ORG" and len(words) >= 2:
                self.initials.setdefault("".join(w[0] for w in words).upper(), ent)
        self._people = people
        self._titles: dict[int, set[str]] | None = None  # built on the first title phrase
        # surnames (and first names) of the article's people where the model missed them
        parts = {}
        for e in long_people:
            for w in (e.name.split()[-1], e.name.split()[0]):
                if len(w) > 2 and w[0].isupper():
                    parts.setdefault(w, e)
        if parts:
            taken = [(m.start, m.end) for m in self.mentions]
            rx = re.compile(r"\b(" + "|".join(re.escape(w) for w in parts) + r")\b")
            for hit in rx.finditer(text):
                if not any(a <= hit.start() < b for a, b in taken):
                    self.mentions.append(Mention(hit.start(), hit.end(), parts[hit.group(1)]))
            self.mentions.sort(key=lambda m: m.start)
        # organisations the model missed that carry a company suffix ("Meridian Motors said")
        taken = [(m.start, m.end) for m in self.mentions]
        for hit in _ORG_NAME.finditer(text):
            if not any(a < hit.end() and hit.start() < b for a, b in taken):
                name = hit.group().strip()
                ent = entities.get(name.lower()) or ArticleEntity(name=name, type="ORG")
                self.mentions.append(Mention(hit.start(), hit.start() + len(name), ent))
        self.mentions.sort(key=lambda m: m.start)
        self.speakers: list[tuple[int, ArticleEntity]] = []
        self._extra: dict[str, ArticleEntity] = {}
        self._genders: dict[int, str] | None = None  # (offset, entity) of resolved speakers

    def named(self, name: str, pos: int) -> ArticleEntity:
        """An entity for a speaker the model missed ("Neighbour Ron Hughes"), so "he" finds it."""
        ent = self.entities.get(name.lower()) or self._extra.get(name.lower())
        if ent is None:
            kind = "ORG" if name.isupper() or name.split()[-1].lower() in _GENERIC_ORG else "PERSON"
            ent = self._extra[name.lower()] = ArticleEntity(name=name, type=kind)
            at = self.text.rfind(name, 0, pos + 1)
            if at < 0:
                at = self.text.find(name)
            if at >= 0:
                self.mentions.append(Mention(at, at + len(name), ent))
                self.mentions.sort(key=lambda m: m.start)
        return ent

    def canonical(self, ent: ArticleEntity) -> ArticleEntity:
        """A one-word person ("Danny") is the article's longer name that holds the word."""
        words = ent.name.split()
        if ent.type in ("PERSON", "ORG", "GPE", "NORP") and len(words) == 1:
            full = self.by_word.get(words[0].lower())
            if full is not None and full is not ent and len(full.name.split()) > 1:
                return full
        if ent.type in ("PERSON", "ORG", "NORP") and len(words) <= 2:
            found = self.org_name(ent.name)
            return found if isinstance(found, ArticleEntity) else ent
        return ent

    def org_name(self, key: str) -> ArticleEntity | str:
        """The organisation a short form stands for: its initials ("LGA"), a clipping of its
        words ("Lib Dem" for Liberal Democrats), or its first word ("Harmonia" for Harmonia
        Records); else the short form itself."""
        if key in self.initials:
            return self.initials[key]
        words = [w.lower().rstrip("s") for w in key.split()]
        for ent in self.entities.values():
            full = ent.name.lower().split()
            if ent.type not in ("ORG", "NORP") or full == words or ent.name == key:
                continue
            if len(full) == len(words) and all(f.startswith(w) for f, w in zip(full, words, strict=True)):
                return ent
            if len(words) == 1 and len(full) > 1 and full[0] == key.lower():
                return ent
        return key

    def in_range(
        self, lo: int, hi: int, types: tuple[str, ...] = ("PERSON", "ORG", "GPE", "NORP")
    ) -> list[Mention]:
        return [m for m in self.mentions if m.start >= lo and m.end <= hi and m.ent.type in types]

    def gender(self, ent: ArticleEntity) -> str:
        """'m' or 'f' when the article gives the person an honorific ("Mr Clarke", "Ms Kelly")."""
        if self._genders is None:
            self._genders = {}
            for m in self.mentions:
                hon = re.search(r"\b([A-Z][a-z]+)\.?\s+$", self.text[max(0, m.start - 12) : m.start])
                hon = hon or re.match(r"([A-Z][a-z]+)\.?\s", self.text[m.start : m.end])
                word = (hon.group(1) if hon else "").lower()
                ent_id = id(self.canonical(m.ent))
                if word in _MALE:
                    self._genders.setdefault(ent_id, "m")
                elif word in _FEMALE:
                    self._genders.setdefault(ent_id, "f")
        return self._genders.get(id(self.canonical(ent)), "")

    def nearest_before(self, pos: int, types: tuple[str, ...], gender: str = "") -> ArticleEntity | None:
        """The last entity of these types before ``pos``, preferring the last speaker or a
        sentence subject ("Lopez disagreed. She said" -> Lopez, not someone named since);
        with ``gender`` ("he": m), people the article calls otherwise are passed over."""
        best = subject = None
        subject_at = -1
        wrong = {"m": "f", "f": "m"}.get(gender, "?")
        for m in self.mentions:
            if m.end > pos:
                break
            if m.ent.type not in types or (gender and self.gender(m.ent) == wrong):
                continue
            best = m.ent
            head = self.text[max(0, m.start - 80) : m.start]
            possessive = self.text[m.end : m.end + 2] in ("'s", "\u2019s")
            opens = re.search(r"(?:^|[.!?:\n]|[.!?,][\"”’'])\s*(?:[\w.'’-]+,?\s+){0,5}$", head)
            if (opens or m.start < 80 and len(head.split()) <= 5) and not possessive:
                subject, subject_at = m.ent, m.start
        last = next(
            (
                (at, e)
                for at, e in reversed(self.speakers)
                if at < pos and e.type in types and not (gender and self.gender(e) == wrong)
            ),
            None,
        )
        if last is not None and last[0] >= subject_at:
            return self.canonical(last[1])  # the last speaker, unless someone took the subject since
        pick = subject or best
        return self.canonical(pick) if pick is not None else None

    @property
    def titles(self) -> dict[int, set[str]]:
        """Title words of each person (id of the entity -> words), from the name and appositions."""
        if self._titles is None:
            self._titles = {
                id(e): {t.lower() for t in e.titles} | _appositive_titles(self.text, e) for e in self._people
            }
        return self._titles

    def titled(self, words: list[str], pos: int) -> ArticleEntity | None:
        """The person who holds the title ``words`` (e.g. ["home", "secretary"]), nearest before ``pos``."""
        want = [w for w in words if w not in _STOP]
        if not want:
            return None
        holders = [
            m for m in self.mentions if m.ent.type == "PERSON" and want[-1] in self.titles.get(id(m.ent), ())
        ]
        full = [m for m in holders if all(w in self.titles[id(m.ent)] for w in want)]
        holders = full or holders
        if not holders:
            return None
        before = [m for m in holders if m.end <= pos]
        return self.canonical((before or holders)[-1 if before else 0].ent)

    def phrase(self, lo: int, hi: int, quote_start: int, prefer: str = "first") -> ArticleEntity | str | None:
        """The entity (or a bare name) that ``text[lo:hi]`` refers to."""
        phrase = self.text[lo:hi]
        found = self.in_range(lo, hi)
        found = [m for m in found if self.text[m.end : m.end + 2] not in ("'s", "\u2019s")] or found
        people = [m for m in found if m.ent.type == "PERSON"]
        orgs = [m for m in found if m.ent.type == "ORG"]
        if people or orgs:
            pick = people or orgs
            return self.canonical(pick[0].ent if prefer == "first" else pick[-1].ent)
        words = re.findall(r"[\w'.\u2019-]+", phrase)
        if not words:
            return None
        first = words[0].lower()
        pos = min(lo, quote_start)
        if first in ("he", "she", "i"):
            return self.nearest_before(pos, ("PERSON",), {"he": "m", "she": "f"}.get(first, ""))
        if first in ("they", "it", "we"):
            return self.nearest_before(pos, ("ORG", "GPE", "NORP"))
        near = [m for m in found if len(self.text[lo : m.start].split()) <= 1]
        if near and not (len(words) <= 5 and all(w[:1].isupper() for w in words)):
            return self.canonical(near[0].ent)  # "the Nigerian delegation": the country
        if first in ("the", "a", "an", "its", "his", "her", "their", "our"):
            rest = [w.lower().strip(".") for w in words[1:] if w.lower() not in ("s", "'s")]
            rest = rest[
                : next((k for k, w in enumerate(rest) if w in ("of", "for", "at", "who", "in")), len(rest))
            ]
            if not rest:
                return None
            head = rest[-1]
            if re.fullmatch(r"\d+-year-old", head):  # "the 34-year-old said"
                return self.nearest_before(pos, ("PERSON",))
            who = self.titled(rest, quote_start) if first not in ("a", "an") else None
            if who is not None:
                return who
            caps = [w for w in words[1:] if w[:1].isupper()]
            if head.startswith("spokes") or head in ("statement", "source"):
                if caps:  # "a Central Railway spokesperson"
                    return self.org_name(" ".join(caps))
                last = next((e for at, e in reversed(self.speakers) if at < pos), None)
                return last if last is not None and last.type == "ORG" else None
            for m in reversed(self.mentions):  # "the department" -> the Justice Department
                if m.end <= quote_start and m.ent.type == "ORG" and m.ent.name.lower().split()[-1] == head:
                    return self.canonical(m.ent)
            if caps and first == "the":  # "the Lib Dems", "the FTC"
                key = " ".join(caps)
                return self.org_name(key)
            generic = head.rstrip("s") if head.rstrip("s") in _GENERIC_ORG else head
            if generic in _GENERIC_ORG and first == "the":
                named = re.findall(r"\b[Tt]he ((?:[a-z]+ ){1,2}" + re.escape(head) + r")\b", self.text[:pos])
                if named:  # "The transit authority said …" earlier: the same body
                    return named[-1]
                if head.endswith("s") and generic != head:
                    return " ".join(rest)  # "the trade unions"
                return self.nearest_before(pos, ("ORG",))
            return None  # "a senior official", "the diplomat": nobody the article names
        caps = [w for w in words if w[:1].isupper()]
        if caps and len(caps) == len(words) and len(words) <= 5:
            last = words[-1].strip(".")
            if last.isupper() and last in self.initials:
                return self.initials[last]
            ent = self.by_word.get(last.lower())
            if ent is None and len(words) > 1:
                ent = self.by_word.get(words[0].lower())
            return self.canonical(ent) if ent is not None else " ".join(w.strip(".,") for w in words)
        return None
