"""Saved HTML pages (``.html``, ``.htm``): the article's text and metadata, without the page around it.

trafilatura finds the main text (dropping navigation, cookie banners, related
links and footers) and the page's metadata: headline, authors, site name,
canonical URL, date. The publication time is taken from the page's explicit
markup first (``article:published_time``, ``itemprop=datePublished``,
JSON-LD) because trafilatura's date keeps the day only, but only when
``normalize.parse_date`` can read it: a meta date in a form it cannot parse
does not push out the date trafilatura found. Dates stay strings.

:func:`extract_page` is shared with the feed reader (``--fetch-pages``) and the
WARC reader. It only parses: trafilatura is never asked to download anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml.etree import ParserError
from trafilatura import bare_extraction
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from ..model import Record, Reject
from ..normalize import parse_date
from . import ReadOptions, open_binary
from .fields import as_byline

MAX_BYTES = 20 * 1024 * 1024  # a saved page larger than this is not one article
MIN_UNTITLED_CHARS = 100  # text a page without a headline needs to count as an article

_PUBLISHED_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@property="og:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//meta[@name="article:published_time" or @name="pubdate" or @name="publishdate"'
    ' or @name="publish-date" or @name="parsely-pub-date" or @name="sailthru.date"'
    ' or @name="dc.date" or @name="DC.date.issued" or @name="date"]/@content',
    "//time[@pubdate]/@datetime",
)
_JSONLD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')
_SAVED_FROM = re.compile(rb"<!-- saved from url=\(\d+\)(https?://[^\s>]+?) ?-->")

_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "footer"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre"}
    | {"section", "table", "tr", "ul"}
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BR = "\ue000"  # a line break inside a paragraph, kept through whitespace collapsing


def read(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    with open_binary(path) as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        yield Reject(path, f"larger than {MAX_BYTES // (1024 * 1024)} MiB: not one page")
        return
    saved = _SAVED_FROM.search(data[:2048])
    yield extract_page(data, url=saved.group(1).decode("ascii", "replace") if saved else "", provenance=path)


def extract_page(html: bytes | str, url: str = "", provenance: str = "") -> Record | Reject:
    """The article in one HTML page, or a Reject saying why there is none.

    ``url`` is where the page came from; the page's canonical link, when it
    has one, wins. ``provenance`` defaults to ``url``.
    """
    where = provenance or url or "<html>"
    if not html or not (html.strip() if isinstance(html, str) else html.strip()):
        return Reject(where, "empty page")
    try:
        tree = load_html(html)
    except (TypeError, ValueError) as err:
        return Reject(where, f"not HTML: {err}")
    if tree is None:
        return Reject(where, "not HTML (no document tree)")
    try:
        published = _published(tree)
        lang = _lang(tree)
        doc = bare_extraction(tree, url=url or None, with_metadata=True, include_comments=False)
        if doc is None:  # no main text: the metadata may still name an article
            doc = extract_metadata(tree, url or None)
            text = ""
        else:
            text = doc.text or ""
    except Exception as err:  # noqa: BLE001 - one odd page must not stop a batch of thousands
        return Reject(where, f"extraction failed: {type(err).__name__}: {err}")
    title = (doc.title or "").strip()
    body = text.strip()
    page_url = doc.url or ""
    metadata: dict[str, Any] = {}
    if page_url and is_site_root(page_url) and not (url and is_site_root(url)):
        # a canonical (or <base href>) naming the site's home page is a template default, not
        # this page's identity: every page of the site would become one article
        metadata["canonical_url"] = page_url
        page_url = ""
    if title and body.startswith(title) and body[len(title) : len(title) + 1] in ("", "\n"):
        body = body[len(title) :].lstrip()
    if not title and len(body) < MIN_UNTITLED_CHARS:  # a menu or an error line, not an article
        return Reject(where, "no article text found")
    authors, agency = as_byline((doc.author or "").split(";"))  # trafilatura joins names with "; "
    if doc.description:
        metadata["description"] = doc.description
    if doc.categories:
        metadata["categories"] = list(doc.categories)
    if doc.tags:
        metadata["tags"] = list(doc.tags)
    if doc.image:
        metadata["image"] = doc.image
    return Record(
        title=title,
        body=body,
        url=page_url or url,
        published=published if published and parse_date(published) else (doc.date or published or ""),
        source=doc.sitename or agency or doc.hostname or "",
        authors=authors,
        lang=lang or doc.language or "",
        metadata=metadata,
        provenance=where,
    )


_ROOT_PATH = re.compile(r"^/?((index|default|home)(\.\w+)?|[a-z]{2}(-[a-z]{2})?/?)?$", re.I)


def is_site_root(url: str) -> bool:
    """Whether ``url`` is a site's home page (``/``, ``/index.html``, ``/en/``), with no query."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return bool(parts.netloc) and not parts.query and bool(_ROOT_PATH.match(parts.path))


def _published(tree: Any) -> str:
    """The publication time as the page's markup states it (with the time of day), or ""."""
    for xpath in _PUBLISHED_XPATHS:
        for value in tree.xpath(xpath):
            if str(value).strip():
                return str(value).strip()
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        match = _JSONLD_DATE.search(script)
        if match:
            return match.group(1).strip()
    return ""


_LOWER = "translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_META_NAMED = "//meta[" + _LOWER + '="{}"]/@content'  # <meta name="DC.Language" content="de">


def _lang(tree: Any) -> str:
    """The language the page declares (``<html lang>``, ``Content-Language``, ``dc.language``,
    ``og:locale``), as written; ``normalize`` turns it into ISO 639-1 or detects one."""
    for xpath in (
        "/html/@lang",
        "/html/@xml:lang",
        '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content',
        _META_NAMED.format("dc.language"),
        _META_NAMED.format("dcterms.language"),
        _META_NAMED.format("language"),
        '//meta[@property="og:locale"]/@content',
    ):
        for value in tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"}):
            value = str(value).strip().replace("_", "-")
            if value:
                return value.split(",")[0].strip()
    return ""


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment (a feed item's content): paragraphs kept, separated by blank lines."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    markup = _NOT_XML.sub("", markup)  # lxml refuses NUL, other controls, lone surrogates
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, ValueError):
        return markup.strip()
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag == "br":
            el.tail = _BR + (el.tail or "")
        elif tag in _BLOCK_TAGS:
            el.text = "\n\n" + (el.text or "")
            el.tail = "\n\n" + (el.tail or "")
        elif tag in ("td", "th"):
            el.tail = " " + (el.tail or "")
    text = root.text_content()
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in para.split(_BR)]
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)
