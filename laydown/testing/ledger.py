"""Checks on the ledger for tests; imports only the ledger, so the ledger's own tests may use it."""

from __future__ import annotations

from laydown import tlog
from laydown.ledger import selectors as ledger_selectors
from laydown.ledger.models import Record


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
