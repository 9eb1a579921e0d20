"""The registry's services: the issue's bad input is refused naming the field; nothing is left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from laydown.arms import photos, selectors, services
from laydown.arms.models import (
    AmmoLot,
    Container,
    CustodyEvent,
    Incident,
    Item,
    Seal,
    ShipmentLine,
    Site,
    StockCheckLine,
    TagCounter,
)
from laydown.arms.services import Crate
from laydown.arms.tests.base import (
    CLERK,
    CLERK_NORTH,
    CUSTODIAN,
    LOT_FIELDS,
    MANAGER,
    OBSERVER,
    png_bytes,
)
from laydown.core.errors import ValidationError
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import log_size

pytestmark = pytest.mark.django_db


def state() -> tuple[int, list[Any]]:
    """The ledger size and the registry's rows: what a refused call must leave unchanged."""
    models = (Item, AmmoLot, CustodyEvent, Seal, ShipmentLine, Incident, StockCheckLine)
    rows: list[Any] = [list(m.objects.order_by("pk").values()) for m in models]  # type: ignore[attr-defined]
    rows.append(list(TagCounter.objects.order_by("pk").values()))
    return log_size(), rows


def assert_refused(call: Callable[[], object], field: str, reason: str = "") -> ValidationError:
    before = state()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.fields, caught.value.fields
    if reason:
        assert reason in caught.value.fields[field] or reason in caught.value.message
    assert state() == before, "a refused call left state behind"
    return caught.value


# ---- collection ----------------------------------------------------------------------------


def test_it_registers_an_item_with_a_gap_free_tag_and_a_custody_event(collect: Any) -> None:
    first, second = collect(), collect()
    assert (first.tag, second.tag) == ("LD-000001", "LD-000002")
    assert first.status == "in_storage" and first.site_id == "depot-a"
    assert first.collected_by == "u-clerk"
    event = CustodyEvent.objects.get(item=first)
    assert event.kind == "arms.item_collected" and event.record_index >= 0


def test_it_refuses_an_unknown_category(collect: Any) -> None:
    error = assert_refused(lambda: collect(category="ray_gun"), "category", "unknown")
    assert "ray_gun" in error.message


@pytest.mark.parametrize(
    "field,value",
    [
        ("quantity", 0),
        ("quantity", -5),
        ("quantity", "12.5"),
        ("quantity", 10**12),
        ("quantity", True),
        ("unit", "litres"),
        ("hazard_division", "1.9"),
        ("compatibility_group", "I"),
        ("type", "bananas"),
    ],
)
def test_it_refuses_impossible_lot_quantities_and_unknown_lot_codes(
    sites: dict[str, Site], field: str, value: object
) -> None:
    fields = {**LOT_FIELDS, field: value}
    assert_refused(
        lambda: services.lot_collect(actor=CLERK, site=sites["cp-north"], **fields), field
    )


def test_it_refuses_bulk_explosive_counted_in_rounds(sites: dict[str, Site]) -> None:
    fields = {**LOT_FIELDS, "type": "explosive", "unit": "rounds"}
    assert_refused(
        lambda: services.lot_collect(actor=CLERK, site=sites["cp-north"], **fields), "unit"
    )


def test_it_registers_a_lot_weighed_in_grams(sites: dict[str, Site]) -> None:
    fields = {**LOT_FIELDS, "type": "explosive", "unit": "grams", "quantity": 2500}
    lot = services.lot_collect(actor=CLERK, site=sites["cp-north"], **fields)
    assert (lot.tag, lot.quantity, lot.unit) == ("LA-000001", 2500, "grams")


def test_it_refuses_impossible_materiel_quantities(sites: dict[str, Site]) -> None:
    assert_refused(
        lambda: services.materiel_collect(
            actor=CLERK, site=sites["cp-north"], type="radio", description="R-159", quantity=0
        ),
        "quantity",
    )


@pytest.mark.parametrize("year", [1200, 3000, "nineteen"])
def test_it_refuses_an_impossible_year(collect: Any, year: object) -> None:
    assert_refused(lambda: collect(year=year), "year")


def test_it_refuses_a_serial_in_mixed_scripts(collect: Any) -> None:
    # "AK" typed with a Latin A and a Cyrillic К
    error = assert_refused(lambda: collect(serial="A\u041a-123456"), "serial", "mixed scripts")
    assert "script" in error.message


