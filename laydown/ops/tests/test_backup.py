"""`laydown backup` then `laydown restore` into an empty data directory and an empty database,
as real processes, on SQLite and on PostgreSQL (pg_dump / pg_restore): every table, key and
file comes back identical and the restored log verifies; a wrong passphrase or identity, or a
changed file, is refused before anything is written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from laydown.ledger import services

pytestmark = pytest.mark.slow
PASSPHRASE = "a long enough passphrase"
Tables = dict[str, list[str]]


def laydown(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "laydown.cli", *args],
        env={**env, "LAYDOWN_BACKUP_PASSPHRASE": PASSPHRASE, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def sqlite_tables(path: Path) -> Tables:
    db = sqlite3.connect(path)
    try:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: sorted(map(repr, db.execute(f'SELECT * FROM "{name}"')))  # noqa: S608
            for name in names
        }
    finally:
        db.close()


def pg_tables(url: str) -> Tables:
    with psycopg.connect(url) as db:
        names = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        ]
        return {
            name: sorted(map(repr, db.execute(f'SELECT * FROM "{name}"')))  # noqa: S608
            for name in names
        }


@pytest.fixture
def restore_env(subprocess_env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    """An empty data directory, and an empty database of this test run's engine."""
    env = {**subprocess_env, "LAYDOWN_DATA_DIR": str(tmp_path / "restored")}
    if connection.vendor == "sqlite":
        yield {**env, "LAYDOWN_DATABASE_URL": ""}
        return
    source = subprocess_env["LAYDOWN_DATABASE_URL"]
    name = f"laydown_restore_{uuid.uuid4().hex[:12]}"
    server = source.rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "LAYDOWN_DATABASE_URL": f"{server}/{name}"}
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables_of(env: dict[str, str]) -> Tables:
    url = env["LAYDOWN_DATABASE_URL"]
    if url.startswith("postgresql"):
        return pg_tables(url)
    path = url.removeprefix("sqlite:///") if url else f"{env['LAYDOWN_DATA_DIR']}/laydown.sqlite3"
    return sqlite_tables(Path(path))


def some_data() -> Path:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="system"
    )
    stored = Path(settings.DATA_DIR) / "files" / "ab" / "test-backup-file"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"a photo")
    return stored


def test_a_backup_restores_into_an_empty_data_directory_identical_and_verified(
    subprocess_env: dict[str, str], restore_env: dict[str, str], tmp_path: Path
) -> None:
    stored = some_data()
    backup = tmp_path / "backup"
    made = laydown(subprocess_env, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert "log of 300 records" in made.stdout
    for part in backup.iterdir():  # nothing in clear but the manifest
        assert part.name == "manifest.json" or part.read_bytes().startswith(b"age-encryption.org")
    assert b"PRIVATE+KEY" not in b"".join(p.read_bytes() for p in backup.iterdir())

    restored = laydown(restore_env, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Verified 300 records" in restored.stdout
    assert "Restored and verified." in restored.stdout

    assert tables_of(restore_env) == tables_of(subprocess_env)
    data = Path(restore_env["LAYDOWN_DATA_DIR"])
    for name in ("secret_key", "log.key", "vault.key", "openrosa.key"):
        assert (data / name).read_bytes() == (Path(settings.DATA_DIR) / name).read_bytes()
        assert (data / name).stat().st_mode & 0o077 == 0
    assert (data / "files" / "ab" / "test-backup-file").read_bytes() == b"a photo"
    assert not [p for p in backup.iterdir() if p.name.startswith(".plain-")]
    stored.unlink()


def test_a_backup_to_an_age_recipient_opens_with_its_identity_only(
    subprocess_env: dict[str, str], restore_env: dict[str, str], tmp_path: Path
) -> None:
    some_data()
    identity = tmp_path / "backup.key"
    recipient = laydown(subprocess_env, "backup", "--keygen", str(identity)).stdout.strip()
    assert recipient.startswith("age1") and identity.stat().st_mode & 0o077 == 0
    backup = tmp_path / "backup"
    made = laydown(subprocess_env, "backup", str(backup), LAYDOWN_BACKUP_RECIPIENT=recipient)
    assert made.returncode == 0, made.stderr
    assert not (backup / "identity.age").exists()

    other = tmp_path / "other.key"
    laydown(subprocess_env, "backup", "--keygen", str(other))
    wrong = laydown(restore_env, "restore", str(backup), "--identity", str(other))
    assert wrong.returncode != 0
    assert "does not open with the identity given" in wrong.stderr
    assert not (Path(restore_env["LAYDOWN_DATA_DIR"]) / "log.key").exists()
    no_identity = laydown(restore_env, "restore", str(backup))
    assert "give its identity file" in no_identity.stderr

    restored = laydown(restore_env, "restore", str(backup), LAYDOWN_BACKUP_IDENTITY=str(identity))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert tables_of(restore_env) == tables_of(subprocess_env)


def test_a_wrong_passphrase_or_a_changed_file_restores_nothing(
    subprocess_env: dict[str, str], restore_env: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    assert laydown(subprocess_env, "backup", str(backup)).returncode == 0
    wrong = laydown(restore_env, "restore", str(backup), LAYDOWN_BACKUP_PASSPHRASE="not the one")
    assert wrong.returncode != 0
    assert "Wrong passphrase" in wrong.stderr
    data = Path(restore_env["LAYDOWN_DATA_DIR"])
    assert not (data / "log.key").exists()
    assert tables_of(restore_env) == {}

    part = next(backup.glob("database.*.age"))
    with part.open("r+b") as f:
        f.seek(200)
        f.write(b"\xff")
    changed = laydown(restore_env, "restore", str(backup))
    assert changed.returncode != 0
    assert f"{part.name} is missing or differs from the manifest" in changed.stderr
    assert not (data / "log.key").exists()


def test_restore_refuses_a_database_that_is_not_empty(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    backup = tmp_path / "backup"
    assert laydown(subprocess_env, "backup", str(backup)).returncode == 0
    into_itself = laydown(
        {**subprocess_env, "LAYDOWN_DATA_DIR": str(tmp_path / "new")}, "restore", str(backup)
    )
    assert into_itself.returncode != 0
    assert "Restore needs an empty data directory and database" in into_itself.stderr
