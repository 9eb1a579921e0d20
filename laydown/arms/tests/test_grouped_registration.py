"""Registrations through the group committer (laydown.ledger.group, on under `laydown serve`):
each caller keeps its own answer and its own error, in as few queries as the work needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from laydown.accounts.services import SYSTEM
from laydown.arms import services
from laydown.arms.models import AmmoLot, CustodyEvent, Item, Site, TagCounter
from laydown.arms.services.collected import collected_write
from laydown.arms.services.collection import item_checked, lot_checked
from laydown.arms.tests.base import CLERK, LOT_FIELDS
from laydown.core.errors import ValidationError
from laydown.fixtures import ITEM_FIELDS
from laydown.ledger import group
from laydown.ledger.models import Checkpoint, Record
from laydown.testing import log_size
from laydown.testing.ledger import assert_log_is_whole

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def committer() -> Iterator[None]:
    with override_settings(LAYDOWN_GROUP_COMMIT=True):
        yield
    group.shutdown()


def registration(site: Site, serial: str, **fields: Any) -> group._Call:
    """What `item_collect` queues: its checks done, the write left to the committer."""
    checked = item_checked(actor=CLERK, site=site, serial=serial, **{**ITEM_FIELDS, **fields})
    return group.bulk_call(collected_write, checked)


def test_a_suspected_duplicate_in_a_batch_refuses_only_its_own_registration(
    committer: None, sites: dict[str, Site]
) -> None:
    first = services.item_collect(actor=CLERK, site=sites["cp-north"], serial="GR-1", **ITEM_FIELDS)
    size = log_size()
    batch = [registration(sites["cp-north"], s) for s in ("GR-2", "gr 1", "GR-3")]
    group.commit_batch(batch)
    with pytest.raises(services.DuplicateSuspected) as refused:
        batch[1].future.result()
    assert refused.value.tags == [first.tag]
    kept = [batch[0].future.result(), batch[2].future.result()]
    assert [item.serial for item in kept] == ["GR-2", "GR-3"]
    assert sorted(Item.objects.values_list("serial", flat=True)) == ["GR-1", "GR-2", "GR-3"]
    assert log_size() == size + 2 and Record.objects.count() == size + 2
    assert CustodyEvent.objects.filter(item__in=[i.tag for i in kept]).count() == 2
    assert Checkpoint.objects.order_by("-size").values_list("size", flat=True)[0] == size + 2


def test_a_grouped_registration_makes_no_query_it_does_not_need(
    committer: None, sites: dict[str, Site]
) -> None:
    services.item_collect(actor=CLERK, site=sites["cp-north"], serial="GR-0", **ITEM_FIELDS)
    batch = [registration(sites["cp-north"], "GR-1")]
    with CaptureQueriesContext(connection) as queries:
        group.commit_batch(batch)
    assert batch[0].future.result().serial == "GR-1"
    sql = [q["sql"] for q in queries.captured_queries]
    # the batch: begin, commit (2); the log head, its partial tiles and the newest checkpoint
    # read at its first append, the tiles, the checkpoint and the head written at its end (6);
    # no savepoint: a batch of one writer's calls alone is written in the transaction itself
    # (0); the site's status read again, the duplicate search and the tag counter (3); the
    # record (1); applied: the item, the custody event, the counter (3); the item answered
    # from its record, not read back (0).
    # On PostgreSQL the item and the event are each a COPY, which Django's query log misses.
    assert not [s for s in sql if "SAVEPOINT" in s], "\n".join(sql)
    assert len(sql) == (15 if connection.vendor == "sqlite" else 13), "\n".join(sql)


def fields_of(item: Item) -> dict[str, tuple[type, Any]]:
    return {
        f.attname: (type(getattr(item, f.attname)), getattr(item, f.attname))
        for f in Item._meta.concrete_fields
    }


@pytest.mark.parametrize("photos", [[], ["a" * 64]])
def test_the_registrations_answer_is_its_row_as_read_back(
    sites: dict[str, Site], photos: list[str]
) -> None:
    item = services.item_collect(
        actor=CLERK,
        site=sites["cp-north"],
        **{**ITEM_FIELDS, "serial": "ак 12-3", "year": None, "handed_in_by": "p-1"},
        photos=photos,
        photos_announced=True,
    )
    stored = Item.objects.get(tag=item.tag)
    assert fields_of(item) == fields_of(stored)
    assert item.collected_at.tzinfo == stored.collected_at.tzinfo
    assert not item._state.adding and item._state.db == stored._state.db
    confirmed = services.item_collect(
        actor=CLERK,
        site=sites["cp-north"],
        **{**ITEM_FIELDS, "serial": "AK 12-3"},
        confirm_duplicate_reason="another weapon",
    )
    assert confirmed.duplicate_reason == "another weapon"
    assert fields_of(confirmed) == fields_of(Item.objects.get(tag=confirmed.tag))


def tags_of(batch: list[group._Call]) -> list[str | None]:
    """Each call's tag, None for a refused one."""
    return [None if c.future.exception() else c.future.result().tag for c in batch]


def numbers(tags: list[str | None]) -> list[int]:
    return [int(tag.partition("-")[2]) for tag in tags if tag is not None]


