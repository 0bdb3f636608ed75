"""Build ``gold.jsonl``, the copies + stories gold set, deterministically.

Inputs (committed beside this script): ``selection.json`` (Reuters-21578 ids chosen by
reading: same-event stories, natural near-copies, look-alike pairs that are *not*
copies) and ``written.jsonl`` (wire-style stories written for this set). Reuters text
is read from ``../shared/data/reuters21578/reuters21578.jsonl.gz``.

Every original is one article of its story; transformed copies are made from the
originals, one transformation *kind* per copy (``headline``, ``dateline``, ``byline``,
``credit``, ``footer``, ``rewrap``, ``reorder``, ``truncate``, ``words``, ``excerpt``,
``combo``), each kind at least 20 times, published 5 minutes to 20 hours after the
original by another source. A copy belongs to its original's story and copy group.
The split (dev/test) is by story: sha1(story) decides, so tuning on dev never sees a
test story.

    python tests/data/stories/make_gold.py      # rewrites gold.jsonl
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REUTERS = HERE.parents[2].parent / "shared" / "data" / "reuters21578" / "reuters21578.jsonl.gz"
KINDS = (
    "headline",
    "dateline",
    "byline",
    "credit",
    "footer",
    "rewrap",
    "reorder",
    "truncate",
    "words",
    "excerpt",
    "combo",
)
SOURCES = (
    "Daily Ledger",
    "Metro Herald",
    "Business Wire Digest",
    "Evening Courier",
    "Harbor Times",
    "Capital Post",
    "Market Watchers",
    "The Northern Star",
    "Valley Tribune",
    "Global Desk",
    "Coastal Gazette",
    "Prairie Press",
)
CITIES = ("NEW YORK", "LONDON", "WASHINGTON", "TOKYO", "CHICAGO", "PARIS", "FRANKFURT", "HONG KONG")
NAMES = ("Jane Whitaker", "Tom Okafor", "Lena Marsh", "Ravi Sundar", "Ana Ribeiro", "Peter Holm")
FOOTERS = (
    "Reporting by {a}; Editing by {b}\n\nCopyright {y} {src}. All rights reserved. This material may "
    "not be published, broadcast, rewritten or redistributed.",
    "({src} staff contributed to this report.)\n\nSign up for our morning newsletter to get the day's "
    "top business stories in your inbox. Follow us on social media for more updates.",
    "Additional reporting by {a}; writing by {b}.\n\nFor the latest news and analysis, visit our "
    "website or download the {src} app, available for phones and tablets.",
)
SWAPS = (
    "increase",
    "decline",
    "company",
    "official",
    "government",
    "market",
    "share",
    "report",
    "analysts",
    "expected",
    "week",
    "month",
    "plans",
    "talks",
    "agreement",
    "statement",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def paragraphs(body: str) -> list[str]:
    """Paragraphs of a Reuters body (indented lines) or a written one (blank lines)."""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n {3,}", body) if p.strip()]
    if len(parts) < 3:  # one block: use sentences
        text = " ".join(parts)
        parts = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s]
    return parts


def join(paras: list[str]) -> str:
    return "\n\n".join(paras)


def dateline(o: dict, rnd: random.Random) -> str:
    dt = datetime.fromisoformat(o["published"].replace("Z", "+00:00"))
    city = (o.get("dateline") or "").split(",")[0].strip() or rnd.choice(CITIES)
    return f"{city.upper()}, {MONTHS[dt.month - 1]} {dt.day}"


def transform(kind: str, o: dict, rnd: random.Random, src: str) -> tuple[str, str]:
    """(title, body) of a copy of ``o`` made by one kind of transformation."""
    title, paras = o["title"], paragraphs(o["body"])
    if kind == "headline":
        t = title.title() if title.isupper() else title
        title = rnd.choice((f"UPDATE 1-{t}", f"{t}, sources say", f"WRAPUP {t}", f"{src}: {t}"))
        words = title.split()
        if len(words) > 5 and rnd.random() < 0.5:
            i = rnd.randrange(1, len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            title = " ".join(words)
        return title, join(paras)
    if kind == "dateline":
        return title, f"{dateline(o, rnd)} - " + join(paras)
    if kind == "byline":
        return title, f"By {rnd.choice(NAMES)}\n\n" + join(paras)
    if kind == "credit":
        return title, f"{dateline(o, rnd).split(',')[0]} (Reuters) - " + join(paras)
    if kind == "footer":
        return title, join(paras) + "\n\n" + footer(o, rnd, src)
    if kind == "rewrap":
        width = rnd.choice((38, 52, 90))
        return title, "\n\n".join(textwrap.fill(p, width) for p in paras)
    if kind == "reorder":
        rest = paras[1:]
        for _ in range(10):
            rnd.shuffle(rest)
            if rest != paras[1:] or len(rest) < 2:
                break
        return title, join(paras[:1] + rest)
    if kind == "truncate":
        n = len(paras)
        keep = max(1, n - rnd.choice((1, 2)) if n > 3 else n - 1)
        return title, join(paras[:keep])
    if kind == "words":
        return title, join(change_words(paras, rnd, rnd.choice((2, 3, 4, 5))))
    if kind == "excerpt":
        words = join(paras).split(" ")
        return title, " ".join(words[: max(30, int(len(words) * rnd.uniform(0.3, 0.45)))])
    if kind == "combo":
        t = title.title() if title.isupper() else title
        body = f"{dateline(o, rnd).split(',')[0]} (Reuters) - " + join(change_words(paras, rnd, 2))
        return f"UPDATE 2-{t}", body + "\n\n" + footer(o, rnd, src)
    raise ValueError(kind)


def footer(o: dict, rnd: random.Random, src: str) -> str:
    year = o["published"][:4]
    return rnd.choice(FOOTERS).format(a=rnd.choice(NAMES), b=rnd.choice(NAMES), y=year, src=src)


def change_words(paras: list[str], rnd: random.Random, n: int) -> list[str]:
    """Replace ``n`` words (a few edits, as a copy editor or an update would)."""
    tokens = [p.split(" ") for p in paras]
    spots = [(i, j) for i, ws in enumerate(tokens) for j, w in enumerate(ws) if w.isalpha() and len(w) > 3]
    for i, j in rnd.sample(spots, min(n, len(spots))):
        tokens[i][j] = rnd.choice(SWAPS)
    return [" ".join(ws) for ws in tokens]


def split_of(story: str) -> str:
    return "dev" if hashlib.sha1(story.encode()).digest()[0] % 2 == 0 else "test"


def main() -> None:
    sel = json.loads((HERE / "selection.json").read_text())
    reuters = {}
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            reuters[o["id"]] = o
    rnd = random.Random(20261201)
    out: list[dict] = []

    def add(o: dict, story: str, group: str, kind: str, copy_of: str | None, source: str) -> None:
        out.append(
            {
                "id": o["id"],
                "title": o["title"],
                "body": o["body"],
                "published": o["published"],
                "source": source,
                "story": story,
                "group": group,
                "kind": kind,
                "copy_of": copy_of,
                "split": split_of(story),
            }
        )

    originals: list[tuple[dict, str]] = []
    for story, ids in sel["stories"].items():
        for rid in ids:
            o = dict(reuters[rid], id=f"reuters-{rid}")
            add(o, story, o["id"], "original", None, "Reuters")
            originals.append((o, story))
    for line in (HERE / "written.jsonl").read_text().splitlines():
        o = json.loads(line)
        add(o, o["story"], o["id"], "original", None, "Newsdesk Wire")
        originals.append((o, o["story"]))
    used = {i for ids in sel["stories"].values() for i in ids}
    for a, b in sel["natural_copies"]:
        first, second = sorted((reuters[a], reuters[b]), key=lambda o: (o["published"], int(o["id"])))
        story = f"r-natural-{first['id']}"
        f, s = dict(first, id=f"reuters-{first['id']}"), dict(second, id=f"reuters-{second['id']}")
        add(f, story, f["id"], "original", None, "Reuters")
        add(s, story, f["id"], "natural", f["id"], "Reuters")
        used.update((a, b))
    for rid in sorted({i for pair in sel["natural_distinct"] for i in pair}, key=int):
        o = dict(reuters[rid], id=f"reuters-{rid}")
        add(o, f"r-single-{rid}", o["id"], "original", None, "Reuters")
        used.add(rid)
    # single-article stories from the rest of Reuters: long enough to cut and excerpt
    pool = [
        o
        for rid, o in sorted(reuters.items(), key=lambda kv: int(kv[0]))
        if rid not in used
        and o.get("published")
        and len(o.get("body", "").split()) > 180
        and len(paragraphs(o["body"])) >= 4
    ]
    for o in random.Random(7).sample(pool, 40):
        story = f"r-single-{o['id']}"
        o = dict(o, id=f"reuters-{o['id']}")
        add(o, story, o["id"], "original", None, "Reuters")
        originals.append((o, story))
    # transformed copies: kinds dealt round-robin over the shuffled originals (excerpt and
    # truncate only from originals with enough text to cut)
    order = originals[:]
    rnd.shuffle(order)
    plan = [k for _ in range(24) for k in KINDS]
    n = 0
    while plan:
        o, story = order[n % len(order)]
        long = len(o["body"].split()) >= 120 and len(paragraphs(o["body"])) >= 3
        kind = next((k for k in plan if long or k not in ("excerpt", "truncate")), None)
        if kind is None:
            n += 1
            continue
        plan.remove(kind)
        src = SOURCES[n % len(SOURCES)]
        title, body = transform(kind, o, rnd, src)
        when = datetime.fromisoformat(o["published"].replace("Z", "+00:00")) + timedelta(
            minutes=rnd.randint(5, 20 * 60)
        )
        copy = {
            "id": f"{o['id']}~{kind}~{n}",
            "title": title,
            "body": body,
            "published": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        add(copy, story, o["id"], kind, o["id"], src)
        n += 1
    # story articles that are re-sends of another: the later one is a natural copy, and its own
    # transformed copies belong to the same copy group
    root: dict[str, str] = {}
    for a, b in sel.get("story_copies", []):
        first, second = sorted(
            (f"reuters-{a}", f"reuters-{b}"), key=lambda i: next(r["published"] for r in out if r["id"] == i)
        )
        root[second] = first
        for r in out:
            if r["id"] == second:
                r.update(kind="natural", copy_of=first)
    for r in out:
        r["group"] = root.get(r["group"], r["group"])
    with open(HERE / "gold.jsonl", "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    stories = {r["story"] for r in out}
    print(f"{len(out)} articles, {len(stories)} stories -> {HERE / 'gold.jsonl'}")


if __name__ == "__main__":
    main()
