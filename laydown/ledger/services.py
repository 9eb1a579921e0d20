"""Writes to the ledger. Every change in Laydown goes through `record_append(_batch)`.

Callers run these inside their own `transaction.atomic()` together with the projection change
(docs/architecture.md, "The write path"); a record is then either committed and applied, or absent.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model, Q, QuerySet, Subquery
from django.utils import timezone

from laydown import tlog
from laydown.core.compiled import Compiled
from laydown.ledger import clock, keys, selectors
from laydown.ledger.models import Checkpoint, LogHead, Record, Tile
from laydown.ledger.records import canonical_record, check_actor, check_data, check_kind, rfc3339

Entry = tuple[str, Mapping[str, object]]


def record_append(*, kind: str, data: Mapping[str, object], actor: str) -> Record:
    """Append one record; raises ValidationError (kind, data or actor) or ConfigurationError."""
    return record_append_batch(entries=[(kind, data)], actor=actor)[0]


def record_append_batch(*, entries: Sequence[Entry], actor: str) -> list[Record]:
    """Append records with gap-free indices, sign one checkpoint, apply each record.

    Applying calls the kind's `apply` (the same function replay uses) in the same transaction,
    so a record and its projection change commit together or not at all.

    Everything that can fail on bad input is checked before the log head is locked, so an
    invalid batch appends nothing and holds the lock for no time at all.
    """
    check_actor(actor)
    registered = {}
    for kind, data in entries:
        registered[kind] = check_kind(kind)
        check_data(data)
    if not entries:
        return []
    signer = keys.log_signer()
    now = clock.now()
    at = rfc3339(now)
    bodies = [canonical_record(kind=k, data=d, actor=actor, at=at) for k, d in entries]
    leaf_hashes = [tlog.leaf_hash(body) for body in bodies]
    with transaction.atomic():
        head = _lock_head()
        start = head.size
        edge_tiles = _read_edge_tiles(start)
        deferred = _deferred.depth > 0
        if deferred and _deferred.checked:  # checked at the batch's first append, same transaction
            edge = _edge_of_this_transaction(head, edge_tiles)
        else:
            edge = _checked_edge(head, edge_tiles, signer)
            _deferred.checked = deferred
        records = [
            Record(index=start + i, kind=k, at=now, actor=actor, body=body, leaf_hash=h)
            for i, ((k, _), body, h) in enumerate(zip(entries, bodies, leaf_hashes, strict=True))
        ]
        _insert_records(records)
        changed = tlog.tiles_append(start, leaf_hashes, _reader(edge_tiles))
        _write_tiles(changed)
        size = start + len(records)
        edge = tlog.edge_append(start, edge, leaf_hashes)
        root = tlog.edge_root(edge)
        if not deferred:
            _sign(signer, size, root)
        _head_set(
            size=size,
            root=root,
            edge=tlog.join_edge(edge),
            edge_tiles=_edge_tiles_digest(size, {**edge_tiles, **changed}),
        )
        for record in records:
            apply = registered[record.kind].apply
            if apply is not None:
                apply(record)
        transaction.on_commit(selectors.checkpoint_served_forget)
        transaction.on_commit(_push_to_witnesses)
    return records


def _sign(signer: tlog.Signer, size: int, root: bytes) -> None:
    checkpoint = tlog.Checkpoint(origin=signer.name, size=size, root_hash=root)
    note = tlog.sign_note(checkpoint.to_text(), [signer])
    _checkpoint_insert(size=size, root=root, note=note)
    _remember_verified(_verifier(signer), note, root)


class _Deferred(threading.local):
    depth = 0
    checked = False


_deferred = _Deferred()


@contextlib.contextmanager
def checkpoint_deferred() -> Iterator[None]:
    """Appends inside this block sign no checkpoint; one is signed at its end for the tree
    they leave. Use it inside one transaction (the group committer does): the first append
    checks the stored tree against the newest checkpoint, the following ones trust what this
    transaction wrote, and nothing is visible to others before the block's checkpoint."""
    if not connection.in_atomic_block:
        raise RuntimeError("checkpoint_deferred() needs an enclosing transaction.atomic()")
    _deferred.depth += 1
    _deferred.checked = False
    try:
        yield
    finally:
        _deferred.depth -= 1
    head = _HEAD_AND_NEWEST_SIGNED.first(1)
    if head is not None and head[0] > (head[2] or 0):
        _sign(keys.log_signer(), head[0], bytes(head[1]))


# The tree the block's appends left and the size of the newest checkpoint, in one query
# compiled once (built by the ORM at each batch, the two queries were a tenth of a single
# grouped registration's CPU, issue 20).
_HEAD_AND_NEWEST_SIGNED: Compiled[LogHead] = Compiled(
    lambda id: (
        LogHead.objects.filter(id=id)
        .annotate(
            newest=Subquery(Checkpoint.objects.order_by("-size").values("size")[:1]),
        )
        .values_list("size", "root", "newest")
    ),
    1,
)


