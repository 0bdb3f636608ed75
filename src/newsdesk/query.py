"""Query strings -> tantivy queries: a Lucene/Elasticsearch ``query_string`` dialect.

A hand-written tokenizer and recursive-descent parser build a small AST
(:class:`Term`, :class:`Phrase`, :class:`Range`, :class:`Bool`, ...), which
:func:`compile_query` turns into ``tantivy.Query`` objects with the
``tantivy.Query.*`` constructors. Writing the parser ourselves (instead of
tantivy's) gives errors with a position and an "expected ...", typographic
quote handling, relative dates and field-specific analysis (stemmed text,
exact lower-cased sources, normalised entity names).

Grammar (OR binds loosest, then AND; juxtaposition means the default operator)::

    query   := or EOF
    or      := and (OR and)*
    and     := unary ((AND)? unary)*
    unary   := (NOT | '-' | '+' | '!') unary | primary ('^' NUMBER)?
    primary := '(' or ')' | FIELD ':' value | value | '*'
    value   := WORD | PHRASE ('~' NUMBER)? | '[' v TO v ']' | '{' v TO v '}'
             | ('>' | '>=' | '<' | '<=') v | '(' or ')'

See docs/query-language.md for the user's view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import tantivy

from .dates import DATE_FORMS, DateOutOfRange, date_range_text, parse_date_bound
from .errors import QuerySyntaxError

DEFAULT_FIELD = "text"
STEMMED = {"text", "title", "body"}
WORDS = {"author", "url"}
EXACT = {"source", "lang", "id", "salient"}
FIELDS = sorted(STEMMED | WORDS | EXACT | {"entity", "published"})

# the index's analyzers, built once (en_stem and tantivy's "default")
STEM_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)
WORD_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .build()
)

_TYPOGRAPHY = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2033": '"', "\uff02": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
        "\u2032": "'", "\u2212": "-", "\u00a0": " ", "\u3000": " ",
    }
)
_DASH_OPERATOR = re.compile(r"(^|[\s(])[\u2013\u2014](?=\S)")


def normalise(query: str) -> str:
    """Typographic quotes to ASCII; an en/em dash before a word to the '-' operator.

    Replacements keep the string's length so error positions stay true.
    """
    query = query.translate(_TYPOGRAPHY)
    return _DASH_OPERATOR.sub(lambda m: m.group(1) + "-", query)


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


# -- tokenizer ----------------------------------------------------------------
@dataclass
class Tok:
    kind: str  # WORD PHRASE ( ) [ ] { } : ^ ~ + - ! CMP AND OR NOT TO EOF
    text: str
    pos: int
    end: int = 0


_WORD_STOP = set(" \t\r\n()[]{}\":^~") | {"<", ">"}


_TIMESTAMP_SO_FAR = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[Tt][\d:.,+-]*\d")


def _timestamp_colon(q: str, start: int, j: int) -> bool:
    """Whether ``q[j]`` is a ':' inside an ISO timestamp (``2018-01-01T10:00:00+01:00``)
    rather than a field separator, so timestamps need no quotes."""
    return (
        q[j] == ":" and j + 1 < len(q) and q[j + 1].isdigit()
        and _TIMESTAMP_SO_FAR.fullmatch(q, start, j) is not None
    )


def tokenize(q: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c == '"':
            j = i + 1
            buf = []
            while j < n and q[j] != '"':
                if q[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(q[j])
                j += 1
            if j >= n:
                raise QuerySyntaxError(q, i, "expected a closing '\"' for the phrase that starts here")
            toks.append(Tok("PHRASE", "".join(buf), i, j + 1))
            i = j + 1
            continue
        if c in "()[]{}:^~!+":
            toks.append(Tok(c, c, i, i + 1))
            i += 1
            continue
        if c == "-" and (i + 1 < n and not q[i + 1].isspace()) and (not toks or toks[-1].end < i or toks[-1].kind in "([{:"):
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
            if q[j] == "\\" and j + 1 < n:
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


# -- parser -------------------------------------------------------------------
class Parser:
    def __init__(self, query: str, default_operator: str = "AND", now: datetime | None = None) -> None:
        self.q = query
        self.toks = tokenize(query)
        self.i = 0
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

    def expect(self, kind: str, what: str) -> Tok:
        if self.tok.kind != kind:
            raise self.fail(what)
        return self.take()

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
        return self.tok.kind in ("WORD", "PHRASE", "(", "NOT", "-", "+", "!", "CMP", "[", "{", "TO")

    def parse_unary(self, fld: str) -> Node:
        tok = self.tok
        if tok.kind in ("NOT", "-", "!"):
            self.take()
            if not self._starts_clause():
                raise self.fail(f"a term after {tok.text}")
            return _Not(self.parse_unary(fld))
        if tok.kind == "+":
            self.take()
            if not self._starts_clause():
                raise self.fail("a term after +")
            return _Required(self.parse_unary(fld))
        node = self.parse_primary(fld)
        if self.tok.kind == "^":
            self.take()
            node.boost = self._number(float, "a boost number after '^'")
        return node

    def _number(self, kind, what: str):
        tok = self.tok
        try:
            value = kind(tok.text) if tok.kind == "WORD" else None
        except ValueError:
            value = None
        if value is None or value < 0:
            raise self.fail(what)
        self.take()
        return value

    def parse_primary(self, fld: str) -> Node:
        tok = self.tok
        if tok.kind == "(":
            self.take()
            if self.tok.kind == ")":
                raise self.fail("a term inside the parentheses")
            node = self.parse_or(fld)
            self.expect(")", f"')' to close the '(' at column {tok.pos + 1}")
            return node
        if tok.kind == "WORD" and self.toks[self.i + 1].kind == ":" and self.toks[self.i + 1].pos == tok.end:
            name = tok.text.lower()
            if name not in FIELDS:
                raise QuerySyntaxError(self.q, tok.pos, f"expected a field name ({', '.join(FIELDS)}), found {tok.text!r}")
            self.take()
            colon = self.take()
            if self.tok.kind == "EOF" or self.tok.pos != colon.end:
                raise QuerySyntaxError(self.q, colon.end, f"expected a value right after '{tok.text}:' (no space)")
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
            if fld != "published":
                raise QuerySyntaxError(self.q, tok.pos, f"expected a comparison only on published:, not {fld}:")
            op = tok.text
            if op.startswith(">"):
                return Range(fld, self._date(vtok, end=op == ">"), None, include_lo=op == ">=")
            return Range(fld, None, self._date(vtok, end=op == "<="), include_hi=op == "<=")
        if tok.kind == "PHRASE":
            self.take()
            slop = 0
            if self.tok.kind == "~" and self.tok.pos == tok.end:
                self.take()
                slop = self._number(int, "a whole number of words after '~'")
            if fld == "published":
                return self._day(tok)
            return Phrase(fld, tok.text, slop)
        if tok.kind in ("WORD", "TO"):
            self.take()
            if self.tok.kind == "~" and self.tok.pos == tok.end:  # fuzzy: accepted, ignored
                self.take()
                if self.tok.kind == "WORD" and self.tok.text.replace(".", "").isdigit():
                    self.take()
            if fld == "published":
                return self._day(tok)
            text = tok.text
            wildcard = bool(re.search(r"(?<!\\)[*?]", text))
            if wildcard and (fld in STEMMED or fld in WORDS):
                self._check_wildcard(tok)
            return Term(fld, text, wildcard)
        raise self.fail("a term, a \"phrase\" or '('")

    def _check_wildcard(self, tok: Tok) -> None:
        """A wildcard must stick to a letter or digit: punctuation is not indexed, so
        ``c#*`` could only ever mean ``c*`` (which is not what was asked)."""
        pieces = _wildcard_pieces(tok.text)
        if len(pieces) > 1:
            for piece in pieces:
                if not any(c.isalnum() for c in piece):
                    m = re.search(r"(?<![^\W_])[*?]+(?![^\W_])", self.q[tok.pos:tok.end])
                    raise QuerySyntaxError(
                        self.q, tok.pos + (m.start() if m else 0),
                        f"expected a letter or digit right before the wildcard in {tok.text!r} "
                        "(punctuation is not indexed: drop the wildcard, or put it right after a letter)",
                    )

    def parse_range(self, fld: str) -> Node:
        open_tok = self.take()
        if fld != "published":
            raise QuerySyntaxError(self.q, open_tok.pos, f"expected a range only on published:, not {fld}:")
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
        return Range("published", self._date(tok), self._date(tok, end=True))

    def _date(self, tok: Tok, end: bool = False) -> datetime:
        """A date bound; ``end`` moves a date-only value to the last second of its period."""
        try:
            return parse_date_bound(tok.text, end, self.now)
        except DateOutOfRange:
            raise QuerySyntaxError(
                self.q, tok.pos, f"expected a date from {date_range_text()}, found {tok.text!r}"
            ) from None
        except (ValueError, OverflowError):
            raise QuerySyntaxError(self.q, tok.pos, f"expected a date ({DATE_FORMS} or *), found {tok.text!r}") from None


