"""`laydown ledger replay`: verify the stored log, then rebuild projections from it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models.base import ModelState
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from laydown import tlog
from laydown.ledger import keys, kinds, selectors
from laydown.ledger.models import Checkpoint, LogHead, LogWitness, Record


class ReplayError(Exception):
    """The stored log does not verify; the message names the first bad index or tile."""


@dataclass(frozen=True)
class ReplayResult:
    size: int
    records: int
    applied: int
    checkpoints: int = 0


def ledger_replay(*, progress: bool = False, check_only: bool = False) -> ReplayResult:
    """Verify the stored log, then (unless `check_only`) empty and rebuild every projection.

    Checked: the newest checkpoint and the newest witnessed one verify with the log key (and
    the witnessed one with its witnesses' keys); every record hashes to its leaf in the tiles;
    the tree of the first N records gives the root of every stored checkpoint of size N (so a
    record rewritten after a checkpoint was signed is named, even if its leaf and the tiles
    were rewritten to match); the tiles hash to the newest checkpoint's root.
    Holds the log head lock throughout, so no append can interleave with the rebuild.
    """
    with transaction.atomic():
        LogHead.objects.select_for_update().filter(id=1).first()
        checkpoint = _verified_checkpoint()
        dropped: list[str] = []
        with contextlib.ExitStack() as rebuilt_after:
            if not check_only:
                dropped = _secondary_indexes_dropped() + _foreign_keys_dropped()
                for factory in kinds.all_rebuilt_after_replay():
                    rebuilt_after.enter_context(factory())
                _emptied_tables_truncated()
                for reset in kinds.all_resets():
                    reset()
            records, applied, checkpoints = _check_and_apply(checkpoint.size, progress, check_only)
        _created_again(dropped)
        if not check_only:
            _statistics_gathered()
        # After the applies, which rebuild the witnesses' keys from the log's own records: in
        # an empty database there are none before. (The transaction rolls back if it fails.)
        _check_witnessed(checkpoint.size)
        try:
            root = tlog.verify_tiles(checkpoint.size, selectors.tile_read)
        except tlog.TileError as exc:
            raise ReplayError(f"The hash tiles do not verify: {exc}.") from exc
        if root != checkpoint.root_hash:
            raise ReplayError("The tiles do not hash to the root of the signed checkpoint.")
        if check_only:
            transaction.set_rollback(True)
    return ReplayResult(
        size=checkpoint.size, records=records, applied=applied, checkpoints=checkpoints
    )


def _verified_checkpoint() -> tlog.Checkpoint:
    note = selectors.checkpoint_latest().note
    try:
        opened = tlog.open_note(note, [_log_verifier()])
    except tlog.NoteError as exc:
        raise ReplayError(f"The latest checkpoint does not verify with the log key: {exc}") from exc
    return tlog.parse_checkpoint(opened.text)


def _log_verifier() -> tlog.Verifier:
    return tlog.new_verifier(keys.log_signer().verifier_key())


def _check_witnessed(newest: int) -> None:
    """The newest checkpoint witnesses cosigned must verify with the log key and theirs."""
    row = Checkpoint.objects.filter(cosignatures__gt=0).order_by("-size").first()
    if row is None:
        return
    if row.size > newest:
        raise ReplayError(
            f"Witnesses cosigned a checkpoint of size {row.size}, but the newest stored "
            f"checkpoint is of size {newest}: the log was rolled back."
        )
    vkeys = dict(LogWitness.objects.values_list("name", "vkey"))
    verifiers = [_log_verifier()] + [
        tlog.new_verifier(vkeys[n]) for n in row.cosigned_by if n in vkeys
    ]
    try:
        opened = tlog.open_note(row.note, verifiers)
    except tlog.NoteError as exc:
        raise ReplayError(
            f"The witnessed checkpoint of size {row.size} does not verify: {exc}"
        ) from exc
    signed_by = {s.name for s in opened.sigs}
    missing = sorted(set(row.cosigned_by) - signed_by)
    if missing:
        raise ReplayError(
            f"The witnessed checkpoint of size {row.size} lacks valid cosignatures of "
            f"{', '.join(missing)}."
        )


def _stored_roots() -> Iterator[tuple[int, bytes]]:
    """(size, root) of every stored checkpoint in size order, the root read from the note's
    text (what was signed), fetched in chunks to bound memory."""
    after = -1
    while True:
        rows = list(
            Checkpoint.objects.filter(size__gt=after)
            .order_by("size")
            .values_list("size", "note")[:5000]
        )
        if not rows:
            return
        for size, note in rows:
            text = note.split("\n\n", 1)[0] + "\n"
            try:
                yield size, tlog.parse_checkpoint(text).root_hash
            except tlog.CheckpointError as exc:
                raise ReplayError(
                    f"The stored checkpoint of size {size} is malformed: {exc}"
                ) from exc
        after = rows[-1][0]


class _CheckpointChain:
    """Compares the tree of the records seen so far with every stored checkpoint."""

    def __init__(self) -> None:
        self.roots = _stored_roots()
        self.edge: list[bytes] = []
        self.good = 0  # size of the last checkpoint that matched
        self.checked = 0
        self.next = self._advance()

    def _advance(self) -> tuple[int, bytes] | None:
        return next(self.roots, None)

    def extend(self, start: int, leaves: list[bytes]) -> None:
        """Records `start` to `start + len(leaves) - 1` have been read and checked: their
        leaves are appended a run at a time, each run ending at the next stored checkpoint's
        size, where the root is compared."""
        done, end = start, start + len(leaves)
        while done < end:
            stop = end
            if self.next is not None and done < self.next[0] < end:
                stop = self.next[0]
            self.edge = tlog.edge_append(done, self.edge, leaves[done - start : stop - start])
            done = stop
            while self.next is not None and self.next[0] <= done:
                if self.next[0] == done:
                    if tlog.edge_root(self.edge) != self.next[1]:
                        raise ReplayError(self._message(done))
                    self.good, self.checked = done, self.checked + 1
                # else a checkpoint of size 0 (nothing to compare)
                self.next = self._advance()

    def _message(self, size: int) -> str:
        first = self.good
        if size == first + 1:
            where = f"Record {first} was changed"
        else:
            where = (
                f"A record from index {first} to {size - 1} was changed (records before "
                f"{first} match every checkpoint)"
            )
        return (
            f"{where} after the checkpoint of size {size} was signed: the first {size} records "
            "no longer give its root (their leaves and the tiles may have been rewritten to "
            "match)."
        )


CHUNK = 5000  # records checked, then applied under the apps' buffered applies, at a time


def _check_and_apply(size: int, show: bool, check_only: bool) -> tuple[int, int, int]:
    count = applied = 0
    chain = _CheckpointChain()
    with _progress(show) as bar:
        task = bar.add_task("Checking records" if check_only else "Replaying records", total=size)
        for chunk in _chunks(size):
            tiles = selectors.tiles_read({(0, r.index // 256) for r in chunk})
            start, leaves, error = count, [], None
            for record in chunk:
                if record.index != count:
                    error = f"Record {count} is missing (the next stored is {record.index})."
                    break
                leaf = tlog.leaf_hash(bytes(record.body))
                offset = (record.index % 256) * 32
                tile = tiles.get((0, record.index // 256), b"")
                if leaf != record.leaf_hash or leaf != tile[offset : offset + 32]:
                    error = f"Record {record.index} does not hash to its leaf in the log."
                    break
                leaves.append(leaf)
                count += 1
            # the checkpoints up to the last good record first, as one record at a time would
            chain.extend(start, leaves)
            if error is not None:
                raise ReplayError(error)
            if not check_only:
                applied += _apply(chunk)
            bar.advance(task, len(chunk))
    if count != size:
        raise ReplayError(f"The checkpoint has {size} records but only {count} are stored.")
    return count, applied, chain.checked


def _chunks(size: int) -> Iterator[list[Record]]:
    """The stored records below `size` in index order, CHUNK at a time, read with one plain
    query per chunk: rows converted as the ORM converts them, but each distinct `at` once (a
    batch's records share it) and no per-field work building the instances."""
    qn = connection.ops.quote_name
    column_of = {f.name: f.column for f in Record._meta.concrete_fields}
    columns = [column_of[name] for name in _RECORD_FIELDS]
    # A range of indexes, not `index >= position ... LIMIT`: PostgreSQL's planner, with a
    # table's statistics older than a bulk load, read the whole rest of the log for each chunk
    # (a bitmap scan of every later row, then a sort for the first CHUNK: ~1 s a chunk at 10^6).
    sql = "SELECT {} FROM {} WHERE {} >= %s AND {} < %s ORDER BY {}".format(  # noqa: S608
        ", ".join(qn(c) for c in columns),
        qn(Record._meta.db_table),
        *[qn("index")] * 3,
    )
    at_field = Record._meta.get_field("at")
    at_col = at_field.get_col(Record._meta.db_table)
    converters = connection.ops.get_db_converters(at_col) + at_col.get_db_converters(connection)
    alias = connection.alias
    new = Record.__new__
    position = 0
    while position < size:
        with connection.cursor() as cursor:
            cursor.execute(sql, [position, min(position + CHUNK, size)])
            rows = cursor.fetchall()
        if not rows:
            return
        times: dict[Any, Any] = {}
        chunk = []
        for index, kind, at, actor, body, leaf in rows:
            when = times.get(at)
            if when is None:
                when = at
                for convert in converters:
                    when = convert(when, at_col, connection)
                times[at] = when
            record = new(Record)
            state = ModelState()
            state.adding, state.db = False, alias
            record.__dict__.update(
                _state=state,
                index=index,
                kind=kind,
                at=when,
                actor=actor,
                body=bytes(body),
                leaf_hash=bytes(leaf),
            )
            chunk.append(record)
        yield chunk
        position = chunk[-1].index + 1


_RECORD_FIELDS = ("index", "kind", "at", "actor", "body", "leaf_hash")


def _replayed_tables() -> list[str]:
    return sorted(
        apps.get_model(label)._meta.db_table for label in kinds.replay_coverage().replayed
    )


def _secondary_indexes_dropped() -> list[str]:
    """Drop the indexes of the replayed tables that enforce nothing (not primary keys, unique
    or other constraints) and return the statements that create them again: rows are
    inserted much faster without them, and one CREATE INDEX at the end sorts once instead
    of growing each B-tree a row at a time. Inside the replay's transaction, so a failed
    replay rolls the drop back with everything else (DDL is transactional in SQLite and
    PostgreSQL)."""
    tables = _replayed_tables()
    if not tables:
        return []
    marks = ", ".join(["%s"] * len(tables))
    if connection.vendor == "sqlite":
        query = (
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN ({marks}) ORDER BY name"
        )
    elif connection.vendor == "postgresql":
        query = (
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "  # noqa: S608
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion "
            "AND pg_table_is_visible(t.oid) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            f"AND t.relname IN ({marks}) ORDER BY c.relname"
        )
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(query, tables)
        found = cursor.fetchall()
        for name, _create in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [create for _name, create in found]


TRUNCATE_FROM_BYTES = 1 << 20  # tables whose files are smaller are left to the resets' DELETE


def _emptied_tables_truncated() -> list[str]:
    """On PostgreSQL, empty the large tables of those the resets empty entirely with one
    TRUNCATE, and return them; the resets then find them empty. A DELETE of every row leaves
    the old rows in the heap and the unique indexes until a vacuum (each key inserted again
    checks the old one; CREATE INDEX reads them all) and queues a foreign-key check for each
    deleted row and each constraint that references its table, run before the indexes are
    created: in place at 10^5 items, twice the database's work of a replay into empty tables.

    TRUNCATE gives a table new, empty files and fires no row trigger; it is undone with the
    rest of the transaction if the replay fails (a crash leaves the old files). Its lock keeps
    readers waiting, as the dropped indexes' lock already does. Unlike DELETE, it does not keep
    the old rows for a snapshot taken before the commit (a REPEATABLE READ transaction that
    reads the table only afterwards would find it empty; Laydown's transactions are READ
    COMMITTED, and pg_dump locks its tables first).

    It costs a few milliseconds a table, so small tables (below TRUNCATE_FROM_BYTES) are
    deleted from as before, unless they reference a truncated one: PostgreSQL truncates a table
    only with every table that references it. For the same reason a table that a table
    outside the set references is never truncated, nor the ones of the set that reference it.
    """
    if connection.vendor != "postgresql":
        return []
    allowed = {apps.get_model(label)._meta.db_table for label in kinds.all_emptied()}
    if not allowed:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.relname, t.relname FROM pg_constraint k "
            "JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid "
            "WHERE k.contype = 'f' AND pg_table_is_visible(t.oid) AND t.relname = ANY(%s)",
            [sorted(allowed)],
        )
        references = cursor.fetchall()
        while kept := {to for by, to in references if by not in allowed and to in allowed}:
            allowed -= kept
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND pg_table_is_visible(oid) "
            "AND relname = ANY(%s) AND pg_relation_size(oid) >= %s",
            [sorted(allowed), TRUNCATE_FROM_BYTES],
        )
        tables = {name for (name,) in cursor.fetchall()}
        while more := {by for by, to in references if to in tables and by not in tables}:
            tables |= more
        if not tables:
            return []
        # Foreign-key checks still pending from earlier in an enclosing transaction would make
        # TRUNCATE refuse: run them now (they would run at commit, with the same outcome).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        names = ", ".join(connection.ops.quote_name(t) for t in sorted(tables))
        cursor.execute(f"TRUNCATE {names}")
    return sorted(tables)


