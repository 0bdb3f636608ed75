"""Build the Spark test inputs in tests/data/spark/ (committed; run to remake them).

``.venv/bin/python tests/data/spark/make_data.py`` writes:

- ``news.warc.gz``: warcinfo + five HTML responses (two of them the same wire story on two
  sites, one a 404) the way CC-News ships WARCs, one gzip member per record;
- ``corrupt.warc.gz``: two good records, then a member whose deflate stream is garbage;
- ``articles.jsonl``: thirteen articles, three copies of one story (re-sends and an edit), two
  undated copies of another,
  an article repeated with the same id, and two broken lines;
- ``cut.jsonl.gz``: a gzip cut off in the middle of its stream (a failed download).

Texts and response record ids are fixed; the warcinfo records carry the time they were made.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = random.Random(14)

WIRE = (
    "The central bank of Norland raised its benchmark interest rate by half a point on Tuesday, "
    "the third increase this year, saying inflation in food and housing had not eased as quickly "
    "as it expected. Governor Ilse Varga told reporters in Harbourg that the bank would act again "
    "if prices kept rising, and that the labour market remained tight. Economists had expected "
    "a smaller move. The currency rose against the dollar after the announcement, while shares "
    "of lenders and builders fell in afternoon trading on the Harbourg exchange."
)
UNDATED = (
    "Volunteers on the coast path above Selby Cove counted more than two thousand puffins this "
    "week, the highest number since the count began, and said the new fence at the cliff top "
    "had kept walkers away from the burrows during the nesting season."
)
STORIES = [
    (
        "Floods close the river road north of Tamsk",
        "Heavy rain closed the river road north of Tamsk for a second day on Monday as the water rose "
        "over the embankment near the old mill. The regional council said crews were pumping water from "
        "cellars in the lower town and that the road would stay shut until engineers had checked the "
        "bridge. Mayor Otto Brandt asked residents to keep away from the banks.",
    ),
    (
        "Shipyard wins order for four ferries",
        "The Kelvik shipyard has won an order for four electric ferries from the coastal transport "
        "authority, its largest contract in a decade. Chief executive Maria Lund said the work would "
        "keep six hundred people employed until 2028 and that the first vessel would be delivered next "
        "spring. The authority said the ferries would cut emissions on its busiest routes by half.",
    ),
    (
        "Museum returns carved panels to island",
        "The national museum in Ostra has returned eleven carved wooden panels to the island of Vell, "
        "from which they were taken more than a century ago. Director Paul Okafor said the return "
        "followed three years of talks with the island council. The panels will be shown in a new "
        "gallery in the island's main town from the autumn.",
    ),
]


def page(title: str, site: str, body: str, published: str) -> str:
    paras = "".join(f"<p>{s.strip()}.</p>" for s in body.split(". ") if s.strip())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} - {site}</title>'
        f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="{published}"></head><body>'
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paras}</article>"
        f"<footer>Copyright {site}</footer></body></html>"
    )


def warc_record(writer: WARCWriter, uri: str, date: str, html: str, status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    rec = writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(html.encode()),
        http_headers=headers,
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(int=RNG.getrandbits(128))}>",
        },
    )
    writer.write_record(rec)


def make_warc(
    path: str, pages: list[tuple[str, str, str, str, str]], corrupt_after: int | None = None
) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        info = writer.create_warcinfo_record(os.path.basename(path), {"software": "newsdesk tests"})
        writer.write_record(info)
        for i, (uri, date, title, site, body) in enumerate(pages):
            if corrupt_after is not None and i == corrupt_after:
                fh.write(
                    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
                    + bytes(RNG.getrandbits(8) for _ in range(300))
                )
                return
            status = "404 Not Found" if "missing" in uri else "200 OK"
            warc_record(writer, uri, date, page(title, site, body, date), status)


def main() -> None:
    pages = [
        (
            "https://www.norland-post.example/business/rates",
            "2024-03-05T09:00:00Z",
            "Norland central bank raises rates again",
            "Norland Post",
            WIRE,
        ),
        (
            "https://www.harbourg-times.example/economy/bank-rate",
            "2024-03-05T11:30:00Z",
            "Bank lifts rate by half a point",
            "Harbourg Times",
            WIRE,
        ),
        (
            "https://www.tamsk-news.example/floods",
            "2024-03-04T07:00:00Z",
            *STORIES[0][:1],
            "Tamsk News",
            STORIES[0][1],
        ),
        (
            "https://www.tamsk-news.example/missing",
            "2024-03-04T08:00:00Z",
            "Not found",
            "Tamsk News",
            "This page is gone.",
        ),
        (
            "https://www.kelvik.example/yard",
            "2024-04-10T12:00:00Z",
            *STORIES[1][:1],
            "Kelvik Herald",
            STORIES[1][1],
        ),
    ]
    make_warc(os.path.join(HERE, "news.warc.gz"), pages)
    make_warc(os.path.join(HERE, "corrupt.warc.gz"), pages[2:] + pages[:2], corrupt_after=2)

    rows = []
    for i in range(8):
        title, body = STORIES[i % 3]
        rows.append(
            {
                "id": f"n{i}",
                "title": f"{title} ({i})",
                "source": f"Desk {i % 4}",
                "published": f"2024-0{1 + i % 3}-1{i}T10:00:00Z",
                "body": body.replace("Monday", ["Monday", "Sunday", "Friday"][i % 3])
                + f" Report {i}: "
                + " ".join(f"detail{i}x{j}" for j in range(40 * (i + 1))),
            }
        )
    rows.append(
        {
            "id": "w1",
            "title": "Norland raises rates",
            "source": "Wire One",
            "published": "2024-03-05T08:00:00Z",
            "body": WIRE,
        }
    )
    rows.append(
        {
            "id": "w2",
            "title": "Rates up in Norland",
            "source": "Wire Two",
            "published": "2024-03-06T08:00:00Z",
            "body": WIRE.replace("Tuesday", "Tuesday morning"),
        }
    )
    rows.append(
        {
            "id": "w3",
            "title": "Norland bank acts",
            "source": "Wire Three",
            "published": "2024-03-05T18:00:00Z",
            "body": WIRE + " Analysts said a pause was unlikely before the summer.",
        }
    )
    # undated copies: compared with undated articles only (copies.bucket); see the report on issue 14
    rows.append({"id": "u1", "title": "An undated note", "source": "Notes", "body": UNDATED})
    rows.append({"id": "u2", "title": "Undated, again", "source": "Notes Two", "body": UNDATED + " More later."})
    with open(os.path.join(HERE, "articles.jsonl"), "w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps(row) + "\n")
            if i == 3:
                fh.write('{"id": "bad1", "title": "cut off", "body": "no end\n')
            if i == 6:
                fh.write("[1, 2, 3]\n")
        fh.write(json.dumps(rows[0]) + "\n")  # the same article again: stored once
    data = b"".join(json.dumps(r).encode() + b"\n" for r in rows[:6])
    packed = gzip.compress(data, mtime=0)
    with open(os.path.join(HERE, "cut.jsonl.gz"), "wb") as fh:
        fh.write(packed[: len(packed) * 2 // 3])


if __name__ == "__main__":
    main()