def _edge_of_this_transaction(
    head: LogHead, edge_tiles: Mapping[tuple[int, int], bytes]
) -> list[bytes]:
    """The edge an earlier append of this transaction left (no newer checkpoint exists yet)."""
    edge = tlog.split_edge(head.size, bytes(head.edge))
    if head.size and bytes(head.edge_tiles) != _edge_tiles_digest(head.size, edge_tiles):
        raise LogIntegrityError("The partial hash tiles changed inside one transaction.")
    return edge


class LogIntegrityError(Exception):
    """The stored log is not what the last append left: nothing is appended or signed.

    Raised when the log head's right edge does not give the root of the last signed
    checkpoint, or the partial tiles an append would extend were changed since."""


_REPLAY_HINT = (
    " Nothing was appended or signed. Run `laydown ledger replay --check` to find the first "
    "changed record, and restore the database from a backup taken before it."
)


def _checked_edge(
    head: LogHead, edge_tiles: Mapping[tuple[int, int], bytes], signer: tlog.Signer
) -> list[bytes]:
    """The right edge of the stored tree, checked against the last signed checkpoint.

    The caller holds the log head lock. Signing only roots computed from this edge means
    every new checkpoint extends the previous one, whatever was written to the tiles.
    """
    size = head.size
    stored = bytes(head.edge)
    if size and not stored:  # a log written before the edge was kept: read it once
        edge = tlog.edge_from_tiles(size, _reader(edge_tiles))
    else:
        try:
            edge = tlog.split_edge(size, stored)
        except tlog.TileError as exc:
            raise LogIntegrityError(
                f"The log head's right edge is malformed: {exc}." + _REPLAY_HINT
            ) from None
        digest = bytes(head.edge_tiles)
        if size and digest != _edge_tiles_digest(size, edge_tiles):
            raise LogIntegrityError(
                f"The partial hash tiles of the log ({_tile_names(size)}) were changed since "
                "the last append." + _REPLAY_HINT
            )
    signed = _last_signed_root(size, signer)
    if tlog.edge_root(edge) != signed:
        raise LogIntegrityError(
            f"The stored tree of {size} records does not give the root of the last signed "
            "checkpoint." + _REPLAY_HINT
        )
    return edge


_NEWEST_NOTE: Compiled[Checkpoint] = Compiled(
    lambda: Checkpoint.objects.order_by("-size").values_list("size", "note")[:1]
)


def _last_signed_root(size: int, signer: tlog.Signer) -> bytes:
    """The root of the newest checkpoint, from its signed note (not the `root` column)."""
    row = _NEWEST_NOTE.first()
    if row is None:
        if size:
            raise LogIntegrityError(f"The log has {size} records but no checkpoint." + _REPLAY_HINT)
        return tlog.EMPTY_ROOT
    if row[0] != size:
        raise LogIntegrityError(
            f"The log head says {size} records but the newest checkpoint is of size {row[0]}."
            + _REPLAY_HINT
        )
    verifier = _verifier(signer)
    known = _verified_note
    if known is not None and known[0] is verifier and known[1] == row[1]:
        return known[2]  # these very bytes verified before: the same answer again
    try:
        opened = tlog.open_note(row[1], [verifier])
        root = tlog.parse_checkpoint(opened.text).root_hash
    except tlog.TlogError as exc:
        raise LogIntegrityError(
            f"The checkpoint of size {size} does not verify with the log key: {exc}." + _REPLAY_HINT
        ) from None
    _remember_verified(verifier, row[1], root)
    return root


# The newest checkpoint note this process verified (or signed), with its root: an append reads
# the newest note each time, and most often it is the one this process signed or checked last.
# Equal bytes verify equally, so the signature check is skipped for them (not the comparison).
_verified_note: tuple[tlog.Verifier, str, bytes] | None = None


def _remember_verified(verifier: tlog.Verifier, note: str, root: bytes) -> None:
    global _verified_note
    _verified_note = (verifier, note, root)


@functools.lru_cache(maxsize=4)
def _verifier(signer: tlog.Signer) -> tlog.Verifier:
    return tlog.new_verifier(signer.verifier_key())


def _tiles_query(*levels_and_indices: int) -> QuerySet[Tile, Any]:
    match = Q()
    for i in range(0, len(levels_and_indices), 2):
        match |= Q(("level", levels_and_indices[i]), ("index", levels_and_indices[i + 1]))
    return Tile.objects.filter(match).values_list("level", "index", "hashes")


# By the number of edge tiles (a few levels): the query of each shape compiled once.
_EDGE_TILES: dict[int, Compiled[Tile]] = {}


def _read_edge_tiles(size: int) -> dict[tuple[int, int], bytes]:
    """The partial tiles of the tree (the only ones an append reads), in one query."""
    wanted = tlog.edge_tiles(size)
    if not wanted:
        return {}
    query = _EDGE_TILES.get(len(wanted))
    if query is None:
        query = _EDGE_TILES[len(wanted)] = Compiled(_tiles_query, *range(2 * len(wanted)))
    params = [n for tile in wanted for n in (tile.level, tile.index)]
    rows = query.rows(*params)
    return {(level, n): bytes(hashes) for level, n, hashes in rows}


