"""One schema version for every table in ``newsdesk.db``, and the migrations between versions.

Each module of this package that owns tables declares them in a ``DDL`` string
(``CREATE TABLE IF NOT EXISTS`` / ``CREATE INDEX IF NOT EXISTS`` only, so running
it twice is harmless) and is named in :data:`PARTS`. Opening a store runs every
part's DDL, then the numbered :data:`MIGRATIONS` above the stored version, in one
transaction, and stamps ``meta.schema_version``. A directory written by a newer
newsdesk (a higher version than :data:`SCHEMA_VERSION`) is refused, not guessed at.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 9
# 9: copy groups are found through ``copies_shared`` (the rows of groups with more than one
# member) instead of an index of every row's group (store.copies.SHARED); new rows may store
# empty authors/metadata as '' and bodies as compact frames (store.articles.EMPTY_JSON,
# store.texts.COMPACT), which a newsdesk of schema 8 would misread, so it must refuse the directory
# 8: band rows may be packed in groups (store.bands: band_blobs, band_buckets; with the DDL),
# which a newsdesk of schema 7 would not look in
# 7: new rows may store ``provenance`` / ``ingested_at`` compacted (store.articles.column_sql;
# ``article_prefixes`` comes with the DDL, old rows stay text: nothing to convert), which a
# newsdesk of schema 6 would read as they are stored, so it must refuse the directory

#: modules of ``newsdesk.store`` that own tables, in creation order
PARTS: tuple[str, ...] = ("articles", "texts", "stages", "entities", "keys", "copies", "bands", "stories", "feeds", "alerts", "snapshots", "revisions")


def _round1_to_2(db: Any) -> None:
    """Round 2: entity and key tables come under the schema version (their DDL is in PARTS);
    the single ``enriched`` checkpoint becomes per-stage ``stage_runs`` rows; quotes gain ``kind``."""
    from .entities import migrate_round1

    migrate_round1(db)


def _round2_to_3(db: Any) -> None:
    """Round 3: the copies stage's band table keeps one integer per (time bucket, key)
    (``copy_bands`` becomes ``copy_keys``, converted in SQL)."""
    from .copies import migrate_bands

    migrate_bands(db)


def _round3_to_4(db: Any) -> None:
    """Round 3, second pass: stage checkpoints lose their unread ``at`` timestamp."""
    from .stages import migrate_drop_at

    migrate_drop_at(db)


def _packs_to_6(db: Any) -> None:
    """Schema 6: a store written by 23abbb6/833c7d8 (schema 5), which wrote band rows straight
    into groups (``band_groups``/``band_packs``: 2.8x the band table's CPU on an archive in random
    date order; schema 8 packs them on close instead), drops those tables; the copies stage
    rebuilds its ``copy_keys`` rows from the articles."""
    from .copies import drop_band_packs

    drop_band_packs(db)


def _shared_groups_9(db: Any) -> None:
    """Schema 9: the index of every article's copy group is dropped (``copies_shared``, which
    the DDL makes, indexes the groups with more than one member)."""
    from .copies import migrate_shared_index

    migrate_shared_index(db)


#: version -> a function that brings a store of ``version - 1`` up to ``version`` inside the
#: opening transaction (beyond what the idempotent DDL of the parts already does)
MIGRATIONS: dict[int, Callable[[Any], None]] = {
    2: _round1_to_2,
    3: _round2_to_3,
    4: _round3_to_4,
    6: _packs_to_6,
    9: _shared_groups_9,
}


def all_ddl() -> list[str]:
    """The DDL of every part, in order."""
    return [importlib.import_module(f"{__package__}.{name}").DDL for name in PARTS]
