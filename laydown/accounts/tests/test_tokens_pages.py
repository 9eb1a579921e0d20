"""Token pages: the secret is shown once and stored as its SHA-256; others' tokens look absent."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from laydown.access.web import principal_for_user
from laydown.accounts.models import ApiToken, User
from laydown.accounts.services import token_create
from laydown.testing import kinds_logged, signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

TOKENS = reverse("accounts:tokens")


@pytest.fixture
def clerk_user() -> User:
    return user_with_role("gulnara", "collection_clerk", "site:cp-1")


@pytest.fixture
def clerk(clerk_user) -> Client:
    return signed_in(clerk_user)


def revoke_url(public_id: str) -> str:
    return reverse("accounts:token_revoke", kwargs={"public_id": public_id})


def a_token_of(user: User, name: str = "export") -> ApiToken:
    token, _secret = token_create(
        actor=principal_for_user(user), name=name, actions=["account.profile"], days=30
    )
    return token


def test_creating_a_token_shows_the_secret_once_and_stores_only_its_sha256(clerk) -> None:
    response = clerk.post(
        TOKENS, {"name": "nightly export", "actions": ["account.profile"], "days": 7}
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="token-secret">(ldt_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.actions == ["account.profile"]
    assert kinds_logged()[-1] == "accounts.token_created"
    assert secret not in str(dict(clerk.session))
    listing = clerk.get(TOKENS).content.decode()
    assert token.public_id in listing and "nightly export" in listing
    assert secret not in listing


def test_only_actions_the_roles_allow_are_offered_and_accepted(clerk) -> None:
    page = clerk.get(TOKENS).content.decode()
    assert 'value="account.profile"' in page
    assert 'value="accounts.user_manage"' not in page
    assert 'value="public.view"' not in page  # needs no token
    before = kinds_logged()
    response = clerk.post(TOKENS, {"name": "x", "actions": ["accounts.user_manage"], "days": 7})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()
    assert kinds_logged() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "actions": ["account.profile"], "days": 7}, "name"),
        ({"name": "x", "actions": [], "days": 7}, "actions"),
        ({"name": "x", "actions": ["account.profile"], "days": 999}, "days"),
    ],
)
def test_bad_token_input_is_refused_next_to_its_field(clerk, data, field) -> None:
    response = clerk.post(TOKENS, data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_one_s_own_token_marks_it_revoked_with_a_record(clerk, clerk_user) -> None:
    token = a_token_of(clerk_user)
    response = clerk.post(revoke_url(token.public_id))
    assert response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert kinds_logged()[-1] == "accounts.token_revoked"
    assert "revoked" in clerk.get(TOKENS).content.decode()
    again = clerk.post(revoke_url(token.public_id))
    assert again.status_code == 404


def test_someone_else_s_token_looks_exactly_like_a_missing_one(clerk) -> None:
    other = a_token_of(user_with_role("zara", "registrar"))
    before = kinds_logged()
    others = clerk.post(revoke_url(other.public_id))
    missing = clerk.post(revoke_url("0123456789ab"))
    assert others.status_code == missing.status_code == 404
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", others.content.decode()) == strip.sub("", missing.content.decode())
    other.refresh_from_db()
    assert other.revoked_at is None
    assert kinds_logged() == before
    assert other.public_id not in clerk.get(TOKENS).content.decode()


def test_an_admin_revokes_any_user_s_token_from_the_user_page() -> None:
    registrar = user_with_role("zara", "registrar")
    token = a_token_of(registrar)
    admin = signed_in(user_with_role("ann", "admin"))
    user_page = reverse("accounts:user_detail", kwargs={"user_id": registrar.pk})
    assert token.public_id in admin.get(user_page).content.decode()
    response = admin.post(revoke_url(token.public_id), {"next": user_page})
    assert response["Location"] == user_page
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoke_is_post_only(clerk, clerk_user) -> None:
    token = a_token_of(clerk_user)
    assert clerk.get(revoke_url(token.public_id)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
