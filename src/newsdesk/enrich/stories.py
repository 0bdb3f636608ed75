"""Stories: group articles about the same event, online, as they arrive.

Single-pass clustering (method and measured figures in ``docs/explanation/stories.md``):

* An article is represented by the TF-IDF vector of its headline (terms counted
  ``TITLE_WEIGHT`` times) and lead (the first ``LEAD_WORDS`` words of the body),
  stop words dropped, IDF from the desk's own document frequencies (``story_df``,
  updated with each batch before it is clustered), L2-normalised, top
  ``ARTICLE_TERMS`` terms kept.
* A story keeps the sum of its members' vectors (top ``CENTROID_TERMS`` terms)
  and the summed salience of its members' entities (when the entities stage has
  run).
* A new article is compared only with stories *active* around its time: a
  member published within ``window_days`` of it, found through an inverted index
  from terms to those stories. Its score for a story is
  ``(1 - ENTITY_WEIGHT) * cos(text) + ENTITY_WEIGHT * cos(entities)`` (text only
  when either side has no entities), less ``TIME_PENALTY`` times the distance in
  time to the story's nearest edge as a fraction of the window. It joins the best
  story scoring at least ``threshold``, else starts a new one.
* A copy (``copy_of`` from the copies stage) joins its original's story outright.

Story ids are never renumbered as articles arrive: a story keeps the id it got
when it started; only :meth:`StoriesStage.rebuild` numbers them afresh.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .sketch import day_number
from .stage import StageInfo

if TYPE_CHECKING:
    from ..model import StoredRow
    from ..store import Store

WINDOW_DAYS = 3.0  #: stories active within this many days of an article are considered
THRESHOLD = 0.20  #: minimum score to join a story
TITLE_WEIGHT = 2  #: headline terms count this many times
LEAD_WORDS = 120  #: words of the body that make the lead
ARTICLE_TERMS = 60  #: terms kept per article vector
MAX_DF = 0.05  #: terms in more than this share of the desk's articles are left out (once it has 1,000)
CENTROID_TERMS = 120  #: terms kept per story centroid
POSTING_TERMS = 20  #: a story's heaviest terms, through which articles find it
QUERY_TERMS = 10  #: an article's heaviest terms, with which it looks for stories
ENTITY_WEIGHT = 0.3  #: share of the score given to shared salient entities
TIME_PENALTY = 0.1  #: score lost per window-length of time distance

_WORD = re.compile(r"[a-z][a-z0-9'&-]+")
_STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "said",
        "says",
        "say",
        "told",
        "tells",
        "reuters",
        "reuter",
        "ap",
        "afp",
        "mln",
        "pct",
        "dlrs",
        "year",
        "years",
        "week",
        "today",
        "yesterday",
        "new",
        "one",
        "two",
        "three",
        "last",
        "first",
        "also",
        "mr",
        "mrs",
        "ms",
        "inc",
        "corp",
        "co",
        "ltd",
        "would",
        "could",
        "may",
        "might",
        "shall",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def terms(title: str, body: str) -> dict[str, int]:
    """Term counts of the headline (weighted) and the lead."""
    counts: dict[str, int] = {}
    for w in _WORD.findall(title.lower()):
        w = w.strip("'-")
        if len(w) > 2 and w not in _STOP:
            counts[w] = counts.get(w, 0) + TITLE_WEIGHT
    lead = body.split(None, LEAD_WORDS)[:LEAD_WORDS]
    for w in _WORD.findall(" ".join(lead).lower()):
        w = w.strip("'-")
        if len(w) > 2 and w not in _STOP:
            counts[w] = counts.get(w, 0) + 1
    return counts


def _norm(vec: dict) -> float:
    return math.sqrt(sum(v * v for v in vec.values())) or 1.0


def _top(vec: dict, n: int) -> dict:
    if len(vec) <= n:
        return vec
    return dict(sorted(vec.items(), key=lambda kv: -kv[1])[:n])


@dataclass(slots=True)
class _Story:
    id: int
    rep_seq: int
    title: str
    first: float | None
    last: float | None
    size: int
    centroid: dict[str, float]
    entities: dict[int, float] = field(default_factory=dict)
    cnorm: float = 1.0
    enorm: float = 1.0
    posted: set[str] = field(default_factory=set)  #: terms whose postings list this story

    def refresh(self) -> set[str]:
        """Trim the centroid, recompute norms; returns the posting terms that are new."""
        self.centroid = _top(self.centroid, CENTROID_TERMS)
        self.cnorm = _norm(self.centroid)
        self.enorm = _norm(self.entities) if self.entities else 1.0
        keys = set(_top(self.centroid, POSTING_TERMS))
        new = keys - self.posted
        self.posted |= new
        return new


class StoriesStage:
    """The ``stories`` enrichment stage. Index field ``story``: one integer per article in a story."""

    info = StageInfo(
        name="stories",
        version=1,
        reads=("articles", "copies", "article_entities"),
        writes=("stories", "story_members", "story_df"),
        index_fields=("story",),
        after=("copies",),
        summary="stories: online clustering of articles about the same event",
        parallel=False,
        at_ingest=True,
    )

    def __init__(
        self,
        window_days: float = WINDOW_DAYS,
        threshold: float = THRESHOLD,
        entity_weight: float = ENTITY_WEIGHT,
        time_penalty: float = TIME_PENALTY,
    ) -> None:
        self.window = window_days
        self.threshold = threshold
        self.entity_weight = entity_weight
        self.time_penalty = time_penalty
        self._forget()

    def _forget(self) -> None:
        self._stories: dict[int, _Story] = {}
        self._postings: dict[str, set[int]] = {}
        self._state = -1
        self._covered: tuple[float, float] | None = None
        self._undated_loaded = False

    def available(self) -> str | None:
        return None

    def compute(self, rows: Sequence[StoredRow]) -> list[tuple[int, dict[str, int]]]:
        return [(r.seq, terms(r.title, r.body)) for r in rows]

    # -- the clustering state cache ------------------------------------------------
    def _add_story(self, s: _Story) -> None:
        self._stories[s.id] = s
        self._post(s, s.refresh())

    def _post(self, s: _Story, terms: set[str]) -> None:
        for t in terms:
            self._postings.setdefault(t, set()).add(s.id)

    def _load(self, store: Store, lo: float | None, hi: float | None) -> None:
        """Make sure every stored story active in [lo, hi] is cached (undated: all stories)."""
        from ..store import stories as db

        if db.state(store) != self._state:
            self._forget()
        if lo is None or hi is None:
            if self._undated_loaded:
                return
            since, until = "", "\uffff"
            self._undated_loaded = True
        else:
            if self._covered and self._covered[0] <= lo and hi <= self._covered[1]:
                return
            since = datetime.fromtimestamp(lo * 86400.0, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            until = datetime.fromtimestamp(hi * 86400.0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self._covered = (
                (lo, hi) if not self._covered else (min(lo, self._covered[0]), max(hi, self._covered[1]))
            )
        for sid, rep, title, first, last, size, centroid, ents in db.active_stories(
            store, since, until, set(self._stories)
        ):
            s = _Story(sid, rep, title, day_number(first), day_number(last), size, centroid, ents)
            self._add_story(s)

    def _evict(self, before: float) -> None:
        """Drop cached stories that ended before ``before``: memory stays flat on a long stream."""
        gone = [sid for sid, s in self._stories.items() if s.last is not None and s.last < before]
        for sid in gone:
            s = self._stories.pop(sid)
            for t in s.posted:
                ids = self._postings.get(t)
                if ids is not None:
                    ids.discard(sid)
                    if not ids:
                        del self._postings[t]
        if gone and self._covered:
            self._covered = (max(self._covered[0], before), self._covered[1])

    # -- write -----------------------------------------------------------------------
    def write(self, store: Store, rows: Sequence[StoredRow], computed: Any) -> list[int]:
        from ..store import stories as db

        if computed is None:
            computed = self.compute(rows)
        tf = dict(computed)
        by_seq = {r.seq: r for r in rows}
        done = db.stories_of_seqs(store, by_seq)
        order = sorted((r for r in rows if r.seq not in done), key=lambda r: (r.published or "", r.seq))
        if not order:
            return []
        # document frequencies: the batch counts before it is clustered
        batch_df: dict[str, int] = {}
        for r in order:
            for t in tf[r.seq]:
                batch_df[t] = batch_df.get(t, 0) + 1
        n_docs = db.add_doc_freqs(store, batch_df, len(order))
        df = db.doc_freqs(store, batch_df)
        max_df = MAX_DF * n_docs if n_docs >= 1000 else n_docs
        copy_of = db.copy_of_seqs(store, [r.seq for r in order])
        original_story = db.stories_of_seqs(store, set(copy_of.values()))
        ents = db.article_entities(store, [r.seq for r in order])
        days = {r.seq: day_number(r.published) for r in order}
        dated = [d for d in days.values() if d is not None]
        if dated:
            self._load(store, min(dated) - self.window, max(dated) + self.window)
        if len(dated) < len(order):
            self._load(store, None, None)
        next_id = max(db.next_story_id(store), max(self._stories, default=0) + 1)
        members, dirty = [], set()
        for r in order:
            vec = {
                t: c * (math.log((n_docs + 1) / (df.get(t, 0) + 1)) + 1.0)
                for t, c in tf[r.seq].items()
                if df.get(t, 0) <= max_df
            }
            vec = _top(vec, ARTICLE_TERMS)
            norm = _norm(vec)
            vec = {t: v / norm for t, v in vec.items()}
            aents = ents.get(r.seq, {})
            when = days[r.seq]
            target = None
            orig = copy_of.get(r.seq)
            if orig is not None:
                target = original_story.get(orig)
            if target is not None and target not in self._stories:
                target = None  # the original's story is outside the cache window: cluster normally
            if target is None:
                target = self._best(vec, aents, when)
            if target is None:
                s = _Story(next_id, r.seq, r.title, when, when, 0, {}, {})
                next_id += 1
                self._stories[s.id] = s
            else:
                s = self._stories[target]
            for t, v in vec.items():
                s.centroid[t] = s.centroid.get(t, 0.0) + v
            for e, sal in aents.items():
                s.entities[e] = s.entities.get(e, 0.0) + sal
            s.size += 1
            if when is not None:
                s.first = when if s.first is None else min(s.first, when)
                s.last = when if s.last is None else max(s.last, when)
            self._post(s, s.refresh())
            dirty.add(s.id)
            members.append((r.seq, s.id, r.published or ""))
            original_story.setdefault(r.seq, s.id)  # a later copy of this article joins it
        db.add_members(store, members)
        db.save_stories(
            store,
            [
                (
                    sid,
                    self._stories[sid].rep_seq,
                    self._stories[sid].title,
                    self._stories[sid].centroid,
                    self._stories[sid].entities,
                )
                for sid in sorted(dirty)
            ],
        )
        self._state = db.bump_state(store)
        if dated:
            self._evict(max(dated) - 2 * self.window)
        return [seq for seq, _, _ in members]

    def _best(self, vec: dict[str, float], aents: dict[int, float], when: float | None) -> int | None:
        """The best-scoring active story for an article vector, or None below the threshold.

        Candidates are the active stories that hold one of the article's ``QUERY_TERMS`` heaviest
        terms among their own ``POSTING_TERMS`` heaviest (term -> stories postings), so the cost
        does not grow with the number of active stories, only with those that share a salient term."""
        stories = self._stories
        cands: set[int] = set()
        for t in _top(vec, QUERY_TERMS):
            ids = self._postings.get(t)
            if ids:
                cands |= ids
        dots: dict[int, float] = {}
        for sid in cands:
            s = stories.get(sid)
            if s is not None:  # else a stale posting: the story was evicted
                c = s.centroid
                dots[sid] = sum([vec[t] * c[t] for t in vec.keys() & c.keys()])
        best, best_score = None, self.threshold
        anorm = _norm(aents) if aents else 1.0
        for sid, dot in dots.items():
            s = stories[sid]
            text = dot / s.cnorm
            if text + self.entity_weight < best_score:
                continue  # cannot win even with every entity shared
            gap = 0.0
            if when is not None and s.first is not None and s.last is not None:
                if when < s.first:
                    gap = s.first - when
                elif when > s.last:
                    gap = when - s.last
                if gap > self.window:
                    continue
            if aents and s.entities:
                e = s.entities
                ent = sum(v * e[k] for k, v in aents.items() if k in e) / (anorm * s.enorm)
                score = (1 - self.entity_weight) * text + self.entity_weight * ent
            else:
                score = text
            if self.window:
                score -= self.time_penalty * gap / self.window
            if score >= best_score:
                best, best_score = sid, score
        return best

    # -- redo / rebuild -----------------------------------------------------------------
    def reset(self, store: Store) -> None:
        from ..store import stories as db

        db.reset(store)
        self._forget()

    def rebuild(self, store: Store, version_mark: bool = True) -> int:
        """Re-cluster every article in published order (``newsdesk stories --rebuild``), inside the
        caller's transaction; records the stage checkpoint for each article. Returns the count."""
        from ..model import StoredRow
        from ..store import stages
        from ..store import stories as db

        self.reset(store)
        n = 0
        for chunk in db.rows_by_published(store, StoredRow):
            self.write(store, chunk, self.compute(chunk))
            if version_mark:
                stages.mark_done(store, self.info.name, self.info.version, [r.seq for r in chunk])
            n += len(chunk)
        return n

    def index_values(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        """{seq: {"story": [int]}} for the seqs in a story; seqs in none get ``{"story": []}``."""
        from ..store import stories as db

        story = db.stories_of_seqs(store, seqs)
        return {s: {"story": [story[s]] if s in story else []} for s in seqs}
