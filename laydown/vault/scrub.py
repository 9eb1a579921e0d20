"""After an erasure, leave nothing of the erased data in the database files.

Deleting a row does not remove its bytes: SQLite keeps them in free pages and cells and in WAL
frames; PostgreSQL keeps dead tuples in the heap until a vacuum, and a plain vacuum frees their
space without overwriting it. So, once an erasure has committed:

- SQLite: every connection runs with `secure_delete=ON` (zeros over deleted content and free
  pages, see laydown.core.env), and a `wal_checkpoint(TRUNCATE)` copies the zeroed pages into
  the database file and truncates the WAL, where the old page images were.
- PostgreSQL: `VACUUM FULL` of the vault tables rewrites them (and their TOAST tables) into new
  files and unlinks the old ones. It takes an exclusive lock on the vault tables for the time of
  the rewrite; if it cannot get it within LOCK_TIMEOUT the scrub is left for
  `laydown vault scrub` (and the next erasure), and a warning says so. A rewrite copies the
  deleted rows that an open snapshot may still see (VERBOSE reports them), so it is repeated
  for up to 10 s until none is kept.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from django.db import DatabaseError, connection

TABLES = ("vault_subjectkey", "vault_entry", "vault_blindindex")
LOCK_TIMEOUT = "5s"
logger = logging.getLogger(__name__)


def vault_scrub() -> bool:
    """Remove what erased rows left in the database files; True if done, False if deferred.

    Runs outside a transaction (`transaction.on_commit`, or a command); inside one (a test
    running on-commit callbacks early) it defers. It never raises: the erasure has committed.
    """
    done = False
    if not connection.in_atomic_block:
        try:
            if connection.vendor == "sqlite":
                done = _sqlite_checkpoint()
            elif connection.vendor == "postgresql":
                done = _postgresql_vacuum()
        except DatabaseError:
            logger.exception("Scrubbing erased personal data failed")
    if not done:
        logger.warning(
            "Erased personal data may remain in the database files until `laydown vault scrub` "
            "succeeds (the database was busy)."
        )
    return done


def _sqlite_checkpoint(attempts: int = 50) -> bool:
    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _frames, _copied = cursor.fetchone()
            if not busy:
                return True
            time.sleep(0.1)  # a reader holds an older snapshot: let it finish
    return False


def _postgresql_vacuum(attempts: int = 40) -> bool:
    """VACUUM FULL until it reports no dead row kept: a row deleted while another transaction's
    snapshot may still see it (an autovacuum ANALYZE, a long report) is copied, not removed."""
    kept: list[int] = []

    def notice(diagnostic: Any) -> None:
        found = re.match(
            r"(\d+) dead row versions cannot be removed", diagnostic.message_detail or ""
        )
        if found:
            kept.append(int(found.group(1)))

    connection.ensure_connection()
    raw = connection.connection
    raw.add_notice_handler(notice)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            try:
                for _ in range(attempts):
                    kept.clear()
                    cursor.execute(f"VACUUM (FULL, VERBOSE) {', '.join(TABLES)}")
                    if not any(kept):
                        return True
                    time.sleep(0.25)
            except DatabaseError:
                return False
            finally:
                cursor.execute("RESET lock_timeout")
    finally:
        raw.remove_notice_handler(notice)
    return False
