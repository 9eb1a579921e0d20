"""An insider who rewrites an old record, its leaf and the tiles above it is caught: the next
append refuses to sign, and `ledger replay` names the record (issue 17, item 11)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from laydown import tlog
from laydown.ledger import replay, selectors, services
from laydown.ledger.models import Checkpoint, LogHead, Record, Tile
from laydown.testing.ledger import record_forge

pytestmark = pytest.mark.django_db


def append_one(n: int) -> None:
    services.record_append(kind="test.sample", data={"n": n}, actor="clerk")


def rewrite_record(index: int) -> list[bytes]:
    """The insider's forgery (laydown.testing.ledger.record_forge); returns the forged leaves."""
    return record_forge(index)[0]


def test_each_append_signs_the_root_of_the_right_edge_kept_with_the_head() -> None:
    for n in range(300):
        append_one(n)
    head = LogHead.objects.get()
    leaves = [
        bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    assert tlog.split_edge(300, bytes(head.edge)) == tlog.edge_append(0, [], leaves)
    assert bytes(head.root) == tlog.root_hash(leaves) == selectors.checkpoint_latest().root
    assert tlog.verify_tiles(300, selectors.tile_read) == tlog.root_hash(leaves)


def test_the_next_append_refuses_a_rewritten_record_with_its_leaf_and_tiles() -> None:
    for n in range(40):
        append_one(n)
    rewrite_record(3)
    with pytest.raises(services.LogIntegrityError, match="partial hash tiles .* were changed"):
        append_one(40)
    assert selectors.log_size() == 40
    assert Checkpoint.objects.order_by("-size").first().size == 40


def test_the_next_append_refuses_when_the_right_edge_was_rewritten_too() -> None:
    for n in range(40):
        append_one(n)
    leaves = rewrite_record(3)
    forged = _digest_of_tiles(40)
    LogHead.objects.update(edge=tlog.join_edge(tlog.edge_append(0, [], leaves)), edge_tiles=forged)
    with pytest.raises(
        services.LogIntegrityError, match="does not give the root of the last signed"
    ):
        append_one(40)
    assert selectors.log_size() == 40


def test_the_next_append_refuses_when_the_edge_was_erased_to_look_like_an_old_log() -> None:
    for n in range(40):
        append_one(n)
    rewrite_record(3)
    LogHead.objects.update(edge=b"", edge_tiles=b"")
    with pytest.raises(
        services.LogIntegrityError, match="does not give the root of the last signed"
    ):
        append_one(40)


def test_a_log_written_before_the_edge_was_kept_gets_it_from_its_tiles() -> None:
    for n in range(300):
        append_one(n)
    LogHead.objects.update(edge=b"", edge_tiles=b"")
    append_one(300)
    head = LogHead.objects.get()
    assert len(bytes(head.edge)) == 32 * (301).bit_count()
    assert replay.ledger_replay(check_only=True).checkpoints == 301


def test_replay_names_the_rewritten_record_even_with_its_leaf_and_tiles_rewritten() -> None:
    for n in range(40):
        append_one(n)
    rewrite_record(3)
    with pytest.raises(
        replay.ReplayError, match="Record 3 was changed after the checkpoint of size 4"
    ):
        replay.ledger_replay()
    with pytest.raises(CommandError, match="Record 3 was changed"):
        call_command("ledger", "replay", "--check")


def test_replay_names_the_range_when_the_record_was_in_a_batch() -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(10)], actor="s")
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(10)], actor="s")
    rewrite_record(13)
    with pytest.raises(replay.ReplayError, match="from index 10 to 19 was changed"):
        replay.ledger_replay(check_only=True)


def test_replay_refuses_a_checkpoint_rewritten_without_the_log_key() -> None:
    for n in range(5):
        append_one(n)
    checkpoint = Checkpoint.objects.get(size=5)
    checkpoint.note = checkpoint.note.replace("\n5\n", "\n6\n")
    checkpoint.save()
    with pytest.raises(replay.ReplayError, match="does not verify with the log key"):
        replay.ledger_replay(check_only=True)


def test_replay_check_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(5):
        append_one(n)
    call_command("ledger", "replay", "--check")
    assert "Verified 5 records against 5 checkpoints" in capsys.readouterr().out


def _digest_of_tiles(size: int) -> bytes:
    tiles = {(t.level, t.index): bytes(t.hashes) for t in Tile.objects.all()}
    return services._edge_tiles_digest(size, tiles)
