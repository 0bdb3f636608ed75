"""The ranking bench's collections: loaders, the fixed dev/test split, and the one-off converter.

Five classic public test collections (Glasgow/SMART: CACM, CISI, Cranfield, MEDLINE, NPL) live
in ``tests/data/ranking/<name>/`` as ``docs.jsonl.gz`` (id, title, body), ``queries.tsv`` and
``qrels.txt`` (TREC), so the bench runs on a clean clone with no network. They were converted
once from the raw files (``python bench/ranking_data.py --convert RAWDIR``; sources are named in
``tests/data/ranking/README.md``). The shared Reuters dev queries and TIME come from
``../shared`` as the other benches read them; the known-item sets are written by hand
(``tests/data/ranking/known_items/*.tsv``).

Why a fixed split by hash and not a random one: the split must be the same on every machine and
in every run, and made before anything is tuned, so a test figure never saw tuning.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ranking"  # what we wrote ourselves: the known-item queries
CLASSICS = ("cacm", "cisi", "cran", "med", "npl")
# The classic collections are converted from copies fetched from public repositories; such data
# is not committed. They are read from the shared data folder, else this checkout's ignored
# .bench-cache/ranking/ (`python bench/ranking_data.py --convert RAWDIR` writes them there).
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
CLASSICS_AT = (SHARED / "data" / "ranking", ROOT / ".bench-cache" / "ranking")


def classic_dir(name: str) -> Path | None:
    """Where the converted collection ``name`` lies, or None when it is not on this machine."""
    return next((base / name for base in CLASSICS_AT if (base / name / "docs.jsonl.gz").exists()), None)

Doc = tuple[str, str, str]  # (id, title, body)
Qrels = dict[str, dict[str, int]]


@dataclass
class Collection:
    """Documents, queries, qrels and the query type of each query (names / topics / long)."""

    name: str
    docs: list[Doc]
    queries: dict[str, str]
    qrels: Qrels
    kind: str = "adhoc"  # "adhoc" (nDCG@10) or "known-item" (MRR@10 as well)
    types: dict[str, str] = field(default_factory=dict)

    def split(self, part: str) -> dict[str, str]:
        """The queries of ``part`` ("dev" or "test"); see :func:`split_of`."""
        return {q: t for q, t in self.queries.items() if split_of(self.name, q) == part}


def split_of(collection: str, qid: str) -> str:
    """``dev`` or ``test``: half the queries each, by a hash of (collection, qid), fixed forever."""
    h = hashlib.sha1(f"{collection}\t{qid}".encode()).digest()[0]
    return "dev" if h % 2 == 0 else "test"


def query_type(text: str) -> str:
    """``long`` for natural-language requests (six words or more), else ``topics``.

    Name queries are labelled where the set says so (Reuters qid prefixes, the known-item
    files), since telling a name from a topic by its words alone is guesswork."""
    return "long" if len(text.split()) >= 6 else "topics"


# -- loading what is committed ------------------------------------------------------
def read_docs(path: Path) -> list[Doc]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [(o["id"], o.get("title", ""), o.get("body", "")) for o in map(json.loads, fh)]


def read_queries(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            qid, text = line.split("\t", 1)
            out[qid] = text.strip()
    return out


def read_qrels(path: Path) -> Qrels:
    out: Qrels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4 and int(parts[3]) > 0:
            out.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return out


def classic(name: str) -> Collection:
    base = classic_dir(name)
    if base is None:
        raise FileNotFoundError(f"{name}: not in " + " or ".join(str(b) for b in CLASSICS_AT))
    queries, qrels = read_queries(base / "queries.tsv"), read_qrels(base / "qrels.txt")
    queries = {q: t for q, t in queries.items() if q in qrels}  # judged queries only, as trec_eval
    return Collection(name.upper(), read_docs(base / "docs.jsonl.gz"), queries, qrels,
                      types={q: query_type(t) for q, t in queries.items()})


# -- converting the raw files (run once; the output stays out of the repository) -------------------
def _smart_blocks(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART format: ``.I n`` then ``.T``/``.W``/``.A``... fields; yields (n, {field: text})."""
    for block in re.split(r"(?m)^\.I\s+", text)[1:]:
        head, _, rest = block.partition("\n")
        fields: dict[str, str] = {}
        pieces = re.split(r"(?m)^\.([A-Z])[ \t]*$", rest)
        for i in range(1, len(pieces) - 1, 2):
            fields[pieces[i]] = fields.get(pieces[i], "") + " " + " ".join(pieces[i + 1].split())
        yield head.strip(), {k: v.strip() for k, v in fields.items()}


