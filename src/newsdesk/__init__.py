"""newsdesk: search and follow the news.

    >>> import newsdesk
    >>> desk = newsdesk.open("newsdesk-data")
    >>> desk.ingest("../shared/seed/")
    >>> for hit in desk.search("jeff sessions", limit=3):
    ...     print(hit.rank, hit.title)
"""

from .desk import Desk, open
from .errors import (
    DataDirError,
    MissingExtraError,
    NewsdeskError,
    NotFoundError,
    QuerySyntaxError,
    ReaderError,
    WriterBusyError,
)
from .model import Article, Hit, IngestSummary

__version__ = "0.1.0"
__all__ = [
    "Article",
    "DataDirError",
    "Desk",
    "Hit",
    "IngestSummary",
    "MissingExtraError",
    "NewsdeskError",
    "NotFoundError",
    "QuerySyntaxError",
    "ReaderError",
    "WriterBusyError",
    "__version__",
    "open",
]
