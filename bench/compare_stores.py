"""Compare two data directories' stores row for row: did a change keep every output the same?

Used to check speed work on ingest (issue 13): ingest the same file into two fresh data
directories, one with the code before the change and one after, then

    python bench/compare_stores.py DATA_BEFORE DATA_AFTER

Every table is compared in full, sorted, except what records *when* an ingest ran: the
``ingested_at`` column and the ingest stamps among ``article_prefixes`` (provenance prefixes
that are ISO times). Articles are compared as newsdesk reads them (bodies decompressed,
compacted columns expanded: ``store.select_list``), so a change of how rows are stored is
checked on what they hold. Exits 1 when anything differs, naming the table and an example row.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SKIP_COLUMNS = {"ingested_at"}


def article_rows(db: sqlite3.Connection, path: Path) -> list[tuple]:
    from newsdesk.store import COLUMNS, decoded, select_list
    from newsdesk.store.texts import Codec

    cols = [c for c in COLUMNS if c not in SKIP_COLUMNS]
    got = db.execute(f"SELECT {select_list(cols)} FROM articles").fetchall()
    return sorted(decoded(Codec(db, str(path)), got, at=cols.index("body")), key=repr)


def rows(db: sqlite3.Connection, table: str, path: Path) -> list[tuple]:
    if table == "articles":
        return article_rows(db, path)
    cols = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[1] not in SKIP_COLUMNS]
    if not cols:
        return []
    names = ", ".join(f'"{c}"' for c in cols)
    got = db.execute(f'SELECT {names} FROM "{table}"').fetchall()
    if table == "article_prefixes":  # an ingest's stamp is a prefix too: when, not what
        got = [r for r in got if not any(isinstance(v, str) and STAMP.match(v) for v in r)]
    return sorted(got, key=repr)


def compare(a: Path, b: Path) -> list[str]:
    dbs = [sqlite3.connect(f"file:{d / 'newsdesk.db'}?mode=ro", uri=True) for d in (a, b)]
    tables = [sorted(r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")) for db in dbs]
    problems = []
    if tables[0] != tables[1]:
        problems.append(f"different tables: {sorted(set(tables[0]) ^ set(tables[1]))}")
    for table in sorted(set(tables[0]) & set(tables[1])):
        ra, rb = rows(dbs[0], table, a / "newsdesk.db"), rows(dbs[1], table, b / "newsdesk.db")
        if ra != rb:
            example = next(((x, y) for x, y in zip(ra, rb, strict=False) if x != y), None)
            problems.append(f"{table}: {len(ra):,} vs {len(rb):,} rows differ; e.g. {example!r:.300}")
        else:
            print(f"same  {table}: {len(ra):,} rows")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    args = ap.parse_args()
    for d in (args.before, args.after):
        if not (d / "newsdesk.db").is_file():
            sys.exit(f"{d}: no newsdesk.db here; give two data directories")
    problems = compare(args.before, args.after)
    for p in problems:
        print("DIFF  " + p)
    print("identical" if not problems else f"{len(problems)} table(s) differ")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
