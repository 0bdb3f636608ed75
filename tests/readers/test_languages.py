"""Declared languages, read by each reader and stored as ISO 639-1 (issue 15); detection otherwise."""

from __future__ import annotations

import json

from newsdesk import desk as desk_mod
from newsdesk.readers.html import extract_page

GERMAN = "Die Regierungen der Bundesländer haben sich am Montag in Berlin getroffen, um zu beraten."
ENGLISH = "The government announced a new budget on Monday, raising spending on schools and hospitals."


def _langs(tmp_path, name: str, content: str) -> dict[str, str]:
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    with desk_mod.open(tmp_path / "data") as d:
        d.ingest(str(src), dedup=False)
        seqs = d.store.all_seqs()
        return {row.title: row.lang for row in d.store.rows_by_seq(seqs).values()}


def test_jsonl_lang_is_normalised_and_missing_lang_is_detected(tmp_path):
    rows = [
        {"title": "eins", "body": ENGLISH, "lang": "de-AT"},  # declared wins over the text
        {"title": "zwei", "body": GERMAN, "language": "eng"},  # the "language" column, ISO 639-2
        {"title": "drei", "body": GERMAN},  # nothing declared: detected
        {"title": "vier", "body": "Kurz."},  # too short to tell: und
        {"title": "fünf", "body": GERMAN, "lang": "x-default"},  # not a language: detected
    ]
    got = _langs(tmp_path, "in.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    assert got == {"eins": "de", "zwei": "en", "drei": "de", "vier": "und", "fünf": "de"}


def test_csv_lang_column(tmp_path):
    got = _langs(tmp_path, "in.csv", f'title,body,lang\nA,"{GERMAN}",pt_BR\nB,"{ENGLISH}",\n')
    assert got == {"A": "pt", "B": "en"}


def test_rss_language_and_atom_xml_lang(tmp_path):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Kanal</title><language>de-de</language>
      <item><title>Regierung</title><link>https://example.de/a</link><description>{ENGLISH}</description></item>
    </channel></rss>"""
    assert _langs(tmp_path, "feed.rss", rss) == {"Regierung": "de"}
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr-FR"><title>Fil</title><id>urn:x</id>
      <updated>2024-01-01T00:00:00Z</updated>
      <entry><title>Économie</title><id>urn:e1</id><link href="https://example.fr/e"/>
        <updated>2024-01-01T00:00:00Z</updated><summary>{ENGLISH}</summary></entry>
    </feed>"""
    (tmp_path / "atom").mkdir()
    assert _langs(tmp_path / "atom", "feed.atom", atom) == {"Économie": "fr"}


def test_html_declarations_in_order():
    body = "<article><h1>Titel</h1><p>" + GERMAN * 3 + "</p></article>"
    page = '<html><head><meta name="DC.Language" content="es-ES"><title>Titel</title></head><body>{}</body></html>'
    assert extract_page(page.format(body)).lang == "es-ES"  # stored as "es" by normalize
    page = '<html lang="it"><head><meta name="dc.language" content="es"><title>Titel</title></head><body>{}</body></html>'
    assert extract_page(page.format(body)).lang == "it"
    page = '<html><head><meta property="og:locale" content="pt_BR"><title>Titel</title></head><body>{}</body></html>'
    assert extract_page(page.format(body)).lang == "pt-BR"