def _foreign_keys_dropped() -> list[str]:
    """On PostgreSQL, drop the foreign keys from a replayed table to a replayed table and
    return the statements that add them again. Each row inserted under such a key queues a
    check (one query for each row and key, run before the indexes are created: 1.7 s of the
    backend's CPU for 10^5 items, each with a custody event); adding the key again checks the
    whole table with one join (~0.4 s), and a row that breaks it fails the replay as the
    queued check would have at commit. Inside the replay's transaction, as the indexes' drop.
    Keys from tables the replay does not rebuild stay: dropping one would lock a table the
    replay has no business with (it locks both ends), and they see no inserted rows."""
    if connection.vendor != "postgresql":
        return []
    tables = _replayed_tables()
    if not tables:
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid "
            "WHERE k.contype = 'f' AND pg_table_is_visible(f.oid) AND pg_table_is_visible(t.oid) "
            "AND f.relname = ANY(%s) AND t.relname = ANY(%s) ORDER BY f.relname, k.conname",
            [tables, tables],
        )
        found = cursor.fetchall()
        if found:
            # PostgreSQL alters no table with deferred foreign-key checks pending (an
            # enclosing transaction's): run them now, as they would run at commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in found:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
    return [
        f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}"
        for table, name, definition in found
    ]


def _created_again(statements: list[str]) -> None:
    """Run the statements that create the dropped indexes and foreign keys again."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL creates no index on a table with deferred foreign-key checks pending:
            # run them now (they would run at commit, with the same outcome).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for create in statements:
            cursor.execute(create)


def _statistics_gathered() -> list[str]:
    """Gather the planner's statistics of the rebuilt tables, and return the tables.

    PostgreSQL: ANALYZE them. Where autovacuum is off (or has not come round yet: a replay is
    one bulk load), a restored or replayed database otherwise has no statistics, or those of
    the rows it had before, and the planner guesses (a sort of a whole table for a list's
    first page, a scan for one row). Inside the replay's transaction, whose rows ANALYZE
    counts; the statistics are kept if the replay commits.
    SQLite: only where the database keeps statistics (someone ran ANALYZE: sqlite_stat1
    exists), so that the rebuilt tables' are not left describing the old rows; a database
    without them stays without (SQLite's planner then uses its own estimates for every table,
    those the queries were written against, rather than statistics for some tables only)."""
    tables = _replayed_tables()
    if not tables:
        return []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(qn(t) for t in tables))
            return tables
        if connection.vendor == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return []
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
            return tables
    return []


def _apply(chunk: list[Record]) -> int:
    """Apply the records in order, under every app's buffered applies (the import's fast path:
    rows written in bulk when the chunk ends)."""
    applied = 0
    with contextlib.ExitStack() as buffers:
        for factory in kinds.all_buffered_applies():
            buffers.enter_context(factory())
        for record in chunk:
            kind = kinds.get(record.kind)
            if kind is not None and kind.apply is not None:
                kind.apply(record)
                applied += 1
    return applied


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>8,.0f} records/s")


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
        transient=True,
    )