@dataclass
class _Not(Node):
    node: Node


@dataclass
class _Required(Node):
    node: Node


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
    """The AST of a query string; raises QuerySyntaxError with a position."""
    return Parser(normalise(query), default_operator, now).parse()


# -- compiler -----------------------------------------------------------------
def analyze(fld: str, text: str) -> list[str]:
    """The terms the index holds for ``text`` in field ``fld``."""
    if fld in STEMMED:
        return STEM_ANALYZER.analyze(text)
    if fld in WORDS:
        return WORD_ANALYZER.analyze(text)
    if fld == "entity":
        return [" ".join(text.lower().split())]
    return [text.strip().lower()] if text.strip() else []


# endings whose stem is shorter than the word: "immigrat*" must also find the stem "immigr"
# (immigrate, immigration, immigrant); a handful of exact terms, so it stays cheap
_SUFFIXES = ("e", "s", "es", "ed", "ing", "ion", "ions", "er", "ers", "y", "ies", "al", "ally",
             "ly", "ment", "ness", "ity", "ive", "ous", "ate", "ation", "ism", "ist", "ant",
             "ance", "ence", "able", "ible")


def _wildcard_pieces(text: str) -> list[str]:
    """The words of a wildcard term as the index's tokenizer splits them (on anything
    but letters and digits), keeping ``*``/``?``: ``x-ray*`` -> ``["x", "ray*"]``."""
    pieces, buf, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":  # an escaped character is literal punctuation: a separator
            i += 1
            c = " "
        if c.isalnum() or c in "*?":
            buf.append(c)
        elif buf:
            pieces.append("".join(buf))
            buf = []
        i += 1
    if buf:
        pieces.append("".join(buf))
    return pieces


