"""Decisions, payments and import in the API: revocation, suspected duplicates, the cut-off
date, payment cycles (draft, approve, pay) and bulk import; refusals leave the ledger as it
was."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from laydown.access.roles import OrgKind, Role
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.ledger.models import Record
from laydown.ledger.selectors import log_size
from laydown.people import services
from laydown.people.models import CutOff, DuplicateFlag, Participant, PaymentCycle
from laydown.people.tests.base import YES, register
from laydown.testing import (
    assert_error,
    bearer,
    hostile_files,
    organisation,
    post_json,
    signed_in,
    token_for,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/people"


@pytest.fixture
def registrar() -> User:
    organisation("operator")
    return user_with_role("reg", Role.REGISTRAR, "region:north", org="operator")


@pytest.fixture
def manager(registrar: User) -> User:
    return user_with_role("mgr", Role.PROGRAMME_MANAGER, org="operator")


def eligible(registrar: User, **fields: Any) -> Participant:
    actor = principal_for_user(registrar)
    return services.participant_screen(
        actor=actor, participant=register(actor, **fields), answers=YES, decision="eligible"
    )


def put_json(client: Client, url: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.put(url, json.dumps(data), content_type="application/json", **kw)


# ---- revocation ----------------------------------------------------------------------------


def test_a_manager_revokes_eligibility_with_a_reason(
    client: Client, registrar: User, manager: User
) -> None:
    p = eligible(registrar)
    secret = token_for(manager, ["people.decide"])
    response = post_json(
        client,
        f"{URL}/participants/{p.pk}/revocation",
        {"reason": "Not a member after all"},
        headers=bearer(secret),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    assert response.json()["status_reason"] == "Not a member after all"
    assert Record.objects.order_by("-index").first().kind == "people.revoked"  # type: ignore[union-attr]


def test_revocation_is_refused_to_registrars_and_for_participants_not_eligible(
    client: Client, registrar: User, manager: User
) -> None:
    p = eligible(registrar)
    other = register(principal_for_user(registrar), name="Ani Aslanyan", born="1992-01-01")
    secret = token_for(manager, ["people.decide"])
    before = log_size()
    signed_in(registrar, client=client)
    refused = post_json(client, f"{URL}/participants/{p.pk}/revocation", {"reason": "x"})
    assert "Your roles do not allow this" in assert_error(refused, 403, "forbidden")["message"]
    not_eligible = post_json(
        client,
        f"{URL}/participants/{other.pk}/revocation",
        {"reason": "x"},
        headers=bearer(secret),
    )
    assert assert_error(not_eligible, 422, "invalid")["fields"] == {"participant": "wrong status"}
    no_reason = post_json(
        client, f"{URL}/participants/{p.pk}/revocation", {"reason": ""}, headers=bearer(secret)
    )
    assert "reason" in assert_error(no_reason, 422, "invalid")["fields"]
    assert log_size() == before and Participant.objects.get(pk=p.pk).status == "eligible"


# ---- duplicates ----------------------------------------------------------------------------


def test_a_manager_lists_suspected_duplicates_and_decides_one(
    client: Client, registrar: User, manager: User
) -> None:
    first = register(principal_for_user(registrar))
    second = register(principal_for_user(registrar), name="Арам Петросян")
    secret = token_for(manager, ["people.decide"])
    flags = client.get(f"{URL}/duplicates", headers=bearer(secret)).json()
    assert [(f["participant"], f["other"]) for f in flags] == [(second.pk, first.pk)]
    assert "name_born" in flags[0]["matched"] and "Петросян" not in str(flags)
    url = f"{URL}/duplicates/{flags[0]['code']}/decision"
    decided = post_json(
        client, url, {"decision": "same", "reason": "Same person"}, headers=bearer(secret)
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "same"
    assert Participant.objects.get(pk=second.pk).status == "duplicate"
    assert client.get(f"{URL}/duplicates", headers=bearer(secret)).json() == []
    before = log_size()
    again = post_json(client, url, {"decision": "distinct", "reason": "x"}, headers=bearer(secret))
    assert assert_error(again, 422, "invalid")["fields"] == {"flag": "decided"}
    assert log_size() == before


def test_duplicate_decisions_are_refused_to_registrars_and_checked(
    client: Client, registrar: User, manager: User
) -> None:
    register(principal_for_user(registrar))
    register(principal_for_user(registrar), name="Aram  PETROSYAN")
    flag = DuplicateFlag.objects.get()
    secret = token_for(manager, ["people.decide"])
    before = log_size()
    signed_in(registrar, client=client)
    assert_error(client.get(f"{URL}/duplicates"), 403, "forbidden")
    url = f"{URL}/duplicates/{flag.pk}/decision"
    assert_error(post_json(client, url, {"decision": "same", "reason": "x"}), 403, "forbidden")
    maybe = post_json(client, url, {"decision": "maybe", "reason": "x"}, headers=bearer(secret))
    assert assert_error(maybe, 422, "invalid")["fields"] == {"decision": "unknown value"}
    unknown = post_json(
        client,
        f"{URL}/duplicates/DU-0/decision",
        {"decision": "same", "reason": "x"},
        headers=bearer(secret),
    )
    assert_error(unknown, 404, "not_found")
    assert log_size() == before and DuplicateFlag.objects.get().status == "open"


# ---- cut-off date --------------------------------------------------------------------------


def test_the_cut_off_date_is_set_by_a_programme_manager_and_read_by_registrars(
    client: Client, registrar: User, manager: User
) -> None:
    reader = token_for(registrar, ["people.read"])
    assert client.get(f"{URL}/cut-off", headers=bearer(reader)).json()["date"] is None
    secret = token_for(manager, ["people.decide"])
    response = put_json(client, f"{URL}/cut-off", {"date": "2026-01-31"}, headers=bearer(secret))
    assert response.status_code == 200, response.content
    assert response.json()["date"] == "2026-01-31"
    body = client.get(f"{URL}/cut-off", headers=bearer(reader)).json()
    assert body["date"] == "2026-01-31" and body["set_by"] == manager.pseudonym


def test_the_cut_off_date_is_refused_to_others_and_to_bad_dates(
    client: Client, registrar: User, manager: User
) -> None:
    regional = user_with_role("mgr-north", Role.PROGRAMME_MANAGER, "region:north", org="operator")
    secret = token_for(manager, ["people.decide"])
    regional_secret = token_for(regional, ["people.decide"])
    before = log_size()
    signed_in(registrar, client=client)
    assert_error(put_json(client, f"{URL}/cut-off", {"date": "2026-01-31"}), 403, "forbidden")
    assert_error(
        put_json(client, f"{URL}/cut-off", {"date": "2026-01-31"}, headers=bearer(regional_secret)),
        403,
        "forbidden",
    )
    bad = put_json(client, f"{URL}/cut-off", {"date": "31/01/2026"}, headers=bearer(secret))
    assert "date" in assert_error(bad, 422, "invalid")["fields"]
    assert log_size() == before and not CutOff.objects.exists()


# ---- payment cycles ------------------------------------------------------------------------


def test_a_cycle_is_drafted_approved_and_paid_through_the_api(
    client: Client, registrar: User, manager: User
) -> None:
    p = eligible(registrar)
    services.id_cards_issue(actor=principal_for_user(registrar), participants=[p])
    drafter = token_for(registrar, ["people.payment"])
    refused = post_json(client, f"{URL}/cycles", {"cycle": "2026-11"}, headers=bearer(drafter))
    assert refused.status_code == 403  # a list of every region: programme-wide grants only
    planner = token_for(manager, ["people.payment"])
    drafted = post_json(client, f"{URL}/cycles", {"cycle": "2026-11"}, headers=bearer(planner))
    assert drafted.status_code == 201, drafted.content
    assert drafted.json()["status"] == "draft" and drafted.json()["total"] > 0
    approver = token_for(manager, ["people.payment_approve"])
    approved = post_json(client, f"{URL}/cycles/2026-11/approval", {}, headers=bearer(approver))
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    paid = post_json(
        client,
        f"{URL}/cycles/2026-11/payments",
        {"payments": [{"participant": p.pk, "reference": "TRX-0001"}]},
        headers=bearer(drafter),
    )
    assert paid.status_code == 200, paid.content
    assert paid.json() == {"recorded": 1}
    lines = client.get(f"{URL}/cycles/2026-11", headers=bearer(drafter)).json()["lines"]
    assert [(line["participant"], line["reference"]) for line in lines] == [(p.pk, "TRX-0001")]


def test_payment_refusals_and_mistakes_write_nothing(
    client: Client, registrar: User, manager: User
) -> None:
    p = eligible(registrar)
    services.id_cards_issue(actor=principal_for_user(registrar), participants=[p])
    drafter = token_for(registrar, ["people.payment"])
    approver = token_for(manager, ["people.payment_approve"])
    planner = token_for(manager, ["people.payment"])
    post_json(client, f"{URL}/cycles", {"cycle": "2026-11"}, headers=bearer(planner))
    payment = {"payments": [{"participant": p.pk, "reference": "TRX-1"}]}
    before = log_size()
    early = post_json(client, f"{URL}/cycles/2026-11/payments", payment, headers=bearer(drafter))
    assert assert_error(early, 422, "invalid")["fields"] == {"cycle": "not approved"}
    self_approved = post_json(client, f"{URL}/cycles/2026-11/approval", {}, headers=bearer(drafter))
    assert "people.payment_approve" in assert_error(self_approved, 403, "forbidden")["message"]
    month = post_json(client, f"{URL}/cycles", {"cycle": "2026-13"}, headers=bearer(planner))
    assert assert_error(month, 422, "invalid")["fields"] == {"cycle": "bad month"}
    missing = post_json(client, f"{URL}/cycles/1999-01/approval", {}, headers=bearer(approver))
    assert_error(missing, 404, "not_found")
    assert log_size() == before
    post_json(client, f"{URL}/cycles/2026-11/approval", {}, headers=bearer(approver))
    before = log_size()
    frozen = post_json(client, f"{URL}/cycles", {"cycle": "2026-11"}, headers=bearer(planner))
    assert assert_error(frozen, 422, "invalid")["fields"] == {"cycle": "frozen"}
    twice = post_json(
        client,
        f"{URL}/cycles/2026-11/payments",
        {"payments": [payment["payments"][0], payment["payments"][0]]},
        headers=bearer(drafter),
    )
    assert assert_error(twice, 422, "invalid")["fields"] == {"payments": "duplicate participant"}
    stranger = post_json(
        client,
        f"{URL}/cycles/2026-11/payments",
        {"payments": [payment["payments"][0], {"participant": "p-0", "reference": "TRX-2"}]},
        headers=bearer(drafter),
    )
    assert assert_error(stranger, 422, "invalid")["fields"] == {"participant": "not on the list"}
    empty = post_json(
        client, f"{URL}/cycles/2026-11/payments", {"payments": []}, headers=bearer(drafter)
    )
    assert "payments" in assert_error(empty, 422, "invalid")["fields"]
    assert log_size() == before
    assert PaymentCycle.objects.get().lines.get().paid_at is None


# ---- import --------------------------------------------------------------------------------

GOOD = (
    "name,born,age,sex,category,region,dependants,phone\n"
    "Hovhannes Grigoryan,1985-03-01,,m,combatant,north,2,+374 1\n"
    "Lusine Mkrtchyan,,34,f,associated,north,0,\n"
)
BAD = (
    "name,born,sex,category,region\n"
    "Hovhannes Grigoryan,1985-13-01,m,combatant,north\n"
    "Lusine Mkrtchyan,1990-01-01,q,associated,north\n"
    "Karen Sahakyan,1990-01-01,m,combatant,south\n"
)


def upload(text: str, name: str = "people.csv") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}


def test_a_valid_file_is_imported_and_a_dry_run_writes_nothing(
    client: Client, registrar: User
) -> None:
    secret = token_for(registrar, ["people.import", "people.register", "people.personal_data"])
    before = log_size()
    dry = client.post(f"{URL}/imports?dry_run=true", upload(GOOD), headers=bearer(secret))
    assert dry.status_code == 200, dry.content
    assert dry.json() == {"rows": 2, "imported": False}
    assert log_size() == before and not Participant.objects.exists()
    done = client.post(f"{URL}/imports", upload(GOOD), headers=bearer(secret))
    assert done.status_code == 201, done.content
    assert done.json() == {"rows": 2, "imported": True}
    assert sorted(Participant.objects.values_list("category", flat=True)) == [
        "associated",
        "combatant",
    ]
    assert "Grigoryan" not in done.content.decode()


def test_a_file_with_problems_lists_each_by_row_column_value_and_reason(
    client: Client, registrar: User
) -> None:
    secret = token_for(registrar, ["people.import", "people.register", "people.personal_data"])
    before = log_size()
    response = client.post(f"{URL}/imports", upload(BAD), headers=bearer(secret))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and "nothing was imported" in error["message"]
    problems = {(p["row"], p["column"]): (p["value"], p["reason"]) for p in error["problems"]}
    assert problems[(2, "born")] == ("1985-13-01", "not a date")
    assert problems[(3, "sex")] == ("q", "unknown value")
    assert problems[(4, "region")][0] == "south"
    assert error["fields"]["row 2, born"] == "not a date"
    assert log_size() == before and not Participant.objects.exists()


def import_error(response: Any) -> dict[str, Any]:
    """The 422 of an import: the API's error shape, with every problem listed."""
    assert response.status_code == 422, response.content
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "fields", "problems"} and error["problems"]
    assert error["code"] == "invalid"
    return error


