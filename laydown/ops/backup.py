"""Backups that restore: one consistent copy of the database (SQLite or PostgreSQL), the stored
files and the keys, every part encrypted with age (https://age-encryption.org, through pyrage).

A backup directory holds:

- `database.sqlite3.age` (SQLite, copied page by page through the online backup API while the
  application keeps writing) or `database.pgdump.age` (PostgreSQL: `pg_dump --format=custom`
  of one snapshot, the very snapshot in which the log size of the manifest was read);
- `files.tar.age`: the data directory's stored files (item photos, assistance files, receipts);
- `keys.json.age`: the secret key, the log's signing key, the vault's master key and the
  OpenRosa form key (openrosa.key, encrypted ODK submissions);
- `identity.age` (passphrase backups only): the X25519 identity the parts are encrypted to,
  itself encrypted under the passphrase (age's scrypt);
- `manifest.json`: the format, the database engine, the log size, and the SHA-256 of every file.

Encrypted to an age recipient (`age1...`, LAYDOWN_BACKUP_RECIPIENT), a backup can be written
by a machine that cannot read it (the worker's nightly backup); only the holder of the identity
restores it. Under a passphrase, one random identity per backup is sealed by the passphrase:
each part is still a plain age file (`age -d identity.age > id; age -d -i id keys.json.age`).

Restoring needs an empty data directory and an empty database of the same engine; the caller
then checks the result (`laydown restore` runs `ledger replay --check` and `laydown verify`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.db import connection, transaction
from pyrage import passphrase as age_passphrase
from pyrage import x25519

from laydown.ledger.models import Checkpoint

FORMAT = 2
KEY_FILES = ("secret_key", "log.key", "vault.key", "openrosa.key")
FILE_DIRS = ("files", "assistance")  # stored files under the data directory
SQLITE_PART = "database.sqlite3.age"
PG_PART = "database.pgdump.age"
MIN_PASSPHRASE = 12
PG_TIMEOUT = 3600  # seconds pg_dump or pg_restore may take


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    log_size: int
    files: int


@dataclass(frozen=True)
class Unlock:
    """What opens a backup: its passphrase, or age identities (`AGE-SECRET-KEY-1...`)."""

    passphrase: str | None = None
    identities: tuple[str, ...] = ()


def recipients_parse(values: Sequence[str]) -> list[x25519.Recipient]:
    out = []
    for value in values:
        try:
            out.append(x25519.Recipient.from_str(value.strip()))
        except pyrage.RecipientError as exc:
            raise BackupError(f"{value!r} is not an age recipient (age1...): {exc}") from None
    return out


def identities_read(path: Path) -> tuple[str, ...]:
    """The identities of an age identity file (`age-keygen` or `laydown backup --keygen`)."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise BackupError(f"Cannot read the identity file {path}: {exc}") from None
    found = tuple(line.strip() for line in lines if line.startswith("AGE-SECRET-KEY-"))
    if not found:
        raise BackupError(f"{path} holds no age identity (a line AGE-SECRET-KEY-1...).")
    return found


def identity_new() -> tuple[str, str]:
    """A new age identity and its recipient, as `age-keygen` makes them."""
    identity = x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _scratch(directory: Path) -> Iterator[Path]:
    """A private directory for plaintext on its way in or out of age, removed after."""
    path = Path(tempfile.mkdtemp(prefix=".plain-", dir=directory))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _encrypt_file(plain: Path, sealed: Path, recipients: list[x25519.Recipient]) -> None:
    with plain.open("rb") as src, sealed.open("wb") as dst:
        pyrage.encrypt_io(src, dst, recipients)


# ---- writing --------------------------------------------------------------------------------


def backup_write(
    *, directory: Path, passphrase: str | None = None, recipients: Sequence[str] = ()
) -> BackupResult:
    """Write a backup into `directory` (created; it must not exist or be empty), encrypted to
    the age `recipients`, else under `passphrase`."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new directory for each backup.")
    to = recipients_parse(recipients)
    sealed_identity = None
    if not to:
        if passphrase is None or len(passphrase) < MIN_PASSPHRASE:
            raise BackupError(
                f"Give an age recipient, or a passphrase of at least {MIN_PASSPHRASE} characters."
            )
        identity, recipient = identity_new()
        sealed_identity = age_passphrase.encrypt(identity.encode(), passphrase)
        to = recipients_parse([recipient])
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    if sealed_identity is not None:
        (directory / "identity.age").write_bytes(sealed_identity)
    with _scratch(directory) as scratch:
        log_size = _database_write(directory, scratch, to)
        _files_write(directory / "files.tar.age", scratch, to)
    data = Path(settings.DATA_DIR)
    keys = {
        name: base64.b64encode((data / name).read_bytes()).decode()
        for name in KEY_FILES
        if (data / name).exists()
    }
    (directory / "keys.json.age").write_bytes(pyrage.encrypt(json.dumps(keys).encode(), to))
    return _manifest_write(directory, log_size, "passphrase" if sealed_identity else "recipient")


def _database_write(directory: Path, scratch: Path, to: list[x25519.Recipient]) -> int:
    if engine() == "sqlite":
        copy = scratch / "database.sqlite3"
        _sqlite_copy(Path(str(connection.settings_dict["NAME"])), copy)
        db = sqlite3.connect(copy)
        table = Checkpoint._meta.db_table
        row = db.execute(f"SELECT max(size) FROM {table}").fetchone()  # noqa: S608 - our name
        db.close()
        _encrypt_file(copy, directory / SQLITE_PART, to)
        return int(row[0] or 0)
    return _pg_dump(directory / PG_PART, to)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: one consistent state, writers of the source not stopped."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def pg_environment() -> dict[str, str]:
    """libpq's variables for this process's database (pg_dump, pg_restore, psql read them)."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, var in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PORT"):
        env["PGPORT"] = str(db["PORT"])
    options: dict[str, Any] = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install Debian's postgresql-client "
            "(`apt-get install postgresql-client`, or `make server-tools`)."
        )
    return path


