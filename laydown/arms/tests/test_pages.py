"""The registry's pages: register and receipt, duplicates, site scope, search, custody, import."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from laydown.arms import forms
from laydown.arms.models import Container, Item, Shipment, Site
from laydown.arms.tests.base import png_bytes
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import log_size, signed_in, user_with_role
from laydown.testing.forms import said_at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

FORM = {k: v for k, v in ITEM_FIELDS.items()} | {"serial": "KT-1975-001"}


def client_for(username: str, role: str, scope: str = "programme") -> Client:
    return signed_in(user_with_role(username, role, scope=scope))


@pytest.fixture
def clerk(sites: dict[str, Site]) -> Client:
    return client_for("clerk-north", "collection_clerk", "site:cp-north")


def test_a_clerk_registers_an_item_and_gets_the_receipt(clerk: Client) -> None:
    page = clerk.get("/arms/sites/cp-north/items/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "autofocus" in html and 'inputmode="numeric"' in html
    assert 'name="serial"' in html and 'autocomplete="off"' in html
    assert 'type="radio" name="condition"' in html
    assert "arms/scan.js" in html and "<script>" not in html  # CSP: no inline script

    response = clerk.post("/arms/sites/cp-north/items/new/", FORM)
    assert response.status_code == 302, response.content.decode()
    item = Item.objects.get()
    assert response["Location"] == f"/arms/items/{item.tag}/receipt/"

    receipt = clerk.get(response["Location"]).content.decode()
    assert item.tag in receipt and "<svg" in receipt
    assert "Collection point North" in receipt and "Serviceable" in receipt
    assert "KT-1975-001" in receipt and "Assault rifle" in receipt
    assert "armed group" not in receipt.lower()
    assert receipt.count("<svg") == 2  # the tag, and the link that proves the hand-in
    assert "http://testserver/log/receipt#o=" in receipt and "&amp;i=" in receipt


def test_the_receipt_offers_the_next_registration_only_to_who_may_register_there(
    clerk: Client,
) -> None:
    """The clerk who took the weapon in registers the next one; an auditor reading the same
    receipt is not offered a form that would answer 403 (the form still refuses)."""
    location = clerk.post("/arms/sites/cp-north/items/new/", FORM)["Location"]
    new = 'href="/arms/sites/cp-north/items/new/"'
    assert new in clerk.get(location).content.decode()
    auditor = client_for("auditor-receipt", "auditor")
    assert new not in auditor.get(location).content.decode()
    assert auditor.get("/arms/sites/cp-north/items/new/").status_code == 403


def test_an_error_is_shown_next_to_the_field_it_names(clerk: Client) -> None:
    before = log_size()
    response = clerk.post("/arms/sites/cp-north/items/new/", FORM | {"country": "Russia"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "country" in form.errors
    assert log_size() == before


def test_a_suspected_duplicate_is_registered_only_with_a_reason(clerk: Client) -> None:
    assert clerk.post("/arms/sites/cp-north/items/new/", FORM).status_code == 302
    first = Item.objects.get()

    again = clerk.post("/arms/sites/cp-north/items/new/", FORM | {"serial": "kt 1975 OO1"})
    assert again.status_code == 400
    html = again.content.decode()
    assert 'id="duplicate"' in html and f"/arms/items/{first.tag}/" in html
    assert (
        'name="confirm_duplicate_reason"' in html
        and 'type="hidden"'
        not in html.split('name="confirm_duplicate_reason"')[0].rsplit("<", 1)[1]
    )
    assert Item.objects.count() == 1

    confirmed = clerk.post(
        "/arms/sites/cp-north/items/new/",
        FORM | {"serial": "kt 1975 OO1", "confirm_duplicate_reason": "different receiver stamp"},
    )
    assert confirmed.status_code == 302
    second = Item.objects.exclude(tag=first.tag).get()
    assert second.duplicate_reason == "different receiver stamp"


@pytest.mark.parametrize(
    ("language", "needed"),
    [
        ("en", "Say why this is another weapon"),
        ("ru", "Укажите, почему это другое оружие"),
    ],
)
def test_confirming_a_duplicate_without_a_reason_says_so_at_the_reason_and_keeps_the_form(
    clerk: Client, language: str, needed: str
) -> None:
    assert clerk.post("/arms/sites/cp-north/items/new/", FORM).status_code == 302
    posted = FORM | {"serial": "kt 1975 OO1", "calibre": "7.62x39", "markings": "star on butt"}
    asked = clerk.post("/arms/sites/cp-north/items/new/", posted, HTTP_ACCEPT_LANGUAGE=language)
    assert "confirm_duplicate_reason" not in asked.context["form"].errors  # not asked yet
    assert 'name="step" value="duplicate"' in asked.content.decode()

    again = clerk.post(
        "/arms/sites/cp-north/items/new/",
        posted | {"step": "duplicate", "confirm_duplicate_reason": "  "},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert needed in said_at(again, "confirm_duplicate_reason")
    html = again.content.decode()
    assert 'value="kt 1975 OO1"' in html and 'value="star on butt"' in html
    assert 'value="7.62x39"' in html and 'id="duplicate"' in html
    assert Item.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Give a whole number from 1800 to 2100, not 19."),
        ("hy", "Գրեք ամբողջ թիվ 1800-ից 2100, ոչ թե 19։"),
    ],
)
def test_a_year_out_of_range_is_refused_at_the_year_in_words_without_its_code(
    clerk: Client, language: str, said: str
) -> None:
    posted = FORM | {"year": "19", "country": "R1"}
    response = clerk.post("/arms/sites/cp-north/items/new/", posted, HTTP_ACCEPT_LANGUAGE=language)
    message = said_at(response, "year")
    assert message == said and "year" not in message  # its own message, not the country's too
    assert "r1" in said_at(response, "country").lower()
    assert Item.objects.count() == 0


def test_a_clerk_of_one_site_is_refused_at_another_with_a_clear_403(clerk: Client) -> None:
    before = log_size()
    page = clerk.get("/arms/sites/depot-a/items/new/")
    assert page.status_code == 403
    assert "You may not register items at Depot A (depot-a)" in page.content.decode()
    posted = clerk.post("/arms/sites/depot-a/items/new/", FORM)
    assert posted.status_code == 403
    assert log_size() == before and not Item.objects.exists()


def test_an_observer_may_read_but_not_register(sites: dict[str, Site], collect: Any) -> None:
    item = collect()
    observer = client_for("observer", "observer")
    assert observer.get(f"/arms/items/{item.tag}/").status_code == 200
    assert observer.get("/arms/sites/cp-north/items/new/").status_code == 403


def test_search_filters_by_partial_serial_make_status_and_pages(
    clerk: Client, collect: Callable[..., Item]
) -> None:
    for _ in range(51):
        collect()
    collect(serial="ZX-42-9", make="FN Herstal", model="FAL", category="sa_rifle_carbine")
    reader = client_for("manager", "programme_manager")

    found = reader.get("/arms/items/", {"serial": "x429"})
    assert found.status_code == 200
    assert [i.serial for i in found.context["page"].object_list] == ["ZX-42-9"]
    by_make = reader.get("/arms/items/", {"make": "fn herstal", "status": "in_storage"})
    assert len(by_make.context["page"].object_list) == 1

    first = reader.get("/arms/items/", {"site": "depot-a"})
    assert first.context["page"].has_next and len(first.context["page"].object_list) == 50
    assert 'href="?site=depot-a&amp;page=2"' in first.content.decode()
    second = reader.get("/arms/items/", {"site": "depot-a", "page": "2"})
    assert len(second.context["page"].object_list) == 2

    # The clerk of cp-north sees nothing at depot-a, even when asking for it.
    assert list(clerk.get("/arms/items/", {"serial": "x429"}).context["page"]) == []


def test_the_item_page_shows_history_with_ledger_proofs(
    collect: Callable[..., Item],
) -> None:
    item = collect()
    observer = client_for("observer", "observer")
    html = observer.get(f"/arms/items/{item.tag}/").content.decode()
    event = item.events.get()
    assert f"/log/proof/{event.record_index}" in html
    assert f"/verification/items/{item.tag}/bundle.json" in html
    assert observer.get("/arms/items/LD-999999/").status_code == 404


def test_a_custodian_books_ships_and_another_receives(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    first, second = collect(), collect()
    custodian = client_for("custodian-a", "custodian", "site:depot-a")
    receiver = client_for("custodian-b", "custodian", "site:depot-b")

    booked = custodian.post(f"/arms/items/{first.tag}/book/", {"container": "a-c1", "rack": "2"})
    assert booked.status_code == 302
    first.refresh_from_db()
    assert first.container_id == "a-c1" and first.rack == 2

    dispatch = custodian.post(
        "/arms/sites/depot-a/shipments/new/",
        {"to_site": "depot-b", "crates": f"CR-1 S-1001 {first.tag}\nCR-2 S-1002 {second.tag}"},
    )
    assert dispatch.status_code == 302, dispatch.content.decode()
    shipment = Shipment.objects.get()
    assert dispatch["Location"] == f"/arms/shipments/{shipment.code}/"

    refused = custodian.post(
        f"/arms/shipments/{shipment.code}/receive/",
        {f"item_{first.tag}": "on", "declaration": "ok"},
    )
    assert refused.status_code == 403

    page = receiver.get(f"/arms/shipments/{shipment.code}/")
    assert f'name="item_{first.tag}"' in page.content.decode()
    missing_declaration = receiver.post(
        f"/arms/shipments/{shipment.code}/receive/", {f"item_{first.tag}": "on"}
    )
    assert missing_declaration.status_code == 400
    assert "declaration" in missing_declaration.context["form"].errors

    received = receiver.post(
        f"/arms/shipments/{shipment.code}/receive/",
        {f"item_{first.tag}": "on", "broken_CR-2": "on", "declaration": "Received CR-1 intact."},
        follow=True,
    )
    assert received.status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == "discrepancy"
    kinds = {d["kind"] for d in shipment.discrepancies}
    assert kinds == {"missing", "seal_broken"}
    assert 'id="discrepancies"' in received.content.decode()
    first.refresh_from_db()
    assert first.site_id == "depot-b" and first.status == "in_storage"


def test_a_sealed_container_refuses_a_removal_with_the_reason(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    item = collect()
    custodian = client_for("custodian", "custodian")
    custodian.post(f"/arms/items/{item.tag}/book/", {"container": "a-c1"})
    assert custodian.post("/arms/containers/a-c1/seal/", {"number": "S-77"}).status_code == 302
    before = log_size()
    removal = {"by": "p-officer-1", "organisation": "UNMAS", "purpose": "training"}
    refused = custodian.post(f"/arms/items/{item.tag}/remove/", removal)
    assert refused.status_code == 400
    assert "break the seal" in refused.content.decode()
    assert log_size() == before
    custodian.post("/arms/containers/a-c1/seal/break/", {"reason": "removal for training"})
    assert custodian.post(f"/arms/items/{item.tag}/remove/", removal).status_code == 302
    item.refresh_from_db()
    assert item.status == "removed"


def test_a_stock_check_is_planned_and_counted(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    items = [collect() for _ in range(3)]
    custodian = client_for("custodian", "custodian")
    planned = custodian.post("/arms/sites/depot-a/stock-checks/new/", {"full": "on"})
    assert planned.status_code == 302
    page = custodian.get(planned["Location"])
    assert all(f'name="found_{i.tag}"' in page.content.decode() for i in items)
    counted = custodian.post(
        planned["Location"] + "count/",
        {f"found_{items[0].tag}": "on", f"found_{items[1].tag}": "on", "unexpected": ""},
        follow=True,
    )
    check = counted.context["check"]
    assert check.status == "discrepancy"
    assert check.discrepancies == [{"kind": "missing", "item": items[2].tag}]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_an_import_with_problems_lists_each_and_writes_nothing(clerk: Client) -> None:
    before = log_size()
    csv = (
        b"site,category,make,model,serial,year,condition\n"
        b"cp-north,sa_assault_rifle,Kalashnikov,AKM,KT1,1975,serviceable\n"
        b"cp-north,flamethrower,Kalashnikov,AKM,KT2,1975,serviceable\n"
        b"cp-north,sa_assault_rifle,Kalashnikov,AKM,KT3,1492,serviceable\n"
    )
    response = clerk.post("/arms/import/", {"file": _upload("items.csv", csv)})
    assert response.status_code == 400
    problems = [(p.row, p.column, p.value) for p in response.context["problems"]]
    assert (3, "category", "flamethrower") in problems
    assert (4, "year", "1492") in problems
    assert 'id="problems"' in response.content.decode()
    assert log_size() == before and not Item.objects.exists()

    good = csv.split(b"\n")[0] + b"\n" + csv.split(b"\n")[1] + b"\n"
    imported = clerk.post("/arms/import/", {"file": _upload("items.csv", good)})
    assert imported.status_code == 302 and Item.objects.count() == 1


def test_an_oversized_or_foreign_upload_is_refused(
    clerk: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "MAX_IMPORT_BYTES", 10)
    big = clerk.post("/arms/import/", {"file": _upload("items.csv", b"x" * 2_000_000)})
    assert big.status_code == 400
    assert "the limit is" in big.context["form"].errors["file"][0]
    foreign = clerk.post("/arms/import/", {"file": _upload("items.pdf", b"%PDF")})
    assert foreign.status_code == 400
    assert "neither a .csv nor a .xlsx" in foreign.context["form"].errors["file"][0]


def test_the_import_page_offers_templates_and_reports_progress(clerk: Client) -> None:
    page = clerk.get("/arms/import/")
    html = page.content.decode()
    assert "/arms/import/template.xlsx" in html and "arms/import.js" in html
    job = page.context["form"].initial["job"]
    xlsx = clerk.get("/arms/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert clerk.get("/arms/import/template.csv").content.startswith(b"site,category")
    assert clerk.get(f"/arms/import/progress/{job}.json").json()["phase"] == "waiting"


def test_a_photo_is_stored_by_its_hash_and_a_non_image_is_refused_at_its_field(
    clerk: Client,
) -> None:
    not_image = clerk.post(
        "/arms/sites/cp-north/items/new/",
        FORM | {"photos": _upload("photo.jpg", b"GIF89a not really")},
    )
    assert not_image.status_code == 400
    assert "photos" in not_image.context["form"].errors
    photo = png_bytes()
    response = clerk.post(
        "/arms/sites/cp-north/items/new/", FORM | {"photos": _upload("photo.png", photo)}
    )
    assert response.status_code == 302
    assert Item.objects.get().photos == [hashlib.sha256(photo).hexdigest()]


def test_every_registry_page_renders_with_real_records(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    from laydown.arms import services
    from laydown.arms.tests.base import MANAGER

    item = collect()
    lot = services.lot_collect(
        actor=MANAGER,
        site=Site.objects.get(code="depot-a"),
        type="grenade",
        quantity=12,
        unit="pieces",
        hazard_division="1.1",
        compatibility_group="F",
        condition="unsafe",
    )
    materiel = services.materiel_collect(
        actor=MANAGER,
        site=Site.objects.get(code="depot-a"),
        type="vehicle",
        description="pick-up truck",
        quantity=1,
        identifiers=["VIN123"],
    )
    manager = client_for("manager", "programme_manager")
    for url in (
        "/arms/",
        "/arms/sites/depot-a/",
        "/arms/containers/a-c1/",
        f"/arms/items/{item.tag}/",
        f"/arms/lots/{lot.tag}/",
        f"/arms/materiel/{materiel.tag}/",
        "/arms/sites/depot-a/lots/new/",
        "/arms/sites/depot-a/materiel/new/",
        "/arms/sites/depot-a/disposals/new/",
        "/arms/items/?collected_from=2000-01-01&collected_to=2100-01-01",
    ):
        response = manager.get(url)
        assert response.status_code == 200, url
    custodian = client_for("custodian", "custodian")
    assert custodian.get("/arms/sites/depot-a/shipments/new/").status_code == 200
    disposed = manager.post(
        "/arms/sites/depot-a/disposals/new/",
        {"method": "cutting", "tags": item.tag, "witnesses": "u-observer", "reference": "D-1"},
    )
    assert disposed.status_code == 302
    item.refresh_from_db()
    assert item.status == "disposed"


def test_a_full_site_page_lists_the_first_rows_with_whole_counts(
    sites: dict[str, Site], collect: Any, monkeypatch: Any
) -> None:
    from laydown.arms import selectors

    monkeypatch.setattr(selectors, "CONTENTS_LIMIT", 2)
    tags = sorted(collect().tag for _ in range(5))
    page = client_for("watcher", "auditor").get("/arms/sites/depot-a/").content.decode()
    assert tags[0] in page and tags[1] in page and tags[4] not in page
    assert "5 weapons and 0 lots here; the first 2 weapons are listed." in page
    assert "/arms/items/?site=depot-a&amp;status=in_storage" in page


def test_a_decompression_bomb_or_a_non_zip_file_gets_a_short_refusal_on_the_page(
    clerk: Client,
) -> None:
    from laydown.testing import hostile_files

    bomb = hostile_files.shared_string_bomb(["site", "category"], 20 * hostile_files.MB)
    for name, content in (("items.xlsx", bomb), ("items.xlsx", b"site,category\n")):
        response = clerk.post("/arms/import/", {"file": _upload(name, content)})
        assert response.status_code == 400 and len(response.content) < 100_000
        assert response.context["form"].errors["file"]
    assert not Item.objects.exists()


def test_the_dispatch_form_names_every_bad_line_and_tag_and_chooses_no_destination(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    here = collect()
    custodian = client_for("custodian-a", "custodian", "site:depot-a")
    page = custodian.get("/arms/sites/depot-a/shipments/new/").content.decode()
    assert '<option value="" selected>' in page
    before = log_size()
    lines = custodian.post(
        "/arms/sites/depot-a/shipments/new/",
        {"to_site": "depot-b", "crates": "CR-1 S-1\nCR-2 S-2 LD-1\nCR-3\nCR-4 S-4 LD-2"},
    ).content.decode()
    assert "Line 1:" in lines and "Line 3:" in lines
    tags = custodian.post(
        "/arms/sites/depot-a/shipments/new/",
        {"to_site": "depot-b", "crates": f"CR-1 S-1 LD-999998 {here.tag}\nCR-2 S-2 LA-999999"},
    ).content.decode()
    assert "LD-999998: not registered" in tags and "LA-999999: not registered" in tags
    assert "2 of the items and lots listed" in tags
    nowhere = custodian.post(
        "/arms/sites/depot-a/shipments/new/", {"to_site": "", "crates": f"CR-1 S-1 {here.tag}"}
    )
    assert nowhere.status_code == 400 and "to_site" in nowhere.context["form"].errors
    assert log_size() == before
