"""Peer engines for the ranking bench, built in-process over any list of (id, title, body).

bench/peers.py builds its peers over Reuters and TIME only; the ranking bench needs them over
seven collections more, so these take the documents. Raw tantivy and bm25s are the builders of
``newsdesk eval --peers`` (newsdesk.evaluate.peers). Same settings as bench/peers.py:
raw tantivy (default tokenizer, headline + body fields, default query parser), bm25s
(PyStemmer English, English stop words; k1 1.5, b 0.75) and Lucene BM25 through Pyserini
(Anserini defaults: k1 0.9, b 0.4, Porter, stop words) when Java and pyserini are present.
Each builder returns ``search(query, k) -> [doc id]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from _common import ROOT  # noqa: F401 - puts src/ on sys.path for the import below

from newsdesk.evaluate import peers as eval_peers

Docs = list[tuple[str, str, str]]
Search = Callable[[str, int], list[str]]


def tantivy_peer(docs: Docs, where: Path) -> Search:
    """Raw tantivy, as ``newsdesk eval --peers`` builds it (in memory; ``where`` is unused)."""
    return eval_peers.tantivy_peer(docs)


def bm25s_peer(docs: Docs, where: Path) -> Search:
    """bm25s, as ``newsdesk eval --peers`` builds it (``where`` is unused)."""
    return eval_peers.bm25s_peer(docs)


def _java_home() -> str | None:
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for cand in ("/usr/lib/jvm/java-21-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-amd64"):
        if Path(cand).exists():
            return cand
    return None


def lucene_status() -> str | None:
    """None when Lucene (Pyserini) can run here, else why not."""
    try:
        metadata.version("pyserini")
        import jnius_config  # noqa: F401
    except (metadata.PackageNotFoundError, ModuleNotFoundError):
        return "pyserini is not installed (`pip install --no-deps pyserini==0.22.1 pyjnius`, Java 11+)"
    if not _java_home():
        return "no Java runtime found (Pyserini 0.22 needs Java 11 or later)"
    return None


def lucene_peer(docs: Docs, where: Path) -> Search:
    java = _java_home()
    env = dict(os.environ, JAVA_HOME=java or "")
    coll = Path(tempfile.mkdtemp(prefix="lucene-json-", dir=where.parent))
    with open(coll / "docs.jsonl", "w", encoding="utf-8") as fh:
        for did, title, body in docs:
            fh.write(json.dumps({"id": did, "contents": f"{title}\n{body}"}) + "\n")
    # Anserini's indexer through the jar (pyserini.index.lucene would import pandas, which the
    # Lucene indexer itself does not need); in a child process so its log stays out of ours
    script = ("from pyserini.pyclass import autoclass; import sys; "
              "autoclass('io.anserini.index.IndexCollection').main(sys.argv[1:])")
    subprocess.run(
        [sys.executable, "-c", script, "-collection", "JsonCollection", "-input", str(coll),
         "-index", str(where), "-generator", "DefaultLuceneDocumentGenerator", "-threads", "1"],
        check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.environ["JAVA_HOME"] = java or ""
    from pyserini.pyclass import autoclass  # the Lucene searcher needs only the jar

    searcher = autoclass("io.anserini.search.SimpleSearcher")(str(where))

    def search(q: str, k: int) -> list[str]:
        return [h.docid for h in searcher.search(q, k)] if q.strip() else []

    return search


PEERS: dict[str, Callable[[Docs, Path], Search]] = {
    "tantivy": tantivy_peer, "bm25s": bm25s_peer, "Lucene": lucene_peer,
}
