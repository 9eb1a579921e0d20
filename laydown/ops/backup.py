"""Backups that restore: a consistent copy of the SQLite database, the stored files, and the
keys sealed under a passphrase.

A backup directory holds:

- `laydown.sqlite3`: the database, copied page by page through SQLite's online backup API
  (one consistent state, while the application keeps writing);
- `files/`: the data directory's stored files (item photos, assistance files and receipts);
- `keys.sealed`: the secret key, the log's signing key and the vault's master key, sealed
  with AES-256-GCM under a key derived from the passphrase by scrypt (n=2^15, r=8, p=1);
- `manifest.json`: the log size and root at the time, and the SHA-256 of every file.

Restoring needs the passphrase and an empty data directory (no database, no log or vault
key); the caller then checks the result (`laydown restore` runs `ledger replay --check` and
verifies the log's tiles against the restored key).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection

from laydown.ledger.models import Checkpoint

KEY_FILES = ("secret_key", "log.key", "vault.key")
FILE_DIRS = ("files", "assistance")  # stored files under the data directory
SEALED_MAGIC = b"laydown-keys-v1\n"
DATABASE = "laydown.sqlite3"
MIN_PASSPHRASE = 12


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    log_size: int
    files: int


def _scrypt(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())


def keys_seal(passphrase: str, keys: dict[str, bytes]) -> bytes:
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps({name: base64.b64encode(v).decode() for name, v in keys.items()})
    sealed = AESGCM(_scrypt(passphrase, salt)).encrypt(nonce, plain.encode(), SEALED_MAGIC)
    return SEALED_MAGIC + salt + nonce + sealed


def keys_unseal(passphrase: str, blob: bytes) -> dict[str, bytes]:
    if not blob.startswith(SEALED_MAGIC):
        raise BackupError("keys.sealed is not a Laydown key file (or a newer format).")
    body = blob[len(SEALED_MAGIC) :]
    salt, nonce, sealed = body[:16], body[16:28], body[28:]
    try:
        plain = AESGCM(_scrypt(passphrase, salt)).decrypt(nonce, sealed, SEALED_MAGIC)
    except InvalidTag:
        raise BackupError("Wrong passphrase, or keys.sealed was changed.") from None
    return {name: base64.b64decode(v) for name, v in json.loads(plain).items()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path() -> Path:
    db = settings.DATABASES["default"]
    if not str(db["ENGINE"]).endswith("sqlite3"):
        raise BackupError(
            "laydown backup copies SQLite databases only so far; on PostgreSQL use pg_dump "
            "(docs/deployment.md) and `laydown backup` for the keys and files later."
        )
    return Path(str(db["NAME"]))


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: one consistent state, writers of the source not stopped."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup_write(*, directory: Path, passphrase: str) -> BackupResult:
    """Write a backup into `directory` (created; it must not exist or be empty)."""
    source = _sqlite_path()
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"The passphrase must be at least {MIN_PASSPHRASE} characters.")
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup.")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sqlite_copy(source, directory / DATABASE)
    data = Path(settings.DATA_DIR)
    for name in FILE_DIRS:
        if (data / name).is_dir():
            shutil.copytree(data / name, directory / "files" / name)
    keys = {name: (data / name).read_bytes() for name in KEY_FILES if (data / name).exists()}
    (directory / "keys.sealed").write_bytes(keys_seal(passphrase, keys))
    return _manifest_write(directory)


def _manifest_write(directory: Path) -> BackupResult:
    db = sqlite3.connect(directory / DATABASE)
    table = Checkpoint._meta.db_table
    row = db.execute(f"SELECT max(size) FROM {table}").fetchone()  # noqa: S608 - our name
    db.close()
    files = [path for path in sorted(directory.rglob("*")) if path.is_file()]
    for path in files:
        os.chmod(path, 0o600)  # the database and files hold (sealed) personal data
    hashes = {str(path.relative_to(directory)): _sha256(path) for path in files}
    log_size = int(row[0] or 0)
    manifest = {"format": 1, "log_size": log_size, "sha256": hashes}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return BackupResult(directory, log_size, len(hashes))


def backup_check(directory: Path) -> dict[str, object]:
    """The manifest, after checking every file it lists against its SHA-256."""
    try:
        manifest: dict[str, object] = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} has no readable manifest.json: {exc}") from None
    hashes = manifest.get("sha256")
    if not isinstance(hashes, dict):
        raise BackupError("manifest.json lists no files.")
    for name, expected in hashes.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{name} is missing or differs from the manifest.")
    return manifest


def restore_into_empty(*, directory: Path, passphrase: str) -> dict[str, object]:
    """Bring a backup back into this (empty) data directory and database file."""
    manifest = backup_check(directory)
    keys = keys_unseal(passphrase, (directory / "keys.sealed").read_bytes())
    data = Path(settings.DATA_DIR)
    target = _sqlite_path()
    # settings create the SQLite file empty (0600) at start-up: empty counts as absent
    present = [
        p
        for p in (target, Path(f"{target}-wal"), data / "log.key", data / "vault.key")
        if p.exists() and p.stat().st_size > 0
    ]
    if present:
        raise BackupError(
            f"Restore needs an empty data directory: {', '.join(map(str, present))} exists. "
            "Point LAYDOWN_DATA_DIR (and LAYDOWN_DATABASE_URL) at a new one."
        )
    connection.close()
    _sqlite_copy(directory / DATABASE, target)
    os.chmod(target, 0o600)
    for name in FILE_DIRS:
        if (directory / "files" / name).is_dir():
            shutil.copytree(directory / "files" / name, data / name, dirs_exist_ok=True)
    for name, content in keys.items():
        path = data / name
        path.unlink(missing_ok=True)  # the secret key settings made up at start-up
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    return manifest
