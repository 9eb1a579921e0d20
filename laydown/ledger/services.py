"""Writes to the ledger. Every change in Laydown goes through `record_append(_batch)`.

Callers run these inside their own `transaction.atomic()` together with the projection change
(see ARCHITECTURE.md, "The write path"); a record is then either committed and applied, or absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, transaction

from laydown import tlog
from laydown.ledger import clock, keys
from laydown.ledger.models import Checkpoint, LogHead, Record, Tile
from laydown.ledger.records import canonical_record, check_actor, check_data, check_kind, rfc3339
from laydown.ledger.selectors import tile_read

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
        records = [
            Record(index=start + i, kind=k, at=now, actor=actor, body=body, leaf_hash=h)
            for i, ((k, _), body, h) in enumerate(zip(entries, bodies, leaf_hashes, strict=True))
        ]
        _insert_records(records)
        changed = tlog.tiles_append(start, leaf_hashes, tile_read)
        _write_tiles(changed)
        size = start + len(records)
        root = tlog.tree_root(size, lambda level, n: changed.get((level, n)) or tile_read(level, n))
        checkpoint = tlog.Checkpoint(origin=signer.name, size=size, root_hash=root)
        Checkpoint.objects.create(
            size=size, root=root, note=tlog.sign_note(checkpoint.to_text(), [signer])
        )
        LogHead.objects.filter(id=1).update(size=size, root=root)
        for record in records:
            apply = registered[record.kind].apply
            if apply is not None:
                apply(record)
        transaction.on_commit(_push_to_witnesses)
    return records


def _push_to_witnesses() -> None:
    from laydown.ledger.witnessing import push_soon

    push_soon()


def _lock_head() -> LogHead:
    """Lock the log head for the rest of the transaction.

    The row lock (PostgreSQL) queues concurrent appenders so indices stay gap-free and in commit
    order; SQLite takes its write lock at BEGIN (transaction_mode IMMEDIATE), which does the same.
    """
    try:
        return LogHead.objects.select_for_update().get(id=1)
    except LogHead.DoesNotExist:
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
    Tile.objects.bulk_create(
        [Tile(level=level, index=n, hashes=hashes) for (level, n), hashes in changed.items()],
        update_conflicts=True,
        unique_fields=["level", "index"],
        update_fields=["hashes"],
    )
