"""The registration's reads compiled once (laydown.core.compiled) answer what the ORM answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from laydown.arms import selectors
from laydown.arms.models import Item, Site, TagCounter
from laydown.core.compiled import Compiled, concrete_attnames


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
