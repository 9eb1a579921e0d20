"""The PostgreSQL backend's connection health check (laydown.core.postgresql.base): no round
trip for a connection plainly alive, and a connection the server ended is still replaced.

Each test starts a request as Django's request_started signal does (close_old_connections:
the next query is health-checked), then looks at what reached the server in libpq's own trace
of the protocol.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from django.db import close_old_connections, connection
from psycopg import pq

pytestmark = [
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="PostgreSQL's health checks; this run uses SQLite",
    ),
    pytest.mark.django_db(transaction=True),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid: int = cursor.fetchone()[0]
    return pid


def queries_sent(trace: Path) -> list[str]:
    """The statements the client sent, from libpq's trace (simple query protocol)."""
    lines = (line.split("\t") for line in trace.read_text().splitlines())
    return [fields[3].strip().strip('"') for fields in lines if fields[:3:2] == ["F", "Query"]]


def traced_query(tmp_path: Path, sql: str) -> list[str]:
    trace = tmp_path / "trace.txt"
    with trace.open("w") as file:
        connection.connection.pgconn.trace(file.fileno())
        connection.connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.connection.pgconn.untrace()
    return queries_sent(trace)


def test_a_live_connection_is_checked_without_a_round_trip(tmp_path: Path) -> None:
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    pid = backend_pid()
    close_old_connections()  # a new request: its first query is health-checked

    assert traced_query(tmp_path, "SELECT 2") == ["SELECT 2"]  # no SELECT 1 before it
    assert backend_pid() == pid  # the same connection, kept


def test_a_connection_the_server_ended_is_replaced_before_the_query() -> None:
    pid = backend_pid()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        for _ in range(100):  # the backend exits a moment after the signal
            gone = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if gone.fetchone() == (0,):
                break
            time.sleep(0.05)
    close_old_connections()

    assert backend_pid() != pid  # no error: the health check replaced the dead connection


def test_an_open_transaction_is_checked_with_a_query(tmp_path: Path) -> None:
    backend_pid()
    connection.connection.execute("BEGIN")  # left open behind Django's back
    close_old_connections()

    assert traced_query(tmp_path, "SELECT 2") == ["SELECT 1", "SELECT 2"]
    connection.connection.execute("ROLLBACK")
