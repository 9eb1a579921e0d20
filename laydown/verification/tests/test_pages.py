"""An observer's inspection through the pages: open with a nonce, record, close, sign."""

from __future__ import annotations

import datetime as dt

import pytest

from laydown import tlog
from laydown.accounts.models import User
from laydown.testing import signed_in
from laydown.verification import services
from laydown.verification.models import InspectionStatus

pytestmark = pytest.mark.django_db


def planned(manager, observer, *, sample_count: int):
    """An inspection of depot-a planned by the manager with `observer` on the team, the
    observer signed in, and the inspection's page."""
    inspection = services.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_count=sample_count,
    )
    client = signed_in(User.objects.get(pseudonym=observer.principal.pseudonym))
    return inspection, client, f"/verification/inspections/{inspection.code}/"


def test_an_observer_inspects_and_signs_through_the_pages(
    manager, make_observer, collect, cosign
) -> None:
    for _ in range(20):
        collect()
    observer = make_observer()
    cosign()
    inspection, client, url = planned(manager, observer, sample_count=3)
    page = client.get(url)
    assert page.status_code == 200 and b"Open and draw the sample" in page.content

    refused = client.post(url, {"step": "open", "nonce": "short"})
    assert refused.status_code == 200 and b"at least 8 characters" in refused.content

    assert client.post(url, {"step": "open", "nonce": "observers-own-words"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.OPEN and len(inspection.sample) == 3

    closing_early = client.post(url, {"step": "close"}, follow=True)
    assert inspection.sample[0].encode() in closing_early.content  # names what is missing

    for tag in inspection.sample:
        client.post(url, {"step": "finding", "tag": tag, "result": "found"})
    client.post(url, {"step": "close"})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CLOSED

    report = client.get(f"{url}report.txt")
    assert report.content.decode() == inspection.report
    signed = tlog.sign_note(report.content.decode(), [observer.signer])
    client.post(url, {"step": "sign", "signed": signed})
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SIGNED

    inventory = client.get(f"{url}inventory.txt").content.decode().split()
    assert set(inspection.sample) <= set(inventory)


def test_the_item_bundle_is_for_observers_and_auditors_only(
    manager, make_observer, collect, cosign
):
    item = collect()
    cosign()
    observer = make_observer()
    client = signed_in(User.objects.get(pseudonym=observer.principal.pseudonym))
    response = client.get(f"/verification/items/{item.tag}/bundle.json")
    assert response.status_code == 200 and response.json()["tag"] == item.tag
    assert client.get("/verification/items/LD-999999/bundle.json").status_code == 404
    manager_client = signed_in(User.objects.get(username="manager"))
    assert manager_client.get(f"/verification/items/{item.tag}/bundle.json").status_code == 403


def test_an_inventory_of_one_item_says_item(manager, make_observer, collect, cosign) -> None:
    collect()
    observer = make_observer()
    cosign()
    inspection, client, url = planned(manager, observer, sample_count=1)
    assert client.post(url, {"step": "open", "nonce": "observers-own-words"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.inventory_size == 1
    page = client.get(url).content.decode()
    assert "<dd>1 item, SHA-256" in page
