"""The accounts API: sessions and tokens, refusals with the right status, and nothing changing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from ninja import Router
from ninja.testing import TestClient

from laydown.access.roles import OrgKind, Role
from laydown.access.web import principal_for_user
from laydown.accounts import services
from laydown.accounts.api_auth import api_action
from laydown.accounts.models import ApiToken, Organisation, RoleGrant, User
from laydown.ledger.models import Record
from laydown.testing import (
    PASSWORD,
    assert_error,
    bearer,
    organisation,
    post_json,
    signed_in,
    token_for,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

TOKEN_PROBLEM = "The token is invalid, expired or revoked."


@pytest.fixture
def orgs() -> dict[str, Organisation]:
    return {
        "operator": organisation("operator"),
        "red-cross": organisation("red-cross", OrgKind.HUMANITARIAN_PARTNER),
        "blue-crescent": organisation("blue-crescent", OrgKind.HUMANITARIAN_PARTNER),
    }


@pytest.fixture
def admin(orgs: dict[str, Organisation]) -> User:
    return user_with_role("ada", Role.ADMIN, org="operator")


@pytest.fixture
def partner(orgs: dict[str, Organisation]) -> User:
    return user_with_role("pat", Role.PARTNER_STAFF, org="red-cross")


@pytest.fixture
def ledger_size() -> Any:
    return lambda: Record.objects.count()


def test_me_tells_a_signed_in_user_who_they_are(client: Client, partner: User) -> None:
    signed_in(partner, client=client)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "pat"
    assert body["pseudonym"] == partner.pseudonym
    assert body["organisation"]["code"] == "red-cross"
    assert body["roles"] == [{"role": "partner_staff", "scope": "programme"}]
    assert body["token_actions"] is None


def test_a_token_for_the_profile_reads_me_and_is_refused_elsewhere(
    client: Client, admin: User, ledger_size: Any
) -> None:
    secret = token_for(admin, ["account.profile"])
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json()["token_actions"] == ["account.profile"]
    before = ledger_size()
    listing = client.get("/api/v1/organisations", headers=bearer(secret))
    error = assert_error(listing, 403, "forbidden")
    assert "token" in error["message"] and "accounts.org_manage" in error["message"]
    created = post_json(
        client,
        "/api/v1/organisations",
        {"code": "new-org", "name": "New", "kind": "operator"},
        headers=bearer(secret),
    )
    assert_error(created, 403, "forbidden")
    assert ledger_size() == before
    assert not Organisation.objects.filter(code="new-org").exists()


def test_a_token_needs_no_second_factor_and_no_session(client: Client, admin: User) -> None:
    secret = token_for(admin, ["accounts.org_manage"])
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200


def expire(secret: str) -> None:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    ApiToken.objects.filter(digest=digest).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


def revoke(secret: str) -> None:
    token = ApiToken.objects.get(digest=hashlib.sha256(secret.encode()).hexdigest())
    services.token_revoke(actor=principal_for_user(token.user), public_id=token.public_id)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(expire, id="expired"),
        pytest.param(revoke, id="revoked"),
        pytest.param(lambda secret: None, id="garbage"),
    ],
)
def test_an_expired_revoked_or_unknown_token_is_a_401_that_does_not_say_which(
    client: Client, admin: User, spoil: Any, ledger_size: Any
) -> None:
    secret = token_for(admin, ["account.profile", "accounts.org_manage"])
    spoil(secret)
    if spoil.__name__ == "<lambda>":
        secret = "ldt_" + "x" * 43
    before = ledger_size()
    for response in (
        client.get("/api/v1/me", headers=bearer(secret)),
        post_json(
            client,
            "/api/v1/organisations",
            {"code": "late", "name": "Late", "kind": "operator"},
            headers=bearer(secret),
        ),
    ):
        error = assert_error(response, 401, "token_invalid")
        assert error["message"].startswith(TOKEN_PROBLEM)
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert ledger_size() == before
    assert not Organisation.objects.filter(code="late").exists()


def test_a_bad_token_is_refused_even_with_a_valid_session(client: Client, admin: User) -> None:
    signed_in(admin, client=client)
    assert_error(client.get("/api/v1/me", headers=bearer("nonsense")), 401, "token_invalid")


def test_no_credentials_is_a_401_that_says_how_to_authenticate(client: Client) -> None:
    for response in (
        client.get("/api/v1/me"),
        client.get("/api/v1/organisations/operator"),
        post_json(client, "/api/v1/tokens", {"name": "x", "actions": ["account.profile"]}),
    ):
        error = assert_error(response, 401, "not_authenticated")
        assert "token" in error["message"]


def test_a_session_post_without_the_csrf_token_is_refused_and_changes_nothing(
    admin: User, ledger_size: Any
) -> None:
    client = signed_in(admin, client=Client(enforce_csrf_checks=True))
    before = ledger_size()
    data = {"code": "csrf-org", "name": "Forged", "kind": "operator"}
    error = assert_error(post_json(client, "/api/v1/organisations", data), 403, "csrf_failed")
    assert "X-CSRFToken" in error["message"]
    assert ledger_size() == before
    assert not Organisation.objects.filter(code="csrf-org").exists()
    # Reading needs no CSRF token, and with the token the same write works.
    assert client.get("/api/v1/organisations").status_code == 200
    csrf = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else None
    if csrf is None:
        client.get("/")  # the home page sets the CSRF cookie
        csrf = client.cookies["csrftoken"].value
    created = post_json(client, "/api/v1/organisations", data, headers={"X-CSRFToken": csrf})
    assert created.status_code == 201, created.content
    assert ledger_size() == before + 1


def test_a_token_post_needs_no_csrf_token(admin: User) -> None:
    client = Client(enforce_csrf_checks=True)
    secret = token_for(admin, ["accounts.org_manage"])
    data = {"code": "via-token", "name": "Via token", "kind": "operator"}
    assert (
        post_json(client, "/api/v1/organisations", data, headers=bearer(secret)).status_code == 201
    )


def test_roles_that_need_a_second_factor_cannot_use_an_unverified_session(
    client: Client, admin: User
) -> None:
    signed_in(admin, client=client, verified=False)
    error = assert_error(client.get("/api/v1/me"), 401, "second_factor_required")
    assert "second factor" in error["message"]
    signed_in(admin, client=client)
    assert client.get("/api/v1/me").status_code == 200


def test_an_admin_creates_an_organisation_and_the_ledger_records_it(
    client: Client, admin: User, ledger_size: Any
) -> None:
    signed_in(admin, client=client)
    before = ledger_size()
    data = {"code": "un-office", "name": "UN Office", "kind": "un_office"}
    response = post_json(client, "/api/v1/organisations", data)
    assert response.status_code == 201
    assert response.json()["code"] == "un-office"
    assert ledger_size() == before + 1
    assert Record.objects.order_by("-index").first().kind == "accounts.org_created"  # type: ignore[union-attr]


def test_invalid_input_is_a_422_naming_the_field_and_changes_nothing(
    client: Client, admin: User, ledger_size: Any
) -> None:
    signed_in(admin, client=client)
    before = ledger_size()
    bad_code = post_json(
        client, "/api/v1/organisations", {"code": "Not OK!", "name": "X", "kind": "operator"}
    )
    assert "code" in assert_error(bad_code, 422, "invalid")["fields"]
    taken = post_json(
        client, "/api/v1/organisations", {"code": "operator", "name": "X", "kind": "operator"}
    )
    assert assert_error(taken, 422, "invalid")["fields"] == {"code": "taken"}
    missing = post_json(client, "/api/v1/organisations", {"code": "x"})
    error = assert_error(missing, 422, "invalid")
    assert set(error["fields"]) == {"name", "kind"}
    not_json = client.post("/api/v1/organisations", "{", content_type="application/json")
    assert "JSON" in assert_error(not_json, 400, "bad_request")["message"]
    assert ledger_size() == before


def test_another_organisations_record_looks_exactly_like_a_missing_one(
    client: Client, partner: User, orgs: dict[str, Organisation]
) -> None:
    signed_in(partner, client=client)
    assert client.get("/api/v1/organisations/red-cross").json()["code"] == "red-cross"
    other = client.get("/api/v1/organisations/blue-crescent")
    missing = client.get("/api/v1/organisations/no-such-org")
    other_error = assert_error(other, 404, "not_found")
    missing_error = assert_error(missing, 404, "not_found")
    assert other_error["message"].replace("blue-crescent", "?") == missing_error["message"].replace(
        "no-such-org", "?"
    )


def test_admins_see_any_organisation(client: Client, admin: User) -> None:
    signed_in(admin, client=client)
    assert client.get("/api/v1/organisations/blue-crescent").status_code == 200


def test_a_signed_in_user_without_roles_is_refused_organisations_with_403(
    client: Client, orgs: dict[str, Organisation]
) -> None:
    signed_in(user_with_role("nobody", None, org="operator"), client=client)
    # Refused before the record is looked up, so the 403 says nothing about which codes exist.
    for code in ("operator", "no-such-org"):
        assert_error(client.get(f"/api/v1/organisations/{code}"), 403, "forbidden")


def test_the_user_list_never_shows_passwords_or_hashes(client: Client, admin: User) -> None:
    signed_in(admin, client=client)
    response = client.get("/api/v1/users")
    assert response.status_code == 200
    users = {u["username"]: u for u in response.json()}
    assert users["ada"]["roles"] == [{"role": "admin", "scope": "programme"}]
    admin.refresh_from_db()
    assert admin.password.encode() not in response.content and b"password" not in response.content


def test_an_admin_creates_a_user_and_grants_and_revokes_a_role(
    client: Client, admin: User, ledger_size: Any
) -> None:
    signed_in(admin, client=client)
    data = {"username": "carl", "password": PASSWORD, "organisation": "operator"}
    created = post_json(client, "/api/v1/users", data)
    assert created.status_code == 201, created.content
    stored = User.objects.get(username="carl").password
    assert stored.encode() not in created.content and PASSWORD.encode() not in created.content
    pseudonym = created.json()["pseudonym"]
    grant = {"role": "collection_clerk", "scope": "site:cp-1"}
    granted = post_json(client, f"/api/v1/users/{pseudonym}/grants", grant)
    assert granted.json()["roles"] == [grant]
    revoked = post_json(client, f"/api/v1/users/{pseudonym}/grants/revoke", grant)
    assert revoked.json()["roles"] == []
    before = ledger_size()
    again = post_json(client, f"/api/v1/users/{pseudonym}/grants/revoke", grant)
    assert assert_error(again, 422, "invalid")["fields"] == {"role": "not granted"}
    weak = post_json(client, "/api/v1/users", {**data, "username": "dora", "password": "123"})
    assert "password" in assert_error(weak, 422, "invalid")["fields"]
    unknown = post_json(client, "/api/v1/users/u-000000000000/grants", grant)
    assert_error(unknown, 404, "not_found")
    assert ledger_size() == before


def test_only_admins_grant_roles(client: Client, partner: User, admin: User) -> None:
    signed_in(partner, client=client)
    grant = {"role": "admin", "scope": "programme"}
    assert_error(
        post_json(client, f"/api/v1/users/{partner.pseudonym}/grants", grant), 403, "forbidden"
    )
    assert not RoleGrant.objects.filter(user=partner, role="admin").exists()


def test_a_token_secret_is_shown_once_and_stored_only_hashed(client: Client, partner: User) -> None:
    signed_in(partner, client=client)
    data = {"name": "sync", "actions": ["account.profile", "accounts.org_view"], "days": 7}
    created = post_json(client, "/api/v1/tokens", data)
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert body["organisation"] == "red-cross"
    token = ApiToken.objects.get(public_id=body["id"])
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    listed = client.get("/api/v1/tokens")
    assert [t["id"] for t in listed.json()] == [body["id"]]
    assert secret.encode() not in listed.content and token.digest.encode() not in listed.content
    assert all(secret not in json.dumps(r.data) for r in Record.objects.all())
    assert client.get("/api/v1/organisations/red-cross", headers=bearer(secret)).status_code == 200
    # The token carries its organisation: another's records look missing through it too.
    other = client.get("/api/v1/organisations/blue-crescent", headers=bearer(secret))
    assert_error(other, 404, "not_found")


def test_a_token_cannot_create_a_token_with_more_actions_than_it_has(
    client: Client, admin: User, ledger_size: Any
) -> None:
    secret = token_for(admin, ["account.tokens"])
    before = ledger_size()
    data = {"name": "wider", "actions": ["accounts.org_manage"]}
    error = assert_error(
        post_json(client, "/api/v1/tokens", data, headers=bearer(secret)), 422, "invalid"
    )
    assert "actions" in error["fields"]
    assert ledger_size() == before


def test_a_token_is_revoked_by_its_owner_and_stops_working_at_once(
    client: Client, partner: User
) -> None:
    secret = token_for(partner, ["account.profile", "account.tokens"])
    public_id = ApiToken.objects.get(user=partner).public_id
    revoked = client.post(f"/api/v1/tokens/{public_id}/revoke", headers=bearer(secret))
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401, "token_invalid")


def test_someone_elses_token_cannot_be_revoked_and_looks_missing(
    client: Client, partner: User, admin: User, ledger_size: Any
) -> None:
    token_for(admin, ["account.profile"])
    admins_token = ApiToken.objects.get(user=admin).public_id
    signed_in(partner, client=client)
    before = ledger_size()
    theirs = client.post(f"/api/v1/tokens/{admins_token}/revoke")
    missing = client.post("/api/v1/tokens/000000000000/revoke")
    assert_error(theirs, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert ledger_size() == before
    assert ApiToken.objects.get(public_id=admins_token).revoked_at is None


def test_an_admin_revokes_anyones_token(client: Client, partner: User, admin: User) -> None:
    token_for(partner, ["account.profile"])
    public_id = ApiToken.objects.get(user=partner).public_id
    signed_in(admin, client=client)
    assert client.post(f"/api/v1/tokens/{public_id}/revoke").status_code == 200
    assert ApiToken.objects.get(public_id=public_id).revoked_at is not None


def test_the_openapi_document_names_each_operations_action(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Laydown API"
    me = schema["paths"]["/api/v1/me"]["get"]
    assert me["x-laydown-action"] == "account.profile"
    assert {"BearerToken", "SessionCookie"} <= set(schema["components"]["securitySchemes"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_an_operation_open_to_anyone_needs_no_credentials_but_others_do() -> None:
    router = Router()

    @router.get("/open")
    @api_action("public.view")
    def open_operation(request: HttpRequest) -> dict[str, bool]:
        return {"open": True}

    @router.get("/closed")
    @api_action("account.profile")
    def closed_operation(request: HttpRequest) -> dict[str, bool]:
        return {"open": False}

    client = TestClient(router)
    assert client.get("/open").json() == {"open": True}
    assert client.get("/closed").status_code == 401