def _wildcard_regex(fld: str, piece: str) -> str:
    """The regex over a field's terms for one wildcard word (lower-cased, not stemmed).

    On a stemmed field a trailing-``*`` prefix also matches the stems of its likely
    completions, because the index holds ``immigr`` for *immigration*."""
    piece = piece.lower()
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in piece)
    prefix = piece[:-1]
    if fld in STEMMED and piece.endswith("*") and prefix.isalnum():
        stems = set()
        for word in [prefix] + [prefix + suffix for suffix in _SUFFIXES]:
            terms = STEM_ANALYZER.analyze(word)
            if len(terms) == 1 and not terms[0].startswith(prefix):
                stems.add(terms[0])
        regex = "|".join([regex] + sorted(re.escape(st) for st in stems))
    return regex


def _wildcard(schema: tantivy.Schema, fld: str, text: str) -> tantivy.Query:
    """``immigr*`` / ``wom?n``: a regex over the field's terms; constant score, as in Lucene.

    On tokenized fields a term with inner punctuation is split like the text was
    (``x-ray*`` -> the phrase "x" then a word starting with "ray")."""
    if fld in STEMMED or fld in WORDS:
        pieces = _wildcard_pieces(text)
    else:
        pieces = [re.sub(r"\\(.)", lambda m: "\\" + m.group(1) if m.group(1) in "*?" else m.group(1), text)]
    if not pieces:
        return tantivy.Query.empty_query()
    if len(pieces) == 1:
        piece = pieces[0]
        if fld not in STEMMED and fld not in WORDS:  # exact fields: any character
            parts = re.split(r"((?<!\\)[*?])", piece.lower())
            regex = "".join(".*" if p == "*" else "." if p == "?" else re.escape(p.replace("\\", "")) for p in parts)
        else:
            regex = _wildcard_regex(fld, piece)
        if regex == ".*":
            return tantivy.Query.all_query()
        return tantivy.Query.regex_query(schema, fld, regex)
    words = [
        _wildcard_regex(fld, p) if any(c in "*?" for c in p) else re.escape(_one_term(fld, p))
        for p in pieces
    ]
    return tantivy.Query.const_score_query(tantivy.Query.regex_phrase_query(schema, fld, words), 1.0)


