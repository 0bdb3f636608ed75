"""The stage protocol: what every enrichment stage declares and does.

An enrichment stage (entities+quotes, copies, stories, later embeddings) reads
stored articles and writes its own tables. Each stage has its **own
checkpoint** (``stage_runs`` rows, see :mod:`newsdesk.store.stages`) so it can
be run, resumed after a SIGKILL, or re-run after its ``version`` changes
without touching the others (``newsdesk enrich --stage NAME``, ``--redo NAME``).

The runner (:func:`newsdesk.enrich.run_stage`) calls, per batch of pending
articles:

1. ``compute(rows)`` outside any transaction: the heavy, pure part (it may run
   in worker processes; stages that need the store's state return ``None``);
2. ``write(store, rows, computed)`` inside one store transaction that also
   records the checkpoint and touches the articles whose index fields changed,
   so a batch is either all done or not done at all, and a re-run never doubles
   a row (``write`` replaces what it wrote for those seqs before).

A stage never imports the Desk; it is handed the store it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..model import StoredRow
    from ..store import Store


@dataclass(frozen=True, slots=True)
class StageInfo:
    """What a stage is, reads, writes and gives the index."""

    name: str  #: "entities", "copies", "stories": the ``--stage`` / ``--redo`` value
    version: int  #: bump when the rules change: articles done by an older version are pending again
    reads: tuple[str, ...]  #: tables it reads ("articles", "article_entities", ...)
    writes: tuple[str, ...]  #: tables it owns and writes
    index_fields: tuple[str, ...] = ()  #: index fields whose values it provides (see index_values)
    after: tuple[str, ...] = ()  #: stages that should have run on an article first, when enabled
    summary: str = ""  #: one line for ``newsdesk enrich --help`` and ``stats``
    parallel: bool = False  #: compute() may run in worker processes (pure, picklable)
    at_ingest: bool = False  #: runs right after ingest unless asked not to (cheap stages)
    extra: str = ""  #: the optional extra it needs ("ner"), shown when it is missing


class Stage(Protocol):
    """One enrichment stage. Implementations live in ``newsdesk.enrich.<name>``."""

    info: StageInfo

    def available(self) -> str | None:
        """None when the stage can run here, else the one-line reason (e.g. spaCy missing)."""
        ...

    def compute(self, rows: Sequence[StoredRow]) -> Any:
        """The pure, heavy part for a batch of articles (no store access); may return None."""
        ...

    def write(self, store: Store, rows: Sequence[StoredRow], computed: Any) -> list[int]:
        """Write results for ``rows`` inside the caller's transaction; returns the seqs whose
        index fields changed (the runner touches them so the index re-reads them)."""
        ...

    def reset(self, store: Store) -> None:
        """Forget everything this stage wrote (inside the caller's transaction), for ``--redo``."""
        ...

    def index_values(self, store: Store, seqs: list[int]) -> dict[int, dict[str, list[Any]]]:
        """Values of ``info.index_fields`` for these seqs ({seq: {field: [values]}})."""
        ...
