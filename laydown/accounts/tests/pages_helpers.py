"""Helpers of the account page tests: users per role, signed-in clients, TOTP codes."""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.accounts import services
from laydown.accounts.models import Organisation, User
from laydown.accounts.totp import seed_open
from laydown.ledger.models import Record

PASSWORD = "correct-horse-battery-9"
# Argon2 is deliberately slow; tests that create many users hash with MD5 (never in production).
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def organisation(code: str = "operator", kind: str = "operator") -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        org = services.org_create(actor=services.SYSTEM, code=code, name=code.title(), kind=kind)
    return org


def user_with_role(
    username: str, role: str | None, scope: str = "programme", org: str = "operator"
) -> User:
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


def kinds_logged() -> list[str]:
    return list(Record.objects.order_by("index").values_list("kind", flat=True))
