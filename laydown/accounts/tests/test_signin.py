"""Sign-in with password and TOTP second factor; throttling; sign-out; CSRF; security headers."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.accounts import demo, signin
from laydown.accounts.models import Organisation, User
from laydown.testing import (
    PASSWORD,
    clock,
    code_for,
    kinds_logged,
    signed_in,
    totp_device,
    user_with_role,
)

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
SECOND_FACTOR = reverse("accounts:second_factor")
PROFILE = reverse("accounts:profile")


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.argon2  # this one test hashes as production does
def test_a_clerk_signs_in_with_the_right_password_stored_as_argon2() -> None:
    clerk = user_with_role("gulnara", "collection_clerk", "site:cp-1")
    assert clerk.password.startswith("argon2")
    client = Client()
    response = sign_in(client, "gulnara")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert is_signed_in(client)
    assert client.get(PROFILE).status_code == 200


def test_a_wrong_password_is_refused_with_401_and_a_clear_message() -> None:
    user_with_role("gulnara", "collection_clerk")
    client = Client()
    response = sign_in(client, "gulnara", "not-the-password")
    assert response.status_code == 401
    assert "Please enter a correct username and password" in response.content.decode()
    assert not is_signed_in(client)


def test_the_sign_in_page_is_served_with_a_content_security_policy() -> None:
    response = Client().get(SIGN_IN)
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_too_many_failures_hold_the_account_back_with_429_and_one_ledger_record(
    monkeypatch,
) -> None:
    clock.freeze(monkeypatch, signin)  # the 1 s wait cannot run out between two slow tries
    user_with_role("gulnara", "collection_clerk")
    client = Client()
    limit = settings.LAYDOWN_SIGNIN_FAILURE_LIMIT
    statuses = [sign_in(client, "gulnara", f"wrong-{i}").status_code for i in range(limit + 2)]
    assert statuses[:limit] == [401] * limit  # the limit-th try is still checked
    assert statuses[limit:] == [429] * 2  # then each try must wait
    held = sign_in(client, "gulnara")  # even the right password, while it must wait
    assert held.status_code == 429
    assert "Wait 1 seconds" in held.content.decode() and held["Retry-After"] == "1"
    assert not is_signed_in(client)
    assert kinds_logged().count("accounts.signin_throttled") == 1


def test_a_clerk_needs_no_second_factor() -> None:
    user_with_role("gulnara", "collection_clerk")
    client = Client()
    assert sign_in(client, "gulnara")["Location"] == reverse("home")
    assert client.get(PROFILE).status_code == 200


@pytest.mark.parametrize("role", ["admin", "custodian", "observer"])
def test_roles_that_need_a_second_factor_are_sent_to_it_after_the_password(role) -> None:
    user_with_role("ann", role)
    client = Client()
    response = sign_in(client, "ann", next=PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(SECOND_FACTOR)
    assert "next=%2Faccounts%2Fprofile%2F" in response["Location"]
    assert client.get(PROFILE)["Location"] == SECOND_FACTOR


def test_enrolment_shows_a_qr_code_and_a_code_from_the_device_confirms_it() -> None:
    admin = user_with_role("ann", "admin")
    client = Client()
    sign_in(client, "ann")
    page = client.get(SECOND_FACTOR, {"next": PROFILE})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=admin)
    assert not device.confirmed
    assert client.get(SECOND_FACTOR).status_code == 200  # reloading keeps the same device
    assert TOTPDevice.objects.filter(user=admin).count() == 1

    response = client.post(SECOND_FACTOR, {"code": code_for(device), "next": PROFILE})
    assert response.status_code == 302
    assert response["Location"] == PROFILE
    device.refresh_from_db()
    assert device.confirmed
    assert kinds_logged()[-1] == "accounts.second_factor_enrolled"
    profile = client.get(PROFILE)
    assert profile.status_code == 200
    assert "set up" in profile.content.decode()


def test_a_wrong_totp_code_is_refused_and_nothing_changes() -> None:
    admin = user_with_role("ann", "admin")
    client = Client()
    sign_in(client, "ann")
    client.get(SECOND_FACTOR)
    before = kinds_logged()
    response = client.post(SECOND_FACTOR, {"code": "000000"})
    assert response.status_code == 401
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(user=admin).confirmed
    assert kinds_logged() == before
    assert client.get(PROFILE)["Location"] == SECOND_FACTOR


def test_a_user_with_a_device_enters_its_code_and_is_verified() -> None:
    admin = user_with_role("ann", "admin")
    device = totp_device(admin)
    client = Client()
    sign_in(client, "ann")
    page = client.get(SECOND_FACTOR)
    assert "<svg" not in page.content.decode()  # no enrolment: the secret is never shown again
    response = client.post(SECOND_FACTOR, {"code": code_for(device)})
    assert response["Location"] == reverse("home")
    assert client.get(PROFILE).status_code == 200
    assert client.get(SECOND_FACTOR)["Location"] == reverse("home")


def test_a_code_cannot_be_used_twice() -> None:
    admin = user_with_role("ann", "admin")
    device = totp_device(admin)
    code = code_for(device)
    first, second = Client(), Client()
    sign_in(first, "ann")
    sign_in(second, "ann")
    assert first.post(SECOND_FACTOR, {"code": code}).status_code == 302
    assert second.post(SECOND_FACTOR, {"code": code}).status_code == 401


def test_wrong_codes_are_throttled_so_the_next_try_must_wait() -> None:
    admin = user_with_role("ann", "admin")
    device = totp_device(admin)
    client = Client()
    sign_in(client, "ann")
    client.post(SECOND_FACTOR, {"code": "000000"})
    response = client.post(SECOND_FACTOR, {"code": code_for(device)})
    assert response.status_code == 401
    assert "Too many wrong codes. Wait" in response.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1


def test_the_second_factor_page_asks_anonymous_visitors_for_the_password_first() -> None:
    response = Client().get(SECOND_FACTOR, {"next": PROFILE})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{SIGN_IN}"' in html and 'name="password"' in html
    assert f'name="next" value="{PROFILE}"' in html


def test_an_offsite_next_is_ignored() -> None:
    user_with_role("gulnara", "collection_clerk")
    response = sign_in(Client(), "gulnara", next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_sign_out_is_post_only_and_ends_the_session() -> None:
    clerk = user_with_role("gulnara", "collection_clerk")
    client = signed_in(clerk)
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    assert is_signed_in(client)
    response = client.post(reverse("accounts:sign_out"))
    assert response["Location"] == reverse("home")
    assert not is_signed_in(client)
    assert client.get(PROFILE)["Location"].startswith(SIGN_IN)


def test_a_post_without_csrf_token_is_refused_with_403_and_changes_nothing() -> None:
    admin = user_with_role("ann", "admin")
    client = signed_in(admin, client=Client(enforce_csrf_checks=True))
    response = client.post(
        reverse("accounts:organisations"), {"code": "new-org", "name": "New", "kind": "auditor"}
    )
    assert response.status_code == 403
    assert "CSRF check failed" in response.content.decode()
    assert not Organisation.objects.filter(code="new-org").exists()
    anonymous = Client(enforce_csrf_checks=True)
    assert sign_in(anonymous, "ann").status_code == 403
    assert not is_signed_in(anonymous)


def test_demo_users_that_need_a_second_factor_sign_in_with_the_printed_code() -> None:
    lines = list(demo.demo_load())
    assert any(demo.demo_totp_secret("admin") in line for line in lines)
    assert any("otpauth://totp/Laydown%3Aobserver" in line for line in lines)
    client = Client()
    assert sign_in(client, "admin", demo.demo_password("admin"))["Location"].startswith(
        SECOND_FACTOR
    )
    out = io.StringIO()
    call_command("demo_totp", "admin", stdout=out)
    code = out.getvalue().split()[0]
    assert client.post(SECOND_FACTOR, {"code": code}).status_code == 302
    assert client.get(PROFILE).status_code == 200
    assert list(demo.demo_load())  # loading again changes nothing and still prints the secrets
    assert User.objects.filter(username="admin").count() == 1
    assert TOTPDevice.objects.filter(user__username="admin").count() == 1
