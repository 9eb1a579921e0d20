"""Settings come from LAYDOWN_* variables; a bad value stops the start with a clear message."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from laydown.core.env import database_settings, parse_database_url
from laydown.testing.cli import run_laydown


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LAYDOWN_DEBUG", "maybe", "LAYDOWN_DEBUG='maybe' is not a boolean"),
        ("LAYDOWN_DATABASE_URL", "mysql://db/x", "unsupported scheme 'mysql'"),
        ("LAYDOWN_DATABASE_URL", "postgresql://host:port/db", "the port is not a number"),
        ("LAYDOWN_DATABASE_URL", "postgresql://host/", "names no database"),
        ("LAYDOWN_LOG_ORIGIN", "https://laydown.example/log", "not a valid log origin"),
        ("LAYDOWN_LOG_ORIGIN", "two words", "not a valid log origin"),
        ("LAYDOWN_SECRET_KEY", "short", "at least 32 characters"),
    ],
)
def test_a_bad_setting_fails_at_start_naming_the_variable(tmp_path, variable, value, message):
    result = run_laydown(tmp_path, "check", **{variable: value})
    assert result.returncode == 2
    assert "configuration error" in result.stderr
    assert message in result.stderr


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run_laydown(tmp_path, "check", LAYDOWN_DATA_DIR=str(tmp_path / "file"))
    assert result.returncode == 2
    assert "is not a directory" in result.stderr


def test_the_defaults_start_and_generate_a_private_secret_key(tmp_path: Path) -> None:
    result = run_laydown(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    secret = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) >= 50


def test_database_urls_parse_into_their_parts() -> None:
    pg = parse_database_url("X", "postgresql://ann:p%40ss@db.example:6432/laydown?sslmode=require")
    assert (pg.engine, pg.name, pg.user, pg.password, pg.host, pg.port) == (
        "postgresql",
        "laydown",
        "ann",
        "p@ss",
        "db.example",
        "6432",
    )
    assert dict(pg.options) == {"sslmode": "require"}
    assert parse_database_url("X", "sqlite:////srv/l.sqlite3").name == "/srv/l.sqlite3"


def test_sqlite_runs_in_wal_mode(db) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("this run uses PostgreSQL; the SQLite run checks WAL mode")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_both_databases_keep_connections_and_sqlite_writers_wait_for_the_lock(
    tmp_path: Path,
) -> None:
    sqlite = database_settings(parse_database_url("X", "sqlite:////srv/l.sqlite3"), tmp_path)
    pg = database_settings(parse_database_url("X", "postgresql://a@h/db"), tmp_path)
    assert sqlite["CONN_MAX_AGE"] == pg["CONN_MAX_AGE"] == 60
    options = sqlite["OPTIONS"]
    assert isinstance(options, dict)
    assert options["timeout"] == 30  # the busy timeout, in seconds
    assert "journal_mode=WAL" in options["init_command"]


def test_postgresql_binds_values_on_the_server_and_prepares_unless_the_url_says_otherwise(
    tmp_path: Path,
) -> None:
    def options(url: str) -> object:
        return database_settings(parse_database_url("X", url), tmp_path)["OPTIONS"]

    assert options("postgresql://a@h/db?sslmode=require") == {
        "server_side_binding": True,
        "prepare_threshold": 5,
        "sslmode": "require",
    }
    # behind pgbouncer's transaction mode: nothing prepared; or Django's client-side binding
    assert options("postgresql://a@h/db?prepare_threshold=none") == {
        "server_side_binding": True,
        "prepare_threshold": None,
    }
    assert options("postgresql://a@h/db?server_side_binding=false&prepare_threshold=0") == {
        "server_side_binding": False,
        "prepare_threshold": 0,
    }
    for bad in ("prepare_threshold=-1", "prepare_threshold=some", "server_side_binding=maybe"):
        with pytest.raises(ImproperlyConfigured, match=bad.split("=")[0]):
            options(f"postgresql://a@h/db?{bad}")


def test_postgresql_is_reachable_when_the_run_asks_for_it() -> None:
    """CI sets LAYDOWN_TEST_POSTGRES_URL; an unreachable server must fail the run, not skip."""
    url = os.environ.get("LAYDOWN_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("LAYDOWN_TEST_POSTGRES_URL is not set (CI sets it)")
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
