"""The assistance API's later operations: corrections, recipient lists and receipts, monitoring
notes, complaints, places, partners and their profiles, the household list (no personal data),
project changes and commitments added to meetings. Refusals write nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laydown.access.roles import Role
from laydown.accounts.models import Organisation, User
from laydown.assistance import services
from laydown.assistance.models import (
    Commitment,
    Complaint,
    Distribution,
    DistributionRecipient,
    Household,
    PartnerProfile,
    Place,
    Project,
)
from laydown.assistance.tests.base import staff_of, today
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
SHA = hashlib.sha256(b"thumbprint").hexdigest()


@pytest.fixture
def manager_user(orgs: dict[str, Organisation], places: dict[str, Place]) -> User:
    return user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")


def send(client: Client, method: str, url: str, data: Any, **kw: Any) -> Any:
    call = getattr(client, method)
    return call(url, json.dumps(data), content_type="application/json", **kw)


# ---- corrections ---------------------------------------------------------------------------


def test_a_partner_corrects_its_distribution_and_fields_left_out_keep_their_values(
    client: Client, icrc_user: User, distribute: Callable[..., Distribution]
) -> None:
    row = distribute()
    signed_in(icrc_user, client=client)
    url = f"{URL}/distributions/{row.code}/corrections"
    fixed = post_json(client, url, {"reason": "recount", "quantity_delivered": 4900})
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["quantity_delivered"] == 4900 and fixed.json()["item"] == "wheat flour"
    before = log_size()
    bad = post_json(client, url, {"reason": "recount", "girls": 1000})
    assert "reached_total" in assert_error(bad, 422, "invalid")["fields"]
    missing = post_json(client, url, {"quantity_delivered": 1})
    assert "reason" in assert_error(missing, 422, "invalid")["fields"]
    assert log_size() == before and Distribution.objects.get().quantity_delivered == 4900


def test_another_partner_cannot_correct_the_distribution(
    client: Client, relief_user: User, distribute: Callable[..., Distribution]
) -> None:
    row = distribute()
    secret = token_for(relief_user, ["assistance.distribution_record"])
    before = log_size()
    response = post_json(
        client,
        f"{URL}/distributions/{row.code}/corrections",
        {"reason": "mine", "quantity_delivered": 1},
        headers=bearer(secret),
    )
    assert_error(response, 404, "not_found")
    assert log_size() == before and Distribution.objects.get().quantity_delivered == 4800


# ---- recipients and receipts ---------------------------------------------------------------


def test_households_are_listed_and_receive_with_a_photo_hash(
    client: Client,
    icrc_user: User,
    distribute: Callable[..., Distribution],
    register: Callable[..., Household],
) -> None:
    row = distribute()
    first, second = register(), register()
    signed_in(icrc_user, client=client)
    url = f"{URL}/distributions/{row.code}/recipients"
    listed = post_json(client, url, {"households": [first.code, second.code]})
    assert listed.status_code == 200, listed.content
    assert listed.json()["added"] == 2 and len(listed.json()["items"]) == 2
    again = post_json(client, url, {"households": [first.code]})
    assert again.json()["added"] == 0
    receipt = {"household": first.code, "receipt_kind": "thumbprint", "receipt_sha256": SHA}
    received = post_json(client, f"{URL}/distributions/{row.code}/receipts", receipt)
    assert received.status_code == 201, received.content
    assert received.json()["receipt_sha256"] == SHA and received.json()["received_at"]
    items = {r["household"]: r for r in client.get(url).json()}
    assert items[first.code]["receipt_kind"] == "thumbprint"
    assert items[second.code]["received_at"] is None
    before = log_size()
    twice = post_json(client, f"{URL}/distributions/{row.code}/receipts", receipt)
    assert "household" in assert_error(twice, 422, "invalid")["fields"]
    bad_hash = post_json(
        client,
        f"{URL}/distributions/{row.code}/receipts",
        {**receipt, "household": second.code, "receipt_sha256": "abc"},
    )
    assert "receipt_sha256" in assert_error(bad_hash, 422, "invalid")["fields"]
    assert log_size() == before


def test_another_partners_households_cannot_be_put_on_the_list(
    client: Client,
    icrc_user: User,
    relief_user: User,
    orgs: dict[str, Organisation],
    distribute: Callable[..., Distribution],
    register: Callable[..., Household],
) -> None:
    row = distribute()
    theirs = register(organisation=orgs["relief"], actor=staff_of(orgs["relief"], "u-relief-9"))
    signed_in(icrc_user, client=client)
    before = log_size()
    response = post_json(
        client, f"{URL}/distributions/{row.code}/recipients", {"households": [theirs.code]}
    )
    assert theirs.code in assert_error(response, 422, "invalid")["message"]
    signed_in(relief_user, client=client)
    assert_error(client.get(f"{URL}/distributions/{row.code}/recipients"), 404, "not_found")
    assert log_size() == before and not DistributionRecipient.objects.exists()


# ---- monitoring notes ----------------------------------------------------------------------


def test_monitoring_notes_are_added_and_read_back(
    client: Client, icrc_user: User, distribute: Callable[..., Distribution]
) -> None:
    row = distribute()
    signed_in(icrc_user, client=client)
    url = f"{URL}/distributions/{row.code}/notes"
    added = post_json(client, url, {"note": "Bags arrived dry", "satisfied_percent": 90})
    assert added.status_code == 201 and added.json()[0]["satisfied_percent"] == 90
    assert [n["note"] for n in client.get(url).json()] == ["Bags arrived dry"]
    before = log_size()
    bad = post_json(client, url, {"note": "x", "satisfied_percent": 101})
    assert "satisfied_percent" in assert_error(bad, 422, "invalid")["fields"]
    assert log_size() == before


# ---- complaints ----------------------------------------------------------------------------


def test_a_complaint_is_opened_followed_up_and_stays_within_the_partner(
    client: Client,
    icrc_user: User,
    relief_user: User,
    distribute: Callable[..., Distribution],
) -> None:
    row = distribute()
    signed_in(icrc_user, client=client)
    complaint = {
        "place": "XA010101",
        "distribution": row.code,
        "channel": "hotline",
        "description": "Short weight",
    }
    opened = post_json(client, f"{URL}/complaints", complaint)
    assert opened.status_code == 201, opened.content
    code = opened.json()["code"]
    assert opened.json()["organisation"] == "icrc" and opened.json()["status"] == "open"
    followed = post_json(
        client, f"{URL}/complaints/{code}/follow-ups", {"status": "resolved", "note": "Refilled"}
    )
    assert followed.status_code == 200 and followed.json()["status"] == "resolved"
    assert [f["note"] for f in followed.json()["follow_ups"]] == ["Refilled"]
    listed = client.get(f"{URL}/complaints?status=resolved").json()["items"]
    assert [c["code"] for c in listed] == [code]
    signed_in(relief_user, client=client)
    before = log_size()
    assert client.get(f"{URL}/complaints").json()["items"] == []
    assert_error(client.get(f"{URL}/complaints/{code}"), 404, "not_found")
    refused = post_json(
        client, f"{URL}/complaints/{code}/follow-ups", {"status": "closed", "note": "no"}
    )
    assert_error(refused, 404, "not_found")
    about_theirs = post_json(client, f"{URL}/complaints", complaint)
    assert "distribution" in assert_error(about_theirs, 422, "invalid")["fields"]
    assert log_size() == before and Complaint.objects.count() == 1


def test_a_complaint_without_a_description_names_the_field(client: Client, icrc_user: User) -> None:
    signed_in(icrc_user, client=client)
    before = log_size()
    response = post_json(
        client,
        f"{URL}/complaints",
        {"place": "XA010101", "channel": "hotline", "description": " "},
    )
    assert "description" in assert_error(response, 422, "invalid")["fields"]
    assert log_size() == before and not Complaint.objects.exists()


# ---- places, partners, households ----------------------------------------------------------


def test_places_are_listed_by_level_and_parent(client: Client, icrc_user: User) -> None:
    signed_in(icrc_user, client=client)
    settlements = client.get(f"{URL}/places?level=settlement").json()["items"]
    assert [p["pcode"] for p in settlements] == ["XA010101", "XA010102"]
    assert settlements[0]["lat_micro"] == 40_100_000 and settlements[0]["parent"] == "XA0101"
    within = client.get(f"{URL}/places?parent=xa01").json()["items"]
    assert [p["pcode"] for p in within] == ["XA0101"]


def test_partners_see_their_own_profile_and_set_only_theirs(
    client: Client, icrc_user: User, manager_user: User
) -> None:
    signed_in(icrc_user, client=client)
    profile = {"partner_kind": "red_cross", "sectors": ["health"], "contact": "Delegation"}
    saved = send(client, "put", f"{URL}/partners/icrc/profile", profile)
    assert saved.status_code == 200, saved.content
    assert saved.json() == {
        "code": "icrc",
        "name": "Intl Committee of the Red Cross",
        **profile,
    }
    assert [p["code"] for p in client.get(f"{URL}/partners").json()] == ["icrc"]
    before = log_size()
    other = send(client, "put", f"{URL}/partners/relief/profile", profile)
    assert_error(other, 404, "not_found")
    bad = send(client, "put", f"{URL}/partners/icrc/profile", {**profile, "sectors": ["war"]})
    assert "sectors" in assert_error(bad, 422, "invalid")["fields"]
    assert log_size() == before and PartnerProfile.objects.count() == 1
    signed_in(manager_user, client=client)
    assert [p["code"] for p in client.get(f"{URL}/partners").json()] == ["icrc", "relief"]


def test_the_household_list_holds_no_personal_data_and_stays_within_the_partner(
    client: Client,
    icrc_user: User,
    relief_user: User,
    register: Callable[..., Household],
) -> None:
    household = register(head_name="Anahit Secretname", place="XA010102")
    register()
    signed_in(icrc_user, client=client)
    response = client.get(f"{URL}/households?per_page=1")
    body = response.json()
    assert len(body["items"]) == 1 and body["has_next"] is True
    assert "Secretname" not in response.content.decode()
    assert "+1 555" not in response.content.decode()  # the phone; "555" alone may be in a code
    placed = client.get(f"{URL}/households?place=XA010102").json()["items"]
    assert [h["code"] for h in placed] == [household.code]
    signed_in(relief_user, client=client)
    assert client.get(f"{URL}/households").json()["items"] == []


# ---- project changes, commitments ----------------------------------------------------------


def test_a_project_is_changed_with_a_reason_by_its_partner_only(
    client: Client, icrc_user: User, relief_user: User, orgs: dict[str, Organisation]
) -> None:
    project = services.project_create(
        actor=staff_of(orgs["icrc"], "u-icrc-1"),
        organisation=orgs["icrc"],
        name="School roof",
        sector="schools",
        place="XA010101",
        budget=9000,
        currency="USD",
    )
    signed_in(icrc_user, client=client)
    url = f"{URL}/projects/{project.code}"
    changed = send(client, "patch", url, {"budget": 12000, "reason": "steel prices"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["budget"] == 12000 and changed.json()["name"] == "School roof"
    before = log_size()
    no_reason = send(client, "patch", url, {"budget": 1})
    assert "reason" in assert_error(no_reason, 422, "invalid")["fields"]
    signed_in(relief_user, client=client)
    assert_error(send(client, "patch", url, {"budget": 1, "reason": "x"}), 404, "not_found")
    assert log_size() == before and Project.objects.get().budget == 12000


def test_a_manager_adds_a_commitment_to_a_meeting_and_partners_may_not(
    client: Client, manager_user: User, icrc_user: User, orgs: dict[str, Organisation]
) -> None:
    signed_in(manager_user, client=client)
    meeting = post_json(
        client,
        f"{URL}/meetings",
        {
            "title": "Dialogue",
            "date": (today() - dt.timedelta(days=2)).isoformat(),
            "place": "XA010101",
            "topics": ["land"],
            "participants": [{"side": "community", "organisation": "Council"}],
        },
    ).json()["code"]
    commitment = {
        "text": "Map the plots",
        "owner_side": "government",
        "owner": "Cadastre",
        "due": (today() - dt.timedelta(days=1)).isoformat(),
    }
    added = post_json(client, f"{URL}/meetings/{meeting}/commitments", commitment)
    assert added.status_code == 201, added.content
    assert added.json()["status"] == "open" and added.json()["meeting"] == meeting
    overdue = client.get(f"{URL}/commitments?overdue=true").json()
    assert [c["code"] for c in overdue] == [added.json()["code"]]
    before = log_size()
    early = {**commitment, "due": (today() - dt.timedelta(days=9)).isoformat()}
    refused = post_json(client, f"{URL}/meetings/{meeting}/commitments", early)
    assert "due" in assert_error(refused, 422, "invalid")["fields"]
    signed_in(icrc_user, client=client)
    forbidden = post_json(client, f"{URL}/meetings/{meeting}/commitments", commitment)
    assert "Your roles do not allow this" in assert_error(forbidden, 403, "forbidden")["message"]
    assert log_size() == before and Commitment.objects.count() == 1