def test_a_serial_twice_in_one_batch_refuses_the_second_as_a_later_batch_would(
    committer: None, sites: dict[str, Site]
) -> None:
    at = sites["cp-north"]
    batch = [
        registration(at, "GR-7"),
        registration(at, "gr 7"),  # the same weapon as the first, written just before it
        registration(at, "GR-8"),
    ]
    group.commit_batch(batch)
    first, _refused, eighth = tags_of(batch)
    with pytest.raises(services.DuplicateSuspected) as refused:
        batch[1].future.result()
    assert refused.value.tags == [first]
    # as if it had come in a later batch: the same refusal, word for word
    later = [registration(at, "gr 7")]
    group.commit_batch(later)
    with pytest.raises(services.DuplicateSuspected) as refused_later:
        later[0].future.result()
    assert refused_later.value.tags == [first]
    assert refused_later.value.message == refused.value.message
    assert refused_later.value.fields == refused.value.fields
    assert numbers([first, eighth]) == [1, 2]  # the refused one took no tag
    confirming = [
        registration(at, "GR 7", confirm_duplicate_reason="a second rifle, same serial"),
        registration(at, "GR-7"),  # a duplicate of the first and of the one just confirmed
    ]
    group.commit_batch(confirming)
    answer = confirming[0].future.result()
    assert answer.tag == "LD-000003"
    assert answer.duplicate_reason == "a second rifle, same serial"
    assert fields_of(answer) == fields_of(Item.objects.get(tag=answer.tag))
    record = Record.objects.filter(kind="arms.duplicate_confirmed").get()
    assert record.data == {
        "item": answer.tag,
        "duplicate_of": [first],
        "reason": "a second rifle, same serial",
    }
    with pytest.raises(services.DuplicateSuspected) as refused:
        confirming[1].future.result()
    assert refused.value.tags == [first, answer.tag]


def test_a_site_closed_before_the_batch_commits_refuses_its_registrations(
    committer: None, sites: dict[str, Site]
) -> None:
    """The caller saw the site open; it was closed before the committer wrote: refused, as a
    registration made after the closing is, and only that site's."""
    batch = [
        registration(sites["cp-north"], "GR-20"),
        registration(sites["depot-a"], "GR-21"),
        registration(sites["cp-north"], "GR-22"),
    ]
    services.site_status_set(actor=SYSTEM, site=Site.objects.get(code="cp-north"), status="closed")
    size = log_size()
    group.commit_batch(batch)
    for call in (batch[0], batch[2]):
        with pytest.raises(ValidationError) as refused:
            call.future.result()
        assert refused.value.fields == {"site": "not open"}
        assert refused.value.message == "Site cp-north is closed."
    kept = batch[1].future.result()
    assert kept.tag == "LD-000001" and kept.site_id == "depot-a"
    assert log_size() == size + 1
    assert list(Item.objects.values_list("tag", flat=True)) == [kept.tag]


def test_refused_calls_in_the_middle_of_a_batch_leave_no_gap_in_the_tags(
    committer: None, sites: dict[str, Site]
) -> None:
    services.item_collect(actor=CLERK, site=sites["cp-north"], serial="GR-30", **ITEM_FIELDS)
    services.lot_collect(actor=CLERK, site=sites["cp-north"], **LOT_FIELDS)
    at = sites["cp-north"]
    lot = group.bulk_call(collected_write, lot_checked(CLERK, at, **LOT_FIELDS))
    batch = [
        registration(at, "GR-31"),
        registration(at, "GR-30"),  # a duplicate: refused
        lot,
        registration(sites["depot-b"], "GR-32"),
        registration(at, "gr-31"),  # a duplicate of the batch's first: refused
        registration(at, "GR-33"),
    ]
    services.site_status_set(actor=SYSTEM, site=Site.objects.get(code="depot-b"), status="closed")
    group.commit_batch(batch)
    assert tags_of(batch) == ["LD-000002", None, "LA-000002", None, None, "LD-000003"]
    assert lot.future.result().quantity == LOT_FIELDS["quantity"]
    counters = dict(TagCounter.objects.values_list("prefix", "last"))
    assert counters == {"LD": 3, "LA": 2}
    assert sorted(Item.objects.values_list("tag", flat=True)) == [
        "LD-000001",
        "LD-000002",
        "LD-000003",
    ]
    after = services.item_collect(actor=CLERK, site=at, serial="GR-34", **ITEM_FIELDS)
    assert after.tag == "LD-000004"


def test_when_the_write_of_a_batch_fails_each_is_written_alone_and_only_the_guilty_fails(
    committer: None, sites: dict[str, Site]
) -> None:
    """A lot whose tag is taken already (its counter was set back) breaks the batch's insert
    of lots: the batch is written again one call at a time, and only that call fails."""
    at = sites["cp-north"]
    services.lot_collect(actor=CLERK, site=at, **LOT_FIELDS)
    TagCounter.objects.filter(prefix="LA").update(last=0)  # LA-000001 will clash
    size = log_size()
    lot = group.bulk_call(collected_write, lot_checked(CLERK, at, **LOT_FIELDS))
    batch = [registration(at, "GR-40"), lot, registration(at, "GR-41")]
    group.commit_batch(batch)
    with pytest.raises(IntegrityError):
        lot.future.result()
    assert tags_of(batch) == ["LD-000001", None, "LD-000002"]
    assert log_size() == size + 2
    assert AmmoLot.objects.count() == 1
    assert CustodyEvent.objects.filter(item__isnull=False).count() == 2
    assert_log_is_whole(log_size())