def test_it_accepts_a_serial_wholly_in_cyrillic(collect: Any) -> None:
    item = collect(serial="АБ 123456")
    assert item.serial == "АБ 123456"
    assert item.serial_normalised == "AБ123456"


def test_it_refuses_a_handed_in_by_that_looks_like_a_name(collect: Any) -> None:
    assert_refused(lambda: collect(handed_in_by="Ivan Petrov"), "handed_in_by", "pseudonym")


def test_a_clerk_cannot_register_at_a_site_outside_their_grant(sites: dict[str, Site]) -> None:
    before = state()
    with pytest.raises(PermissionDenied):
        services.item_collect(actor=CLERK_NORTH, site=sites["depot-a"], serial="X1", **ITEM_FIELDS)
    assert state() == before
    item = services.item_collect(
        actor=CLERK_NORTH, site=sites["cp-north"], serial="X1", **ITEM_FIELDS
    )
    assert item.site_id == "cp-north"


def test_an_observer_cannot_register_items(sites: dict[str, Site]) -> None:
    with pytest.raises(PermissionDenied):
        services.item_collect(actor=OBSERVER, site=sites["cp-north"], serial="X", **ITEM_FIELDS)


# ---- photos --------------------------------------------------------------------------------


def test_it_stores_a_photo_by_its_sha256_and_an_item_can_name_it(collect: Any) -> None:
    sha = photos.photo_store(data=png_bytes())
    assert photos.photo_path(sha).read_bytes() == png_bytes()
    assert collect(photos=[sha]).photos == [sha]


def test_it_refuses_a_photo_that_is_not_an_image() -> None:
    assert_refused(lambda: photos.photo_store(data=b"%PDF-1.7 ..."), "photos", "not an image")


def test_it_refuses_a_photo_over_ten_megabytes() -> None:
    too_big = png_bytes(extra=photos.MAX_PHOTO_BYTES)
    assert_refused(lambda: photos.photo_store(data=too_big), "photos", "too big")


def test_it_refuses_an_item_naming_a_photo_never_uploaded(collect: Any) -> None:
    assert_refused(lambda: collect(photos=["ab" * 32]), "photos", "unknown photo")


# ---- custody -------------------------------------------------------------------------------


def test_it_books_removes_and_returns_an_item_with_history(
    collect: Any, containers: dict[str, Container]
) -> None:
    item = collect()
    services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c1"], rack=2)
    item = services.item_remove(
        actor=CUSTODIAN, item=item, by="u-inspector", organisation="unmas", purpose="test firing"
    )
    assert item.status == "removed" and item.container_id is None
    item = services.item_return(actor=CUSTODIAN, item=item, container=containers["a-c2"])
    assert (item.status, item.container_id) == ("in_storage", "a-c2")
    kinds = [e.kind for e in selectors.item_history(item.tag)]
    assert kinds == [
        "arms.item_collected",
        "arms.item_booked",
        "arms.item_removed",
        "arms.item_returned",
    ]


