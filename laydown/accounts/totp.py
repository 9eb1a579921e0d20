"""TOTP seeds sealed at rest: AES-256-GCM under a key derived from the vault's master key.

django-otp stores a device's seed as hex in `TOTPDevice.key` and reads it only through the
`bin_key` property (to verify a code and to build the otpauth URI); `SealedTOTPDevice`
overrides that property, so the column holds `v1:` + base64(nonce, ciphertext, tag) with the
user's id as associated data (a seed copied to another user's row does not open). A copy of the
database without `vault.key` holds no usable seed. Migration 0003 seals the seeds stored before.
"""

from __future__ import annotations

import base64
import binascii
import os

from laydown.vault import crypto

PREFIX = "v1:"
SEED_BYTES = 20  # django-otp's default: 160 bits, as RFC 4226 recommends


def _aad(user_id: int) -> bytes:
    return f"totp-seed|user:{user_id}".encode()


def seed_seal(seed: bytes, *, user_id: int) -> str:
    """The value to store in TOTPDevice.key (67 characters for a 20-byte seed; the column
    holds 80)."""
    sealed = crypto.seal(crypto.derived_key(b"totp-seed"), seed, _aad(user_id))
    return PREFIX + base64.b64encode(sealed).decode()


def seed_open(stored: str, *, user_id: int) -> bytes:
    """The seed from a stored value; a plain hex seed (one never sealed) is read as it is."""
    if not stored.startswith(PREFIX):
        return binascii.unhexlify(stored.encode())
    sealed = base64.b64decode(stored[len(PREFIX) :])
    return crypto.unseal(crypto.derived_key(b"totp-seed"), sealed, _aad(user_id))


def seed_new(*, user_id: int) -> str:
    return seed_seal(os.urandom(SEED_BYTES), user_id=user_id)
