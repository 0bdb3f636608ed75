"""Query strings -> an AST: the recursive-descent parser of our Lucene / Elasticsearch
``query_string`` dialect (the lexer is ``tokens.py``).

Writing the parser ourselves (instead of using tantivy's) gives errors with a
position and an "expected ...", typographic quote handling, relative dates and
field-specific analysis. Every way a query can fail is found here, so
:func:`parse_tree` is the one place that raises :class:`QuerySyntaxError` and
``compile.compile_query`` never fails on a tree it returns. That includes the
engine's own limits (automaton size, slop range) and the limits below, which
bound the work one query can ask for (each is in docs/query-language.md).

Grammar (OR binds loosest, then AND; juxtaposition means the default operator)::

    query   := or EOF
    or      := and (OR and)*
    and     := unary ((AND)? unary)*
    unary   := (NOT | '-' | '+' | '!') unary | primary ('^' NUMBER)?
    primary := '(' or ')' | FIELD ':' value | '*:*' | value | '*'
    value   := WORD ('~' NUMBER?)? | PHRASE ('~' NUMBER?)? | REGEX
             | '[' v TO v ']' | '{' v TO v '}' | ('>' | '>=' | '<' | '<=') v | '(' or ')'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..analyzers import (
    DATE_FIELD,
    ENTITY_FIELD,
    EXACT_FIELDS,
    INTEGER_FIELDS,
    STEMMED_FIELDS,
    WORD_FIELDS,
    analyze,
)
from ..errors import QuerySyntaxError
from . import wildcard
from .dates import DATE_FORMS, DateOutOfRange, date_range_text, parse_date_bound
from .tokens import SURROGATE, Tok, normalise, tokenize

DEFAULT_FIELD = "text"
STEMMED = set(STEMMED_FIELDS)
WORDS = set(WORD_FIELDS)
EXACT = set(EXACT_FIELDS)
FIELDS = sorted(STEMMED | WORDS | EXACT | INTEGER_FIELDS | {ENTITY_FIELD, DATE_FIELD})

# -- limits: each bounds the work of one query; docs/query-language.md lists them --------
MAX_QUERY_CHARS = 1000  # the API has always capped q at this; now every door does
MAX_DEPTH = 32  # nested groups and prefix operators: ((( or - - - (Elasticsearch: 20-30)
MAX_SLOP = 100_000  # words; more than any article holds (tantivy's own limit is 2^32 - 1)
MAX_BOOST = 10_000.0  # per boost, and for boosts nested inside each other multiplied
MAX_EDITS = 2  # fuzzy edit distance, as in Lucene and Elasticsearch
DEFAULT_EDITS = 2  # roam~ means roam~2, as in Lucene
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


# -- AST ----------------------------------------------------------------------
@dataclass
class Node:
    boost: float = field(default=1.0, kw_only=True)


@dataclass
class Term(Node):
    field: str
    text: str
    wildcard: bool = False


@dataclass
class Phrase(Node):
    field: str
    text: str
    slop: int = 0


@dataclass
class Fuzzy(Node):
    """``roam~1``: terms within ``distance`` edits (Damerau: a swap costs 1, as in Lucene)."""

    field: str
    text: str
    distance: int = DEFAULT_EDITS


@dataclass
class Regex(Node):
    """``/joh?n/``: the terms (lower-cased; stems on text fields) the regex matches whole."""

    field: str
    pattern: str


@dataclass
class Range(Node):
    field: str
    lo: datetime | None
    hi: datetime | None
    include_lo: bool = True
    include_hi: bool = True


@dataclass
class Bool(Node):
    must: list[Node] = field(default_factory=list)
    should: list[Node] = field(default_factory=list)
    must_not: list[Node] = field(default_factory=list)


@dataclass
class MatchAll(Node):
    pass


@dataclass
class _Not(Node):
    node: Node


@dataclass
class _Required(Node):
    node: Node


# -- parser -------------------------------------------------------------------
class Parser:
    def __init__(self, query: str, default_operator: str = "AND", now: datetime | None = None) -> None:
        self.q = query
        self.toks = tokenize(query)
        self.i = 0
        self.depth = 0
        self.default_and = default_operator.upper() == "AND"
        self.now = now or datetime.now(UTC)

    # helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, expected: str, tok: Tok | None = None) -> QuerySyntaxError:
        tok = tok or self.tok
        got = "the end of the query" if tok.kind == "EOF" else repr(tok.text)
        return QuerySyntaxError(self.q, tok.pos, f"expected {expected}, found {got}")

    def error(self, pos: int, expected: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.q, pos, expected)

    def expect(self, kind: str, what: str) -> Tok:
        if self.tok.kind != kind:
            raise self.fail(what)
        return self.take()

    def _deeper(self, tok: Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                tok.pos, f"expected at most {MAX_DEPTH} nested groups and operators (simplify the query)"
            )

    # grammar
    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            return MatchAll()
        node = self.parse_or(DEFAULT_FIELD)
        if self.tok.kind == ")":
            raise self.fail("an operator or a term (this ')' closes nothing)")
        if self.tok.kind != "EOF":
            raise self.fail("an operator or a term")
        return node

    def parse_or(self, fld: str) -> Node:
        items = [self.parse_and(fld)]
        while self.tok.kind == "OR" or (not self.default_and and self._starts_clause()):
            if self.tok.kind == "OR":
                op = self.take()
                if not self._starts_clause():
                    raise self.fail(f"a term after {op.text}")
            items.append(self.parse_and(fld))
        if len(items) == 1:
            return items[0]
        return _disjunction(items)

    def parse_and(self, fld: str) -> Node:
        items = [self.parse_unary(fld)]
        while self.tok.kind == "AND" or (self.default_and and self._starts_clause()):
            if self.tok.kind == "AND":
                op = self.take()
                if not self._starts_clause():
                    raise self.fail(f"a term after {op.text}")
            items.append(self.parse_unary(fld))
        if len(items) == 1:
            return items[0]
        return _conjunction(items)

    def _starts_clause(self) -> bool:
        return self.tok.kind in ("WORD", "PHRASE", "REGEX", "(", "NOT", "-", "+", "!", "CMP", "[", "{", "TO")

    def parse_unary(self, fld: str) -> Node:
        tok = self.tok
        if tok.kind in ("NOT", "-", "!", "+"):
            self.take()
            if not self._starts_clause():
                raise self.fail(f"a term after {tok.text}")
            self._deeper(tok)
            inner = self.parse_unary(fld)
            self.depth -= 1
            return _Required(inner) if tok.kind == "+" else _Not(inner)
        node = self.parse_primary(fld)
        if self.tok.kind == "^":
            caret = self.take()
            node.boost = self._boost(caret, node)
        return node

    def _boost(self, caret: Tok, node: Node) -> float:
        tok = self.tok
        what = f"a boost from 0 to {MAX_BOOST:,.0f} after '^'"
        if tok.kind != "WORD" or not _NUMBER.fullmatch(tok.text):
            raise self.fail(what)
        value = float(tok.text)
        if not value <= MAX_BOOST:  # also catches 1e999 (inf)
            raise self.error(tok.pos, f"expected {what}, found {tok.text!r}")
        if value * _max_boost(node) > MAX_BOOST:  # (a^5)^3 is a^15, as in Lucene
            raise self.error(
                tok.pos,
                f"expected nested boosts whose product stays within {MAX_BOOST:,.0f}, found {tok.text!r} "
                "around a boosted clause",
            )
        self.take()
        return node.boost * value

    def _slop(self, tok: Tok) -> int:
        what = f"a number of words from 0 to {MAX_SLOP:,} after '~'"
        if tok.kind != "WORD" or not _NUMBER.fullmatch(tok.text):
            raise self.fail(what, tok)
        value = float(tok.text)
        if not value <= MAX_SLOP:
            raise self.error(tok.pos, f"expected {what}, found {tok.text!r}")
        return int(value)  # "a b"~2.5 is ~2, as Lucene reads it

    def parse_primary(self, fld: str) -> Node:
        tok = self.tok
        if tok.kind == "(":
            self.take()
            if self.tok.kind == ")":
                raise self.fail("a term inside the parentheses")
            self._deeper(tok)
            node = self.parse_or(fld)
            self.depth -= 1
            self.expect(")", f"')' to close the '(' at column {tok.pos + 1}")
            return node
        nxt = self.toks[self.i + 1] if tok.kind == "WORD" else tok
        if tok.kind == "WORD" and nxt.kind == ":" and nxt.pos == tok.end:
            if tok.text == "*":
                after = self.toks[self.i + 2]
                if after.kind == "WORD" and after.text == "*" and after.pos == nxt.end:
                    self.i += 3
                    return MatchAll()
                raise self.error(
                    tok.pos,
                    "expected a field name before ':' ('*:*' matches everything; "
                    "a query on every field needs no field: drop the '*:')",
                )
            name = tok.text.lower()
            if name not in FIELDS:
                raise self.error(tok.pos, f"expected a field name ({', '.join(FIELDS)}), found {tok.text!r}")
            self.take()
            colon = self.take()
            if self.tok.kind in ("EOF", ")"):
                raise self.error(
                    colon.end,
                    f"expected a value after '{tok.text}:', found "
                    + ("the end of the query" if self.tok.kind == "EOF" else "')'"),
                )
            if self.tok.kind == "(":
                return self.parse_primary(name)
            return self.parse_value(name)
        if tok.kind == "WORD" and tok.text == "*":
            self.take()
            return MatchAll()
        return self.parse_value(fld)

    def parse_value(self, fld: str) -> Node:
        tok = self.tok
        if tok.kind in ("[", "{"):
            return self.parse_range(fld)
        if tok.kind == "CMP":
            self.take()
            if self.tok.kind != "WORD":
                raise self.fail(f"a value after {tok.text!r}")
            vtok = self.take()
            if fld != DATE_FIELD:
                raise self.error(tok.pos, f"expected a comparison only on published:, not {fld}:")
            op = tok.text
            if op.startswith(">"):
                return Range(fld, self._date(vtok, end=op == ">"), None, include_lo=op == ">=")
            return Range(fld, None, self._date(vtok, end=op == "<="), include_hi=op == "<=")
        if tok.kind == "PHRASE":
            self.take()
            slop = 0
            if self.tok.kind == "~" and self.tok.pos == tok.end:
                tilde = self.take()
                if self.tok.kind == "WORD" and self.tok.pos == tilde.end:  # "a b"~ alone: slop 0
                    slop = self._slop(self.take())
            if fld == DATE_FIELD:
                if slop:
                    raise self.error(tok.end, "expected no '~' after a date")
                return self._day(tok)
            if fld in INTEGER_FIELDS:
                return self._integer(fld, tok, tok.end if slop else None)
            return Phrase(fld, tok.text, slop)
        if tok.kind == "REGEX":
            self.take()
            if fld in INTEGER_FIELDS:
                return self._integer(fld, tok)
            return self._regex(fld, tok)
        if tok.kind in ("WORD", "TO"):
            self.take()
            if tok.text.strip("-") == "" and self.tok.kind in ("EOF", ")"):
                raise self.error(tok.pos, f"expected a term after '-', found {_found(self.tok)}")
            if fld in INTEGER_FIELDS and tok.text != "*":
                tilde = self.tok.pos if self.tok.kind == "~" and self.tok.pos == tok.end else None
                return self._integer(fld, tok, tilde)
            if self.tok.kind == "~" and self.tok.pos == tok.end:
                return self._fuzzy(fld, tok, self.take())
            if fld == DATE_FIELD:
                return self._day(tok)
            text = tok.text
            is_wildcard = bool(wildcard.WILDCARD.search(text))
            if is_wildcard:
                self._check_wildcard(fld, tok)
            return Term(fld, text, is_wildcard)
        raise self.fail("a term, a \"phrase\" or '('")

    def _fuzzy(self, fld: str, tok: Tok, tilde: Tok) -> Node:
        """``roam~`` (2 edits), ``roam~1``, and Lucene's old ``roam~0.8`` (a similarity)."""
        edits = DEFAULT_EDITS
        what = f"an edit distance from 0 to {MAX_EDITS} after '~'"
        if self.tok.kind == "WORD" and self.tok.pos == tilde.end:
            ntok = self.take()
            if not _NUMBER.fullmatch(ntok.text):
                raise self.fail(what, ntok)
            value = float(ntok.text)
            if value > MAX_EDITS:
                raise self.error(
                    ntok.pos, f"expected {what} (more edits match almost any word), found {ntok.text!r}"
                )
            # Lucene: a value under 1 is a similarity, edits = (1 - similarity) * length
            edits = (
                int(value) if value >= 1 or value == 0 else min(MAX_EDITS, int((1 - value) * len(tok.text)))
            )
        if fld == DATE_FIELD:
            raise self.error(tilde.pos, "expected no '~' after a date (fuzzy matching is for words)")
        if wildcard.WILDCARD.search(tok.text):
            raise self.error(
                tilde.pos,
                f"expected a plain word before '~', found the wildcard {tok.text!r} "
                "(fuzzy matching does not combine with * or ?)",
            )
        text = tok.text.replace("\\", "")
        if len(analyze(fld, text)) > 1:
            raise self.error(
                tok.pos,
                f"expected a single word before '~', found {tok.text!r} "
                "(the index splits it into several words; fuzzy matching takes one)",
            )
        return Fuzzy(fld, text, edits) if edits else Term(fld, text)

    def _integer(self, fld: str, tok: Tok, tilde: int | None = None) -> Node:
        """``story:42``: a whole number, exactly (no wildcards, fuzziness or regex on ids)."""
        text = tok.text.strip()
        if tok.kind == "REGEX" or not (text.isascii() and text.isdigit()) or int(text) >= 2**64:
            raise self.error(tok.pos, f"expected a whole number after {fld}: (an id), found {tok.text!r}")
        if tilde is not None:
            raise self.error(tilde, f"expected no '~' after {fld}:{text} (ids match exactly)")
        return Term(fld, text)

    def _regex(self, fld: str, tok: Tok) -> Node:
        if fld == DATE_FIELD:
            raise self.error(tok.pos, "expected a date on published:, not a regular expression")
        pattern = wildcard.user_regex(tok.text)
        problem = wildcard.regex_problem(pattern)
        if problem:
            raise self.error(tok.pos, f"{problem}, in /{tok.text}/")
        return Regex(fld, pattern)

    def _check_wildcard(self, fld: str, tok: Tok) -> None:
        """A wildcard must stick to a letter or digit: punctuation is not indexed, so
        ``c#*`` could only ever mean ``c*`` (which is not what was asked). And the
        pattern must fit the engine's automaton limit."""
        if wildcard.tokenized(fld):
            pieces = wildcard.wildcard_pieces(tok.text)
            if len(pieces) > 1:
                for piece in pieces:
                    if not any(c.isalnum() for c in piece):
                        m = re.search(r"(?<![^\W_])[*?]+(?![^\W_])", self.q[tok.pos : tok.end])
                        raise self.error(
                            tok.pos + (m.start() if m else 0),
                            f"expected a letter or digit right before the wildcard in {tok.text!r} "
                            "(punctuation is not indexed: drop the wildcard, or put it right after a letter)",
                        )
        for regex in wildcard.regexes(fld, tok.text):
            problem = wildcard.regex_problem(regex) if regex != ".*" else None
            if problem:
                raise self.error(
                    tok.pos,
                    f"expected a wildcard with fewer '*' and '?' in {tok.text!r} "
                    "(it needs more than the 1,000 automaton states the index allows)",
                )

    def parse_range(self, fld: str) -> Node:
        open_tok = self.take()
        if fld != DATE_FIELD:
            raise self.error(open_tok.pos, f"expected a range only on published:, not {fld}:")
        lo_tok = self._bound_tok("a start date (YYYY-MM-DD or *)")
        self.expect("TO", "'TO' between the two dates of the range")
        hi_tok = self._bound_tok("an end date (YYYY-MM-DD or *)")
        close = open_tok.kind == "[" and "]" or "}"
        if self.tok.kind not in ("]", "}"):
            raise self.fail(f"'{close}' to close the range")
        close_tok = self.take()
        include_lo = open_tok.kind == "["
        include_hi = close_tok.kind == "]"
        lo = None if lo_tok.text == "*" else self._date(lo_tok, end=not include_lo)
        hi = None if hi_tok.text == "*" else self._date(hi_tok, end=include_hi)
        if lo is None and hi is None:
            return MatchAll()
        return Range(fld, lo, hi, include_lo or lo is None, include_hi or hi is None)

    def _bound_tok(self, what: str) -> Tok:
        if self.tok.kind not in ("WORD", "PHRASE"):
            raise self.fail(what)
        return self.take()

    def _day(self, tok: Tok) -> Range:
        """``published:2018-01-05`` (or a month, or a year): the whole period."""
        return Range(DATE_FIELD, self._date(tok), self._date(tok, end=True))

    def _date(self, tok: Tok, end: bool = False) -> datetime:
        """A date bound; ``end`` moves a date-only value to the last second of its period."""
        try:
            return parse_date_bound(tok.text, end, self.now)
        except DateOutOfRange:
            raise self.error(
                tok.pos, f"expected a date from {date_range_text()}, found {tok.text!r}"
            ) from None
        except (ValueError, OverflowError):
            raise self.error(tok.pos, f"expected a date ({DATE_FORMS} or *), found {tok.text!r}") from None


