"""Exactly once: a submission sent twice, or twice at the same moment, writes one record."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.field import services
from laydown.field.models import Submission
from laydown.ledger.models import Record
from laydown.testing import assert_error, bearer, log_size, post_json, token_for
from laydown.testing.field import LOT, WEAPON, enrolled_clerk, submission
from laydown.testing.threads import race

SYNC = "/api/v1/field/submissions"


@pytest.mark.django_db
def test_a_weapon_sent_twice_by_a_device_is_registered_once(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    body = submission("arms.weapon", {**WEAPON, "serial": "AK-1"})
    first = post_json(Client(), SYNC, body, headers=bearer(enrolled.secret))
    assert first.status_code == 201, first.content
    size = log_size()
    again = post_json(Client(), SYNC, body, headers=bearer(enrolled.secret))
    assert again.status_code == 200
    assert again.json()["result"] == first.json()["result"]
    assert again.json()["replayed"] is True
    assert log_size() == size
    assert Item.objects.count() == 1
    received = Record.objects.get(kind="field.submission_received")
    assert received.data["device_at"] == "2026-11-29T10:00:00+04:00"
    assert received.data["device"] == enrolled.device.public_id
    row = Submission.objects.get()
    assert row.received_at == received.at and row.device_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "payload", "model"),
    [
        ("/api/v1/arms/items", {**WEAPON, "serial": "K-9"}, Item),
        ("/api/v1/arms/lots", LOT, AmmoLot),
        (
            "/api/v1/arms/materiel",
            {"site": "cp-north", "type": "other", "description": "Radio", "quantity": 2},
            Materiel,
        ),
    ],
)
def test_the_create_operations_answer_a_repeated_idempotency_key_with_the_first_result(
    sites: dict[str, Site], url: str, payload: dict[str, object], model: type
) -> None:
    enrolled = enrolled_clerk()
    secret = token_for(enrolled.clerk, ["arms.item_register"])
    key = {"Idempotency-Key": "upload-7", **bearer(secret)}
    first = post_json(Client(), url, payload, headers=key)
    assert first.status_code == 201, first.content
    size = log_size()
    again = post_json(Client(), url, payload, headers=key)
    assert again.status_code == 201
    assert again.json()["tag"] == first.json()["tag"]
    assert log_size() == size and model.objects.count() == 1
    other = post_json(Client(), url, {**payload, "quantity": 3, "serial": "X"}, headers=key)
    assert_error(other, 422, "key_reused")
    without = post_json(Client(), url, {**payload, "serial": "K-10"}, headers=bearer(secret))
    assert without.status_code == 201 and model.objects.count() == 2


@pytest.mark.django_db
def test_a_field_error_goes_back_to_the_clerk_and_the_same_id_can_be_sent_corrected(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    sid = str(uuid.uuid4())
    bad = post_json(
        Client(),
        SYNC,
        submission("arms.weapon", {**WEAPON, "year": 1200}, sid),
        headers=bearer(enrolled.secret),
    )
    error = assert_error(bad, 422, "invalid")
    assert "year" in error["fields"]
    assert not Submission.objects.exists()
    good = post_json(
        Client(),
        SYNC,
        submission("arms.weapon", {**WEAPON, "year": 1980}, sid),
        headers=bearer(enrolled.secret),
    )
    assert good.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_two_uploads_of_one_submission_at_the_same_moment_write_it_once(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    actor = principal_for_user(enrolled.clerk)
    for attempt in range(4):
        sid = uuid.uuid4()
        payload = {**WEAPON, "serial": f"RACE-{attempt}"}
        size = log_size()

        def upload(payload: dict[str, object] = payload, sid: uuid.UUID = sid) -> object:
            return services.submission_run(
                actor=actor,
                form="arms.weapon",
                submission=sid,
                payload=payload,
                device=enrolled.device,
                hold_conflicts=True,
            )

        results = race(upload, upload)
        outcomes = [r for r in results if isinstance(r, services.Outcome)]
        assert len(outcomes) == 2, results
        assert {o.result["tag"] for o in outcomes} == {outcomes[0].result["tag"]}
        assert sorted(o.replayed for o in outcomes) == [False, True]
        assert log_size() == size + 2  # the item and its receipt, once
        assert Item.objects.filter(serial=f"RACE-{attempt}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_api_uploads_with_one_idempotency_key_at_the_same_moment_register_one_item(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    secret = token_for(enrolled.clerk, ["arms.item_register"])
    headers = {"Idempotency-Key": str(uuid.uuid4()), **bearer(secret)}

    def upload() -> object:
        return post_json(
            Client(), "/api/v1/arms/items", {**WEAPON, "serial": "TW-1"}, headers=headers
        )

    results = race(upload, upload)
    assert [getattr(r, "status_code", r) for r in results] == [201, 201]
    assert len({r.json()["tag"] for r in results}) == 1  # type: ignore[attr-defined]
    assert Item.objects.filter(serial="TW-1").count() == 1
