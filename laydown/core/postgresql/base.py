"""Django's PostgreSQL backend, with a connection health check that costs no round trip while
the connection is plainly alive.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request on a
kept connection, and before every group commit's batch (laydown.ledger.group closes old
connections first): one more round trip to the server per registration. A connection the
server ended (a restart, pg_terminate_backend, idle_session_timeout, a proxy closing it) has
its last words waiting in the socket: the server's FATAL message, then the end of the stream.
So the check first looks at the socket without waiting: nothing to read, libpq's status OK and
no transaction open, and the connection is as alive as `SELECT 1` would have found it.
Anything else (something to read, a bad status, a transaction left open, a connection pool)
runs Django's own check, which closes a dead connection so that the query opens a new one.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # set by Django's BaseDatabaseWrapper
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not getattr(self, "pool", None)
            and quietly_alive(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def quietly_alive(connection: Any) -> bool:
    """Whether a psycopg connection is open, idle outside any transaction, with nothing from
    the server waiting to be read (an idle server sends nothing unasked, but its goodbye)."""
    pgconn = connection.pgconn
    if pgconn.status != pq.ConnStatus.OK:
        return False
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)  # errors and hang-ups too
    return not poller.poll(0)