def test_an_import_is_refused_to_partners_and_to_an_unreadable_file(
    client: Client, registrar: User
) -> None:
    organisation("red-cross", OrgKind.HUMANITARIAN_PARTNER)
    partner = user_with_role("pat", Role.PARTNER_STAFF, org="red-cross")
    secret = token_for(registrar, ["people.import", "people.register", "people.personal_data"])
    before = log_size()
    signed_in(partner, client=client)
    assert_error(client.post(f"{URL}/imports", upload(GOOD)), 403, "forbidden")
    client.logout()
    missing = client.post(f"{URL}/imports", upload("name,sex\nA,m\n"), headers=bearer(secret))
    assert import_error(missing)["fields"] == {"file": "missing columns"}
    assert {(p["row"], p["column"]) for p in import_error(missing)["problems"]} == {
        (1, "category"),
        (1, "region"),
    }
    no_file = client.post(f"{URL}/imports", {}, headers=bearer(secret))
    assert "file" in assert_error(no_file, 422, "invalid")["fields"]
    broken = upload("not really", "people.xlsx")
    unreadable = client.post(f"{URL}/imports", broken, headers=bearer(secret))
    assert import_error(unreadable)["fields"] == {"file": "unreadable"}
    assert log_size() == before and not Participant.objects.exists()


HOSTILE = hostile_files.cases(["name", "sex", "category", "region"])


@pytest.mark.parametrize(
    ("name", "build", "says"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_a_hostile_file_gets_a_422_listing_its_problems_not_a_500(
    client: Client, registrar: User, name: str, build: Callable[[], bytes], says: str
) -> None:
    secret = token_for(registrar, ["people.import", "people.register", "people.personal_data"])
    file = SimpleUploadedFile(name, build(), content_type="application/octet-stream")
    response = client.post(f"{URL}/imports", {"file": file}, headers=bearer(secret))
    error = import_error(response)
    assert says in error["message"] and len(response.content) < 2000
    assert not Participant.objects.exists()


def test_an_upload_over_20_mb_gets_a_422_listing_its_problem(
    client: Client, registrar: User
) -> None:
    secret = token_for(registrar, ["people.import", "people.register", "people.personal_data"])
    file = SimpleUploadedFile("big.csv", b"name\n" + b"x" * (20 * 2**20), content_type="text/csv")
    error = import_error(client.post(f"{URL}/imports", {"file": file}, headers=bearer(secret)))
    assert error["fields"] == {"file": "too large"} and error["problems"][0]["row"] == 0
