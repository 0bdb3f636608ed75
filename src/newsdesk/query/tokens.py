"""Query strings -> tokens: the lexer of the query language.

Kept apart from the parser because it holds the character-level rules (what
ends a word, when ``-`` is an operator, when ``/`` starts a regex, escapes,
timestamps that need no quotes) and the typographic normalisation that keeps
every character's position, so error carets stay true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QuerySyntaxError

_TYPOGRAPHY = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2033": '"',
        "\uff02": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2212": "-",
        "\u00a0": " ",
        "\u3000": " ",
    }
)
_DASH_OPERATOR = re.compile(r"(^|[\s(])[\u2013\u2014](?=\S)")
SURROGATE = re.compile(r"[\ud800-\udfff]")  # lone halves: not text, cannot be encoded


def normalise(query: str) -> str:
    """Typographic quotes to ASCII; an en/em dash before a word to the '-' operator.

    Replacements keep the string's length so error positions stay true.
    """
    query = query.translate(_TYPOGRAPHY)
    return _DASH_OPERATOR.sub(lambda m: m.group(1) + "-", query)


# -- tokenizer ----------------------------------------------------------------
@dataclass
class Tok:
    kind: str  # WORD PHRASE REGEX ( ) [ ] { } : ^ ~ + - ! CMP AND OR NOT TO EOF
    text: str
    pos: int
    end: int = 0


_WORD_STOP = set(' \t\r\n()[]{}":^~') | {"<", ">"}
_TIMESTAMP_SO_FAR = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[Tt][\d:.,+-]*\d")


def _timestamp_colon(q: str, start: int, j: int) -> bool:
    """Whether ``q[j]`` is a ':' inside an ISO timestamp (``2018-01-01T10:00:00+01:00``)
    rather than a field separator, so timestamps need no quotes."""
    return (
        q[j] == ":"
        and j + 1 < len(q)
        and q[j + 1].isdigit()
        and _TIMESTAMP_SO_FAR.fullmatch(q, start, j) is not None
    )


def _quoted(q: str, i: int, close: str, what: str) -> tuple[str, int]:
    """The text of a ``"phrase"`` or ``/regex/`` starting at ``q[i]``, and where it ends."""
    j, n, buf = i + 1, len(q), []
    while j < n and q[j] != close:
        if q[j] == "\\" and j + 1 < n:
            j += 1
            if close == "/" and q[j] != "/":  # a regex keeps its escapes, except \/
                buf.append("\\")
        buf.append(q[j])
        j += 1
    if j >= n:
        raise QuerySyntaxError(q, i, f"expected a closing '{close}' for the {what} that starts here")
    return "".join(buf), j + 1


def tokenize(q: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            text, end = _quoted(q, i, '"', "phrase")
            toks.append(Tok("PHRASE", text, i, end))
            i = end
            continue
        if (
            c == "/"
            and i + 1 < n
            and not q[i + 1].isspace()
            and (not toks or toks[-1].end < i or toks[-1].kind in "([{:+-!")
        ):
            text, end = _quoted(q, i, "/", "regular expression (write \\/ for a slash in it)")
            toks.append(Tok("REGEX", text, i, end))
            i = end
            continue
        if c in "()[]{}:^~!+":
            toks.append(Tok(c, c, i, i + 1))
            i += 1
            continue
        if (
            c == "-"
            and (i + 1 < n and not q[i + 1].isspace())
            and (not toks or toks[-1].end < i or toks[-1].kind in "([{:")
        ):
            toks.append(Tok("-", c, i, i + 1))
            i += 1
            continue
        if c in "<>":
            j = i + 2 if i + 1 < n and q[i + 1] == "=" else i + 1
            toks.append(Tok("CMP", q[i:j], i, j))
            i = j
            continue
        if c == "&" and q.startswith("&&", i):
            toks.append(Tok("AND", "&&", i, i + 2))
            i += 2
            continue
        if c == "|" and q.startswith("||", i):
            toks.append(Tok("OR", "||", i, i + 2))
            i += 2
            continue
        j = i
        buf = []
        while j < n and (q[j] not in _WORD_STOP or _timestamp_colon(q, i, j)):
            if q[j] == "\\":
                if j + 1 >= n:
                    raise QuerySyntaxError(
                        q, j, "expected a character after '\\' (write \\\\ for a backslash)"
                    )
                j += 1
                buf.append("\\" + q[j] if q[j] in "*?" else q[j])
            else:
                buf.append(q[j])
            j += 1
        word = "".join(buf)
        kind = word if word in ("AND", "OR", "NOT", "TO") else "WORD"
        toks.append(Tok(kind, word, i, j))
        i = j
    toks.append(Tok("EOF", "", n, n))
    return toks
