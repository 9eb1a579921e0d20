"""The index behind search by partial serial: substrings of >= 3 characters are found through
trigrams instead of reading every serial.

PostgreSQL: a GIN `gin_trgm_ops` index (extension pg_trgm) on `arms_item.serial_normalised`,
which the planner uses for `serial_normalised LIKE '%...%'` as it is.

SQLite (>= 3.34): an FTS5 table with the `trigram` tokenizer over the same column, an external
content table keyed by `arms_item`'s rowid and kept in step by triggers, so every write of the
projection (the applies, `laydown ledger replay`, bulk inserts) keeps it current.
`item_serial_rowids` gives the query. Django remakes a SQLite table on some ALTERs, which drops
its triggers: a migration that alters `arms_item` must call `install(schema_editor)` again
(test_search.py checks that the triggers exist after all migrations).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

FTS = "arms_item_serial_fts"
TRIGGERS = ("arms_item_fts_insert", "arms_item_fts_delete", "arms_item_fts_update")
MIN_LENGTH = 3  # trigrams: shorter substrings fall back to reading the serials
# A WHERE clause of a query on arms_item: rows whose serial contains the phrase parameter.
ROWID_MATCHES = (
    '"arms_item"."rowid" IN '
    "(SELECT rowid FROM arms_item_serial_fts WHERE arms_item_serial_fts MATCH %s)"
)

_SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS arms_item_serial_fts USING fts5(
        serial_normalised, content='arms_item', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS arms_item_fts_insert AFTER INSERT ON arms_item BEGIN
        INSERT INTO arms_item_serial_fts(rowid, serial_normalised)
            VALUES (new.rowid, new.serial_normalised);
    END""",
    """CREATE TRIGGER IF NOT EXISTS arms_item_fts_delete AFTER DELETE ON arms_item BEGIN
        INSERT INTO arms_item_serial_fts(arms_item_serial_fts, rowid, serial_normalised)
            VALUES ('delete', old.rowid, old.serial_normalised);
    END""",
    """CREATE TRIGGER IF NOT EXISTS arms_item_fts_update AFTER UPDATE OF serial_normalised
        ON arms_item BEGIN
        INSERT INTO arms_item_serial_fts(arms_item_serial_fts, rowid, serial_normalised)
            VALUES ('delete', old.rowid, old.serial_normalised);
        INSERT INTO arms_item_serial_fts(rowid, serial_normalised)
            VALUES (new.rowid, new.serial_normalised);
    END""",
    "INSERT INTO arms_item_serial_fts(arms_item_serial_fts) VALUES ('rebuild')",
]
_POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS arms_item_serial_trgm ON arms_item "
    "USING gin (serial_normalised gin_trgm_ops)",
]


def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= (3, 34, 0)


def install(schema_editor: Any) -> None:
    """Create the index (again), and fill it from the table."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = _POSTGRESQL
    elif vendor == "sqlite" and sqlite_has_trigram():
        statements = _SQLITE
    else:
        return
    for sql in statements:
        schema_editor.execute(sql)


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS arms_item_serial_trgm")
    elif vendor == "sqlite":
        for trigger in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS arms_item_fts_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS arms_item_serial_fts")


@contextmanager
def rebuilt_after_replay() -> Iterator[None]:
    """For `laydown ledger replay` (kinds.register_rebuilt_after_replay): on SQLite, the
    triggers are dropped while the replay empties and refills `arms_item`, then created again
    as they were and the index rebuilt from the table once ('rebuild'), instead of being fed a
    row at a time (which cost three times the inserts themselves). Inside the replay's
    transaction: if it fails, this does not resume and the rollback restores the triggers.
    The GIN index of PostgreSQL is a secondary index the replay drops and creates itself."""
    if connection.vendor != "sqlite":
        yield
        return
    marks = ", ".join(["%s"] * len(TRIGGERS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) "  # noqa: S608
            "ORDER BY name",
            TRIGGERS,
        )
        found = cursor.fetchall()
        for name, _sql in found:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    yield
    if not found:  # no index here (SQLite without trigrams)
        return
    with connection.cursor() as cursor:
        for _name, sql in found:
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")  # noqa: S608


def phrase(text: str) -> str:
    """An FTS5 query matching `text` as a substring (with the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'
