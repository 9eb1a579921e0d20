"""What seals and opens a backup: age recipients or identities given on the command line or in
LAYDOWN_BACKUP_RECIPIENT / LAYDOWN_BACKUP_IDENTITY (for scheduled backups), else a passphrase
from LAYDOWN_BACKUP_PASSPHRASE or the prompt."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.core.management.base import CommandError

from laydown.ops.backup import BackupError, Unlock, identities_read


def passphrase_read(*, confirm: bool) -> str:
    value = os.environ.get("LAYDOWN_BACKUP_PASSPHRASE")
    if value:
        return value
    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("The same again: ") != first:
        raise CommandError("The passphrases differ; nothing was written.")
    return first


def recipients_given(given: list[str] | None) -> list[str]:
    """The command line's --recipient values, else LAYDOWN_BACKUP_RECIPIENT (comma-separated)."""
    if given:
        return given
    return [r for r in os.environ.get("LAYDOWN_BACKUP_RECIPIENT", "").split(",") if r.strip()]


def unlock_given(identity: Path | None, *, sealed_by: str) -> Unlock:
    """The identity file given (or LAYDOWN_BACKUP_IDENTITY); else the passphrase, when the
    backup was sealed by one."""
    path = identity or (Path(v) if (v := os.environ.get("LAYDOWN_BACKUP_IDENTITY")) else None)
    try:
        if path is not None:
            return Unlock(identities=identities_read(path))
    except BackupError as exc:
        raise CommandError(str(exc)) from exc
    if sealed_by != "passphrase":
        raise CommandError(
            "This backup is encrypted to an age recipient: give its identity file "
            "(--identity FILE or LAYDOWN_BACKUP_IDENTITY)."
        )
    return Unlock(passphrase=passphrase_read(confirm=False))
