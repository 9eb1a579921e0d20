"""Two custodians booking one item at the same moment: one succeeds, the other is refused.

Runs on whichever database the suite uses (SQLite or PostgreSQL: set LAYDOWN_DATABASE_URL).
"""

from __future__ import annotations

import pytest

from laydown.access.permissions import Principal
from laydown.arms import services
from laydown.arms.models import Container, CustodyEvent, Item, Site, TagCounter
from laydown.arms.tests.base import CLERK, CUSTODIAN, CUSTODIAN_2
from laydown.core.errors import ValidationError
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import log_size
from laydown.testing.threads import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_custodians_booking_the_same_item_at_once_one_is_refused(
    sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    for attempt in range(5):
        item = services.item_collect(
            actor=CLERK, site=sites["depot-a"], serial=f"RACE{attempt}", **ITEM_FIELDS
        )
        size = log_size()

        def book(who: Principal, code: str, item: Item = item) -> object:
            return services.item_book(actor=who, item=item, container=containers[code])

        results = race(lambda: book(CUSTODIAN, "a-c1"), lambda: book(CUSTODIAN_2, "a-c2"))
        booked = [r for r in results if isinstance(r, Item)]
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(booked) == 1 and len(refused) == 1, results
        assert refused[0].fields == {"item": "already booked"}
        assert log_size() == size + 1
        assert Item.objects.get(tag=item.tag).container_id == booked[0].container_id
        assert CustodyEvent.objects.filter(item=item, kind="arms.item_booked").count() == 1


def test_clerks_registering_at_once_get_gap_free_distinct_tags(sites: dict[str, Site]) -> None:
    def collect(n: int) -> object:
        return services.item_collect(
            actor=CLERK, site=sites["cp-north"], serial=f"PAR{n}", **ITEM_FIELDS
        )

    results = race(*[lambda n=n: collect(n) for n in range(6)])
    assert all(isinstance(r, Item) for r in results), results
    tags = sorted(r.tag for r in results)  # type: ignore[attr-defined]
    assert tags == [f"LD-{n:06d}" for n in range(1, 7)]
    assert TagCounter.objects.get(prefix="LD").last == 6
