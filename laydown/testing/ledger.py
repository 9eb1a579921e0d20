"""Checks on the ledger for tests; imports only the ledger, so the ledger's own tests may use it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection, transaction

from laydown import tlog
from laydown.ledger import selectors as ledger_selectors
from laydown.ledger import services as ledger_services
from laydown.ledger.models import Record, Tile


def assert_log_is_whole(size: int) -> None:
    """The log holds exactly `size` records, each body matching its leaf, tiles and checkpoint
    agreeing with the root of those leaves."""
    indices = list(Record.objects.order_by("index").values_list("index", "body", "leaf_hash"))
    assert [i for i, _b, _h in indices] == list(range(size))
    for _i, body, leaf in indices:
        assert tlog.leaf_hash(bytes(body)) == bytes(leaf)
    leaves = [bytes(h) for _i, _b, h in indices]
    assert tlog.verify_tiles(size, ledger_selectors.tile_read) == tlog.root_hash(leaves)
    assert ledger_selectors.checkpoint_latest().root == tlog.root_hash(leaves)


def record_forge(index: int) -> tuple[list[bytes], dict[tuple[int, int], bytes]]:
    """What an insider with write access to the database does: rewrite the record at `index`,
    its leaf hash and every tile, so that the tiles hash to a (forged) tree. Returns the forged
    leaves and tiles (the log head and checkpoints are left as they were)."""
    record = Record.objects.get(index=index)
    body = bytes(record.body).replace(b'"n":', b'"n":10')
    Record.objects.filter(index=index).update(body=body, leaf_hash=tlog.leaf_hash(body))
    leaves = [
        bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    Tile.objects.all().delete()

    def nothing(level: int, n: int) -> bytes:
        raise KeyError((level, n))

    tiles = tlog.tiles_append(0, leaves, nothing)
    Tile.objects.bulk_create(Tile(level=lv, index=n, hashes=h) for (lv, n), h in tiles.items())
    return leaves, tiles


@contextlib.contextmanager
def log_held_by_another_writer(seconds: float = 60) -> Iterator[None]:
    """Inside the block another writer (a thread with its own connection, as another worker's
    committer) holds the log head lock (on SQLite, the write lock too); it lets go at the
    block's end."""
    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        try:
            with transaction.atomic():
                ledger_services.log_lock()
                holding.set()
                release.wait(timeout=seconds)
        finally:
            connection.close()

    holder = threading.Thread(target=other_writer)
    holder.start()
    try:
        assert holding.wait(timeout=seconds), "the other writer did not get the log"
        yield
    finally:
        release.set()
        holder.join(timeout=seconds)
