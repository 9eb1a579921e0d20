"""Key handling of the vault: a master key in the data directory wraps one key per subject."""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from laydown.core.errors import ConfigurationError
from laydown.core.private import exposed_key_problem

NONCE = 12


def master_key_path() -> Path:
    return Path(settings.DATA_DIR) / "vault.key"


def master_key_create_if_absent() -> bool:
    path = master_key_path()
    if path.exists():
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    master_key.cache_clear()
    return True


@functools.lru_cache(maxsize=1)
def master_key() -> bytes:
    path = master_key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"The personal-data vault has no master key at {path}: run `laydown keys init`."
        ) from None
    if len(key) != 32:
        raise ConfigurationError(f"The vault master key {path} is not 32 bytes.")
    problem = exposed_key_problem(path)
    if problem:
        raise ConfigurationError(problem)
    return key


def derived_key(purpose: bytes) -> bytes:
    """A key for one purpose (wrapping subject keys, blind indexes, TOTP seeds...)."""
    return hmac.new(master_key(), purpose, hashlib.sha256).digest()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], aad)


def wrap(subject_key: bytes, subject: str) -> bytes:
    return seal(derived_key(b"wrap"), subject_key, b"subject:" + subject.encode())


def unwrap(wrapped: bytes, subject: str) -> bytes:
    return unseal(derived_key(b"wrap"), wrapped, b"subject:" + subject.encode())


def blind(field: str, normalised_value: str) -> str:
    """A keyed hash of a normalised value: equal values match, nothing can be read back."""
    key = derived_key(b"blind-index")
    return hmac.new(key, f"{field}\x00{normalised_value}".encode(), hashlib.sha256).hexdigest()
