from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.ops import backup
from laydown.ops.management.passphrase import passphrase_read, recipients_given


class Command(BaseCommand):
    help = (
        "`backup DIR`: write a consistent copy of the database (SQLite: online backup API; "
        "PostgreSQL: pg_dump), the stored files and the keys into the new directory DIR, each "
        "part encrypted with age to --recipient (or LAYDOWN_BACKUP_RECIPIENT), else under a "
        "passphrase (LAYDOWN_BACKUP_PASSPHRASE or the prompt); restore with `laydown restore "
        "DIR`. `backup --keygen FILE`: write a new age identity, print its recipient."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, nargs="?")
        parser.add_argument(
            "--recipient", action="append", help="age recipient (age1...) to encrypt to"
        )
        parser.add_argument("--keygen", type=Path, help="write a new age identity to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keygen"]:
            return self._keygen(options["keygen"])
        if options["directory"] is None:
            raise CommandError("Give the directory to write the backup into.")
        recipients = recipients_given(options["recipient"])
        try:
            result = backup.backup_write(
                directory=options["directory"],
                recipients=recipients,
                passphrase=None if recipients else passphrase_read(confirm=True),
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        keep = "the identity file" if recipients else "the passphrase"
        self.stdout.write(
            f"Backed up the log of {result.log_size} records and {result.files} files into "
            f"{result.directory}. Keep {keep} apart: without it the backup is lost."
        )

    def _keygen(self, path: Path) -> None:
        identity, recipient = backup.identity_new()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists: an identity is never overwritten.") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"# public key: {recipient}\n{identity}\n")
        self.stdout.write(recipient)
