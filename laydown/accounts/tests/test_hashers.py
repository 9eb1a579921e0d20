"""Passwords are hashed with Argon2id at OWASP's parameters; a hash made with Django's default
parameters still verifies and is rewritten at the next successful sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client
from django.urls import reverse

from laydown.accounts.hashers import LaydownArgon2Hasher
from laydown.accounts.models import User
from laydown.testing import PASSWORD, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.argon2]


def test_new_passwords_are_argon2id_with_19_mib_2_passes_1_lane() -> None:
    encoded = make_password("a long passphrase 2026")
    assert isinstance(identify_hasher(encoded), LaydownArgon2Hasher)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_hash_with_djangos_default_parameters_verifies_and_is_upgraded_at_sign_in() -> None:
    clerk = user_with_role("gulnara", "collection_clerk", "site:cp-1")
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in old
    User.objects.filter(pk=clerk.pk).update(password=old)

    client = Client()
    response = client.post(
        reverse("accounts:sign_in"), {"username": "gulnara", "password": PASSWORD}
    )
    assert response.status_code == 302
    upgraded = User.objects.get(pk=clerk.pk).password
    assert upgraded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert User.objects.get(pk=clerk.pk).check_password(PASSWORD)
    assert not User.objects.get(pk=clerk.pk).check_password(PASSWORD + "x")
