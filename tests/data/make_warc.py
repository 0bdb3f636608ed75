"""Build tests/data/warc/ccnews-sample.warc.gz (and a truncated copy) the way CC-News ships WARCs.

Run from the repository root: ``.venv/bin/python tests/data/make_warc.py``. The
output is committed, so tests never need to run this; it is here to show how
the sample was made and to remake it. Record ids and dates are fixed, so the
output is the same on every run.

Records, in order: warcinfo; request + 200 HTML response (UTF-8, dated in its
markup); 200 HTML response in ISO-8859-1 declared only in the HTTP header, with
no date in its markup (the reader falls back to WARC-Date); 200 image/png
response; 404 HTML response; 200 HTML response sent gzip-encoded.
"""

from __future__ import annotations

import gzip
import io
import os
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "warc", "ccnews-sample.warc.gz")
TRUNCATED = os.path.join(HERE, "broken", "truncated.warc.gz")


def page(title: str, site: str, paragraphs: list[str], head: str = "", charset: str = "utf-8") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head>{meta}<title>{title} - {site}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">{head}
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a> <a href="/sport">Sport</a></nav>
<article><h1>{title}</h1>
{body}
</article>
<footer>Copyright {site}. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>
"""


PAGES = [
    {
        "uri": "https://www.riverton-daily.example/news/2024/06/03/grain-silo-fire",
        "date": "2024-06-03T10:15:42Z",
        "html": page(
            "Grain silo fire at Riverton docks burns for nine hours",
            "Riverton Daily",
            [
                "Firefighters spent nine hours bringing a blaze inside a grain silo at Riverton docks under "
                "control on Sunday, after dust in the upper chamber ignited during unloading.",
                "Twelve crews attended at the height of the fire. Nobody was injured, but the port authority "
                "said about 800 tonnes of barley had been destroyed.",
                "Station commander Felix Amadi said silo fires were among the hardest to fight because "
                "opening the hatches fed oxygen to the smouldering grain.",
            ],
            head='<link rel="canonical" href="https://www.riverton-daily.example/news/2024/06/03/grain-silo-fire">'
            '<meta property="article:published_time" content="2024-06-03T07:30:00+02:00">'
            '<meta name="author" content="Joanna Meyer">',
        ).encode("utf-8"),
        "content_type": "text/html; charset=UTF-8",
    },
    {
        "uri": "http://www.lac-bleu-journal.example/actualites/festival-musique?utm_source=twitter",
        "date": "2024-06-04T08:01:10Z",
        "html": page(
            "Lakeside festival draws record crowd to Sainte-Cécile",
            "Lac Bleu Journal",
            [
                "More than 28,000 visitors came to the lakeside music festival at Sainte-Cécile over the "
                "weekend, a record for the event's fourteenth edition, organisers said on Monday.",
                "Headliner Zoë Marchetti closed the festival on Sunday night with a set that ran forty "
                "minutes past the curfew, drawing complaints from residents of the Rue des Pêcheurs.",
                "The mayor, Hélène Dufresne, said the town would review the noise rules before next year.",
            ],
            charset="",
        ).encode("iso-8859-1"),
        "content_type": "text/html; charset=ISO-8859-1",
    },
    {
        "uri": "https://news.hillcrest-observer.example/politics/2024/06/05/by-election-date-set",
        "date": "2024-06-05T12:44:03Z",
        "html": page(
            "By-election in Hillcrest North set for 18 July",
            "Hillcrest Observer",
            [
                "A by-election in Hillcrest North will be held on 18 July following the resignation of "
                "councillor Gregor Bain, who is moving abroad for work.",
                "Nominations close on 24 June. Four parties have said they will field candidates, and the "
                "returning officer expects the count to finish before midnight.",
                "Turnout at the last by-election in the ward, in 2019, was 23 per cent.",
            ],
            head='<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
            '"datePublished": "2024-06-05T11:00:00+01:00", "author": {"@type": "Person", '
            '"name": "Kirsty Lamont"}}</script>',
        ).encode("utf-8"),
        "content_type": "text/html; charset=utf-8",
        "gzip": True,
    },
]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _rid(n: int) -> str:
    return f"<urn:uuid:{uuid.UUID(int=0x6E657773 << 64 | n)}>"


def build() -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    n = 0

    def write(
        uri: str,
        rec_type: str,
        payload: bytes,
        date: str,
        http: StatusAndHeaders | None = None,
        content_type: str | None = None,
    ) -> None:
        nonlocal n
        n += 1
        headers = {"WARC-Record-ID": _rid(n), "WARC-Date": date}
        record = writer.create_warc_record(
            uri,
            rec_type,
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http,
            warc_headers_dict=headers,
            warc_content_type=content_type,
        )
        writer.write_record(record)

    info = b"software: newsdesk tests/data/make_warc.py\r\nformat: WARC File Format 1.0\r\n"
    write("", "warcinfo", info, "2024-06-03T10:15:00Z", content_type="application/warc-fields")

    def response(
        uri: str, date: str, status: str, content_type: str, body: bytes, encoding: str = ""
    ) -> None:
        hdrs = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Server", "nginx")]
        if encoding:
            hdrs.append(("Content-Encoding", encoding))
        write(uri, "response", body, date, StatusAndHeaders(status, hdrs, protocol="HTTP/1.1"))

    first = PAGES[0]
    request = StatusAndHeaders(
        "GET /news/2024/06/03/grain-silo-fire HTTP/1.1",
        [("Host", "www.riverton-daily.example"), ("User-Agent", "CCBot/2.0")],
        is_http_request=True,
    )
    write(first["uri"], "request", b"", first["date"], request)
    for i, p in enumerate(PAGES):
        body = gzip.compress(p["html"], mtime=0) if p.get("gzip") else p["html"]
        response(p["uri"], p["date"], "200 OK", p["content_type"], body, "gzip" if p.get("gzip") else "")
        if i == 1:
            response(
                "https://www.riverton-daily.example/static/logo.png",
                "2024-06-04T08:01:11Z",
                "200 OK",
                "image/png",
                PNG,
            )
            response(
                "https://www.riverton-daily.example/news/2024/06/04/removed-story",
                "2024-06-04T08:02:00Z",
                "404 Not Found",
                "text/html; charset=utf-8",
                page("Page not found", "Riverton Daily", ["The page you asked for is not here."]).encode(),
            )
    return buf.getvalue()


def main() -> None:
    data = build()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as fh:
        fh.write(data)
    # the truncated copy: cut inside the third HTML response (the gzip-encoded one)
    with open(TRUNCATED, "wb") as fh:
        fh.write(data[: len(data) - 700])
    print(f"wrote {OUT} ({len(data)} bytes) and {TRUNCATED}")


if __name__ == "__main__":
    main()
