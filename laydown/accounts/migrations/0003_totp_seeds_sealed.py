"""TOTP seeds sealed at rest (see laydown.accounts.totp): a proxy model that reads them, and
the seeds stored before, sealed in place (reversible: the reverse opens them again).

Self-contained on purpose (no app code): the key derivation and format are repeated here.
Non-atomic so that, after the rewrite, the old plain seeds can be scrubbed from the database
files: SQLite checkpoints its WAL (secure_delete is on for every connection), PostgreSQL
vacuums the table.
"""

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import migrations, transaction

PREFIX = "v1:"


def _key() -> bytes:
    path = Path(settings.DATA_DIR) / "vault.key"
    try:
        master = path.read_bytes()
    except FileNotFoundError:
        raise RuntimeError(
            f"TOTP seeds are stored and there is no vault master key at {path} to seal them "
            "with: run `laydown keys init` (or restore vault.key), then migrate again."
        ) from None
    return hmac.new(master, b"totp-seed", hashlib.sha256).digest()


def _aad(user_id):
    return f"totp-seed|user:{user_id}".encode()


def _scrub(schema_editor):
    if schema_editor.connection.in_atomic_block:  # run inside a caller's transaction (a test)
        return
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM otp_totp_totpdevice")


def seal_seeds(apps, schema_editor):
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    plain = device_model.objects.exclude(key__startswith=PREFIX)
    if not plain.exists():
        return
    key = AESGCM(_key())
    with transaction.atomic():
        for device in plain.select_for_update():
            nonce = os.urandom(12)
            seed = binascii.unhexlify(device.key.encode())
            sealed = nonce + key.encrypt(nonce, seed, _aad(device.user_id))
            device.key = PREFIX + base64.b64encode(sealed).decode()
            device.save(update_fields=["key"])
    _scrub(schema_editor)


def open_seeds(apps, schema_editor):
    device_model = apps.get_model("otp_totp", "TOTPDevice")
    sealed = device_model.objects.filter(key__startswith=PREFIX)
    if not sealed.exists():
        return
    key = AESGCM(_key())
    with transaction.atomic():
        for device in sealed.select_for_update():
            raw = base64.b64decode(device.key[len(PREFIX) :])
            seed = key.decrypt(raw[:12], raw[12:], _aad(device.user_id))
            device.key = binascii.hexlify(seed).decode()
            device.save(update_fields=["key"])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0002_role_child_protection"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="SealedTOTPDevice",
            fields=[],
            options={
                "verbose_name": "TOTP device (sealed seed)",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_seeds, open_seeds),
    ]
