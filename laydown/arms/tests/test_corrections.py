"""Corrections: a registered weapon, lot or materiel is corrected by a record of its own, with a
reason; the collection record stays; a corrected serial goes through the duplicate check."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from laydown.arms import services
from laydown.arms.models import AmmoLot, CustodyEvent, Item, Materiel, Site
from laydown.arms.tests.base import CLERK, CLERK_NORTH, CUSTODIAN, LOT_FIELDS, MANAGER
from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.testing import bearer, log_size, signed_in, token_for, user_with_role
from laydown.testing.forms import said_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def test_a_serial_typo_is_corrected_by_a_new_record_and_both_stay_in_the_history(
    collect: Callable[..., Item],
) -> None:
    item = collect(serial="AK-12345")
    size = log_size()
    corrected = services.item_correct(
        actor=MANAGER, item=item, serial="AK-123456", calibre="7.62x39", reason="Read again."
    )
    assert corrected.serial == "AK-123456" and corrected.serial_normalised.endswith("123456")
    assert corrected.calibre == "7.62x39"
    assert log_size() == size + 1
    record = Record.objects.order_by("-index").first()
    assert record is not None and record.kind == "arms.item_corrected"
    assert record.data["changes"] == {"serial": "AK-123456", "calibre": "7.62x39"}
    assert record.data["previous"] == {"serial": "AK-12345", "calibre": "7.62x39mm"}
    collected = [
        r.data
        for r in Record.objects.filter(kind="arms.item_collected")
        if r.data["tag"] == item.tag
    ]
    assert collected[0]["serial"] == "AK-12345"  # the collection record is untouched
    kinds = [e.kind for e in CustodyEvent.objects.filter(item=item).order_by("record_index")]
    assert kinds == ["arms.item_collected", "arms.item_corrected"]


def test_a_corrected_serial_that_matches_another_weapon_needs_a_reason(
    collect: Callable[..., Item],
) -> None:
    other = collect(serial="AK-777")
    item = collect(serial="AK-778")
    size = log_size()
    with pytest.raises(services.DuplicateSuspected) as caught:
        services.item_correct(actor=CLERK, item=item, serial="ak 777", reason="Misread.")
    assert caught.value.tags == [other.tag]
    assert log_size() == size and Item.objects.get(tag=item.tag).serial == "AK-778"
    services.item_correct(
        actor=CLERK,
        item=item,
        serial="AK-777",
        reason="Misread.",
        confirm_duplicate_reason="Two rifles with one serial: factory reuse, both seen.",
    )
    row = Item.objects.get(tag=item.tag)
    assert row.serial == "AK-777" and row.duplicate_reason.startswith("Two rifles")


def test_a_correction_without_reason_or_change_or_with_a_bad_value_writes_nothing(
    collect: Callable[..., Item],
) -> None:
    item = collect(serial="AK-1")
    size = log_size()
    refusals: list[dict[str, Any]] = [
        {"serial": "AK-2", "reason": ""},
        {"serial": "AK-1", "reason": "no change"},
        {"country": "Russia", "reason": "bad value"},
        {"tag": "LD-999999", "reason": "not correctable"},
        {"year": 1700, "reason": "too old"},
    ]
    for fields in refusals:
        with pytest.raises(ValidationError):
            services.item_correct(actor=CLERK, item=item, **fields)
    assert log_size() == size


def test_only_an_authorised_user_at_the_site_may_correct(collect: Callable[..., Item]) -> None:
    item = collect(serial="AK-5")  # at depot-a; the clerk's grant covers cp-north only
    size = log_size()
    for actor in (CUSTODIAN, CLERK_NORTH):
        with pytest.raises(PermissionDenied):
            services.item_correct(actor=actor, item=item, serial="AK-6", reason="x")
    assert log_size() == size


def test_lots_and_materiel_are_corrected_the_same_way(sites: dict[str, Site]) -> None:
    lot = services.lot_collect(actor=CLERK, site=sites["depot-a"], **LOT_FIELDS)
    lot = services.lot_correct(actor=CLERK, lot=lot, quantity=1400, reason="Counted again.")
    assert lot.quantity == 1400
    with pytest.raises(ValidationError) as caught:
        services.lot_correct(actor=CLERK, lot=lot, unit="grams", reason="x")
    assert "unit" in caught.value.fields
    row = services.materiel_collect(
        actor=CLERK, site=sites["depot-a"], type="radio", description="VHF radio", quantity=1
    )
    row = services.materiel_correct(
        actor=MANAGER, materiel=row, identifiers=["SN-1"], reason="Serial found under the battery."
    )
    assert row.identifiers == ["SN-1"]
    kinds = list(
        CustodyEvent.objects.filter(lot=lot).order_by("record_index").values_list("kind", flat=True)
    )
    assert kinds == ["arms.lot_collected", "arms.lot_corrected"]
    assert AmmoLot.objects.get(tag=lot.tag).quantity == 1400
    assert Materiel.objects.get(tag=row.tag).identifiers == ["SN-1"]


def test_the_page_corrects_and_the_history_shows_old_and_new(
    collect: Callable[..., Item],
) -> None:
    item = collect(serial="AK-900")
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    page = manager.get(f"/arms/items/{item.tag}/")
    assert f"/arms/items/{item.tag}/correct/" in page.content.decode()
    form = manager.get(f"/arms/items/{item.tag}/correct/")
    assert form.status_code == 200 and 'value="AK-900"' in form.content.decode()
    fields = {
        "category": item.category,
        "make": item.make,
        "model": item.model,
        "serial": "AK-9000",
        "condition": item.condition,
        "calibre": item.calibre,
        "markings": item.markings,
        "country": item.country,
        "year": item.year,
    }
    bad = manager.post(f"/arms/items/{item.tag}/correct/", fields)
    assert bad.status_code == 400 and "reason" in bad.context["form"].errors
    done = manager.post(f"/arms/items/{item.tag}/correct/", fields | {"reason": "Read again."})
    assert done.status_code == 302 and done["Location"] == f"/arms/items/{item.tag}/"
    html = manager.get(done["Location"]).content.decode()
    assert "<del>AK-900</del>" in html and "<ins>AK-9000</ins>" in html and "Read again." in html


def test_the_page_says_at_the_reason_field_when_a_duplicate_is_confirmed_without_one(
    collect: Callable[..., Item],
) -> None:
    other = collect(serial="AK-901")
    item = collect(serial="AK-902")
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    fields = {
        "category": item.category,
        "make": item.make,
        "model": item.model,
        "serial": other.serial,
        "condition": item.condition,
        "reason": "Serial read again on the weapon.",
    }
    url = f"/arms/items/{item.tag}/correct/"
    asked = manager.post(url, fields, HTTP_ACCEPT_LANGUAGE="az")
    assert asked.status_code == 400 and 'name="step" value="duplicate"' in asked.content.decode()
    assert "confirm_duplicate_reason" not in asked.context["form"].errors
    again = manager.post(url, fields | {"step": "duplicate"}, HTTP_ACCEPT_LANGUAGE="az")
    said = said_at(again, "confirm_duplicate_reason")
    assert said == "Bunun niyə başqa silah olduğunu yazın və ya seriya nömrəsini düzəldin."
    assert "Serial read again on the weapon." in again.content.decode()  # kept as typed
    assert Item.objects.get(tag=item.tag).serial == "AK-902"


def test_a_custodian_sees_no_correction_link_and_gets_403(collect: Callable[..., Item]) -> None:
    item = collect(serial="AK-901")
    custodian = signed_in(user_with_role("cust", "custodian"))
    assert "/correct/" not in custodian.get(f"/arms/items/{item.tag}/").content.decode()
    assert custodian.get(f"/arms/items/{item.tag}/correct/").status_code == 403


def test_the_api_corrects_and_answers_a_duplicate_with_422(
    collect: Callable[..., Item],
) -> None:
    other = collect(serial="AK-31")
    item = collect(serial="AK-32")
    secret = token_for(user_with_role("api-clerk", "collection_clerk"), ["arms.correct"])
    url = f"/api/v1/arms/items/{item.tag}/corrections"

    def post(body: dict[str, Any]) -> Any:
        return Client().post(
            url, json.dumps(body), content_type="application/json", headers=bearer(secret)
        )

    answer = post({"fields": {"serial": "AK-31"}, "reason": "typo"})
    assert answer.status_code == 422, answer.content
    assert answer.json()["error"]["fields"]["duplicate_of"] == other.tag
    answer = post({"fields": {"calibre": "7.62"}, "reason": "typo"})
    assert answer.status_code == 200 and answer.json()["calibre"] == "7.62"
    assert answer.json()["history"][-1]["kind"] == "arms.item_corrected"
    answer = post({"fields": {"calibre": "7.63"}, "reason": ""})
    assert answer.status_code == 422 and "reason" in answer.json()["error"]["fields"]