def test_it_refuses_booking_an_item_not_at_the_containers_site(
    collect: Any, sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    item = collect(site=sites["cp-north"])
    assert_refused(
        lambda: services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c1"]),
        "item",
        "not at this site",
    )


def test_it_refuses_removal_from_a_sealed_container_until_the_seal_is_broken(
    collect: Any, containers: dict[str, Container]
) -> None:
    item = collect()
    services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c1"])
    seal = services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-0001")

    def remove() -> object:
        return services.item_remove(
            actor=CUSTODIAN, item=item, by="u-x", organisation="police", purpose="evidence"
        )

    error = assert_refused(remove, "container", "sealed")
    assert "S-0001" in error.message
    services.seal_break(actor=CUSTODIAN, seal=seal, reason="weekly check")
    assert remove().status == "removed"  # type: ignore[attr-defined]


def test_it_refuses_a_second_seal_and_a_reused_seal_number(
    containers: dict[str, Container],
) -> None:
    seal = services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-1")
    assert_refused(
        lambda: services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-2"),
        "container",
    )
    services.seal_break(actor=CUSTODIAN, seal=seal, reason="opened")
    assert_refused(
        lambda: services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-1"),
        "seal",
    )


def test_it_refuses_booking_an_item_twice(collect: Any, containers: dict[str, Container]) -> None:
    item = collect()
    services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c1"])
    assert_refused(
        lambda: services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c2"]),
        "item",
        "already booked",
    )


# ---- shipments -----------------------------------------------------------------------------


def test_a_shipment_moves_items_and_flags_every_discrepancy_on_receipt(
    collect: Any, sites: dict[str, Site]
) -> None:
    items = [collect(site=sites["cp-north"]) for _ in range(3)]
    lot = services.lot_collect(actor=CLERK, site=sites["cp-north"], **LOT_FIELDS)
    shipment = services.shipment_dispatch(
        actor=CUSTODIAN,
        from_site=sites["cp-north"],
        to_site=sites["depot-a"],
        crates=[
            Crate(code="CR1", seal="SL-1", items=(items[0].tag, items[1].tag)),
            Crate(code="CR2", seal="SL-2", items=(items[2].tag,), lots=(lot.tag,)),
        ],
    )
    assert Item.objects.get(tag=items[0].tag).status == "in_transit"
    received = services.shipment_receive(
        actor=CUSTODIAN,
        shipment=shipment,
        received_items=[items[0].tag, items[1].tag],
        received_lots={lot.tag: 1400},
        broken_seals=["CR2"],
        declaration="I received the crates listed, with the exceptions noted.",
    )
    assert received.status == "discrepancy"
    kinds = {
        (d["kind"], d.get("item") or d.get("lot") or d.get("crate")) for d in received.discrepancies
    }
    assert kinds == {("seal_broken", "CR2"), ("missing", items[2].tag), ("quantity", lot.tag)}
    assert Item.objects.get(tag=items[0].tag).site_id == "depot-a"
    assert Item.objects.get(tag=items[2].tag).status == "in_transit"
    assert AmmoLot.objects.get(tag=lot.tag).quantity == 1400


def test_it_refuses_to_ship_an_item_that_is_not_at_the_sending_site(
    collect: Any, sites: dict[str, Site]
) -> None:
    here = collect(site=sites["cp-north"])
    elsewhere = collect(site=sites["depot-b"])
    error = assert_refused(
        lambda: services.shipment_dispatch(
            actor=CUSTODIAN,
            from_site=sites["cp-north"],
            to_site=sites["depot-a"],
            crates=[Crate(code="CR1", seal="SL-1", items=(here.tag, elsewhere.tag))],
        ),
        "items",
        "not at the sending site",
    )
    assert elsewhere.tag in error.message


def test_it_refuses_to_ship_from_a_sealed_container(
    collect: Any, sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    item = collect()
    services.item_book(actor=CUSTODIAN, item=item, container=containers["a-c1"])
    services.seal_apply(actor=CUSTODIAN, container=containers["a-c1"], number="S-9")
    assert_refused(
        lambda: services.shipment_dispatch(
            actor=CUSTODIAN,
            from_site=sites["depot-a"],
            to_site=sites["depot-b"],
            crates=[Crate(code="CR1", seal="SL-1", items=(item.tag,))],
        ),
        "container",
        "sealed",
    )


# ---- losses, disposal, stock checks --------------------------------------------------------


def test_reporting_an_item_lost_opens_an_incident(collect: Any) -> None:
    item = collect()
    incident = services.item_report_lost(
        actor=CUSTODIAN, item=item, kind="stolen", description="Rack found empty"
    )
    assert incident.code == "IN-000001" and incident.item_id == item.tag
    assert Item.objects.get(tag=item.tag).status == "lost"
    assert_refused(
        lambda: services.item_report_lost(actor=CUSTODIAN, item=item, description="again"), "item"
    )


def test_disposal_needs_witnesses_other_than_the_actor(
    collect: Any, sites: dict[str, Site]
) -> None:
    items = [collect() for _ in range(2)]
    tags = [i.tag for i in items]
    assert_refused(
        lambda: services.dispose(
            actor=MANAGER, site=sites["depot-a"], method="cutting", items=tags, witnesses=[]
        ),
        "witnesses",
    )
    assert_refused(
        lambda: services.dispose(
            actor=MANAGER, site=sites["depot-a"], method="melting", items=tags, witnesses=["u-o"]
        ),
        "method",
    )
    disposal = services.dispose(
        actor=MANAGER,
        site=sites["depot-a"],
        method="cutting",
        items=tags,
        witnesses=["u-observer", "u-unmas"],
    )
    assert set(Item.objects.filter(disposal=disposal).values_list("status", flat=True)) == {
        "disposed"
    }


def test_only_an_unsafe_lot_is_destroyed_in_place(sites: dict[str, Site]) -> None:
    safe = services.lot_collect(actor=CLERK, site=sites["cp-north"], **LOT_FIELDS)
    unsafe = services.lot_collect(
        actor=CLERK, site=sites["cp-north"], **{**LOT_FIELDS, "condition": "unsafe"}
    )
    assert_refused(
        lambda: services.lot_destroy_in_place(
            actor=MANAGER, lot=safe, witnesses=["u-eod"], reason="leaking"
        ),
        "lot",
    )
    services.lot_destroy_in_place(actor=MANAGER, lot=unsafe, witnesses=["u-eod"], reason="leaking")
    assert AmmoLot.objects.get(tag=unsafe.tag).status == "destroyed_in_place"


def test_a_stock_check_samples_at_least_ten_percent_per_container_and_flags_discrepancies(
    collect: Any, sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    items = [collect() for _ in range(25)]
    for i, item in enumerate(items):
        container = containers["a-c1"] if i < 21 else containers["a-c2"]
        services.item_book(actor=CUSTODIAN, item=item, container=container)
    check = services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"])
    lines = list(StockCheckLine.objects.filter(stock_check=check))
    per_container = {
        c: sum(1 for line in lines if line.container_id == c) for c in ("a-c1", "a-c2")
    }
    assert per_container == {"a-c1": 3, "a-c2": 1}  # ceil(10% of 21), ceil(10% of 4)
    sample = [line.item_id for line in lines]
    found = sample[1:] + ["LD-999999"]
    counted = services.stock_check_record(
        actor=CUSTODIAN, check=check, found=found, mismatches={sample[1]: "serial scratched"}
    )
    assert counted.status == "discrepancy"
    assert {(d["kind"], d["item"]) for d in counted.discrepancies} == {
        ("missing", sample[0]),
        ("mismatch", sample[1]),
        ("unexpected", "LD-999999"),
    }


def test_a_full_count_lists_every_item_in_storage(collect: Any, sites: dict[str, Site]) -> None:
    for _ in range(12):
        collect()
    check = services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"], full=True)
    assert StockCheckLine.objects.filter(stock_check=check).count() == 12


def test_the_sample_differs_between_checkpoints_but_is_recomputable(
    collect: Any, sites: dict[str, Site]
) -> None:
    from laydown.arms.sampling import sample_draw

    tags = [collect().tag for _ in range(50)]
    first = services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"])
    second = services.stock_check_plan(actor=CUSTODIAN, site=sites["depot-a"])
    drawn = sorted(
        StockCheckLine.objects.filter(stock_check=first).values_list("item_id", flat=True)
    )
    assert drawn == sorted(sample_draw(first.seed, tags))
    assert first.seed != second.seed


# ---- receipts and search -------------------------------------------------------------------


def test_the_receipt_shows_item_date_place_tag_and_condition(collect: Any) -> None:
    item = collect(handed_in_by="p-7f3a")
    receipt = selectors.item_receipt(item.tag)
    assert receipt is not None
    assert (receipt.tag, receipt.site_name, receipt.condition) == (
        item.tag,
        "Depot A",
        "Serviceable",
    )
    assert not any("group" in name for name in vars(receipt))


def test_search_finds_by_partial_serial_through_look_alikes(collect: Any) -> None:
    collect(serial="АК-12 3456")  # Cyrillic А and К
    collect(serial="BX-000001")
    assert [i.serial for i in selectors.item_search(serial="ak12").rows] == ["АК-12 3456"]
    assert [i.serial for i in selectors.item_search(serial="2 345").rows] == ["АК-12 3456"]
    assert selectors.item_search(serial="BX-0", serial_partial=False).rows[0].serial == "BX-000001"
    assert selectors.item_search(tag="ld-00000", per_page=1).has_next


def test_search_is_limited_to_the_sites_a_principal_may_read(
    collect: Any, sites: dict[str, Site]
) -> None:
    collect(site=sites["cp-north"])
    collect(site=sites["depot-b"])
    reader = CLERK_NORTH
    assert {i.site_id for i in selectors.item_search(principal=reader).rows} == {"cp-north"}
    assert selectors.counts(principal=MANAGER)["items_total"] == 2
