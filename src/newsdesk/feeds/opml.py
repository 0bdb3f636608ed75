"""OPML subscription lists, as feed readers (NetNewsWire, Feedly, Thunderbird) write them.

Import takes every ``<outline xmlUrl=...>`` at any depth (folders are just
nesting); its ``title`` or ``text`` becomes the feed's name. Export writes
OPML 2.0 with one ``type="rss"`` outline per feed. Parsing uses the stdlib
expat parser, which refuses entity-expansion bombs since Python 3.7.1.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import formatdate
from typing import Any

from ..errors import ReaderError


def read(path: str) -> list[dict[str, str]]:
    """[{url, name}] of every feed in the OPML file ``path``; ReaderError naming the line if it is not OPML."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        line, col = err.position
        raise ReaderError(
            path, f"not OPML: {err.msg if hasattr(err, 'msg') else err}", f"{line}:{col}"
        ) from None
    except OSError as err:
        raise ReaderError(path, f"cannot read: {err.strerror or err}") from None
    if root.tag.lower() != "opml":
        raise ReaderError(path, f"not OPML: the root element is <{root.tag}>, not <opml>")
    out = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url:
            name = (outline.get("title") or outline.get("text") or "").strip()
            out.append({"url": url, "name": name})
    return out


def write(feeds: list[dict[str, Any]], title: str = "newsdesk subscriptions") -> str:
    """OPML 2.0 text for ``feeds`` (dicts with name, url, title)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=feed["name"],
            title=feed.get("title") or feed["name"],
            xmlUrl=feed["url"],
        )
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
