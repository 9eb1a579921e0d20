"""The verification API: an inspection from plan to signed report with a token, accreditations
and countersigning with a session, and refusals that write nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laydown import tlog
from laydown.access.permissions import Principal
from laydown.access.roles import Role
from laydown.accounts.models import User
from laydown.arms.models import Item
from laydown.ledger.selectors import log_size
from laydown.testing import assert_error, bearer, post_json, signed_in, token_for, user_with_role
from laydown.verification import services
from laydown.verification.models import Accreditation, Inspection, InspectionStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

URL = "/api/v1/verification"
INSPECT = ["verification.read", "verification.inspection_plan", "verification.inspect"]


@pytest.fixture
def stock(collect: Callable[..., Item]) -> list[Item]:
    return [collect() for _ in range(6)]


def user_of(principal: Principal) -> User:
    return User.objects.get(pseudonym=principal.pseudonym)


def plan(manager: Principal, observer: Any) -> Inspection:
    return services.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_count=2,
    )


def test_an_observer_inspects_from_plan_to_signed_report_with_a_token(
    client: Client, manager: Principal, make_observer: Any, stock: list[Item], cosign: Any
) -> None:
    observer = make_observer()
    cosign()
    secret = token_for(user_of(observer.principal), INSPECT)
    auth = bearer(secret)
    planned = post_json(
        client,
        f"{URL}/inspections",
        {
            "sites": ["depot-a"],
            "planned_for": "2026-11-30",
            "team": [observer.principal.pseudonym],
            "sample_count": 2,
        },
        headers=auth,
    )
    assert planned.status_code == 201, planned.content
    code = planned.json()["code"]
    url = f"{URL}/inspections/{code}"
    opened = post_json(client, f"{url}/open", {"nonce": "observers-own-words"}, headers=auth)
    assert opened.status_code == 200, opened.content
    sample = opened.json()["sample"]
    assert opened.json()["status"] == "open" and len(sample) == 2
    for tag in sample:
        found = post_json(client, f"{url}/findings", {"tag": tag, "result": "found"}, headers=auth)
        assert found.status_code == 200, found.content
    closed = client.post(f"{url}/close", headers=auth)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    report = closed.json()["report"]
    assert f"inspection {code}" in report
    signed = tlog.sign_note(report, [observer.signer])
    done = post_json(client, f"{url}/sign", {"signed_report": signed}, headers=auth)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "signed" and done.json()["signed_report"] == signed
    listed = client.get(f"{URL}/inspections", headers=auth).json()
    assert [i["code"] for i in listed] == [code]


def test_an_observer_session_needs_the_second_factor_and_then_reads_the_item_bundle(
    client: Client, manager: Principal, make_observer: Any, collect: Any, cosign: Any
) -> None:
    item = collect()
    cosign()
    observer = user_of(make_observer().principal)
    signed_in(observer, client=client, verified=False)
    assert_error(client.get(f"{URL}/items/{item.tag}/bundle"), 401, "second_factor_required")
    signed_in(observer, client=client)
    bundle = client.get(f"{URL}/items/{item.tag}/bundle")
    assert bundle.status_code == 200
    assert bundle.json()["tag"] == item.tag and bundle.json()["records"]
    assert_error(client.get(f"{URL}/items/LD-999999/bundle"), 404, "not_found")


def test_a_manager_accredits_and_revokes_an_observer_with_a_session(
    client: Client, manager: Principal, make_observer: Any, sites: Any
) -> None:
    make_observer()  # makes the observer delegation
    newcomer = user_with_role("newcomer", Role.OBSERVER, org="nordland")
    _skey, vkey = tlog.generate_key("nordland.example/newcomer")
    signed_in(user_of(manager), client=client)
    today = dt.datetime.now(dt.UTC).date()
    data = {
        "observer": newcomer.pseudonym,
        "vkey": vkey,
        "sites": ["depot-a"],
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=10)).isoformat(),
    }
    granted = post_json(client, f"{URL}/accreditations", data)
    assert granted.status_code == 201, granted.content
    code = granted.json()["code"]
    mine = client.get(f"{URL}/accreditations?observer={newcomer.pseudonym}").json()
    assert [a["code"] for a in mine] == [code]
    revoked = post_json(client, f"{URL}/accreditations/{code}/revoke", {"reason": "left"})
    assert revoked.status_code == 200 and revoked.json()["revoked_reason"] == "left"
    assert Accreditation.objects.get(code=code).revoked_at is not None
    assert_error(
        post_json(client, f"{URL}/accreditations/ACC-000000/revoke", {"reason": "x"}),
        404,
        "not_found",
    )


def test_an_observer_who_was_present_countersigns_a_destruction(
    client: Client, manager: Principal, make_observer: Any, stock: list[Item]
) -> None:
    observer = make_observer()
    event = services.destruction_plan(
        actor=manager,
        site="depot-a",
        method="cutting",
        items=[stock[0].tag],
        observers=[observer.principal.pseudonym],
    )
    done = services.destruction_record(
        actor=manager, code=event.code, before_photos=["a" * 64], after_photos=["b" * 64]
    )
    secret = token_for(user_of(observer.principal), ["verification.countersign"])
    signed = tlog.sign_note(done.statement, [observer.signer])
    url = f"{URL}/destructions/{event.code}"
    body = {"signed_statement": signed}
    response = post_json(client, f"{url}/countersign", body, headers=bearer(secret))
    assert response.status_code == 200, response.content
    assert [c["observer"] for c in response.json()["countersignatures"]] == [
        observer.principal.pseudonym
    ]
    before = log_size()
    again = post_json(client, f"{url}/countersign", body, headers=bearer(secret))
    assert "destruction" in assert_error(again, 422, "invalid")["fields"]
    assert log_size() == before
    signed_in(user_of(manager), client=client)
    assert client.get(url).json()["status"] == "done"
    assert [d["code"] for d in client.get(f"{URL}/destructions").json()] == [event.code]


def test_no_credentials_is_a_401_and_writes_nothing(client: Client, manager: Principal) -> None:
    before = log_size()
    assert_error(client.get(f"{URL}/inspections"), 401, "not_authenticated")
    planned = post_json(client, f"{URL}/inspections", {"sites": ["depot-a"]})
    assert_error(planned, 401, "not_authenticated")
    assert log_size() == before and not Inspection.objects.exists()


def test_a_role_without_the_action_or_off_the_team_is_a_403_and_writes_nothing(
    client: Client, manager: Principal, make_observer: Any, stock: list[Item], cosign: Any
) -> None:
    on_team, other = make_observer(), make_observer("other")
    cosign()
    inspection = plan(manager, on_team)
    partner = user_with_role("pat", Role.PARTNER_STAFF, org="operator")
    stranger = token_for(user_of(other.principal), INSPECT)
    before = log_size()
    signed_in(partner, client=client)
    assert_error(client.get(f"{URL}/inspections"), 403, "forbidden")
    signed_in(user_of(manager), client=client)  # managers plan, only observers inspect
    refused = post_json(client, f"{URL}/inspections/{inspection.code}/open", {"nonce": "x" * 10})
    assert "Your roles do not allow this" in assert_error(refused, 403, "forbidden")["message"]
    off_team = post_json(
        client,
        f"{URL}/inspections/{inspection.code}/open",
        {"nonce": "x" * 10},
        headers=bearer(stranger),
    )
    assert "not on the team" in assert_error(off_team, 403, "forbidden")["message"]
    assert log_size() == before
    assert Inspection.objects.get().status == InspectionStatus.PLANNED


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    client: Client, manager: Principal, make_observer: Any, stock: list[Item], cosign: Any
) -> None:
    observer = make_observer()
    cosign()
    inspection = plan(manager, observer)
    auth = bearer(token_for(user_of(observer.principal), INSPECT))
    before = log_size()
    both = {
        "sites": ["depot-a"],
        "planned_for": "2026-11-30",
        "team": [observer.principal.pseudonym],
        "sample_percent": 10,
        "sample_count": 3,
    }
    cases = [
        (f"{URL}/inspections", both, "sample"),
        (f"{URL}/inspections", {**both, "sample_count": None, "sites": ["nowhere"]}, "sites"),
        (f"{URL}/inspections", {"sites": ["depot-a"], "team": []}, "planned_for"),
        (f"{URL}/inspections/{inspection.code}/open", {"nonce": "short"}, "nonce"),
        (f"{URL}/inspections/{inspection.code}/findings", {"tag": "x"}, "result"),
    ]
    for url, data, field in cases:
        error = assert_error(post_json(client, url, data, headers=auth), 422, "invalid")
        assert field in error["fields"], (field, error)
    assert log_size() == before and Inspection.objects.count() == 1
    assert_error(client.get(f"{URL}/inspections/INS-000000", headers=auth), 404, "not_found")
