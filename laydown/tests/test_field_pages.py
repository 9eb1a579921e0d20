"""The offline app's pages without JavaScript: a signed-in clerk's form posts once per id; the
review queue and the devices page work as plain forms."""

from __future__ import annotations

import pytest
from django.test import Client

from laydown.arms.models import Item, Site
from laydown.field.models import Device, Submission
from laydown.testing import signed_in
from laydown.testing.field import WEAPON, enrolled_clerk


@pytest.mark.django_db
def test_the_form_shell_is_public_and_holds_no_ones_data(sites: dict[str, Site]) -> None:
    page = Client().get("/field/app/arms.weapon/")
    assert page.status_code == 200
    assert b"cp-north" not in page.content and b'name="serial"' in page.content
    assert Client().get("/field/sw.js").status_code == 200
    assert Client().get("/field/manifest.webmanifest").status_code == 200


@pytest.mark.django_db
def test_a_clerk_without_javascript_registers_a_weapon_once_and_keeps_site_and_make(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    client = signed_in(enrolled.clerk, verified=False)
    form = client.get("/field/app/arms.weapon/")
    assert b"cp-north" in form.content  # the lists are rendered for the signed-in clerk
    sid = "2b8f2f36-5d7a-4a77-9b1e-8d3c1a0e7f10"
    data = {**WEAPON, "serial": "NOJS-1", "year": "", "submission": sid}
    first = client.post("/field/app/arms.weapon/", data)
    assert first.status_code == 302
    assert "site=cp-north" in first["Location"] and "make=Kalashnikov" in first["Location"]
    again = client.post("/field/app/arms.weapon/", data)  # the browser's back button and resend
    assert again.status_code == 302
    assert Item.objects.filter(serial="NOJS-1").count() == 1
    bad = client.post("/field/app/arms.weapon/", {**data, "submission": "", "year": "1200"})
    assert bad.status_code == 422


@pytest.mark.django_db
def test_a_supervisor_enrols_a_device_by_qr_code_and_works_the_review_queue(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    boss = signed_in(enrolled.supervisor, verified=False)
    page = boss.post("/field/devices/", {"user": "clerk", "name": "tablet 2", "days": "30"})
    assert (
        page.status_code == 200
        and b"<svg" in page.content
        and b"/field/enrol/#ldt_" in page.content
    )
    device = Device.objects.get(name="tablet 2")
    boss.post(f"/field/devices/{device.public_id}/revoke/", {"reason": "stolen"})
    assert Device.objects.get(name="tablet 2").revoked_at is not None
    assert boss.get("/field/review/").status_code == 200
    assert Client().get("/field/review/").status_code == 302
    clerk = signed_in(enrolled.clerk, verified=False)
    assert clerk.get("/field/review/").status_code == 403
    assert not Submission.objects.exists()
