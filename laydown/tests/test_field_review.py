"""Conflicts at sync wait in the review queue; a revoked device's outbox is refused and kept."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.arms import services as arms
from laydown.arms.models import Item, Site
from laydown.field import services
from laydown.field.models import Submission
from laydown.ledger import replay
from laydown.testing import assert_error, bearer, kinds_logged, post_json, signed_in
from laydown.testing.field import WEAPON, enrolled_clerk, submission

SYNC = "/api/v1/field/submissions"


@pytest.mark.django_db
def test_a_serial_registered_meanwhile_elsewhere_waits_for_review_and_is_accepted_with_a_reason(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    other = enrolled_clerk("clerk-2")
    arms.item_collect(
        actor=principal_for_user(other.clerk),
        site=sites["cp-north"],
        **{k: v for k, v in WEAPON.items() if k != "site"},
        serial="DUP-1",
    )
    body = submission("arms.weapon", {**WEAPON, "serial": "DUP-1"})
    held = post_json(Client(), SYNC, body, headers=bearer(enrolled.secret))
    assert held.status_code == 202, held.content
    assert held.json()["status"] == "needs_review"
    assert held.json()["problem"]["code"] == "duplicate"
    assert post_json(Client(), SYNC, body, headers=bearer(enrolled.secret)).status_code == 200
    assert Item.objects.filter(serial="DUP-1").count() == 1

    boss = signed_in(enrolled.supervisor)
    queue = boss.get("/api/v1/field/review").json()
    assert [q["submission"] for q in queue] == [body["id"]]
    detail = boss.get(f"/api/v1/field/review/{body['id']}").json()
    assert detail["payload"]["serial"] == "DUP-1"
    assert_error(
        post_json(
            Client(),
            f"/api/v1/field/review/{body['id']}/decision",
            {"decision": "accept", "note": "x"},
            headers=bearer(enrolled.secret),
        ),
        403,
        "forbidden",
    )
    decided = post_json(
        boss,
        f"/api/v1/field/review/{body['id']}/decision",
        {"decision": "accept", "note": "Another rifle: the first was seized at the border"},
        headers={"X-CSRFToken": boss.cookies["csrftoken"].value}
        if "csrftoken" in boss.cookies
        else {},
    )
    assert decided.status_code == 200, decided.content
    assert Item.objects.filter(serial="DUP-1").count() == 2
    assert kinds_logged()[-3:] == [
        "arms.item_collected",
        "arms.duplicate_confirmed",
        "field.submission_decided",
    ]
    status = Client().get(
        f"/api/v1/field/submissions/{body['id']}", headers=bearer(enrolled.secret)
    )
    assert status.json()["status"] == "accepted" and status.json()["result"]["tag"]


@pytest.mark.django_db
def test_an_enrolled_device_gets_its_outbox_key_and_pin_key_again_and_again(
    sites: dict[str, Site],
) -> None:
    """The two keys a device's PIN needs (docs/offline.md, "The PIN"): 32 bytes each, not the
    same, the same each time (so a device that forgot them after wrong PINs gets them back),
    another device's not the same."""
    enrolled = enrolled_clerk()
    other = enrolled_clerk("clerk-2")
    first = Client().get("/api/v1/field/device", headers=bearer(enrolled.secret)).json()
    again = Client().get("/api/v1/field/device", headers=bearer(enrolled.secret)).json()
    theirs = Client().get("/api/v1/field/device", headers=bearer(other.secret)).json()
    key, pin_key = base64.b64decode(first["key"]), base64.b64decode(first["pin_key"])
    assert len(key) == len(pin_key) == 32 and key != pin_key
    assert (again["key"], again["pin_key"]) == (first["key"], first["pin_key"])
    assert theirs["pin_key"] != first["pin_key"] and theirs["key"] != first["key"]


def test_a_revoked_devices_outbox_is_refused_with_a_message_and_kept_for_review(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    services.device_revoke(
        actor=principal_for_user(enrolled.supervisor), device=enrolled.device, reason="lost"
    )
    body = submission("arms.weapon", {**WEAPON, "serial": "LOST-1"})
    answer = post_json(Client(), SYNC, body, headers=bearer(enrolled.secret))
    assert answer.status_code == 202, answer.content
    assert answer.json()["problem"]["code"] == "device_revoked"
    assert "revoked" in answer.json()["problem"]["message"]
    assert not Item.objects.filter(serial="LOST-1").exists()
    row = Submission.objects.get()
    assert row.status == "needs_review" and row.payload and "LOST-1" not in row.payload
    assert services.payload_open(row)["serial"] == "LOST-1"
    # a revoked device gets neither key again
    assert_error(
        Client().get("/api/v1/field/device", headers=bearer(enrolled.secret)), 401, "token_invalid"
    )
    assert_error(
        post_json(Client(), "/api/v1/arms/items", WEAPON, headers=bearer(enrolled.secret)),
        401,
        "token_invalid",
    )
    services.submission_decide(
        actor=principal_for_user(enrolled.supervisor),
        submission=row,
        decision="reject",
        note="Registered again from the paper form",
    )
    assert Submission.objects.get().payload == ""


@pytest.mark.django_db
def test_replay_rebuilds_devices_and_submissions(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    for n in range(3):
        post_json(
            Client(),
            SYNC,
            submission("arms.weapon", {**WEAPON, "serial": f"R{n}"}),
            headers=bearer(enrolled.secret),
        )
    post_json(
        Client(),
        SYNC,
        submission("arms.weapon", {**WEAPON, "serial": "R0"}),
        headers=bearer(enrolled.secret),
    )
    row = Submission.objects.get(status="needs_review")
    services.submission_decide(
        actor=principal_for_user(enrolled.supervisor),
        submission=row,
        decision="send_back",
        note="Check the serial again",
    )

    def snapshot() -> dict[str, list[dict[str, Any]]]:
        out = {}
        for model in apps.get_app_config("field").get_models():
            skip = ("payload", "id" if model.__name__ == "Device" else "")
            names = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
            out[model.__name__] = sorted(model.objects.values(*names), key=repr)
        return out

    before = snapshot()
    replay.ledger_replay()
    assert snapshot() == before
