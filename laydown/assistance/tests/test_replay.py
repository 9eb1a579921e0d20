"""The demo step loads fast, and `laydown ledger replay` rebuilds every assistance table exactly."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import override_settings

from laydown.accounts import demo as accounts_demo
from laydown.assistance import demo, selectors
from laydown.assistance.models import Distribution, Household, Meeting, Project, Visit
from laydown.assistance.tests.base import snapshot
from laydown.ledger import demo as ledger_demo
from laydown.ledger import replay
from laydown.ledger.models import Record
from laydown.testing import FAST_HASHERS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker) -> Iterator[float]:
    """The ledger's, accounts' and assistance's demos loaded once for the module (3.5 s of CPU
    each time), in a transaction rolled back after its last test; each test runs in a savepoint
    inside it (as demo_loaded_once does). Gives how long the assistance demo took to load."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                ledger_demo.demo_load()
                list(accounts_demo.demo_load())
                started = time.monotonic()
                lines = list(demo.demo_load())
                assert lines and make_password("x")
                took = time.monotonic() - started
            yield took
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_the_demo_has_what_the_issue_asks_for(demo_loaded) -> None:
    assert Distribution.objects.count() == 40
    assert Distribution.objects.values("date").distinct().count() == 5
    assert Household.objects.count() == 300
    assert Project.objects.count() == 6 and Meeting.objects.count() == 2
    assert Visit.objects.filter(status="proposed", organisation__code="un-rco").count() == 1
    assert set(Distribution.objects.values_list("organisation__code", flat=True)) == {
        "icrc",
        "relief-red-cross",
        "open-hands",
    }
    assert selectors.commitments_overdue().count() >= 1
    assert demo_loaded < 30, f"the assistance demo took {demo_loaded:.1f}s"


def test_the_demo_puts_no_personal_data_in_the_ledger(demo_loaded) -> None:
    bodies = b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert b"XA-ID-" not in bodies and b"+00 555" not in bodies
    for last in demo.LAST_NAMES:
        assert last.encode() not in bodies


def test_replay_rebuilds_every_assistance_table_exactly(demo_loaded) -> None:
    before = snapshot()
    assert len(before["HouseholdMember"]) > 300 and before["CommitmentUpdate"]
    replay.ledger_replay()
    after = snapshot()
    for table in before:
        assert after[table] == before[table], f"{table} differs after replay"


def test_loading_the_demo_twice_leaves_it_as_it_is(demo_loaded) -> None:
    size = Record.objects.count()
    assert "already" in list(demo.demo_load())[0]
    assert Record.objects.count() == size
