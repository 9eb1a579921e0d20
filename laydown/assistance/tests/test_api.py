"""The assistance API: tokens and sessions, partners confined to their own organisation (404
for the others', as for a missing record), refusals and bad input that write nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laydown.access.roles import Role
from laydown.accounts.models import Organisation, User
from laydown.assistance import selectors
from laydown.assistance.models import Distribution, Household, Place
from laydown.assistance.tests.base import DISTRIBUTION, MEMBERS, VAULT, staff_of, today
from laydown.ledger.models import Record
from laydown.testing import (
    assert_error,
    bearer,
    log_size,
    post_json,
    signed_in,
    token_for,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/assistance"
YESTERDAY = (today() - dt.timedelta(days=1)).isoformat()


@pytest.fixture
def manager_user(orgs: dict[str, Organisation]) -> User:
    return user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")


def distribution_data(**overrides: Any) -> dict[str, Any]:
    return {**DISTRIBUTION, "date": YESTERDAY, **overrides}


def household_data(**overrides: Any) -> dict[str, Any]:
    retain = (today() + dt.timedelta(days=365)).isoformat()
    return {
        "place": "XA010101",
        "head_name": "Mariam Hakobyan",
        "phone": "+1 555 0101",
        "document": "AB-123456",
        "members": MEMBERS,
        "retain_until": retain,
        **VAULT,
        **overrides,
    }


def test_a_partner_records_a_distribution_with_a_token_and_reads_it_back(
    client: Client, icrc_user: User
) -> None:
    secret = token_for(icrc_user, ["assistance.distribution_record", "assistance.read"])
    before = log_size()
    created = post_json(client, f"{URL}/distributions", distribution_data(), headers=bearer(secret))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["organisation"] == "icrc" and body["place"] == "XA010101"
    assert body["reached_total"] == 210 and log_size() == before + 1
    detail = client.get(f"{URL}/distributions/{body['code']}", headers=bearer(secret))
    assert detail.json() == body
    listing = client.get(f"{URL}/distributions?sector=food_security", headers=bearer(secret))
    assert [d["code"] for d in listing.json()["items"]] == [body["code"]]
    assert client.get(f"{URL}/distributions?sector=wash", headers=bearer(secret)).json() == {
        "items": [],
        "page": 1,
        "per_page": 50,
        "has_next": False,
    }


def test_a_partner_sees_only_its_own_distributions_and_the_others_are_404(
    client: Client,
    icrc_user: User,
    relief_user: User,
    distribute: Callable[..., Distribution],
) -> None:
    theirs = distribute()
    signed_in(relief_user, client=client)
    assert client.get(f"{URL}/distributions").json()["items"] == []
    other = assert_error(client.get(f"{URL}/distributions/{theirs.code}"), 404, "not_found")
    missing = assert_error(client.get(f"{URL}/distributions/DI-999999"), 404, "not_found")
    assert other == missing  # another's record and no record look the same
    signed_in(icrc_user, client=client)
    assert [d["code"] for d in client.get(f"{URL}/distributions").json()["items"]] == [theirs.code]


def test_a_partner_cannot_record_for_another_organisation(
    client: Client, relief_user: User, places: dict[str, Place]
) -> None:
    secret = token_for(relief_user, ["assistance.distribution_record"])
    before = log_size()
    response = post_json(
        client,
        f"{URL}/distributions",
        distribution_data(partner="icrc"),
        headers=bearer(secret),
    )
    assert "another organisation" in assert_error(response, 403, "forbidden")["message"]
    assert log_size() == before and not Distribution.objects.exists()


def test_households_go_to_the_vault_and_personal_data_needs_a_purpose(
    client: Client, icrc_user: User, relief_user: User
) -> None:
    signed_in(icrc_user, client=client)
    created = post_json(client, f"{URL}/households", household_data())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["size"] == 3 and body["organisation"] == "icrc"
    assert [m["sex"] for m in body["members"]] == ["f", "m", "f"]
    assert "Hakobyan" not in created.content.decode() and "AB-123456" not in str(body)
    url = f"{URL}/households/{body['code']}/personal-data"
    before = log_size()
    assert "purpose" in assert_error(client.get(url), 422, "invalid")["fields"]
    assert log_size() == before
    read = client.get(f"{url}?purpose=distribution%20list%20check")
    assert read.status_code == 200 and read.json()["head_name"] == "Mariam Hakobyan"
    last = Record.objects.order_by("-index").first()
    assert last is not None and last.kind == "vault.read"
    assert last.data["purpose"] == "distribution list check"
    signed_in(relief_user, client=client)
    assert_error(client.get(f"{url}?purpose=curious"), 404, "not_found")
    assert_error(client.get(f"{URL}/households/{body['code']}"), 404, "not_found")


def test_a_suspected_duplicate_household_is_a_422_with_its_own_code(
    client: Client, icrc_user: User
) -> None:
    secret = token_for(icrc_user, ["assistance.household_register"])
    assert post_json(client, f"{URL}/households", household_data(), headers=bearer(secret))
    before = log_size()
    again = post_json(client, f"{URL}/households", household_data(), headers=bearer(secret))
    error = assert_error(again, 422, "duplicate")
    assert "head_name" in error["fields"]
    assert log_size() == before and Household.objects.count() == 1


def test_projects_are_created_progressed_and_kept_within_the_organisation(
    client: Client, icrc_user: User, relief_user: User
) -> None:
    secret = token_for(icrc_user, ["assistance.project_manage", "assistance.read"])
    project = {
        "name": "Millford water main",
        "sector": "water",
        "place": "XA010101",
        "budget": 250000,
        "currency": "usd",
    }
    created = post_json(client, f"{URL}/projects", project, headers=bearer(secret))
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert created.json()["currency"] == "USD"
    progress = {"date": YESTERDAY, "status": "under_way", "percent_complete": 40}
    moved = post_json(client, f"{URL}/projects/{code}/progress", progress, headers=bearer(secret))
    assert moved.status_code == 200, moved.content
    assert moved.json()["percent_complete"] == 40
    assert [p["percent_complete"] for p in moved.json()["progress"]] == [40]
    listed = client.get(f"{URL}/projects", headers=bearer(secret)).json()["items"]
    assert [p["code"] for p in listed] == [code]
    other = token_for(relief_user, ["assistance.project_manage", "assistance.read"])
    before = log_size()
    refused = post_json(client, f"{URL}/projects/{code}/progress", progress, headers=bearer(other))
    assert_error(refused, 404, "not_found")
    assert client.get(f"{URL}/projects", headers=bearer(other)).json()["items"] == []
    assert log_size() == before


def test_a_manager_records_a_meeting_and_follows_up_its_commitment(
    client: Client, manager_user: User, icrc_user: User, places: dict[str, Place]
) -> None:
    signed_in(manager_user, client=client)
    meeting = {
        "title": "Reintegration in Millford",
        "date": YESTERDAY,
        "place": "XA010101",
        "topics": ["jobs", "land"],
        "participants": [
            {"side": "government", "organisation": "District office", "count": 2},
            {"side": "community", "organisation": "Village council"},
        ],
        "commitments": [
            {
                "text": "Open the vocational centre",
                "owner_side": "government",
                "owner": "District office",
                "due": (today() + dt.timedelta(days=30)).isoformat(),
            }
        ],
    }
    created = post_json(client, f"{URL}/meetings", meeting)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["organisation"] == "operator" and len(body["participants"]) == 2
    commitment = body["commitments"][0]["code"]
    followed = post_json(
        client,
        f"{URL}/commitments/{commitment}/follow-ups",
        {"status": "in_progress", "note": "Building rented"},
    )
    assert followed.status_code == 200 and followed.json()["status"] == "in_progress"
    partner = token_for(icrc_user, ["assistance.read"])
    meetings = client.get(f"{URL}/meetings", headers=bearer(partner)).json()
    assert [m["code"] for m in meetings] == [body["code"]]  # dialogue concerns everyone
    listed = client.get(f"{URL}/commitments?status=in_progress", headers=bearer(partner)).json()
    assert [c["code"] for c in listed] == [commitment]
    before = log_size()
    signed_in(icrc_user, client=client)  # partner staff do not hold dialogue_manage
    refused = post_json(client, f"{URL}/meetings", meeting)
    assert "Your roles do not allow this" in assert_error(refused, 403, "forbidden")["message"]
    assert log_size() == before


def test_monitoring_visits_are_proposed_and_agreed_by_their_organisation_only(
    client: Client, icrc_user: User, relief_user: User
) -> None:
    signed_in(icrc_user, client=client)
    start = today() + dt.timedelta(days=10)
    visit = {
        "purpose": "Post-distribution monitoring",
        "planned_start": start.isoformat(),
        "planned_end": (start + dt.timedelta(days=2)).isoformat(),
        "itinerary": [{"place": "XA010101", "date": start.isoformat()}],
    }
    created = post_json(client, f"{URL}/visits", visit)
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert created.json()["status"] == "proposed" and created.json()["organisation"] == "icrc"
    other = token_for(relief_user, ["assistance.visit_manage", "assistance.read"])
    assert [v["code"] for v in client.get(f"{URL}/visits", headers=bearer(other)).json()] == [code]
    before = log_size()
    refused = post_json(
        client, f"{URL}/visits/{code}/updates", {"status": "agreed"}, headers=bearer(other)
    )
    assert_error(refused, 403, "forbidden")
    assert log_size() == before
    agreed = post_json(client, f"{URL}/visits/{code}/updates", {"status": "agreed"})
    assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
    assert [u["status"] for u in agreed.json()["updates"]] == ["agreed"]


def test_the_5w_aggregate_is_the_export_and_stays_within_the_organisation(
    client: Client,
    icrc_user: User,
    relief_user: User,
    orgs: dict[str, Organisation],
    distribute: Callable[..., Distribution],
) -> None:
    distribute()
    distribute(item="rice")
    secret = token_for(icrc_user, ["assistance.export"])
    body = client.get(f"{URL}/5w", headers=bearer(secret)).json()
    expected = list(selectors.five_w_rows(staff_of(orgs["icrc"], "u-icrc-1")))
    assert body["items"] == expected and len(expected) == 2
    assert {row["item"] for row in body["items"]} == {"wheat flour", "rice"}
    assert sum(row["reached_total"] for row in body["items"]) == 420
    page = client.get(f"{URL}/5w?per_page=1", headers=bearer(secret)).json()
    assert len(page["items"]) == 1 and page["has_next"] is True
    theirs = token_for(relief_user, ["assistance.export"])
    assert client.get(f"{URL}/5w", headers=bearer(theirs)).json()["items"] == []


def test_no_credentials_is_a_401_and_writes_nothing(
    client: Client, places: dict[str, Place]
) -> None:
    before = log_size()
    assert_error(client.get(f"{URL}/distributions"), 401, "not_authenticated")
    created = post_json(client, f"{URL}/distributions", distribution_data(partner="icrc"))
    assert_error(created, 401, "not_authenticated")
    assert log_size() == before and not Distribution.objects.exists()


def test_a_role_without_the_action_is_a_403_and_writes_nothing(
    client: Client, orgs: dict[str, Organisation], places: dict[str, Place]
) -> None:
    registrar = user_with_role("reg", Role.REGISTRAR, org="operator")
    auditor = user_with_role("aud", Role.AUDITOR, org="operator")
    before = log_size()
    signed_in(registrar, client=client)
    assert_error(client.get(f"{URL}/distributions"), 403, "forbidden")
    signed_in(auditor, client=client)  # auditors read, never write
    assert client.get(f"{URL}/distributions").status_code == 200
    created = post_json(client, f"{URL}/distributions", distribution_data(partner="icrc"))
    assert "Your roles do not allow this" in assert_error(created, 403, "forbidden")["message"]
    assert log_size() == before and not Distribution.objects.exists()


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: Client, icrc_user: User
) -> None:
    signed_in(icrc_user, client=client)
    before = log_size()
    cases = [
        (distribution_data(reached_total=999), "reached_total"),
        (distribution_data(place="XA999999"), "place"),
        (distribution_data(partner="nobody"), "partner"),
        ({k: v for k, v in distribution_data().items() if k != "sector"}, "sector"),
        (distribution_data(date="yesterday"), "date"),
        (distribution_data(quantity_delivered=9000), "over_delivery_reason"),
    ]
    for data, field in cases:
        error = assert_error(post_json(client, f"{URL}/distributions", data), 422, "invalid")
        assert field in error["fields"], (field, error)
    bad_filter = client.get(f"{URL}/distributions?date_from=last-week")
    assert "date_from" in assert_error(bad_filter, 422, "invalid")["fields"]
    member = household_data(members=[{"sex": "q", "age_group": "18-59"}])
    error = assert_error(post_json(client, f"{URL}/households", member), 422, "invalid")
    assert "members.0.sex" in error["fields"]
    assert log_size() == before
    assert not Distribution.objects.exists() and not Household.objects.exists()
