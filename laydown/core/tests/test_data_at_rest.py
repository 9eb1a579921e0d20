"""Data at rest: a private data directory and database files, and no start on readable keys."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from laydown.core import private
from laydown.testing.cli import run_laydown

KEY_FILES = ["log.key", "vault.key", "secret_key", "openrosa.key"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    """A data directory as `laydown keys init` leaves it, under the usual umask 022."""
    base = tmp_path_factory.mktemp("at-rest")
    old = os.umask(0o022)
    try:
        result = run_laydown(base, "keys", "init")
    finally:
        os.umask(old)
    assert result.returncode == 0, result.stderr
    return base / "data"


def test_a_new_data_directory_and_everything_in_it_are_private(initialised: Path) -> None:
    assert mode(initialised) == 0o700
    for name in [*KEY_FILES, "laydown.sqlite3"]:
        assert mode(initialised / name) == 0o600, name


def test_sqlite_gives_its_wal_and_shared_memory_files_the_database_mode(tmp_path: Path) -> None:
    database = tmp_path / "data" / "db.sqlite3"
    old = os.umask(0o022)
    try:
        private.sqlite_files_private(database)
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE t (x)")
            db.execute("INSERT INTO t VALUES ('password hash')")
            db.commit()
            for suffix in ("", "-wal", "-shm"):
                assert mode(Path(f"{database}{suffix}")) == 0o600, suffix
    finally:
        os.umask(old)


def test_database_files_left_readable_by_an_older_version_are_made_private(tmp_path) -> None:
    database = tmp_path / "db.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").write_bytes(b"")
        os.chmod(f"{database}{suffix}", 0o644)
    private.sqlite_files_private(database)
    assert [mode(Path(f"{database}{s}")) for s in ("", "-wal", "-shm")] == [0o600] * 3


def test_a_data_directory_left_open_by_an_older_version_is_made_private(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)  # noqa: S103  (the open directory an older version left)
    result = run_laydown(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700


@pytest.mark.parametrize("name", KEY_FILES)
def test_a_key_others_can_read_stops_the_start_naming_the_file_and_the_chmod(
    initialised: Path, tmp_path: Path, name: str
) -> None:
    data = tmp_path / "data"
    shutil.copytree(initialised, data)
    os.chmod(data / name, 0o644)
    result = run_laydown(tmp_path, "keys")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"run `chmod 600 {data / name}`" in result.stderr
    assert "can be read by other users" in result.stderr
    os.chmod(data / name, 0o600)
    assert run_laydown(tmp_path, "keys").returncode == 0
