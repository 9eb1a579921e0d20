"""`laydown backup` then `laydown restore` into an empty data directory, as real processes:
every table, key and file comes back identical and the restored log verifies; a wrong
passphrase or a changed file is refused before anything is written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from laydown.ledger import services

pytestmark = pytest.mark.slow
PASSPHRASE = "a long enough passphrase"


def laydown(env: dict[str, str], *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "laydown.cli", *args],
        env={**env, "LAYDOWN_BACKUP_PASSPHRASE": PASSPHRASE, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)  # noqa: S608
            for name in names
        }
    finally:
        db.close()


def empty_data_dir(tmp_path: Path, env: dict[str, str], name: str) -> dict[str, str]:
    return {**env, "LAYDOWN_DATA_DIR": str(tmp_path / name), "LAYDOWN_DATABASE_URL": ""}


def test_a_backup_restores_into_an_empty_data_directory_identical_and_verified(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="system"
    )
    stored = Path(settings.DATA_DIR) / "files" / "ab" / "test-backup-file"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"a photo")
    backup = tmp_path / "backup"
    made = laydown(subprocess_env, "backup", str(backup))
    if connection.vendor != "sqlite":
        assert made.returncode != 0
        assert "on PostgreSQL use pg_dump" in made.stderr
        return
    assert made.returncode == 0, made.stderr
    assert "log of 300 records" in made.stdout
    assert PASSPHRASE not in (backup / "keys.sealed").read_text(errors="replace")
    assert b"PRIVATE+KEY" not in (backup / "keys.sealed").read_bytes()

    target = empty_data_dir(tmp_path, subprocess_env, "restored")
    restored = laydown(target, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Verified 300 records" in restored.stdout
    assert "Restored and verified." in restored.stdout

    data = tmp_path / "restored"
    assert tables(data / "laydown.sqlite3") == tables(Path(connection.settings_dict["NAME"]))
    for name in ("secret_key", "log.key", "vault.key"):
        assert (data / name).read_bytes() == (Path(settings.DATA_DIR) / name).read_bytes()
        assert (data / name).stat().st_mode & 0o077 == 0
    assert (data / "files" / "ab" / "test-backup-file").read_bytes() == b"a photo"
    stored.unlink()


def test_a_wrong_passphrase_or_a_changed_file_restores_nothing(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("backups copy SQLite databases only so far (PostgreSQL: pg_dump, to do)")
    backup = tmp_path / "backup"
    assert laydown(subprocess_env, "backup", str(backup)).returncode == 0
    target = empty_data_dir(tmp_path, subprocess_env, "wrong")
    wrong = laydown(target, "restore", str(backup), LAYDOWN_BACKUP_PASSPHRASE="not the one at all")
    assert wrong.returncode != 0
    assert "Wrong passphrase" in wrong.stderr
    assert not (tmp_path / "wrong" / "log.key").exists()
    assert (tmp_path / "wrong" / "laydown.sqlite3").stat().st_size == 0

    with (backup / "laydown.sqlite3").open("r+b") as f:
        f.seek(200)
        f.write(b"\xff")
    changed = laydown(empty_data_dir(tmp_path, subprocess_env, "changed"), "restore", str(backup))
    assert changed.returncode != 0
    assert "laydown.sqlite3 is missing or differs from the manifest" in changed.stderr
    assert not (tmp_path / "changed" / "log.key").exists()
