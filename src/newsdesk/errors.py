"""Every error newsdesk raises on purpose, in one tree.

    NewsdeskError                 base: the CLI prints ``str(err)`` as one line, exit 1
    ├── BadParameter              a parameter's value is unusable (name, value, reason)
    ├── DataDirError              the data directory is missing, unreadable, or too new
    ├── WriterBusyError           another process is writing to the same data directory
    ├── ReaderError               an input cannot be read at all (file, position, reason)
    ├── QuerySyntaxError          a query does not parse (position, expected); exit 2
    ├── NotFoundError             no article / entity by that name
    │   └── NotEnrichedError      no entity data: ``newsdesk enrich`` has not run
    └── MissingExtraError         an optional dependency is not installed

Errors carry the facts (file, line, position) as attributes so that the HTTP
API can put them in its JSON error shape and the CLI in one line.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base of all newsdesk errors; ``str()`` is one line written for a person."""

    exit_code = 1


class BadParameter(NewsdeskError):
    """A parameter of a library call has a value newsdesk cannot use.

    Carries the parameter's library ``name`` (``since``, ``sort``, ``limit``),
    the ``value`` and the ``reason``, so each interface can word it in its own
    terms: the CLI as ``--since 'x': reason``, the API as a 400 naming the
    query parameter. ``str()`` is the library's own wording.
    """

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        self.reason = reason
        super().__init__(f"{name} {value!r}: {reason}")

    def as_flag(self) -> str:
        """The message as the CLI says it, naming the flag (``--since 'x': …``)."""
        return f"--{self.name.replace('_', '-')} {self.value!r}: {self.reason}"


class DataDirError(NewsdeskError):
    """The data directory cannot be used."""


class WriterBusyError(NewsdeskError):
    """Another process holds the write lock on the data directory."""


class ReaderError(NewsdeskError):
    """A whole input could not be read (a single bad record is a Reject, not this)."""

    def __init__(self, path: str, reason: str, position: str = "") -> None:
        self.path = path
        self.reason = reason
        self.position = position
        where = f"{path}:{position}" if position else path
        super().__init__(f"{where}: {reason}")


class QuerySyntaxError(NewsdeskError):
    """A query that does not parse; the message shows the caret under ``position``."""

    exit_code = 2

    def __init__(self, query: str, position: int, expected: str) -> None:
        self.query = query
        self.position = position
        self.expected = expected
        super().__init__(self.render())

    def render(self) -> str:
        """What went wrong, then the query with a caret under the column where it did.

        The query sits on its own line so the caret lines up whatever prefix the
        CLI (``newsdesk: ``) or a log puts before the first line.
        """
        q = self.query.replace("\n", " ").replace("\t", " ")
        pos = max(0, min(self.position, len(q)))
        return (
            f"query syntax error at column {pos + 1}: {self.expected}\n"
            f"  {q}\n"
            f"  {' ' * pos}^"
        )


class NotFoundError(NewsdeskError):
    """Nothing by that id or name."""


class NotEnrichedError(NotFoundError):
    """Enrichment has not run on this desk, so there are no entities or quotes yet.

    A class of its own so callers that show "run enrich first" (a page, an empty
    list) catch exactly this, and an unknown name or a bad query still surfaces.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"no entities in {path} yet: run `newsdesk enrich` first")


class MissingExtraError(NewsdeskError):
    """An optional part of newsdesk needs a package that is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"this needs {package}, which is not installed: pip install 'newsdesk[{extra}]'"
        )
