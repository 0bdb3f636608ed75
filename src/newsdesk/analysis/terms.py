"""Top terms: words and two-word phrases unusually frequent in a query's matches (JLH).

Counted on the same stems the index holds (see the analyzers module), so a
term's foreground count (a sample of matching articles read from the store)
and its background count (``doc_freq`` in the whole index) line up.

Each article is counted with its own language's analysis (the one the index used:
``text_de`` stems for German, bigrams for CJK) and that language's stop words
(tantivy's lists; the English list below for English); a non-English key carries its
analysis (``de:regier``) so German and Dutch stems never merge, and its background is
read from that analysis's field.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import tantivy

from ..analyzers import (
    ENGLISH,
    STEM_ANALYZER,
    SURFACE_ANALYZERS,
    WORD_ANALYZER,
    analysis_of,
    field_name,
    is_stopword,
)
from ..index.languages import CHAINS, analysis_text
from ..search import Corpus, Plan, make_plan
from ..search.match import count_matches, matching_seqs

TERMS_SAMPLE = 2000  # matching articles read for top terms
HYDRATE_BATCH = 500  # rows read from the store at a time

# words that carry no topic, plus newswire boilerplate
_STOP_TEXT = """a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could did didn do does doesn doing don
    down during each few for from further had hadn has hasn have haven having he her here hers
    herself him himself his how i if in into is isn it its itself just let ll me more most
    mustn my myself no nor not now of off on once only or other ought our ours ourselves out
    over own re s same shan she should shouldn so some such t than that the their theirs them
    themselves then there these they this those through to too under until up ve very was
    wasn we were weren what when where which while who whom why will with won would wouldn
    you your yours yourself yourselves said says say told one two three four five six seven
    eight nine ten new would could may might must shall us mr mrs ms also year years last
    first next week month today yesterday reuter reuters ap afp inc ltd co corp pct mln bln
    dlrs cts vs am pm jan feb mar apr may jun jul aug sep sept oct nov dec january february
    march april june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday"""
STOPWORDS = frozenset(_STOP_TEXT.split())
BOILERPLATE_SHARE = 0.2  # a term in more than this share of all articles is boilerplate


def top_terms(
    corpus: Corpus, q: str, n: int = 25, since: Any = None, until: Any = None, source: Any = None,
    sample: int = TERMS_SAMPLE,
) -> list[dict[str, Any]]:
    """Words and two-word phrases unusually frequent in the matches, scored by JLH.

    Foreground: document frequencies in a seeded random sample of up to ``sample``
    matching articles. Background: document frequencies in the whole index
    (``doc_freq`` for words, a phrase count for pairs), on the same stems the
    index holds. JLH = (fg - bg) * fg / bg rewards terms both more common and
    relatively much more common among the matches; raw frequency would only
    list "said" and "the". Stopwords, numbers and terms in more than
    ``BOILERPLATE_SHARE`` of all articles and not twice as common among the matches
    (datelines, "Reuter") are left out.
    """
    key = (corpus.store.path, corpus.store.version, q, n, str(since), str(until), str(source), sample)
    if key in _terms_cache:
        return _terms_cache[key]
    result = _top_terms(corpus, make_plan(corpus, q, since, until, source), n, sample)
    if len(_terms_cache) >= 256:
        _terms_cache.pop(next(iter(_terms_cache)))
    _terms_cache[key] = result
    return result


# (store path, store version, query, ...) -> top terms: the sample read is the costly part, and
# the answer only changes when the store does
_terms_cache: dict[tuple, list[dict[str, Any]]] = {}


def _top_terms(corpus: Corpus, plan: Plan, n: int, sample: int) -> list[dict[str, Any]]:
    searcher = plan.searcher
    seqs = [s for page in matching_seqs(plan) for s in page]
    if not seqs:
        return []
    if len(seqs) > sample:
        seqs = random.Random(42).sample(seqs, sample)
    english = plan.analyses == (ENGLISH,)  # an English desk, or one analysed as English only
    df: Counter[str] = Counter()  # matching sample docs holding the key
    tf: Counter[str] = Counter()  # occurrences in the sample
    for i in range(0, len(seqs), HYDRATE_BATCH):
        for row in corpus.store.rows_by_seq(seqs[i : i + HYDRATE_BATCH]).values():
            analysis = ENGLISH if english else analysis_of(row.lang)
            keys = _keys_in(analysis, f"{row.title}\n{row.body}")
            tf.update(keys)
            df.update(set(keys))
    n_fg, n_bg = len(seqs), max(searcher.num_docs, 1)
    min_docs = 1 if n_fg < 5 else 2 if n_fg < 50 else 3
    candidates = [k for k, c in df.most_common(max(200, n * 12)) if c >= min_docs]
    scored = []
    for key in candidates:
        analysis, bare = _split_key(key)
        fld = field_name("text", analysis)
        parts = bare.split(" ")
        if len(parts) == 1:
            bg = searcher.doc_freq(fld, bare)
        else:
            bg = count_matches(searcher, tantivy.Query.phrase_query(plan.schema, fld, parts))
        bg_share = max(bg, df[key]) / n_bg
        fg_share = df[key] / n_fg
        if fg_share <= bg_share or (bg_share > BOILERPLATE_SHARE and fg_share < 2 * bg_share):
            continue
        score = (fg_share - bg_share) * (fg_share / bg_share)
        score *= 1 + math.log(tf[key] / df[key])  # repeated within articles: more central
        if len(parts) == 2:
            score *= 1.2  # a phrase says more than either word; nudge it up
        scored.append((score, key, bg))
    scored.sort(key=lambda x: (-x[0], x[1]))
    top = scored[:n]
    names = _surface_forms(corpus, seqs[:300], {k for _s, k, _b in top}, english)
    return [
        {
            "term": names.get(key, _split_key(key)[1]),
            "docs": df[key],
            "sample": n_fg,
            "background": bg,
            "score": round(math.log1p(score * 1000), 4),
        }
        for score, key, bg in top
    ]


def _split_key(key: str) -> tuple[str, str]:
    """``de:regier`` -> ("de", "regier"); an English key has no prefix."""
    head, sep, rest = key.partition(":")
    return (head, rest) if sep and head in CHAINS and head != ENGLISH else (ENGLISH, key)


def _analysed(analysis: str, text: str) -> tuple[list[str], list[str]]:
    """(stems, surface words) of ``text`` under ``analysis``, position for position."""
    if analysis == ENGLISH:
        return STEM_ANALYZER.analyze(text), WORD_ANALYZER.analyze(text)
    text = analysis_text(analysis, text)
    return CHAINS[analysis].analyze(text), SURFACE_ANALYZERS[analysis].analyze(text)


def _keys_in(analysis: str, text: str) -> list[str]:
    """Keys of an article under its analysis: stems (tagged unless English) and, but for CJK
    (whose bigrams already overlap), adjacent pairs; stop words and numbers left out."""
    if analysis == ENGLISH:
        return _keys(STEM_ANALYZER, WORD_ANALYZER, text)
    stems, words = _analysed(analysis, text)
    if len(stems) != len(words):
        return []
    tag = analysis + ":"
    ok = [not (len(w) < 2 or w.isdigit() or is_stopword(w, analysis)) for w in words]
    keys = [tag + st for st, good in zip(stems, ok, strict=True) if good]
    if analysis != "cjk":
        keys += [f"{tag}{stems[j]} {stems[j + 1]}" for j in range(len(stems) - 1) if ok[j] and ok[j + 1]]
    return keys


def _keys(stem_an: tantivy.TextAnalyzer, surf_an: tantivy.TextAnalyzer, text: str) -> list[str]:
    """Stemmed words and adjacent pairs of an article, stopwords and numbers left out."""
    stems, words = stem_an.analyze(text), surf_an.analyze(text)
    if len(stems) != len(words):  # the same chain bar the stemmer: cannot happen
        return []
    ok = [not _skip(w) for w in words]
    keys = [st for st, good in zip(stems, ok, strict=True) if good]
    keys += [f"{stems[j]} {stems[j + 1]}" for j in range(len(stems) - 1) if ok[j] and ok[j + 1]]
    return keys


def _surface_forms(corpus: Corpus, seqs: list[int], wanted: set[str], english: bool) -> dict[str, str]:
    """The most common spelling of each wanted stem key, read from a few articles."""
    seen: dict[str, Counter[str]] = {k: Counter() for k in wanted}
    for row in corpus.store.rows_by_seq(seqs).values():
        analysis = ENGLISH if english else analysis_of(row.lang)
        tag = "" if analysis == ENGLISH else analysis + ":"
        stems, words = _analysed(analysis, f"{row.title}\n{row.body}")
        if len(stems) != len(words):
            continue
        stems = [tag + st for st in stems] if tag else stems
        for j, st in enumerate(stems):
            if st in seen:
                seen[st][words[j]] += 1
            if j + 1 < len(stems):
                pair = f"{st} {stems[j + 1].removeprefix(tag)}"
                if pair in seen:
                    seen[pair][f"{words[j]} {words[j + 1]}"] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items() if c}


def _skip(word: str) -> bool:
    return len(word) < 2 or word in STOPWORDS or word.isdigit()
