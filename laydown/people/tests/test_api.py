"""The demobilization API: tokens and sessions, personal data only with a purpose, refusals
with the right status and shape that leave the ledger as it was."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from laydown.access.roles import OrgKind, Role
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.ledger.models import Record
from laydown.ledger.selectors import log_size
from laydown.people import selectors, services
from laydown.people.models import Participant, Refusal
from laydown.people.tests.base import MANAGER, YES, png, register
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

URL = "/api/v1/people"
PERSON = {
    "name": "Aram Petrosyan",
    "born": "1990-04-02",
    "sex": "m",
    "category": "combatant",
    "region": "north",
    "dependants": 2,
    "contact": {"phone": "+374 10 000000", "village": "Norashen"},
    "profile": {"education": "secondary", "skills": ["driving"]},
}


@pytest.fixture
def registrar() -> User:
    organisation("operator")
    return user_with_role("reg", Role.REGISTRAR, "region:north", org="operator")


@pytest.fixture
def partner(registrar: User) -> User:
    organisation("red-cross", OrgKind.HUMANITARIAN_PARTNER)
    return user_with_role("pat", Role.PARTNER_STAFF, org="red-cross")


@pytest.fixture
def participant(registrar: User) -> Participant:
    return register(principal_for_user(registrar))


def test_a_registrar_registers_through_the_api_and_the_answer_holds_no_personal_data(
    client: Client, registrar: User
) -> None:
    secret = token_for(registrar, ["people.register", "people.personal_data", "people.read"])
    data = {**PERSON, "photo_base64": base64.b64encode(png(3)).decode()}
    response = post_json(client, f"{URL}/participants", data, headers=bearer(secret))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["region"] == "north" and body["status"] == "registered"
    assert "Petrosyan" not in response.content.decode() and "Norashen" not in str(body)
    listing = client.get(f"{URL}/participants?region=north", headers=bearer(secret)).json()
    assert [p["pseudonym"] for p in listing["items"]] == [body["pseudonym"]]
    assert listing["has_next"] is False and "Petrosyan" not in str(listing)


def test_the_list_filters_and_pages(client: Client, registrar: User) -> None:
    actor = principal_for_user(registrar)
    for n in range(3):
        register(actor, name=f"Person Number {'abc'[n]}", photo=png(n))
    register(actor, name="Ani Petrosyan", category="associated", born="1992-01-01")
    signed_in(registrar, client=client)
    first = client.get(f"{URL}/participants?per_page=2").json()
    assert len(first["items"]) == 2 and first["has_next"] is True
    last = client.get(f"{URL}/participants?per_page=2&page=2").json()
    assert len(last["items"]) == 2 and last["has_next"] is False
    associated = client.get(f"{URL}/participants?category=associated").json()["items"]
    assert [p["category"] for p in associated] == ["associated"]


def test_personal_data_needs_a_purpose_and_each_read_is_a_ledger_record(
    client: Client, registrar: User, participant: Participant
) -> None:
    signed_in(registrar, client=client)
    url = f"{URL}/participants/{participant.pk}/personal-data"
    before = log_size()
    error = assert_error(client.get(url), 422, "invalid")
    assert "purpose" in error["fields"]
    blank = assert_error(client.get(f"{url}?purpose=%20"), 422, "invalid")
    assert "purpose" in blank["fields"]
    assert log_size() == before
    read = client.get(f"{url}?purpose=follow-up%20call&categories=identity&categories=contact")
    assert read.status_code == 200, read.content
    assert read.json()["identity"]["name"] == "Aram Petrosyan"
    assert set(read.json()) == {"identity", "contact"}
    assert log_size() == before + 1
    last = Record.objects.order_by("-index").first()
    assert last is not None and last.kind == "vault.read"
    assert last.data["purpose"] == "follow-up call" and last.actor == registrar.pseudonym


def test_a_participants_file_is_pseudonymous(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.read"])
    response = client.get(f"{URL}/participants/{participant.pk}", headers=bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["participant"]["pseudonym"] == participant.pk
    assert body["screenings"] == [] and body["hand_ins"] == []
    assert "Petrosyan" not in response.content.decode()


def test_screening_an_appeal_and_its_decision_through_the_api(
    client: Client, registrar: User, participant: Participant
) -> None:
    signed_in(registrar, client=client)
    answers = {**YES, "names_unit": "no", "weapon_handling": "no", "handed_in": "no"}
    screened = post_json(
        client,
        f"{URL}/participants/{participant.pk}/screening",
        {"answers": answers, "decision": "ineligible"},
    )
    assert screened.status_code == 200, screened.content
    assert screened.json()["status"] == "ineligible"
    appeal = post_json(
        client, f"{URL}/participants/{participant.pk}/appeals", {"grounds": "I was there"}
    )
    assert appeal.status_code == 201 and appeal.json()["participant"] == participant.pk
    manager = user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")
    secret = token_for(manager, ["people.decide"])
    decided = post_json(
        client,
        f"{URL}/appeals/{appeal.json()['code']}/decision",
        {"outcome": "upheld", "reason": "Commander confirmed"},
        headers=bearer(secret),
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["outcome"] == "upheld"
    assert Participant.objects.get(pk=participant.pk).status == "eligible"


def test_referrals_and_their_follow_up_through_the_api(
    client: Client, registrar: User, participant: Participant
) -> None:
    secret = token_for(registrar, ["people.referral", "people.read"])
    created = post_json(
        client,
        f"{URL}/participants/{participant.pk}/referrals",
        {"kind": "education", "service": "Vocational school North", "follow_up_due": "2026-09-01"},
        headers=bearer(secret),
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    followed = post_json(
        client,
        f"{URL}/referrals/{code}/follow-ups",
        {"status": "accepted", "note": "Enrolled"},
        headers=bearer(secret),
    )
    assert followed.status_code == 200
    assert followed.json()["status"] == "accepted"
    assert [f["status"] for f in followed.json()["follow_ups"]] == ["accepted"]
    file = client.get(f"{URL}/participants/{participant.pk}", headers=bearer(secret)).json()
    assert [r["code"] for r in file["referrals"]] == [code]


def test_payment_cycles_are_listed_and_shown_with_their_lines(client: Client) -> None:
    organisation("operator")
    manager = user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")
    registrar = principal_for_user(user_with_role("reg", Role.REGISTRAR, org="operator"))
    participant = services.participant_screen(
        actor=registrar, participant=register(registrar), answers=YES, decision="eligible"
    )
    services.id_cards_issue(actor=registrar, participants=[participant])
    services.payment_cycle_draft(actor=MANAGER, cycle="2026-11")
    secret = token_for(manager, ["people.payment"])
    cycles = client.get(f"{URL}/cycles", headers=bearer(secret)).json()
    assert [c["code"] for c in cycles] == ["2026-11"]
    detail = client.get(f"{URL}/cycles/2026-11", headers=bearer(secret)).json()
    assert detail["cycle"]["status"] == "draft"
    assert [line["participant"] for line in detail["lines"]] == [participant.pk]
    assert_error(client.get(f"{URL}/cycles/1999-01", headers=bearer(secret)), 404, "not_found")


def test_aggregates_suppress_small_counts_as_the_figures_page_does(
    client: Client, registrar: User, partner: User
) -> None:
    actor = principal_for_user(registrar)
    for n in range(6):
        register(actor, name=f"Person {'abcdef'[n]}", photo=png(n))
    register(actor, name="Ani Aslanyan", category="associated", born="1992-01-01")
    secret = token_for(partner, ["people.aggregates"])  # every role sees the figures
    body = client.get(f"{URL}/aggregates", headers=bearer(secret)).json()
    expected = selectors.aggregates()
    assert body["rows"] == expected["rows"] and body["totals"] == expected["totals"]
    cells = {row["category"]: row["registered"] for row in body["rows"]}
    # 7 in all, so "<5" alone would give itself away: the other cell is hidden too.
    assert cells == {"combatant": "x", "associated": "<5"}
    assert body["totals"]["registered"] == "7"


def test_no_credentials_is_a_401_and_writes_nothing(client: Client, registrar: User) -> None:
    before = log_size()
    assert_error(client.get(f"{URL}/participants"), 401, "not_authenticated")
    assert_error(post_json(client, f"{URL}/participants", PERSON), 401, "not_authenticated")
    assert log_size() == before and not Participant.objects.exists()


def test_a_partner_is_refused_participants_with_a_403_and_nothing_written(
    client: Client, partner: User, participant: Participant
) -> None:
    secret = token_for(user_with_role("reg2", Role.REGISTRAR, org="operator"), ["people.read"])
    before = log_size()
    signed_in(partner, client=client)
    assert_error(client.get(f"{URL}/participants"), 403, "forbidden")
    url = f"{URL}/participants/{participant.pk}/personal-data?purpose=curious"
    assert_error(client.get(url), 403, "forbidden")
    refused = post_json(client, f"{URL}/participants", PERSON, headers=bearer(secret))
    error = assert_error(refused, 403, "forbidden")
    assert "people.register" in error["message"]
    assert log_size() == before and Participant.objects.count() == 1


def test_a_registrar_of_another_region_gets_a_404_like_a_missing_one_logged_not_ledgered(
    client: Client, registrar: User, participant: Participant
) -> None:
    south = user_with_role("south", Role.REGISTRAR, "region:south", org="operator")
    secret = token_for(south, ["people.read", "people.personal_data"])
    before = log_size()
    for url in (
        f"{URL}/participants/{participant.pk}",
        f"{URL}/participants/{participant.pk}/personal-data?purpose=checking",
    ):
        error = assert_error(client.get(url, headers=bearer(secret)), 404, "not_found")
        missing = client.get(url.replace(participant.pk, "p-000000000000"), headers=bearer(secret))
        assert error == missing.json()["error"]
        assert "north" not in error["message"]
    assert log_size() == before
    assert Refusal.objects.filter(subject=participant.pk, actor=south.pseudonym).count() == 2


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: Client, registrar: User, participant: Participant
) -> None:
    signed_in(registrar, client=client)
    before = log_size()
    child = post_json(client, f"{URL}/participants", {**PERSON, "born": "2015-01-01"})
    assert assert_error(child, 422, "invalid")["fields"] == {"category": "under 18"}
    missing = post_json(client, f"{URL}/participants", {"name": "No Sex"})
    assert {"sex", "category", "region"} <= set(assert_error(missing, 422, "invalid")["fields"])
    photo = post_json(client, f"{URL}/participants", {**PERSON, "photo_base64": "not base64!"})
    assert "photo_base64" in assert_error(photo, 422, "invalid")["fields"]
    decision = post_json(
        client, f"{URL}/participants/{participant.pk}/screening", {"decision": "maybe"}
    )
    assert "decision" in assert_error(decision, 422, "invalid")["fields"]
    page = client.get(f"{URL}/participants?page=0")
    assert "page" in assert_error(page, 422, "invalid")["fields"]
    assert log_size() == before and Participant.objects.count() == 1


def test_an_unknown_participant_is_a_404(client: Client, registrar: User) -> None:
    signed_in(registrar, client=client)
    assert_error(client.get(f"{URL}/participants/p-000000000000"), 404, "not_found")
