"""The data-subject rights and ID cards in the API: access report, correction, erasure, card
data; refusals with their status and shape, and nothing written to the ledger."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.ledger.models import Record
from laydown.ledger.selectors import log_size
from laydown.people import services
from laydown.people.models import Participant, Refusal
from laydown.people.tests.base import YES, png, register
from laydown.testing import (
    assert_error,
    bearer,
    organisation,
    post_json,
    signed_in,
    token_for,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/people/participants"


@pytest.fixture
def registrar() -> User:
    organisation("operator")
    return user_with_role("reg", Role.REGISTRAR, "region:north", org="operator")


@pytest.fixture
def manager(registrar: User) -> User:
    return user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")


@pytest.fixture
def south(registrar: User) -> User:
    return user_with_role("south", Role.REGISTRAR, "region:south", org="operator")


@pytest.fixture
def participant(registrar: User) -> Participant:
    return register(principal_for_user(registrar), photo=png(3))


def eligible_with_card(registrar: User, participant: Participant) -> Participant:
    actor = principal_for_user(registrar)
    services.participant_screen(
        actor=actor, participant=participant, answers=YES, decision="eligible"
    )
    services.id_cards_issue(actor=actor, participants=[Participant.objects.get(pk=participant.pk)])
    return Participant.objects.get(pk=participant.pk)


def test_the_access_report_lists_the_data_held_and_every_use_of_it(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.subject_access", "people.personal_data"])
    before = log_size()
    response = client.get(f"{URL}/{participant.pk}/access-report", headers=bearer(secret))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["personal"]["identity"]["name"] == "Aram Petrosyan"
    assert set(body["personal"]["photo"]) == {"sha256"}
    assert body["file"]["participant"]["pseudonym"] == participant.pk
    kinds = [h["kind"] for h in body["history"]]
    assert kinds.count("vault.written") == 5 and kinds[-1] == "vault.read"
    assert body["history"][-1]["purpose"] == "data-subject access request"
    assert log_size() == before + 1


def test_a_correction_rewrites_the_vault_and_records_the_reason_not_the_data(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.register", "people.personal_data"])
    response = post_json(
        client,
        f"{URL}/{participant.pk}/correction",
        {
            "reason": "misheard at registration",
            "identity": {"name": "Vardan Hakobyan", "born": "1980-01-01", "sex": "m"},
            "contact": {"phone": "+374 10 111111"},
            "dependants": 3,
        },
        headers=bearer(secret),
    )
    assert response.status_code == 200, response.content
    assert response.json()["dependants"] == 3 and "Hakobyan" not in response.content.decode()
    record = Record.objects.filter(kind="people.corrected").get()
    assert record.data["vault"] == ["identity", "contact"]
    assert record.data["reason"] == "misheard at registration"
    data = services.personal_data_read(
        actor=principal_for_user(registrar),
        participant=participant,
        categories=["identity", "contact"],
        purpose="check",
    )
    assert data["identity"]["name"] == "Vardan Hakobyan"
    assert data["contact"] == {"phone": "+374 10 111111"}


def test_a_correction_without_a_reason_or_a_change_is_a_422_and_writes_nothing(
    client: Client, registrar: User, participant: Participant
) -> None:
    signed_in(registrar, client=client)
    before = log_size()
    url = f"{URL}/{participant.pk}/correction"
    nothing = post_json(client, url, {"reason": "none"})
    assert assert_error(nothing, 422, "invalid")["fields"] == {"reason": "nothing"}
    no_reason = post_json(client, url, {"reason": " ", "dependants": 1})
    assert "reason" in assert_error(no_reason, 422, "invalid")["fields"]
    child = post_json(
        client,
        url,
        {"reason": "typo", "identity": {"name": "A B", "born": "2015-01-01", "sex": "m"}},
    )
    assert assert_error(child, 422, "invalid")["fields"] == {"category": "under 18"}
    assert log_size() == before


def test_erasure_needs_the_erase_action_then_reads_are_refused_and_explained(
    client: Client, registrar: User, manager: User, participant: Participant
) -> None:
    signed_in(registrar, client=client)
    secret = token_for(manager, ["people.erase"])
    without = token_for(manager, ["people.read"])  # the manager's, but not for erasure
    before = log_size()
    refused = post_json(client, f"{URL}/{participant.pk}/erasure", {"reason": "asked"})
    assert "Your roles do not allow this" in assert_error(refused, 403, "forbidden")["message"]
    missing = post_json(
        client, f"{URL}/{participant.pk}/erasure", {"reason": "asked"}, headers=bearer(without)
    )
    assert_error(missing, 403, "forbidden")
    no_reason = post_json(client, f"{URL}/{participant.pk}/erasure", {}, headers=bearer(secret))
    assert "reason" in assert_error(no_reason, 422, "invalid")["fields"]
    assert log_size() == before
    erased = post_json(
        client,
        f"{URL}/{participant.pk}/erasure",
        {"reason": "the person asked"},
        headers=bearer(secret),
    )
    assert erased.status_code == 200, erased.content
    assert erased.json()["erased_at"] is not None
    assert [r.kind for r in Record.objects.order_by("index")[before:]] == [
        "vault.erased",
        "people.erased",
    ]
    after = log_size()
    read = client.get(f"{URL}/{participant.pk}/personal-data?purpose=follow-up")
    assert "was erased on" in assert_error(read, 403, "forbidden")["message"]
    again = post_json(
        client, f"{URL}/{participant.pk}/erasure", {"reason": "again"}, headers=bearer(secret)
    )
    assert assert_error(again, 422, "invalid")["fields"] == {"participant": "erased"}
    assert log_size() == after
    assert Refusal.objects.filter(subject=participant.pk, actor=registrar.pseudonym).exists()


def test_the_id_card_data_has_photo_pseudonym_and_qr_but_never_the_armed_group(
    client: Client, registrar: User, participant: Participant
) -> None:
    services.participant_screen(
        actor=principal_for_user(registrar),
        participant=participant,
        answers=YES,
        decision="eligible",
    )
    secret = token_for(registrar, ["people.register", "people.personal_data"])
    issued = post_json(client, f"{URL}/{participant.pk}/id-card", {}, headers=bearer(secret))
    assert issued.status_code == 201, issued.content
    number = issued.json()["id_card_number"]
    assert number.startswith("ID-")
    response = client.get(f"{URL}/{participant.pk}/id-card", headers=bearer(secret))
    assert response.status_code == 200, response.content
    card = response.json()
    assert card["name"] == "Aram Petrosyan" and card["card_number"] == number
    assert card["pseudonym"] == participant.pk and card["born"] == "1990-04-02"
    assert base64.b64decode(card["photo_base64"]) == png(3) and card["photo_mime"] == "image/png"
    assert card["qr_text"] == f"LAYDOWN:{number}:{participant.pk}"
    assert card["qr_svg"].startswith("<svg")
    assert "Northern Brigade" not in response.content.decode() and "group" not in card
    last = Record.objects.order_by("-index").first()
    assert last is not None and last.kind == "vault.read" and last.data["purpose"] == "ID card"


def test_no_card_for_a_participant_not_eligible_and_nothing_written(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.register", "people.personal_data"])
    before = log_size()
    issue = post_json(client, f"{URL}/{participant.pk}/id-card", {}, headers=bearer(secret))
    assert assert_error(issue, 422, "invalid")["fields"] == {"participant": "not eligible"}
    read = client.get(f"{URL}/{participant.pk}/id-card", headers=bearer(secret))
    assert assert_error(read, 422, "invalid")["fields"] == {"participant": "no card"}
    assert log_size() == before and Participant.objects.get().id_card_number == ""


def test_a_registrar_of_another_region_is_refused_every_right_and_the_card(
    client: Client, registrar: User, south: User, participant: Participant
) -> None:
    eligible_with_card(registrar, participant)
    secret = token_for(
        south,
        ["people.register", "people.personal_data", "people.subject_access", "people.read"],
    )
    before = log_size()
    for response in (
        client.get(f"{URL}/{participant.pk}/access-report", headers=bearer(secret)),
        client.get(f"{URL}/{participant.pk}/id-card", headers=bearer(secret)),
        post_json(client, f"{URL}/{participant.pk}/id-card", {}, headers=bearer(secret)),
        post_json(
            client,
            f"{URL}/{participant.pk}/correction",
            {"reason": "x", "dependants": 1},
            headers=bearer(secret),
        ),
    ):
        message = assert_error(response, 404, "not_found")["message"]
        assert message == "No participant you may see."
    assert log_size() == before
    assert Refusal.objects.filter(subject=participant.pk, actor=south.pseudonym).count() == 4


def test_unknown_participants_are_404_and_anonymous_callers_401(
    client: Client, registrar: User
) -> None:
    secret = token_for(registrar, ["people.subject_access", "people.register"])
    for url in ("access-report", "id-card"):
        missing = client.get(f"{URL}/p-000000000000/{url}", headers=bearer(secret))
        assert_error(missing, 404, "not_found")
        assert_error(client.get(f"{URL}/p-000000000000/{url}"), 401, "not_authenticated")


def test_personal_data_answers_of_the_api_are_never_cached(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.subject_access", "people.personal_data"])
    for path in ("access-report", "personal-data?purpose=check&categories=identity"):
        response = client.get(f"{URL}/{participant.pk}/{path}", headers=bearer(secret))
        assert response.status_code == 200, response.content
        assert "no-store" in response["Cache-Control"]


def test_no_read_is_recorded_when_the_access_report_answer_cannot_be_made(
    client: Client, registrar: User, participant: Participant, monkeypatch: Any
) -> None:
    from laydown.people import selectors

    real = selectors.access_report
    monkeypatch.setattr(
        selectors, "access_report", lambda **kw: {**real(**kw), "history": [{"bad": 1}]}
    )
    secret = token_for(registrar, ["people.subject_access", "people.personal_data"])
    before = log_size()
    client.raise_request_exception = False
    response = client.get(f"{URL}/{participant.pk}/access-report", headers=bearer(secret))
    assert response.status_code >= 400
    assert log_size() == before
