"""Ranking quality: TREC queries + qrels -> nDCG@10, MAP, MRR@10, R@100, P@10; known items.

Metrics come from ir-measures (the ``eval`` extra), which wraps trec_eval, so
numbers are comparable with published ones. A run ranks each query's hits by
newsdesk's own order (scores are written as ``depth - rank`` so that ties in
BM25 scores cannot be re-ordered by docid inside trec_eval).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import MissingExtraError, NewsdeskError, NotFoundError
from ..model import Article, Hit, Reject


class Searchable(Protocol):
    """What evaluation needs of a desk: its public ``search`` and ``get`` (duck-typed, so this
    module never imports the Desk)."""

    def search(self, query: str, limit: int = 10, offset: int = 0, **filters: Any) -> Any: ...

    def get(self, key: str) -> Article: ...

Run = dict[str, dict[str, float]]
Qrels = dict[str, dict[str, int]]

METRICS = ("nDCG@10", "AP", "RR@10", "R@100", "P@10")
LABELS = {"nDCG@10": "nDCG@10", "AP": "MAP", "RR@10": "MRR@10", "R@100": "R@100", "P@10": "P@10"}


def load_queries(path: str | os.PathLike[str]) -> dict[str, str]:
    """``qid<TAB>text`` lines (TREC topics as TSV); blank lines and ``#`` comments skipped."""
    queries: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise NewsdeskError(f"{path}: cannot read the queries: {err.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise NewsdeskError(f"{path}:{n}: expected 'qid<TAB>query text'")
        qid, text = line.split("\t", 1)
        queries[qid.strip()] = text.strip()
    if not queries:
        raise NewsdeskError(f"{path}: no queries in the file (expected 'qid<TAB>query text' lines)")
    return queries


def load_qrels(path: str | os.PathLike[str]) -> Qrels:
    """TREC qrels: ``qid 0 docid grade`` per line."""
    qrels: Qrels = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise NewsdeskError(f"{path}: cannot read the qrels: {err.strerror}") from None
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise NewsdeskError(f"{path}:{n}: expected 'qid 0 docid grade'")
        try:
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
        except ValueError:
            raise NewsdeskError(f"{path}:{n}: the grade {parts[3]!r} is not a whole number") from None
    if not qrels:
        raise NewsdeskError(f"{path}: no judgements in the file (expected 'qid 0 docid grade' lines)")
    return qrels


def judged_only(queries: dict[str, str], qrels: Qrels) -> tuple[dict[str, str], list[str]]:
    """The queries that have a relevant document in ``qrels``, and the ids of those that have none.

    As trec_eval does, a query nobody judged is left out rather than scored 0:
    it says nothing about the ranking.
    """
    ids = judged_ids(qrels)
    judged = {q: t for q, t in queries.items() if q in ids}
    return judged, [q for q in queries if q not in judged]


def judged_ids(qrels: Qrels) -> set[str]:
    """The query ids with at least one relevant document."""
    return {q for q, docs in qrels.items() if any(g > 0 for g in docs.values())}


_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')


def as_keywords(text: str) -> str:
    """A natural-language query as plain words: operators and specials escaped."""
    words = [w for w in _LUCENE_SPECIAL.sub(" ", text).split() if w not in ("AND", "OR", "NOT", "TO")]
    return " ".join(words)


def clip(query: str) -> str:
    """A test query cut at a word boundary to the length search accepts (some CISI queries
    quote whole abstracts): one overlong query must not stop the run. Peers get the same cut."""
    from ..query.parse import MAX_QUERY_CHARS

    if len(query) <= MAX_QUERY_CHARS:
        return query
    return query[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]


def run_queries(
    desk: Searchable,
    queries: dict[str, str],
    depth: int = 100,
    operator: str = "OR",
    collapse: bool = False,
    keywords: bool = True,
    rank: str = "bm25",
) -> Run:
    """Search every query; qid -> {external_id (or id): score} for the top ``depth`` hits.

    Test-collection queries are natural language, so by default they run as
    plain words joined by OR (``keywords``), as Lucene's default would.
    Duplicates are not collapsed by default: qrels judge each copy. ``rank``: a ranking
    mode of ``Desk.search`` (``rm3``, ``relaxed``, ``hybrid``), to measure the opt-in ones.
    """
    run: Run = {}
    extra = {} if rank == "bm25" else {"rank": rank}
    for qid, text in queries.items():
        q = clip(as_keywords(text) if keywords else text)
        ranked = ranked_hits(desk, q, depth, operator=operator, collapse=collapse, **extra)
        run[qid] = {(h.external_id or h.id): float(depth - i) for i, h in enumerate(ranked)}
    return run


def ranked_hits(desk: Searchable, q: str, depth: int, **search: Any) -> list[Hit]:
    """The top ``depth`` hits of ``q`` as evaluation ranks them: ties by key (:func:`ties_by_key`),
    fetched past the cut until its score is not shared, so that the cut does not depend on how
    the index is laid out either. ``search``: arguments for ``Desk.search``."""
    if depth < 1:
        return []
    fetch = depth
    while True:
        hits = desk.search(q, limit=fetch, snippets=False, **search).hits
        if len(hits) < fetch or hits[depth - 1].score != hits[-1].score:
            break
        fetch *= 2
    return ties_by_key(hits)[:depth]


def _document_order(hit: Hit) -> tuple[int, int, str, str]:
    """Document numbers compare as numbers ("998" before "1001", at any length), other keys as text."""
    key = hit.external_id or hit.id
    if key.isascii() and key.isdigit():
        digits = key.lstrip("0")
        return (0, len(digits), digits, key)
    return (1, 0, key, key)


def ties_by_key(hits: list[Hit]) -> list[Hit]:
    """The hits with each run of equal scores ordered by key (external id, else id; numbers as
    numbers), so that the order is fixed whatever the index's layout.

    The engine leaves ties in tantivy's order, by document address, which a multi-threaded build
    lays out differently each time: in two clean builds of Reuters, 51 of the 64 dev queries
    ordered ties differently and 7 had a tie block across the depth-100 cut (MAP 0.684-0.692).
    :func:`ranked_hits` fetches past the cut until its score is not shared, so the cut is the
    same too. Numbers compare as numbers because archives number their documents in order: on
    Reuters that puts the earlier wire first, as ingest order did (MAP 0.6897; as text, 0.6838).
    Only consecutive equal scores are reordered, so modes whose order is not one
    score (AND-then-OR) keep their order."""
    out: list[Hit] = []
    start = 0
    for i in range(1, len(hits) + 1):
        if i == len(hits) or hits[i].score != hits[start].score:
            out += sorted(hits[start:i], key=_document_order)
            start = i
    return out


def measure(run: Run, qrels: Qrels, metrics: Iterable[str] = METRICS) -> dict[str, float]:
    """Mean of each metric over the judged queries (a query with no hits scores 0)."""
    try:
        import ir_measures
    except ModuleNotFoundError:
        raise MissingExtraError("ir-measures", "eval") from None
    measures = [ir_measures.parse_measure(m) for m in metrics]
    judged = {q: qrels[q] for q in judged_ids(qrels)}
    if not judged:
        raise NewsdeskError("no query has a relevant document in the qrels: nothing to measure")
    full_run = {q: run.get(q) or {"__none__": 0.0} for q in judged}
    agg = ir_measures.calc_aggregate(measures, judged, full_run)
    return {LABELS.get(str(m), str(m)): float(agg[m]) for m in measures} | {"queries": len(judged)}


def write_run(run: Run, path: str | os.PathLike[str], tag: str = "newsdesk") -> None:
    """The run in TREC format: ``qid Q0 docid rank score tag``."""
    try:
        with open(path, "w", encoding="utf-8") as fh:
            for qid, docs in run.items():
                ranked = sorted(docs.items(), key=lambda kv: -kv[1])
                for rank, (docid, score) in enumerate(ranked, 1):
                    fh.write(f"{qid} Q0 {docid} {rank} {score:g} {tag}\n")
    except OSError as err:
        raise NewsdeskError(f"{path}: cannot write the run: {err.strerror}") from None


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail now, not after every query has run, if the run file cannot be written."""
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise NewsdeskError(f"{path}: cannot write the run: it is a directory")
    if not os.path.isdir(parent):
        raise NewsdeskError(f"{path}: cannot write the run: the directory {parent} does not exist")
    if not os.access(path if os.path.exists(path) else parent, os.W_OK):
        raise NewsdeskError(f"{path}: cannot write the run: permission denied")


@dataclass
class PairsResult:
    """Known-item search: each pair's rank of its article (None: not in the top ``depth``)."""

    ranks: dict[str, int | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # articles not in the desk at all

    def summary(self) -> dict[str, Any]:
        found = [r for r in self.ranks.values()]
        n = len(found) or 1
        return {
            "pairs": len(found),
            "MRR": sum(1 / r for r in found if r) / n,
            "success@1": sum(1 for r in found if r == 1) / n,
            "success@10": sum(1 for r in found if r and r <= 10) / n,
            "not_in_desk": self.missing,
            "ranks": self.ranks,
        }


def known_items(desk: Searchable, directory: str | os.PathLike[str], depth: int = 100, operator: str = "AND") -> PairsResult:
    """For each ``.txt`` in ``directory`` (first line the query, whole file the article),
    the rank at which the query finds that article.

    The article is recognised by external id (the file stem, as the text reader
    stores it) or, failing that, by its content (the id the desk derives from it). Copies are
    not collapsed and ties are ordered by key (:func:`ranked_hits`): with duplicates collapsed,
    which copy stands for the others would follow the index's layout, and the target could be
    ranked in one build and missing in the next.
    """
    files = sorted(Path(directory).glob("*.txt"))
    if not files:
        raise NewsdeskError(f"{directory}: no .txt pair files found")
    result = PairsResult()
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        query = text.splitlines()[0].strip() if text.strip() else ""
        target = _target_id(desk, path)
        if target is None:
            result.missing.append(path.name)
            continue
        hits = ranked_hits(desk, query, depth, operator=operator, collapse=False)
        rank = next((i for i, h in enumerate(hits, 1) if h.id == target), None)
        result.ranks[path.stem] = rank
    return result


def _stored(desk: Searchable, key: str) -> Article | None:
    try:
        return desk.get(key)
    except NotFoundError:
        return None


def _target_id(desk: Searchable, path: Path) -> str | None:
    """The desk's id for the article in pair file ``path``: by external id, else by content."""
    from ..normalize import to_article
    from ..readers import ReadOptions, read_file

    stored = _stored(desk, path.stem)  # by id, else by external id (the text reader's file stem)
    if stored is not None:
        return stored.id
    for item in read_file(str(path), ReadOptions()):
        article = to_article(item) if not isinstance(item, Reject) else item
        if isinstance(article, Article) and _stored(desk, article.id) is not None:
            return article.id
    return None


def judged_files(
    queries_path: str | os.PathLike[str], qrels_path: str | os.PathLike[str]
) -> tuple[dict[str, str], Qrels, list[str]]:
    """Queries and qrels from TREC files, only the judged queries kept; plus the ids left out."""
    return judged_set(load_queries(queries_path), load_qrels(qrels_path))


def judged_set(queries: dict[str, str], qrels: Qrels) -> tuple[dict[str, str], Qrels, list[str]]:
    """Only queries with relevance judgements count (as in trec_eval); NewsdeskError if none is."""
    judged, unjudged = judged_only(queries, qrels)
    if not judged:
        raise NewsdeskError(
            f"none of the {len(queries)} queries has a relevant document in the qrels (do the query ids match?)"
        )
    return judged, {q: qrels[q] for q in judged}, unjudged


def evaluate(
    desk: Searchable, queries: dict[str, str], qrels: Qrels, depth: int = 100, operator: str = "OR",
    collapse: bool = False, run_out: str | os.PathLike[str] | None = None, peers: bool = False,
    rank: str = "bm25",
) -> dict[str, Any]:
    """Run the queries, optionally save the run (checked writable first), and measure it.

    Besides the metrics: ``by_type`` (the same metrics per query type, see :func:`query_type`)
    and, with ``peers``, ``peers`` (name -> metrics of plain BM25 engines over the same
    articles, :mod:`.peers`) and ``peer_notes`` (the peers that could not run, and why)."""
    if run_out:
        check_writable(run_out)
    run = run_queries(desk, queries, depth=depth, operator=operator, collapse=collapse, rank=rank)
    if run_out:
        write_run(run, run_out)
    out: dict[str, Any] = {**measure(run, qrels), "by_type": measure_by_type(run, qrels, queries)}
    if peers:
        from .peers import peers as build_peers

        engines, notes = build_peers(desk)
        out["peers"] = {}
        for name, search in engines.items():
            prun = peer_run(search, queries, depth)
            out["peers"][name] = {**measure(prun, qrels), "by_type": measure_by_type(prun, qrels, queries)}
        out["peer_notes"] = notes
    return out


NAME_PREFIXES = ("people-", "person-", "org-", "orgs-", "places-", "exchanges-")
LONG_WORDS = 6  # a request in a sentence, not keywords


def query_type(qid: str, text: str) -> str:
    """``long`` (six words or more: natural language), ``names`` or ``topics``.

    Names are told by the query id (Reuters-style ``people-``/``org-`` prefixes) or by every
    word being capitalised as typed ("James Baker"); anything else short is a topic. Words
    alone cannot tell "coffee" from "opec", hence the id convention."""
    words = text.split()
    if len(words) >= LONG_WORDS:
        return "long"
    if qid.lower().startswith(NAME_PREFIXES):
        return "names"
    letters = [w for w in words if w[:1].isalpha()]
    if letters and all(w[:1].isupper() for w in letters) and not text.isupper():
        return "names"
    return "topics"


def measure_by_type(run: Run, qrels: Qrels, queries: dict[str, str], metrics: Iterable[str] = METRICS) -> dict:
    """type -> metrics (with ``queries``) over the judged queries of that type."""
    groups: dict[str, Qrels] = {}
    for qid in judged_ids(qrels):
        if qid in queries:
            groups.setdefault(query_type(qid, queries[qid]), {})[qid] = qrels[qid]
    return {t: measure(run, qr, metrics) for t, qr in sorted(groups.items())}


def peer_run(search: Any, queries: dict[str, str], depth: int = 100) -> Run:
    """A peer's ranking of the queries as OR keywords, in the run shape :func:`measure` reads."""
    run: Run = {}
    for qid, text in queries.items():
        ranked = dict.fromkeys(search(clip(as_keywords(text)), depth))
        run[qid] = {d: float(depth - i) for i, d in enumerate(ranked)}
    return run


def collection(name: str) -> tuple[Iterable[Any], dict[str, str], Qrels]:
    """A shared test collection: (what to ingest, queries, qrels) for ``time`` or ``reuters``."""
    from . import collections as sets

    if name == "time":
        raw = sets.time_dir()
        if not (raw / "TIME.ALL").exists():
            raise NewsdeskError(f"{raw}: TIME collection not found (set NEWSDESK_SHARED)")
        return sets.time_records(raw), sets.time_queries(raw), sets.time_qrels(raw)
    if name == "reuters":
        paths = sets.reuters_paths()
        if not paths["corpus"].exists():
            raise NewsdeskError(f"{paths['corpus']}: Reuters not found (set NEWSDESK_SHARED)")
        return [str(paths["corpus"])], load_queries(paths["queries"]), load_qrels(paths["qrels"])
    raise NewsdeskError(f"collection {name!r}: choose time or reuters")
