"""The registration's reads compiled once (laydown.core.compiled) answer what the ORM answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from laydown.arms import selectors, services
from laydown.arms.models import Container, Item, Site, TagCounter
from laydown.arms.vocab import ItemStatus
from laydown.core.compiled import Compiled, concrete_attnames
from laydown.core.paging import paginate
from laydown.testing import principal


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
    assert selectors._COMPILED_SEARCH[(columns, True, 0, 0, ())]  # the compiled query answered
    assert len(selectors.item_search(page=1, per_page=3, columns=columns).rows) == 3


CUSTODIAN = principal("u-cu", ("custodian", "programme"))
CLERK = principal("u-c", ("collection_clerk", "site:cp-north"))
READERS = [
    None,
    principal("u-m", ("programme_manager", "programme")),
    CLERK,
    principal("u-2", ("custodian", "site:depot-a"), ("custodian", "site:depot-b")),
    principal("u-s", ("field_supervisor", "region:north")),
    principal("u-sr", ("field_supervisor", "region:south"), ("collection_clerk", "site:cp-north")),
    principal("u-rr", ("field_supervisor", "region:north"), ("field_supervisor", "region:south")),
    # a programme-wide grant of a role that may not read the registry widens nothing
    principal("u-p", ("partner_staff", "programme"), ("collection_clerk", "site:depot-b")),
    principal("u-0", ("partner_staff", "programme")),  # no site at all: the ORM's empty list
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"serial": "", "serial_partial": True, "tag": "", "collected_from": None},  # none given
    {"site": "cp-north"},
    {"site": "depot-b"},
    {"status": ItemStatus.LOST},
    {"status": ItemStatus.IN_STORAGE, "category": "sa_rifle_carbine"},
    {"container": "a-c1", "site": "depot-a", "status": ItemStatus.IN_STORAGE},
    {"category": "sa_assault_rifle", "container": "a-c2"},
    {"tag": "LD"},  # another filter: the ORM's way
]


@pytest.mark.django_db
def test_the_list_within_a_readers_sites_compiled_once_is_the_orms(
    collect: Any, sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    at = {code: [collect(site=site) for _ in range(4)] for code, site in sites.items()}
    collect(site=sites["cp-north"], category="sa_rifle_carbine")
    collect(site=sites["depot-b"], category="sa_rifle_carbine", year=None, photos=[])
    services.item_book(actor=CUSTODIAN, item=at["depot-a"][0], container=containers["a-c1"])
    services.item_report_lost(actor=CUSTODIAN, item=at["cp-north"][1], description="gone")
    services.item_report_lost(actor=CUSTODIAN, item=at["depot-b"][2], description="gone")
    columns = ("tag", "site_id", "container_id", "status", "collected_at", "photos", "year")
    for reader in READERS:
        for filters in FILTERS:
            query = {"principal": reader, **filters}
            for page, per_page in [(1, 2), (2, 2), (3, 5), (1, 50), (0, 0), (10**6, 3)]:
                compiled = selectors.item_search(
                    page=page, per_page=per_page, columns=columns, **query
                )
                orm = paginate(
                    selectors.item_rows(**query).order_by("-tag").values_list(*columns),
                    page=page,
                    per_page=per_page,
                )
                assert (compiled.rows, compiled.has_next) == (orm.rows, orm.has_next), query
                assert compiled == orm
    shapes = {shape[1:] for shape in selectors._COMPILED_SEARCH if shape[0] == columns}
    assert {(False, 1, 0, ()), (False, 2, 0, ()), (False, 0, 1, ()), (False, 1, 1, ())} <= shapes
    assert (False, 0, 2, ("category", "container")) in shapes
    assert (True, 0, 0, ("site", "container", "status")) in shapes
    assert not any(shape[2:4] == (0, 0) and not shape[1] for shape in shapes)  # u-0 never


@pytest.mark.django_db
def test_a_clerk_never_lists_another_sites_items(collect: Any, sites: dict[str, Site]) -> None:
    mine = {collect(site=sites["cp-north"]).tag for _ in range(3)}
    for code in ("depot-a", "depot-b"):
        collect(site=sites[code])
    columns = ("tag", "site_id")
    listed = selectors.item_search(principal=CLERK, columns=columns, per_page=500)
    assert {tag for tag, _site in listed.rows} == mine
    assert not selectors.item_search(principal=CLERK, columns=columns, site="depot-a").rows
    north = principal("u-s", ("field_supervisor", "region:north"))
    listed = selectors.item_search(principal=north, columns=columns, per_page=500)
    assert {site for _tag, site in listed.rows} == {"cp-north", "depot-a"}


def test_other_filters_take_the_orms_way() -> None:
    manager = principal("u-m", ("programme_manager", "programme"))
    columns = ("tag",)
    assert selectors._compiled_search(columns, principal=manager, tag="  ") is None
    assert selectors._compiled_search(columns, principal=CLERK, region="north") is None
    assert selectors._compiled_search(columns, principal=CLERK, make="AKM") is None
    nothing = principal("u-0", ("partner_staff", "programme"))
    assert selectors._compiled_search(columns, principal=nothing) is None
    found = selectors._compiled_search(columns, principal=CLERK, status="lost")
    assert found is not None and found[1] == ["cp-north", "lost"]