def _one_term(fld: str, word: str) -> str:
    terms = analyze(fld, word)
    return terms[0] if terms else word.lower()


def _date_range(schema: tantivy.Schema, node: Range) -> tantivy.Query:
    return tantivy.Query.range_query(
        schema, "published", tantivy.FieldType.Date, node.lo, node.hi,
        include_lower=node.include_lo, include_upper=node.include_hi,
    )


def compile_query(node: Node, schema: tantivy.Schema) -> tantivy.Query:
    """The tantivy query for an AST node."""
    q = _compile(node, schema)
    if node.boost != 1.0:
        q = tantivy.Query.boost_query(q, node.boost)
    return q


def _compile(node: Node, schema: tantivy.Schema) -> tantivy.Query:
    if isinstance(node, MatchAll):
        return tantivy.Query.all_query()
    if isinstance(node, Range):
        return _date_range(schema, node)
    if isinstance(node, Term) and node.wildcard:
        return _wildcard(schema, node.field, node.text)
    if isinstance(node, Term | Phrase):
        terms = analyze(node.field, node.text.replace("\\", ""))
        if not terms:
            return tantivy.Query.empty_query()
        if len(terms) == 1:
            return tantivy.Query.term_query(schema, node.field, terms[0])
        if node.field in STEMMED or node.field in WORDS:
            return tantivy.Query.phrase_query(schema, node.field, terms, getattr(node, "slop", 0))
        return tantivy.Query.term_query(schema, node.field, terms[0])
    if isinstance(node, Bool):
        clauses = [(tantivy.Occur.Must, compile_query(n, schema)) for n in node.must]
        clauses += [(tantivy.Occur.Should, compile_query(n, schema)) for n in node.should]
        clauses += [(tantivy.Occur.MustNot, compile_query(n, schema)) for n in node.must_not]
        if not node.must and not node.should:  # only negations: everything else
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)
    if isinstance(node, _Not):  # a lone "-x" at the top
        return compile_query(Bool(must_not=[node.node]), schema)
    if isinstance(node, _Required):
        return compile_query(node.node, schema)
    raise TypeError(f"unknown query node {node!r}")  # pragma: no cover


def positive_terms(node: Node, fld: str = DEFAULT_FIELD) -> list[str]:
    """The analysed default-field words a query asks for (not negated), in order.

    Ranking uses them for the headline and proximity boosts.
    """
    out: list[str] = []
    if isinstance(node, Term | Phrase) and node.field == fld and not getattr(node, "wildcard", False):
        out += analyze(fld, node.text.replace("\\", ""))
    elif isinstance(node, Bool):
        for n in node.must + node.should:
            out += positive_terms(n, fld)
    elif isinstance(node, _Required):
        out += positive_terms(node.node, fld)
    return out


def parse(
    query: str,
    index: tantivy.Index | None = None,
    schema: tantivy.Schema | None = None,
    default_operator: str = "AND",
) -> tantivy.Query:
    """Parse a user query; raise QuerySyntaxError with a position on bad syntax.

    ``index`` is accepted for compatibility and unused: analysis mirrors the
    index's analyzers so no round trip to tantivy's parser is needed.
    """
    if schema is None:
        if index is None:
            raise ValueError("parse() needs a schema or an index")
        schema = index.schema
    return compile_query(parse_tree(query, default_operator), schema)
