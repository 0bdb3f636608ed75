"""Records for the alert tests: a few stories about named people, dated, with distinct texts."""

from __future__ import annotations

from newsdesk.model import Record


def story(n: int, text: str, published: str = "2018-03-05T10:00:00Z", source: str = "Local Wire") -> Record:
    return Record(
        title=f"{text.split('.')[0]} ({n})",
        body=f"{text} Paragraph {n} goes on about other things.",
        url=f"http://127.0.0.1/news/{n}",
        published=published,
        source=source,
        external_id=f"n{n}",
    )
