"""Writes to the ledger. Every change in Laydown goes through `record_append(_batch)`.

Callers run these inside their own `transaction.atomic()` together with the projection change
(docs/architecture.md, "The write path"); a record is then either committed and applied, or absent.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model, Q, QuerySet
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
    return _append([(kind, data, actor) for kind, data in entries])


def records_append(entries: Sequence[tuple[str, Mapping[str, object], str]]) -> list[Record]:
    """`record_append_batch` of records each with its own actor (kind, data, actor): one
    append of several callers' records (a batch of the group committer's)."""
    for actor in {actor for _kind, _data, actor in entries}:
        check_actor(actor)
    return _append(entries)


def _append(entries: Sequence[tuple[str, Mapping[str, object], str]]) -> list[Record]:
    registered = {}
    for kind, data, _actor in entries:
        registered[kind] = check_kind(kind)
        check_data(data)
    if not entries:
        return []
    signer = keys.log_signer()
    now = clock.now()
    at = rfc3339(now)
    bodies = [canonical_record(kind=k, data=d, actor=a, at=at) for k, d, a in entries]
    leaf_hashes = [tlog.leaf_hash(body) for body in bodies]
    with atomic():
        if _deferred.depth:
            state = _batch_state(signer)
            start, edge, edge_tiles = state.size, state.edge, state.tiles
        else:
            head = _lock_head()
            start = head.size
            edge_tiles = _read_edge_tiles(start)
            edge = _checked_edge(head, edge_tiles, signer)
        records = [
            Record(index=start + i, kind=k, at=now, actor=a, body=body, leaf_hash=h)
            for i, ((k, _, a), body, h) in enumerate(zip(entries, bodies, leaf_hashes, strict=True))
        ]
        _insert_records(records)
        changed = tlog.tiles_append(start, leaf_hashes, _reader(edge_tiles))
        size = start + len(records)
        edge = tlog.edge_append(start, edge, leaf_hashes)
        if _deferred.depth:  # written once, at the end of the block (checkpoint_deferred)
            _batch_push(state, size, edge, changed)
        else:
            _write_tiles(changed)
            root = tlog.edge_root(edge)
            _sign(signer, size, root)
            _head_set(
                size=size,
                root=root,
                edge=tlog.join_edge(edge),
                edge_tiles=_edge_tiles_digest(size, {**edge_tiles, **changed}),
            )
            transaction.on_commit(selectors.checkpoint_served_forget)
            transaction.on_commit(_push_to_witnesses)
        for record in records:
            apply = registered[record.kind].apply
            if apply is not None:
                apply(record)
    return records


def _sign(signer: tlog.Signer, size: int, root: bytes) -> None:
    checkpoint = tlog.Checkpoint(origin=signer.name, size=size, root_hash=root)
    note = tlog.sign_note(checkpoint.to_text(), [signer])
    _checkpoint_insert(size=size, root=root, note=note)
    _remember_verified(_verifier(signer), note, root)


class _Batch:
    """The log as a deferred block's appends left it so far: its size and right edge, its
    partial tiles (all an append reads) and the tiles changed since the block began (written
    at its end). `marker` is the no-op on-commit callback its append registered: Django drops
    it when a savepoint around that append is rolled back, and the append's leaves with it."""

    __slots__ = ("size", "edge", "tiles", "changed", "marker")

    def __init__(
        self,
        size: int,
        edge: list[bytes],
        tiles: dict[tuple[int, int], bytes],
        changed: dict[tuple[int, int], bytes],
    ) -> None:
        self.size = size
        self.edge = edge
        self.tiles = tiles
        self.changed = changed
        self.marker: Callable[[], None] = lambda: None


class _Deferred(threading.local):
    depth = 0
    call = 0  # inside a grouped call: the number of savepoints open, the call's the last
    # One _Batch per append of the block still standing, oldest first (the last is the log now)
    appends: list[_Batch]

    def __init__(self) -> None:
        self.appends = []


_deferred = _Deferred()


def _batch_state(signer: tlog.Signer) -> _Batch:
    """The log as this block's standing appends left it; read (and checked against the newest
    checkpoint) under the log head lock at the block's first append, or at the first after
    every earlier one was rolled back (on PostgreSQL the lock went with their savepoint)."""
    standing = _batch_standing()
    if standing is not None:
        return standing
    head = _lock_head()
    tiles = _read_edge_tiles(head.size)
    return _Batch(head.size, _checked_edge(head, tiles, signer), tiles, {})


