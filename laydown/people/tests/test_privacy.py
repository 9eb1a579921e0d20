"""What a stolen copy of the database reveals without the vault's master key, and replay."""

from __future__ import annotations

import pytest
from django.db import connection

from laydown.accounts import demo as accounts_demo
from laydown.ledger import replay
from laydown.people import demo
from laydown.people.demo import DEPENDANT, DUPLICATES, demo_names
from laydown.people.models import (
    Appeal,
    CutOff,
    DuplicateFlag,
    FollowUp,
    Participant,
    PaymentCycle,
    PaymentLine,
    Referral,
    Screening,
)

pytestmark = pytest.mark.django_db(transaction=False)
COUNT = 60


@pytest.fixture
def demo_data() -> list[str]:
    list(accounts_demo.demo_load())
    list(demo.demo_load(COUNT))
    return [*demo_names(COUNT), *(name for pair in DUPLICATES for name in pair), DEPENDANT]


def database_bytes() -> bytes:
    """Every value of every table, as a thief with a copy of the database file would see it."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def test_a_copy_of_the_database_without_the_master_key_reveals_no_name(demo_data) -> None:
    dump = database_bytes().lower()
    assert Participant.objects.count() >= COUNT
    assert b"childprotection" in dump  # the dump does hold what is stored in clear
    for name in demo_data:
        assert name.lower().encode() not in dump, name
        for word in name.split():
            if len(word) >= 7:  # surnames: too long to occur in anything else by chance
                assert word.lower().encode() not in dump, word


def test_replay_rebuilds_the_demobilization_tables_exactly(demo_data) -> None:
    models = [
        Participant,
        Screening,
        Appeal,
        DuplicateFlag,
        CutOff,
        PaymentCycle,
        PaymentLine,
        Referral,
        FollowUp,
    ]

    def snapshot() -> dict[str, list[dict[str, object]]]:
        return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}

    before = snapshot()
    assert before["Screening"] and before["PaymentLine"] and before["DuplicateFlag"]
    replay.ledger_replay()
    assert snapshot() == before
