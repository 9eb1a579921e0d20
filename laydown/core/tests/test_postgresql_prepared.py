"""On PostgreSQL the values of a statement travel apart from its text (server-side binding), so
a statement a connection runs again and again is prepared once and then only executed
(laydown.core.env.postgresql_options): the server's own catalogue of the session's prepared
statements shows it."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="PostgreSQL's prepared statements; this run uses SQLite",
    ),
    pytest.mark.django_db,
]

QUERY = "SELECT count(*) FROM ledger_record WHERE index >= %s AND kind <> %s"


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_again_is_prepared_once_then_executed_with_new_values() -> None:
    wanted = QUERY.replace("%s", "$1", 1).replace("%s", "$2", 1)
    with connection.cursor() as cursor:
        for n in range(5):
            cursor.execute(QUERY, [n, "ledger.none"])
            assert cursor.fetchone() == (0,)
        assert wanted not in prepared()  # five times: not yet (psycopg's prepare_threshold)
        cursor.execute(QUERY, [9, "ledger.none"])
        assert cursor.fetchone() == (0,)
        assert prepared().count(wanted) == 1
        for n in range(3):
            cursor.execute(QUERY, [10 + n, "other"])
        assert prepared().count(wanted) == 1  # the same prepared statement, new values
