"""Shared fixtures: the log key, a record kind for tests, and the environment of subprocesses."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.backends.postgresql.operations import DatabaseOperations

from laydown.ledger import keys, kinds

# fixtures shared by several apps' tests
pytest_plugins = ["laydown.fixtures", "laydown.testing.wsgi"]

TEST_KIND = kinds.register("test.sample", description="A record written by the test suite.")


# What lets a test reach the database (pytest-django refuses any query without one of these).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
    | {"live_server"}
)


_STARTED = time.monotonic()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The run's CPU beside its wall time, so that CI's log says where its minutes went (the
    suites run at once on shared cores: a suite's wall time alone does not). Processes started
    and waited for (`laydown` commands, servers, Chromium) count as children; PostgreSQL's
    backends are not counted."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    terminalreporter.write_line(
        f"CPU: {own.ru_utime + own.ru_stime:.0f} s in pytest "
        f"({own.ru_utime:.0f} user, {own.ru_stime:.0f} sys), "
        f"{children.ru_utime + children.ru_stime:.0f} s in its child processes; "
        f"wall {time.monotonic() - _STARTED:.0f} s"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `no_database` each test that can reach no database: no django_db mark and no database
    fixture, so pytest-django refuses it any query. Those that start `laydown` give it a data
    directory of its own without LAYDOWN_DATABASE_URL (SQLite), or run commands that need no
    database (verify, witness). They test the same on either database: the PostgreSQL suite
    leaves them to the SQLite one (make pytest-postgres, -m "not no_database")."""
    for item in items:
        if (
            item.get_closest_marker("django_db") is None
            and item.get_closest_marker("postgres") is None
        ):
            if not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
                item.add_marker(pytest.mark.no_database)


@pytest.fixture(scope="session", autouse=True)
def log_key() -> str:
    from laydown.vault import crypto, odk_encryption

    keys.key_create_if_absent()
    crypto.master_key_create_if_absent()
    odk_encryption.form_key_create_if_absent()
    return keys.log_verifier_key()


def _delete_flush(
    self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, **kw: Any
) -> list[str]:
    """PostgreSQL's flush as DELETEs of every table instead of one TRUNCATE of them all."""
    if reset_sequences or kw.get("allow_cascade") or not tables:
        return _TRUNCATE_FLUSH(self, style, tables, reset_sequences=reset_sequences, **kw)
    return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608


_TRUNCATE_FLUSH = DatabaseOperations.sql_flush


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete_on_postgresql() -> Iterator[None]:
    """After each transactional test (transaction=True, live_server, subprocesses), Django
    empties every table: on PostgreSQL with one TRUNCATE of all 81 tables, which makes each of
    them and their indexes new files and syncs them at commit, seconds of a loaded machine for
    tables of a few rows (2.7-4.6 s of TRUNCATE and COMMIT against 0.7 s of DELETEs, psql on
    CI's kind of machine, load 13). DELETE FROM each table in the same transaction leaves the
    same empty tables: the foreign keys are deferred to the commit (Django's, and those replay
    adds back as they were), no table has a trigger, and TRUNCATE as Django calls it here did
    not restart the sequences either. Only the test process's flush changes; the app has none."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", _delete_flush)
        yield


@pytest.fixture(scope="session", autouse=True)
def shared_browser_closed_at_the_end() -> Iterator[None]:
    from laydown.testing import browser

    yield
    browser.SHARED.close()


@pytest.fixture(autouse=True)
def shared_browser_only_for_its_tests(request: pytest.FixtureRequest) -> None:
    """The browser tests' Chromium (laydown.testing.browser.SHARED) is closed before a test
    that does not take `page`: one that starts its own would fail to, and Django's
    async-safety check is relaxed while it is open."""
    if "page" not in request.fixturenames:
        from laydown.testing import browser

        browser.SHARED.close()


@pytest.fixture(autouse=True)
def fresh_tile_cache() -> Iterator[None]:
    """Each test builds its own log: full tiles kept in memory by an earlier one are not its."""
    from laydown.ledger import tilecache

    tilecache.clear()
    yield
    tilecache.clear()


@pytest.fixture(autouse=True)
def fresh_page_cache() -> Iterator[None]:
    """Each test builds its own data, some of it without records (fixtures): a public page kept
    by an earlier test for the same log is not its."""
    from laydown.core import page_cache

    page_cache.forget()
    yield
    page_cache.forget()


@pytest.fixture(autouse=True)
def english_to_begin_with() -> Iterator[None]:
    """Each test starts in the default language: a request in a user's language (their profile,
    the switch) leaves it active in the thread, and the next test's messages would follow it."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def fast_password_hashing_unless_argon2(settings: Any, request: pytest.FixtureRequest) -> None:
    """Passwords are hashed with MD5 (never in production): Argon2 costs ~35 ms of CPU a hash,
    and the suite creates and signs in thousands of users. Tests marked `argon2`, those of the
    hashing itself, hash with the production setting."""
    from laydown.testing import FAST_HASHERS

    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = FAST_HASHERS


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings: Any, request: pytest.FixtureRequest) -> None:
    """Background jobs run inside the call that queues them, so a test sees their outcome at
    once; tests marked `worker` keep the database queue and run the real `laydown worker`."""
    if request.node.get_closest_marker("worker") is None:
        settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def subprocess_env(transactional_db: None) -> dict[str, str]:
    """Environment for a `laydown` subprocess that uses this test's database and data dir."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{Path(db['NAME']).resolve()}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        url = f"postgresql://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        LAYDOWN_DATA_DIR=str(settings.DATA_DIR),
        LAYDOWN_DATABASE_URL=url,
        LAYDOWN_LOG_ORIGIN=settings.LAYDOWN_LOG_ORIGIN,
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    return env


@pytest.fixture
def laydown_cmd() -> list[str]:
    return [sys.executable, "-m", "laydown.cli"]


@pytest.fixture
def export_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "log"
