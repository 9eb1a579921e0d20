from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from laydown.ops import backup
from laydown.ops.management.passphrase import passphrase_read


class Command(BaseCommand):
    help = (
        "`backup DIR`: write a consistent copy of the SQLite database (online backup API), the "
        "stored files and the keys sealed under a passphrase (LAYDOWN_BACKUP_PASSPHRASE or the "
        "prompt) into the new directory DIR; restore with `laydown restore DIR`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup.backup_write(
                directory=options["directory"], passphrase=passphrase_read(confirm=True)
            )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up the log of {result.log_size} records and {result.files} files into "
            f"{result.directory}. Keep the passphrase apart: without it the keys are lost."
        )
