"""The registration's reads compiled once (laydown.core.compiled) answer what the ORM answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from laydown.arms import selectors
from laydown.arms.models import Item, Site, TagCounter
from laydown.core.compiled import Compiled, concrete_attnames
from laydown.core.paging import paginate


def fields_of(instance: Any) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in concrete_attnames(type(instance))}


@pytest.mark.django_db
def test_a_compiled_read_gives_the_orms_instances_with_datetimes_and_json(collect: Any) -> None:
    item = collect(photos=[])
    by_orm = Item.objects.get(tag=item.tag)
    by_compiled = selectors.item_by_tag(item.tag)
    assert fields_of(by_compiled) == fields_of(by_orm)
    assert by_compiled.collected_at.tzinfo is not None and by_compiled.photos == []
    assert not by_compiled._state.adding and by_compiled._state.db == "default"
    with pytest.raises(Item.DoesNotExist):
        selectors.item_by_tag("LD-999999")


@pytest.mark.django_db
def test_the_site_read_by_code_is_the_orms(sites: dict[str, Site]) -> None:
    for code in sites:
        assert fields_of(selectors.site_get(code)) == fields_of(Site.objects.get(code=code))
    assert selectors.site_get("nowhere") is None


@pytest.mark.django_db
def test_the_duplicate_search_still_finds_the_same_serial(collect: Any) -> None:
    first = collect(serial="AB-123", make="Kalashnikov", model="AKM")
    assert selectors.duplicates_of(serial="ab 123", make="kalashnikov", model="akm") == [first.tag]


def test_a_query_holding_a_value_of_its_own_is_refused() -> None:
    baked = Compiled(lambda code: Site.objects.filter(code=code, region="north"), "cp")
    with pytest.raises(ValueError, match="would hold a value of its own"):
        baked.rows("cp")


@pytest.mark.django_db(transaction=True)
def test_a_compiled_locking_read_needs_a_transaction_as_the_orm_does() -> None:
    locked = Compiled(
        lambda prefix: (
            TagCounter.objects.select_for_update().filter(prefix=prefix).values_list("last")
        ),
        "LD",
    )
    with transaction.atomic():
        assert locked.rows("ZZ") == []  # compiled here
    with pytest.raises(TransactionManagementError):
        locked.rows("ZZ")


@pytest.mark.django_db
def test_the_unfiltered_list_compiled_once_pages_as_the_orm_does(collect: Any) -> None:
    for _ in range(7):
        collect()
    columns = ("tag", "collected_at", "photos", "year", "site_id")
    for page, per_page in [(1, 3), (2, 3), (3, 3), (4, 3), (1, 50), (0, 0), (10**9, 500)]:
        compiled = selectors.item_search(page=page, per_page=per_page, columns=columns)
        orm = paginate(
            Item.objects.order_by("-tag").values_list(*columns), page=page, per_page=per_page
        )
        assert compiled == orm
        assert compiled.rows == orm.rows and compiled.has_next == orm.has_next
    assert selectors._NEWEST_FIRST[columns]  # the compiled query answered
    assert len(selectors.item_search(page=1, per_page=3, columns=columns).rows) == 3


@pytest.mark.django_db
def test_a_filter_or_a_limited_reader_takes_the_orm(collect: Any, sites: dict[str, Site]) -> None:
    from laydown.testing import principal

    collect(site=sites["cp-north"])
    collect()
    columns = ("tag", "site_id")
    clerk = principal("u-c", ("collection_clerk", "site:cp-north"))
    manager = principal("u-m", ("programme_manager", "programme"))
    assert not selectors._everything(principal=clerk)
    assert not selectors._everything(principal=manager, site="depot-a")
    assert not selectors._everything(principal=manager, tag="  ")  # no filter, but not plainly
    assert selectors._everything(principal=manager, serial="", serial_partial=True)
    assert selectors._everything(principal=None)
    limited = selectors.item_search(principal=clerk, columns=columns)
    assert [site for _tag, site in limited.rows] == ["cp-north"]
    wide = selectors.item_search(principal=manager, columns=columns)
    assert {site for _tag, site in wide.rows} == {"cp-north", "depot-a"}
