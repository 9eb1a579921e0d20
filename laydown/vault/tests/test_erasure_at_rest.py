"""After an erasure, the raw database files (and a backup taken after) hold neither the erased
subject's wrapped key nor its ciphertexts nor its blind-index digests, on SQLite and PostgreSQL.

Each test first shows that the raw read does find stored data (another subject's ciphertext),
so an absence means something.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from laydown.vault import services
from laydown.vault.models import BlindIndex, Entry, SubjectKey
from laydown.vault.tests.base import ACTION, REGISTRAR, write

pytestmark = pytest.mark.django_db(transaction=True)


def secrets_of(subject: str) -> list[bytes]:
    """The bytes an erasure must leave nowhere: wrapped key, ciphertexts, blind-index digests."""
    key = SubjectKey.objects.get(subject=subject)
    found = [bytes(key.wrapped_key)]
    found += [
        bytes(c) for c in Entry.objects.filter(subject=key).values_list("ciphertext", flat=True)
    ]
    found += [
        d.encode() for d in BlindIndex.objects.filter(subject=key).values_list("digest", flat=True)
    ]
    return found


def sqlite_files() -> bytes:
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())


def sqlite_backup(tmp_path: Path) -> bytes:
    """A copy through SQLite's online backup API, as an operator's backup would be taken."""
    copy = tmp_path / "backup.sqlite3"
    with sqlite3.connect(connection.settings_dict["NAME"]) as source, sqlite3.connect(copy) as dst:
        source.backup(dst)
    dst.close()
    return copy.read_bytes()


def postgresql_files() -> bytes:
    """The vault tables' heap, TOAST and index files as on disk (after a CHECKPOINT writes the
    shared buffers out), read by the server with pg_read_binary_file (needs a superuser)."""
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
        cursor.execute(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid IN ("
            " SELECT oid FROM pg_class WHERE relname LIKE 'vault\\_%%'"
            " UNION SELECT reltoastrelid FROM pg_class WHERE relname LIKE 'vault\\_%%'"
            " UNION SELECT indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            "   WHERE t.relname LIKE 'vault\\_%%' OR t.oid IN (SELECT reltoastrelid FROM pg_class"
            "   WHERE relname LIKE 'vault\\_%%'))"
        )
        paths = [row[0] for row in cursor.fetchall() if row[0]]
        data = b""
        for path in paths:
            cursor.execute("SELECT pg_read_binary_file(%s, 0, 100000000, true)", [path])
            data += bytes(cursor.fetchone()[0] or b"")
    return data


def raw_files() -> bytes:
    return sqlite_files() if connection.vendor == "sqlite" else postgresql_files()


def test_an_erased_subject_leaves_nothing_in_the_database_files(tmp_path: Path) -> None:
    write("p-0001")
    write("p-0002", blind_indexes={"name": "ani hakobyan"})
    write("p-0001", category="contact", data={"phone": "+374 10 123456"})
    erased, kept = secrets_of("p-0001"), secrets_of("p-0002")
    before = raw_files()
    assert all(secret in before for secret in erased + kept)  # the raw read sees stored data

    services.vault_erase(principal=REGISTRAR, action=ACTION, subject="p-0001", reason="asked")

    after = raw_files()
    assert kept[1] in after  # the other subject's ciphertext is still there to be found
    assert [s for s in erased if s in after] == []
    if connection.vendor == "sqlite":
        backup = sqlite_backup(tmp_path)
        assert kept[1] in backup and [s for s in erased if s in backup] == []


def test_the_retention_purge_scrubs_what_it_erased(tmp_path: Path) -> None:
    import datetime as dt

    from django.utils import timezone

    write("p-0003")
    write("p-0004", blind_indexes={"name": "ani hakobyan"})  # digests of its own
    erased = secrets_of("p-0003")
    Entry.objects.filter(subject_id="p-0003").update(
        retain_until=timezone.now().date() - dt.timedelta(days=1)
    )
    assert services.vault_purge_expired() == ["p-0003"]
    after = raw_files()
    assert [s for s in erased if s in after] == []


def test_sqlite_connections_overwrite_deleted_content() -> None:
    """secure_delete is on for every connection, whatever the SQLite build's default (Debian's
    is on, so the tests above would pass without it there; other builds' is off)."""
    if connection.vendor != "sqlite":
        pytest.skip("this run uses PostgreSQL (VACUUM FULL is its scrub, tested above)")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
