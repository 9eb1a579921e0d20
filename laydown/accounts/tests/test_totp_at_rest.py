"""TOTP seeds are sealed at rest: the database holds no usable seed without the vault key."""

from __future__ import annotations

import base64
import importlib

import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.accounts import totp
from laydown.accounts.models import SealedTOTPDevice
from laydown.testing import PASSWORD, code_for, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]
SECOND_FACTOR = reverse("accounts:second_factor")


def stored_key(device_pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM otp_totp_totpdevice WHERE id = %s", [device_pk])
        return cursor.fetchone()[0]


def test_an_enrolled_seed_is_stored_sealed_and_still_verifies_codes() -> None:
    admin = user_with_role("ann", "admin")
    client = Client()
    client.post(reverse("accounts:sign_in"), {"username": "ann", "password": PASSWORD})
    page = client.get(SECOND_FACTOR).content.decode()
    device = SealedTOTPDevice.objects.get(user=admin)
    seed = device.bin_key
    raw = stored_key(device.pk)
    assert raw.startswith("v1:") and len(raw) <= 80
    assert seed.hex() not in raw.lower() and seed not in base64.b64decode(raw[3:])
    assert base64.b32encode(seed).decode()[:4] in page  # the user is shown the real secret
    response = client.post(SECOND_FACTOR, {"code": code_for(device)})
    assert response.status_code == 302
    assert SealedTOTPDevice.objects.get(pk=device.pk).confirmed


def test_a_sealed_seed_does_not_open_for_another_user() -> None:
    ann, bob = user_with_role("ann", "admin"), user_with_role("bob", "admin")
    stored = totp.seed_new(user_id=ann.pk)
    with pytest.raises(InvalidTag):
        totp.seed_open(stored, user_id=bob.pk)


def test_the_migration_seals_seeds_stored_before_and_can_open_them_again() -> None:
    admin = user_with_role("ann", "admin")
    plain = TOTPDevice.objects.create(user=admin, name="old phone", confirmed=True)
    seed_hex = plain.key
    migration = importlib.import_module("laydown.accounts.migrations.0003_totp_seeds_sealed")
    migration.seal_seeds(apps, connection.schema_editor())
    sealed = stored_key(plain.pk)
    assert sealed.startswith("v1:") and seed_hex not in sealed
    assert SealedTOTPDevice.objects.get(pk=plain.pk).bin_key.hex() == seed_hex
    migration.open_seeds(apps, connection.schema_editor())
    assert stored_key(plain.pk) == seed_hex
