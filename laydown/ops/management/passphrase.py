"""The backup passphrase: LAYDOWN_BACKUP_PASSPHRASE (for scheduled backups), else the prompt."""

from __future__ import annotations

import getpass
import os

from django.core.management.base import CommandError


def passphrase_read(*, confirm: bool) -> str:
    value = os.environ.get("LAYDOWN_BACKUP_PASSPHRASE")
    if value:
        return value
    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("The same again: ") != first:
        raise CommandError("The passphrases differ; nothing was written.")
    return first