def log_lock() -> None:
    """Take the log head lock now, for the rest of the transaction, as an append would (inside
    `checkpoint_deferred`: the block's first append reads the log once, here).

    Every write appends, and takes this lock first: a service that must read what another
    write may change (a site's status) and decide on it reads after this, and the change is
    then either committed before or waits until this transaction ends."""
    if not _deferred.depth:
        _lock_head()
    elif _batch_standing() is None:
        state = _batch_state(keys.log_signer())
        transaction.on_commit(state.marker)  # taken back with the savepoint it was read in
        _deferred.appends.append(state)


def _batch_standing() -> _Batch | None:
    """The newest append of the block not rolled back (None: none stands), after forgetting
    those rolled back: a savepoint's rollback takes back the appends made since it, the newest."""
    appends = _deferred.appends
    if appends:
        standing = {id(entry[1]) for entry in connection.run_on_commit}
        while appends and id(appends[-1].marker) not in standing:
            appends.pop()
    return appends[-1] if appends else None


def _batch_push(
    before: _Batch, size: int, edge: list[bytes], changed: Mapping[tuple[int, int], bytes]
) -> None:
    """Note an append of the block: the log after it, standing while its savepoint does."""
    partial = {(tile.level, tile.index) for tile in tlog.edge_tiles(size)}
    tiles = {key: hashes for key, hashes in {**before.tiles, **changed}.items() if key in partial}
    after = _Batch(size, edge, tiles, {**before.changed, **changed})
    transaction.on_commit(after.marker)
    _deferred.appends.append(after)


def atomic() -> transaction.Atomic:
    """`transaction.atomic()` for a write service's block and an append: directly inside a
    grouped call's savepoint (`call_savepoint`, no other savepoint in between) it makes no
    savepoint of its own, as that one already takes back everything the call did. An exception
    leaving it then fails the whole call, even if the service catches it: Django's
    needs_rollback refuses the call's next query, and `call_savepoint` refuses its end."""
    depth = _deferred.call
    ids = connection.savepoint_ids
    shares = depth > 0 and len(ids) >= depth and not any(ids[depth:])
    return transaction.atomic(savepoint=not shares)


@contextlib.contextmanager
def call_savepoint(*, savepoint: bool = True) -> Iterator[None]:
    """One grouped call's own savepoint (the group committer runs each call in one): its
    changes are kept or rolled back together, and `atomic()` blocks directly inside share it.
    A call that caught the error of such a block (the transaction marked for rollback) is
    rolled back and raises, never reported done.

    `savepoint=False`: the call is the whole transaction (the committer's batch of one
    writer's requests), which takes its changes back; an error leaving it spoils the
    transaction, which the caller must then roll back."""
    with transaction.atomic(savepoint=savepoint):
        outer, _deferred.call = _deferred.call, len(connection.savepoint_ids)
        try:
            yield
            if connection.needs_rollback:
                raise transaction.TransactionManagementError(
                    "A grouped call caught an error raised inside one of its atomic blocks: "
                    "its changes are rolled back."
                )
        finally:
            _deferred.call = outer


@contextlib.contextmanager
def checkpoint_deferred() -> Iterator[None]:
    """Appends inside this block sign no checkpoint and leave the log head and the hash tiles
    as they were until its end; then the tiles they changed and the head are written once and
    one checkpoint is signed for the tree they leave. Use it inside one transaction (the group
    committer does): the first append locks the log head, reads it and the partial tiles and
    checks them against the newest checkpoint; the following ones extend what it keeps in
    memory. An append rolled back with a savepoint is taken back from it too. Inside the block
    the log head, tiles and checkpoints read from the database are those of before it.
    A block inside another adds nothing: the outer one writes and signs."""
    if not connection.in_atomic_block:
        raise RuntimeError("checkpoint_deferred() needs an enclosing transaction.atomic()")
    outer = _deferred.depth == 0
    if outer:
        _deferred.appends = []
    _deferred.depth += 1
    try:
        yield
        if outer and (state := _batch_standing()) is not None and state.changed:
            _batch_write(state)  # (nothing changed: only `log_lock` read the log)
    finally:
        _deferred.depth -= 1
        if outer:
            _deferred.appends = []


def _batch_write(state: _Batch) -> None:
    """The end of a deferred block: its changed tiles, the log head and one checkpoint."""
    _write_tiles(state.changed)
    root = tlog.edge_root(state.edge)
    _sign(keys.log_signer(), state.size, root)
    _head_set(
        size=state.size,
        root=root,
        edge=tlog.join_edge(state.edge),
        edge_tiles=_edge_tiles_digest(state.size, state.tiles),
    )
    transaction.on_commit(selectors.checkpoint_served_forget)
    transaction.on_commit(_push_to_witnesses)


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
