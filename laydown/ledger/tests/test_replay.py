from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from laydown.ledger import kinds, replay, services
from laydown.ledger.models import Record, Tile

pytestmark = pytest.mark.django_db

APPLIED: list[int] = []


def _apply(record: Record) -> None:
    APPLIED.append(record.index)


kinds.register("test.projected", description="A test record with a projection.", apply=_apply)
kinds.register_reset(APPLIED.clear)


def test_replay_checks_every_record_and_reapplies_projections_in_order() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="system"
    )
    services.record_append_batch(
        entries=[("test.projected", {"n": i}) for i in range(20)], actor="system"
    )
    APPLIED[:] = [-1]  # stale projection state that the reset must clear
    result = replay.ledger_replay()
    assert (result.size, result.records, result.applied) == (320, 320, 20)
    assert APPLIED == list(range(300, 320))


def test_replay_names_a_record_that_no_longer_hashes_to_its_leaf() -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(50)], actor="s")
    Record.objects.filter(index=17).update(body=b'{"forged":true}')
    with pytest.raises(CommandError, match="Record 17 does not hash to its leaf"):
        call_command("ledger", "replay")


def test_replay_detects_a_tampered_tile() -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(300)], actor="s")
    tile = Tile.objects.get(level=0, index=0)
    tile.hashes = bytes(32) + bytes(tile.hashes)[32:]
    tile.save()
    with pytest.raises(replay.ReplayError, match="Record 0 does not hash to its leaf"):
        replay.ledger_replay()


def test_replay_detects_a_tampered_higher_level_tile() -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(300)], actor="s")
    Tile.objects.filter(level=1, index=0).update(hashes=bytes(32))
    with pytest.raises(
        replay.ReplayError, match=r"tiles do not verify: tile tile/1/000\.p/1 hash 0"
    ):
        replay.ledger_replay()


def test_replay_of_an_empty_log_verifies_nothing_and_succeeds() -> None:
    result = replay.ledger_replay()
    assert (result.size, result.records) == (0, 0)


def _indexes() -> dict[str, dict[str, object]]:
    """Every index and constraint of the tables replay rebuilds, by table and name."""
    found = {}
    with connection.cursor() as cursor:
        for label in kinds.replay_coverage().replayed:
            table = apps.get_model(label)._meta.db_table
            found[table] = connection.introspection.get_constraints(cursor, table)
    return found


def test_replay_leaves_every_index_of_the_rebuilt_tables_as_it_found_it() -> None:
    """Replay drops the indexes that enforce nothing while it inserts and creates them again."""
    services.record_append_batch(entries=[("test.projected", {"n": 1})], actor="system")
    before = _indexes()
    assert any(
        c["index"] and not c["unique"] and not c["primary_key"]
        for table in before.values()
        for c in table.values()
    )
    replay.ledger_replay()
    assert _indexes() == before


def test_a_failed_replay_leaves_the_indexes_in_place() -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(50)], actor="s")
    before = _indexes()
    Record.objects.filter(index=17).update(body=b'{"forged":true}')
    with pytest.raises(replay.ReplayError):
        replay.ledger_replay()
    assert _indexes() == before
