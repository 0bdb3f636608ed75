"""Memo: what a store's searches may reuse until something is written.

A search spends most of its time on work that only changes when the desk does:
parsing and compiling the query (about 0.15 ms), reading and decompressing the
page's rows and their copy/story columns (0.3 ms), cutting snippets (0.3 ms) and
the facets' aggregation (0.3 ms), against about 0.1 ms in tantivy itself. Each
store gets one :class:`Memo`, stamped with the store's change counter
(``Store.version``, one indexed read per search): any write anywhere (ingest,
enrichment, an update, in this process or another) moves the counter and the next
search empties the memo, so a search never shows what a write has replaced.

Plans and facets also depend on the index snapshot, which the index reloads a
moment after the store commits: their entries carry the snapshot's document and
segment counts and are made again when these differ from the current searcher's.
Everything is bounded (least recently used entries go first; at most about 4,096 rows with
their bodies, 512 plans and 512 queries' snippets, 200 each: tens of MB for a desk of short
news articles) and guarded by one lock: the server's threads share a desk.

Set ``ENABLED = False`` (or ``NEWSDESK_SEARCH_MEMO=0``) to measure without it:
bench/peers.py reports both.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import tantivy

    from ..store import Store

ENABLED = os.environ.get("NEWSDESK_SEARCH_MEMO", "1") != "0"
SIZES = {"plans": 512, "rows": 4096, "extras": 4096, "snippets": 512, "facets": 256, "highlighters": 512,
         "totals": 512, "openings": 8192, "reranked": 512, "loose": 512}
V = TypeVar("V")


def snapshot(searcher: tantivy.Searcher) -> tuple[int, int]:
    """What tells two index snapshots of one store version apart (documents, segments)."""
    return searcher.num_docs, searcher.num_segments


class Memo:
    """Bounded maps of reusable search results, valid for one store version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: int | None = None
        self.maps: dict[str, OrderedDict[Hashable, Any]] = {name: OrderedDict() for name in SIZES}

    def at(self, stamp: int) -> Memo:
        """This memo for store version ``stamp``: emptied when the store changed since."""
        if stamp != self.stamp:
            with self.lock:
                if stamp != self.stamp:
                    for m in self.maps.values():
                        m.clear()
                    self.stamp = stamp
        return self

    def get(self, kind: str, key: Hashable) -> Any:
        """The entry, or None."""
        m = self.maps[kind]
        with self.lock:
            value = m.get(key)
            if value is not None:
                m.move_to_end(key)
        return value

    def put(self, kind: str, key: Hashable, value: Any) -> None:
        m = self.maps[kind]
        with self.lock:
            m[key] = value
            m.move_to_end(key)
            while len(m) > SIZES[kind]:
                m.popitem(last=False)

    def kept_for(self, kind: str, obj: object, snap: Hashable = None, extra: Hashable = None) -> Any:
        """The value kept for ``obj`` itself (not an equal object: a compiled query or a parsed
        tree has no equality) with ``extra``, made on snapshot ``snap``; None when there is none.

        Entries hold ``obj`` so that its id cannot be reused by another object while kept."""
        kept = self.get(kind, (id(obj), extra))
        if kept is None or kept[0] is not obj or kept[1] != snap:
            return None
        return kept[2]

    def keep_for(self, kind: str, obj: object, value: Any, snap: Hashable = None, extra: Hashable = None) -> None:
        """Keep ``value`` for ``obj`` (see :meth:`kept_for`)."""
        self.put(kind, (id(obj), extra), (obj, snap, value))

    def many(self, kind: str, keys: list[int], fetch: Callable[[list[int]], dict[int, V]]) -> dict[int, V]:
        """``{key: value}`` for ``keys``, asking ``fetch`` only for those not kept (it may
        leave some out: they stay missing and are asked for again next time)."""
        m = self.maps[kind]
        out: dict[int, V] = {}
        with self.lock:
            for k in keys:
                v = m.get(k)
                if v is not None:
                    m.move_to_end(k)
                    out[k] = v
        missing = [k for k in keys if k not in out]
        if missing:
            fetched = fetch(missing)
            out.update(fetched)
            with self.lock:
                for k, v in fetched.items():
                    m[k] = v
                while len(m) > SIZES[kind]:
                    m.popitem(last=False)
        return out


# id(store) -> (a weak reference to the store, its memo): a look-up by id is ~0.1 µs, a
# WeakKeyDictionary's ~2 µs (it makes a weak reference to look up with)
_MEMOS: dict[int, tuple[weakref.ref[Any], Memo]] = {}
_MEMOS_LOCK = threading.Lock()


def _new_memo(store: Store) -> Memo:
    key = id(store)
    with _MEMOS_LOCK:
        kept = _MEMOS.get(key)
        if kept is not None and kept[0]() is store:
            return kept[1]
        memo = Memo()
        _MEMOS[key] = (weakref.ref(store, lambda _ref: _MEMOS.pop(key, None)), memo)
        return memo


def memo_for(store: Store, current: bool = True) -> Memo | None:
    """The store's memo at its current version (None when memos are off).

    ``current=False`` skips reading the version (~11 µs) for entries that do not depend on it:
    the facets of a plan are those of the plan's own snapshot, whenever they are asked for."""
    if not ENABLED:
        return None
    kept = _MEMOS.get(id(store))
    memo = kept[1] if kept is not None and kept[0]() is store else _new_memo(store)
    return memo if not current and memo.stamp is not None else memo.at(store.version)