def _npl_blocks(text: str) -> Iterator[tuple[str, str]]:
    for block in text.split("/"):
        lines = block.strip().split("\n", 1)
        if len(lines) == 2 and lines[0].strip().isdigit():
            yield lines[0].strip(), " ".join(lines[1].split())


def convert(raw: Path) -> None:
    """Raw Glasgow files under ``raw/<name>/`` -> tests/data/ranking/<name>/ (see the README)."""
    for name in CLASSICS:
        src = raw / name
        docs: list[Doc] = []
        queries: dict[str, str] = {}
        qrels: list[tuple[str, str, int]] = []
        if name == "npl":
            docs = [(f"npl-{n}", "", t) for n, t in _npl_blocks((src / "doc-text").read_text())]
            queries = {n: t.lower() for n, t in _npl_blocks((src / "query-text").read_text())}
            for n, t in _npl_blocks((src / "rlv-ass").read_text()):
                qrels += [(n, f"npl-{d}", 1) for d in t.split()]
        else:
            files = {"cacm": ("cacm.all", "query.text", "qrels.text"), "cisi": ("CISI.ALL", "CISI.QRY", "CISI.REL"),
                     "cran": ("cran.all.1400", "cran.qry", "cran.rel"), "med": ("MED.ALL", "MED.QRY", "MED.REL")}[name]
            enc = "latin-1"
            for n, f in _smart_blocks((src / files[0]).read_text(encoding=enc)):
                docs.append((f"{name}-{int(n)}", f.get("T", ""), f.get("W", "")))
            for i, (n, f) in enumerate(_smart_blocks((src / files[1]).read_text(encoding=enc)), 1):
                # Cranfield's qrels number the queries 1..225 in file order, not by their .I
                qid = str(i) if name == "cran" else str(int(n))
                queries[qid] = " ".join((f.get("T", "") + " " + f.get("W", "")).split())
            for line in (src / files[2]).read_text(encoding=enc).splitlines():
                p = line.split()
                if not p:
                    continue
                if name == "med":
                    qrels.append((p[0], f"med-{p[2]}", 1))
                elif name == "cran":
                    grade = {"1": 4, "2": 3, "3": 2, "4": 1}.get(p[2], 0)  # Cleverdon: 1 = complete answer
                    if grade:
                        qrels.append((str(int(p[0])), f"cran-{int(p[1])}", grade))
                else:
                    qrels.append((str(int(p[0])), f"{name}-{int(p[1])}", 1))
        out = CLASSICS_AT[-1] / name
        out.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(out / "docs.jsonl.gz", "wb", mtime=0) as gz:
            for did, title, body in docs:
                gz.write((json.dumps({"id": did, "title": title, "body": body}) + "\n").encode())
        (out / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in queries.items()), encoding="utf-8")
        seen = set()
        lines = []
        for q, d, g in qrels:
            if (q, d) not in seen:
                seen.add((q, d))
                lines.append(f"{q} 0 {d} {g}\n")
        (out / "qrels.txt").write_text("".join(lines), encoding="utf-8")
        print(f"{name}: {len(docs)} docs, {len(queries)} queries, {len(seen)} judgements")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convert", type=Path, required=True, help="directory with raw/<name>/ files")
    convert(ap.parse_args().convert)