def _reader(tiles: Mapping[tuple[int, int], bytes]) -> tlog.TileReader:
    def read(level: int, n: int) -> bytes:
        found = tiles.get((level, n))
        if found is None:  # not an edge tile: tiles_append reads only those
            raise KeyError((level, n))
        return found

    return read


def _edge_tiles_digest(size: int, tiles: Mapping[tuple[int, int], bytes]) -> bytes:
    digest = hashlib.sha256()
    for tile in tlog.edge_tiles(size):
        content = tiles.get((tile.level, tile.index), b"")[: tile.width * tlog.HASH_SIZE]
        digest.update(f"{tile.level}/{tile.index}/{tile.width}:{len(content)}:".encode())
        digest.update(content)
    return digest.digest()


def _tile_names(size: int) -> str:
    return ", ".join(tlog.tile_path(tile) for tile in tlog.edge_tiles(size))


def _push_to_witnesses() -> None:
    from laydown.ledger.witnessing import push_soon

    push_soon()


_HEAD_LOCKED: Compiled[LogHead] = Compiled(
    lambda id: (
        LogHead.objects.select_for_update()
        .filter(id=id)
        .values_list(*(f.attname for f in LogHead._meta.concrete_fields))
    ),
    1,
)


def _lock_head() -> LogHead:
    """Lock the log head for the rest of the transaction.

    The row lock (PostgreSQL) queues concurrent appenders so indices stay gap-free and in commit
    order; SQLite takes its write lock at BEGIN (transaction_mode IMMEDIATE), which does the same.
    """
    for head in _HEAD_LOCKED.instances(LogHead, 1):  # every append: the SQL compiled once
        return head
    # The first append ever: create the head; a concurrent first appender may win the race.
    LogHead.objects.bulk_create(
        [LogHead(id=1, size=0, root=tlog.EMPTY_ROOT)], ignore_conflicts=True
    )
    return LogHead.objects.select_for_update().get(id=1)


def _insert_records(records: Sequence[Record]) -> None:
    # One executemany instead of bulk_create: at 10^4 records per batch the ORM's per-object
    # work dominates the append, and this table is written nowhere else.
    qn = connection.ops.quote_name
    table = qn(Record._meta.db_table)
    cols = ", ".join(qn(c) for c in ("index", "kind", "at", "actor", "body", "leaf_hash"))
    at = connection.ops.adapt_datetimefield_value(records[0].at)
    sql = f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
    rows: list[tuple[object, ...]] = [
        (r.index, r.kind, at, r.actor, r.body, r.leaf_hash) for r in records
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)  # type: ignore[arg-type]


def _write_tiles(changed: Mapping[tuple[int, int], bytes]) -> None:
    """Insert or replace the changed tiles: the upsert `bulk_create(update_conflicts=True)`
    writes (both databases), without building it per append."""
    if not changed:
        return
    qn = connection.ops.quote_name
    hashes = Tile._meta.get_field("hashes")
    sql = (
        f"INSERT INTO {qn(Tile._meta.db_table)} ({qn('level')}, {qn('index')}, {qn('hashes')}) "  # noqa: S608
        f"VALUES (%s, %s, %s) ON CONFLICT ({qn('level')}, {qn('index')}) "
        f"DO UPDATE SET {qn('hashes')} = EXCLUDED.{qn('hashes')}"
    )
    rows = [
        (level, n, hashes.get_db_prep_save(value, connection))
        for (level, n), value in changed.items()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _concrete(model: type[Model], names: Sequence[str]) -> list[Field[Any, Any]]:
    fields = {f.name: f for f in model._meta.concrete_fields}
    return [fields[name] for name in names]


_CHECKPOINT_FIELDS = ("size", "root", "note", "created_at", "cosigned_by", "cosignatures")


def _checkpoint_insert(*, size: int, root: bytes, note: str) -> None:
    """INSERT a new checkpoint as `Checkpoint.objects.create` does (created now, no
    cosignature yet), each value converted by its field, without building the INSERT each time.
    """
    qn = connection.ops.quote_name
    fields = _concrete(Checkpoint, _CHECKPOINT_FIELDS)
    names = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(Checkpoint._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608
    values = {
        "size": size,
        "root": root,
        "note": note,
        "created_at": timezone.now(),
        "cosigned_by": [],
        "cosignatures": 0,
    }
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_HEAD_FIELDS = ("size", "root", "edge", "edge_tiles")


def _head_set(**values: int | bytes) -> None:
    """Set the log head's row (the caller holds its lock): one UPDATE of `_HEAD_FIELDS`, each
    value converted as `QuerySet.update` converts it."""
    qn = connection.ops.quote_name
    fields = _concrete(LogHead, _HEAD_FIELDS)
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(LogHead._meta.db_table)} SET {assignments} WHERE {qn('id')} = 1"  # noqa: S608
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