def _pg_dump(target: Path, to: list[x25519.Recipient]) -> int:
    """pg_dump of the snapshot this transaction exports, in which the log size is read too."""
    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        log_size = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
        command = [pg_dump, "--format=custom", "--no-owner", "--no-privileges"]
        dump = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            [*command, f"--snapshot={snapshot}"],
            env=pg_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        with target.open("wb") as out:
            pyrage.encrypt_io(dump.stdout, out, to)  # stdout is a pipe (PIPE above)
        _, errors = dump.communicate(timeout=PG_TIMEOUT)
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {errors.decode(errors='replace').strip()}")
    return int(log_size or 0)


def _files_write(target: Path, scratch: Path, to: list[x25519.Recipient]) -> None:
    plain = scratch / "files.tar"
    data = Path(settings.DATA_DIR)
    with tarfile.open(plain, "w") as tar:
        for name in FILE_DIRS:
            if (data / name).is_dir():
                tar.add(data / name, arcname=name)
    _encrypt_file(plain, target, to)


def _manifest_write(directory: Path, log_size: int, sealed_by: str) -> BackupResult:
    files = [path for path in sorted(directory.iterdir()) if path.is_file()]
    for path in files:
        os.chmod(path, 0o600)
    hashes = {path.name: _sha256(path) for path in files}
    manifest = {
        "format": FORMAT,
        "database": engine(),
        "log_size": log_size,
        "encrypted": sealed_by,
        "sha256": hashes,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    os.chmod(directory / "manifest.json", 0o600)
    return BackupResult(directory, log_size, len(hashes))


# ---- restoring ------------------------------------------------------------------------------


def manifest_read(directory: Path) -> dict[str, Any]:
    """The manifest as written (`backup_check` checks the files against it)."""
    try:
        manifest: dict[str, Any] = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory} has no readable manifest.json: {exc}") from None
    return manifest


def backup_check(directory: Path) -> dict[str, Any]:
    """The manifest, after checking every file it lists against its SHA-256."""
    manifest = manifest_read(directory)
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{directory} is a backup of format {manifest.get('format')}; this Laydown "
            f"restores format {FORMAT}."
        )
    hashes = manifest.get("sha256")
    if not isinstance(hashes, dict):
        raise BackupError("manifest.json lists no files.")
    for name, expected in hashes.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{name} is missing or differs from the manifest.")
    return manifest


def _identities(directory: Path, unlock: Unlock) -> list[x25519.Identity]:
    texts = list(unlock.identities)
    if (directory / "identity.age").exists() and unlock.passphrase is not None:
        try:
            sealed = (directory / "identity.age").read_bytes()
            texts.append(age_passphrase.decrypt(sealed, unlock.passphrase).decode())
        except pyrage.DecryptError:
            raise BackupError("Wrong passphrase, or identity.age was changed.") from None
    if not texts:
        raise BackupError(
            "This backup is encrypted to an age recipient: give its identity file "
            "(--identity FILE or LAYDOWN_BACKUP_IDENTITY)."
            if not (directory / "identity.age").exists()
            else "Give the backup's passphrase."
        )
    try:
        return [x25519.Identity.from_str(text.strip()) for text in texts]
    except pyrage.IdentityError as exc:
        raise BackupError(f"Not an age identity: {exc}") from None


def _decrypt_file(sealed: Path, plain: Path, identities: list[x25519.Identity]) -> None:
    try:
        with sealed.open("rb") as src, plain.open("wb") as dst:
            pyrage.decrypt_io(src, dst, identities)
    except pyrage.DecryptError:
        raise BackupError(f"{sealed.name} does not open with the identity given.") from None


