"""The test suite's one set of users, principals and sign-in helpers, shared by every app's tests.

Tests import these from here, never from another test module. Shared fixtures (sites, items,
observers, a witness) are in `laydown.fixtures`, which the root conftest loads for every test.
Nothing here runs in production.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.access.permissions import Principal
from laydown.access.roles import OrgKind
from laydown.access.web import principal_for_user
from laydown.accounts import services
from laydown.accounts.models import Organisation, User
from laydown.accounts.totp import seed_open
from laydown.ledger import selectors as ledger_selectors
from laydown.ledger.models import Record

PASSWORD = "correct-horse-battery-9"
# Argon2 is deliberately slow; tests that create many users hash with MD5 (never in production).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODEL_BACKEND = "laydown.accounts.signin.ThrottledModelBackend"
# The answers that make a participant eligible (people's screening questions).
YES = dict.fromkeys(
    ("names_unit", "weapon_handling", "handed_in", "on_group_list", "before_cut_off"), "yes"
)


def principal(pseudonym: str, *grants: tuple[str, str], organisation_id: int = 1) -> Principal:
    """A principal with these (role, scope) grants, for service tests that need no user row."""
    return Principal(user_id=1, pseudonym=pseudonym, organisation_id=organisation_id, grants=grants)


def organisation(code: str = "operator", kind: str = OrgKind.OPERATOR) -> Organisation:
    """The organisation `code`, created (named after its code) if it does not exist yet."""
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        org = services.org_create(actor=services.SYSTEM, code=code, name=code.title(), kind=kind)
    return org


def user_with_role(
    username: str, role: str | None, scope: str = "programme", org: str = "operator"
) -> User:
    """A user of `org` (created as an operator if missing) with `role` at `scope`, or none."""
    organisation(org)
    user = services.user_create(
        actor=services.SYSTEM, username=username, password=PASSWORD, organisation=org
    )
    if role:
        services.role_grant(actor=services.SYSTEM, user=user, role=role, scope=scope)
    return user


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=confirmed)


def code_for(device: TOTPDevice) -> str:
    """The device's current TOTP code, as an authenticator app would show it."""
    device.refresh_from_db()
    seed = seed_open(device.key, user_id=device.user_id)  # sealed at rest
    totp = TOTP(seed, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def signed_in(user: User, *, verified: bool = True, client: Client | None = None) -> Client:
    """A client signed in as `user`; `verified`: past the second factor (a confirmed device)."""
    client = client or Client()
    client.force_login(user, backend=MODEL_BACKEND)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or totp_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def token_for(user: User, actions: list[str], days: int = 30) -> str:
    """The secret of a new API token of `user` for `actions`."""
    _token, secret = services.token_create(
        actor=principal_for_user(user), name="integration", actions=actions, days=days
    )
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def post_json(client: Client, url: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **kw)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The API's one error shape, with this status and code; returns its `error` object."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def log_size() -> int:
    return ledger_selectors.log_size()


def kinds_logged() -> list[str]:
    return list(Record.objects.order_by("index").values_list("kind", flat=True))


def another_process_changes_access() -> None:
    """What another worker process does after committing a change of access (a token revoked,
    a role, a site changed): replace the stamp file (accounts.token_cache)."""
    path = Path(settings.DATA_DIR) / "access.stamp"
    fresh = path.with_name("access.stamp.other")
    fresh.write_bytes(os.urandom(8))
    os.replace(fresh, path)
