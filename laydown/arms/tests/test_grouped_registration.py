"""Registrations through the group committer (laydown.ledger.group, on under `laydown serve`):
each caller keeps its own answer and its own error, in as few queries as the work needs."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from laydown.arms import services
from laydown.arms.models import CustodyEvent, Item, Site
from laydown.arms.tests.base import CLERK
from laydown.fixtures import ITEM_FIELDS
from laydown.ledger import group
from laydown.ledger.models import Checkpoint, Record
from laydown.testing import log_size

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def committer() -> Iterator[None]:
    with override_settings(LAYDOWN_GROUP_COMMIT=True):
        yield
    group.shutdown()


def registration(site: Site, serial: str) -> group._Call:
    collect = services.item_collect.__wrapped__  # type: ignore[attr-defined]
    return group._Call(
        functools.partial(collect, actor=CLERK, site=site, serial=serial, **ITEM_FIELDS), None
    )


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
    # the call's savepoint, which item_collect's block and the append share (2); the duplicate
    # search and the tag counter (2); the record (1); applied: the item, the counter, the
    # custody event (3); the item answered from its record, not read back (0)
    assert len(sql) == 16, "\n".join(sql)


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