def _database_is_empty() -> list[str]:
    """What already stands where the restore would write (nothing, for an empty database)."""
    if engine() == "sqlite":
        target = Path(str(connection.settings_dict["NAME"]))
        # settings create the SQLite file empty (0600) at start-up: empty counts as absent
        present = [p for p in (target, Path(f"{target}-wal")) if p.exists() and p.stat().st_size]
        return [str(p) for p in present]
    tables = connection.introspection.table_names()
    return (
        [f"{len(tables)} tables in database {connection.settings_dict['NAME']}"] if tables else []
    )


def restore_into_empty(*, directory: Path, unlock: Unlock) -> dict[str, Any]:
    """Bring a backup back into this (empty) data directory and (empty) database."""
    manifest = backup_check(directory)
    if manifest["database"] != engine():
        raise BackupError(
            f"This backup is of a {manifest['database']} database; point LAYDOWN_DATABASE_URL "
            f"at an empty {manifest['database']} database."
        )
    identities = _identities(directory, unlock)
    try:
        keys = json.loads(pyrage.decrypt((directory / "keys.json.age").read_bytes(), identities))
    except pyrage.DecryptError:
        raise BackupError("keys.json.age does not open with the identity given.") from None
    data = Path(settings.DATA_DIR)
    present = _database_is_empty() + [
        str(data / name)
        for name in ("log.key", "vault.key", "openrosa.key")
        if (data / name).exists()
    ]
    if present:
        raise BackupError(
            f"Restore needs an empty data directory and database: {', '.join(present)}. "
            "Point LAYDOWN_DATA_DIR (and LAYDOWN_DATABASE_URL) at new ones."
        )
    with _scratch(directory if os.access(directory, os.W_OK) else data) as scratch:
        _database_restore(directory, scratch, identities)
        _files_restore(directory / "files.tar.age", scratch, identities, data)
    for name, content in keys.items():
        path = data / name
        path.unlink(missing_ok=True)  # the secret key settings made up at start-up
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(content))
    return manifest


def _database_restore(directory: Path, scratch: Path, identities: list[x25519.Identity]) -> None:
    connection.close()
    if engine() == "sqlite":
        plain = scratch / "database.sqlite3"
        _decrypt_file(directory / SQLITE_PART, plain, identities)
        target = Path(str(connection.settings_dict["NAME"]))
        _sqlite_copy(plain, target)
        os.chmod(target, 0o600)
        return
    plain = scratch / "database.pgdump"
    _decrypt_file(directory / PG_PART, plain, identities)
    done = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(plain),
        ],
        env=pg_environment(),
        capture_output=True,
        text=True,
        timeout=PG_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _files_restore(
    sealed: Path, scratch: Path, identities: list[x25519.Identity], data: Path
) -> None:
    plain = scratch / "files.tar"
    _decrypt_file(sealed, plain, identities)
    with tarfile.open(plain) as tar:
        tar.extractall(data, filter="data")  # no absolute paths, links out or devices


# ---- nightly backups and their retention ------------------------------------------------------

NAME_FORMAT = "laydown-%Y-%m-%dT%H%MZ"


def backup_nightly(
    *, root: Path, recipients: Sequence[str], passphrase: str | None, keep: Sequence[int]
) -> tuple[BackupResult, list[Path]]:
    """A backup into `root`/laydown-<UTC time>, then the older ones beyond `keep` removed;
    returns the backup and the directories removed."""
    if not recipients and not passphrase:
        raise BackupError(
            "Nightly backups need LAYDOWN_BACKUP_RECIPIENT (an age recipient; "
            "`laydown backup --keygen FILE` makes one) or LAYDOWN_BACKUP_PASSPHRASE."
        )
    now = datetime.now(UTC)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    result = backup_write(
        directory=root / now.strftime(NAME_FORMAT), recipients=recipients, passphrase=passphrase
    )
    return result, backups_prune(root, keep=keep)


def backups_kept(taken: Sequence[datetime], keep: Sequence[int]) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last keep[0] days, keep[1]
    ISO weeks and keep[2] months that have one (counted from the newest backup)."""
    daily, weekly, monthly = keep
    kept: set[datetime] = set()
    for count, period in (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ):
        seen: list[object] = []
        for moment in sorted(taken, reverse=True):
            key = period(moment)
            if key not in seen:
                seen.append(key)
                if len(seen) > count:
                    break
                kept.add(moment)
    return kept


def backups_prune(root: Path, *, keep: Sequence[int]) -> list[Path]:
    """Remove the backups of `root` (directories named as nightly backups, with a manifest)
    that `backups_kept` does not keep."""
    found: dict[datetime, Path] = {}
    for path in root.iterdir():
        try:
            moment = datetime.strptime(path.name, NAME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue  # not ours: never touched
        if path.is_dir() and (path / "manifest.json").is_file():
            found[moment] = path
    kept = backups_kept(list(found), keep)
    removed = [path for moment, path in sorted(found.items()) if moment not in kept]
    for path in removed:
        shutil.rmtree(path)
    return removed