def _found(tok: Tok) -> str:
    return "the end of the query" if tok.kind == "EOF" else repr(tok.text)


def _max_boost(node: Node) -> float:
    """The largest product of boosts on any path down from ``node`` (nested boosts multiply)."""
    inner: list[Node] = []
    if isinstance(node, Bool):
        inner = node.must + node.should + node.must_not
    elif isinstance(node, _Not | _Required):
        inner = [node.node]
    return node.boost * max((_max_boost(n) for n in inner), default=1.0)


def _conjunction(items: list[Node]) -> Bool:
    b = Bool()
    for it in items:
        if isinstance(it, _Not):
            b.must_not.append(it.node)
        else:
            b.must.append(it.node if isinstance(it, _Required) else it)
    return b


def _disjunction(items: list[Node]) -> Bool:
    b = Bool()
    for it in items:
        if isinstance(it, _Not):
            b.must_not.append(it.node)
        elif isinstance(it, _Required):
            b.must.append(it.node)
        else:
            b.should.append(it)
    return b


def parse_tree(query: str, default_operator: str = "AND", now: datetime | None = None) -> Node:
    """The AST of a query string; raises QuerySyntaxError with a position.

    A tree this returns always compiles (``compile.compile_query``)."""
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            query[: MAX_QUERY_CHARS + 20] + "...",
            MAX_QUERY_CHARS,
            f"expected at most {MAX_QUERY_CHARS:,} characters, found {len(query):,} (shorten the query)",
        )
    bad = SURROGATE.search(query)
    if bad:
        shown = SURROGATE.sub("\ufffd", query)  # the message itself must be encodable
        raise QuerySyntaxError(
            shown,
            bad.start(),
            f"expected text, found the lone surrogate U+{ord(bad.group()):04X} (the query is not valid Unicode)",
        )
    return Parser(normalise(query), default_operator, now).parse()
